package approve

// The real desk on a real store (SQLite in t.TempDir(), demo data) and the
// Shtrih-M driver on the in-process emulator, as the till runs it.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/assets"
	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/desk/deskstore"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

func TestMain(m *testing.M) {
	// A C locale (containers, CI) names no language; Fyne cannot parse it
	// and would log so for every translation folder.
	for _, env := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(env); v == "C" || v == "POSIX" || strings.HasPrefix(v, "C.") {
			os.Setenv(env, "en")
		}
	}
	if err := assets.LoadTranslations(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// speak makes lang use tag for this test, the way the till's language
// picker does (LANGUAGE, then a re-read of the translations).
func speak(t *testing.T, tag string) {
	t.Helper()
	for _, env := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		t.Setenv(env, os.Getenv(env))
	}
	t.Setenv("LANGUAGE", tag)
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", tag)
	if err := lang.AddTranslationsForLocale([]byte("{}"), fyne.Locale(tag)); err != nil {
		t.Fatal(err)
	}
}

// newWindow is a headless app and window speaking tag, with an entry
// standing for the sale screen's search field behind the dialog.
func newWindow(t *testing.T, tag string) (fyne.Window, *widget.Entry) {
	t.Helper()
	speak(t, tag)
	test.NewTempApp(t)
	behind := widget.NewEntry()
	w := test.NewTempWindow(t, behind)
	w.Resize(fyne.NewSize(1024, 768))
	w.Canvas().Focus(behind)
	return w, behind
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type rig struct {
	db   *store.DB
	path string
	d    *desk.Desk
	clk  *clock
}

func demoUser(t *testing.T, login string) store.DemoUser {
	t.Helper()
	for _, u := range store.DemoUsers {
		if u.Login == login {
			return u
		}
	}
	t.Fatalf("no demo user %s", login)
	return store.DemoUser{}
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	e := emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	r := &rig{path: filepath.Join(dir, "till.db"), clk: &clock{t: time.Date(2026, 12, 2, 10, 0, 0, 0, time.Local)}}
	db, err := store.Open(ctx, r.path, store.Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	t.Cleanup(func() { db.Close() })
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	reg := shtrihtest.Register(t, e)
	r.d, err = desk.New(desk.Config{
		Holder:   policy.NewHolder(nil),
		Store:    deskstore.New(db),
		Bills:    db.Bills(),
		Sales:    sale.NewSales(db.Bills(), vat, nil, r.clk.Now),
		Checkout: sale.NewCheckout(db.Bills(), db.Bills(), reg, vat, r.clk.Now),
		Register: reg,
		Terminal: "till-1",
		Now:      r.clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) signIn(t *testing.T, login string) desk.User {
	t.Helper()
	u, err := r.d.SignIn(context.Background(), login, demoUser(t, login).Password)
	if err != nil {
		t.Fatalf("sign in %s: %v", login, err)
	}
	return u
}

func (r *rig) setting(t *testing.T, key, value string) {
	t.Helper()
	if err := r.db.SetSetting(context.Background(), key, value, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) user(t *testing.T, login string) store.User {
	t.Helper()
	u, err := r.db.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (r *rig) audit(t *testing.T) []store.AuditEntry {
	t.Helper()
	rows, err := r.db.AuditEntries(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// addLine rings up one demo item and returns its line.
func (r *rig) addLine(t *testing.T, item int) sale.LineID {
	t.Helper()
	lid, err := r.d.AddByBarcode(context.Background(), store.DemoItems()[item].Barcode, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return lid
}

func pct(bp int64) sale.Discount { return sale.Discount{Kind: sale.DiscountPercent, Value: bp} }

// denyDiscount asks for a 15 % line discount, which the demo cashier may
// not give (limit 5 %), and returns the denial.
func (r *rig) denyDiscount(t *testing.T, lid sale.LineID) *desk.Denied {
	t.Helper()
	err := r.d.LineDiscount(context.Background(), lid, pct(1500))
	var den *desk.Denied
	if !errors.As(err, &den) {
		t.Fatalf("15 %% discount by the cashier: %v, want *desk.Denied", err)
	}
	return den
}

// pending is a real denied request (a cashier's 15 % discount) for the
// tests over a fake desk, which never run it.
func pending(t *testing.T) *desk.Pending {
	t.Helper()
	r := newRig(t)
	r.signIn(t, "cashier")
	return r.denyDiscount(t, r.addLine(t, 0)).Request
}

// translation is the text of key in one area's shipped file, so tests
// follow the translators' wording.
func translation(t *testing.T, area, tag, key string) string {
	t.Helper()
	raw, err := assets.Translation(area, tag)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s/%s.json: %v", area, tag, err)
	}
	s, ok := m[key]
	if !ok {
		t.Fatalf("%s/%s.json has no %q", area, tag, key)
	}
	return s
}

// fill puts one argument into a go-i18n template.
func fill(tmpl, name, value string) string {
	return strings.ReplaceAll(tmpl, "{{."+name+"}}", value)
}
