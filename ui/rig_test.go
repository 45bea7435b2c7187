package ui

// A sale screen on real parts: the store in t.TempDir() with the demo
// data, the sale services, the desk, and the Shtrih-M driver over the
// in-process emulator, whose fiscal memory says what was printed.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/desk/deskstore"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

type rig struct {
	t    *testing.T
	e    *emu.Emulator
	db   *store.DB
	dir  string
	reg  *shtrih.Register
	d    *desk.Desk
	a    *App
	w    fyne.Window
	tag  string
	deps Deps
	tape *sale.Tape // the desk prints pre-bills and copies when set
}

// deskAuthForTest signs in through the desk like cmd/till's adapter.
type deskAuthForTest struct {
	d  *desk.Desk
	db *store.DB
}

func (a deskAuthForTest) Authenticate(ctx context.Context, login, password string) (User, error) {
	u, err := a.d.SignIn(ctx, login, password)
	if err != nil {
		return User{}, fmt.Errorf("%w: %w", ErrWrongPassword, err)
	}
	return User{ID: int64(u.ID), Login: u.Login, FullName: u.FullName, Group: "Cashier", MustChange: u.MustChange, JournalDays: u.JournalDays}, nil
}

func (a deskAuthForTest) AuthenticateBadge(ctx context.Context, id device.BadgeID) (User, error) {
	u, err := a.d.SignInBadge(ctx, id)
	if err != nil {
		return User{}, fmt.Errorf("%w: %w", ErrUnknownUser, err)
	}
	return User{ID: int64(u.ID), Login: u.Login, FullName: u.FullName}, nil
}

func (a deskAuthForTest) ChangePassword(ctx context.Context, u User, old, new string) error {
	if err := a.db.ChangePassword(ctx, u.Login, old, new); err != nil {
		return err
	}
	return a.d.PasswordChanged(ctx)
}

func (a deskAuthForTest) SearchItems(ctx context.Context, prefix string, limit int) ([]sale.Item, error) {
	return a.db.SearchItems(ctx, prefix, limit)
}

// newRig opens a fresh demo store and register; reopen builds the till
// again on the same files (a restart).
func newRig(t *testing.T, tag string) *rig {
	t.Helper()
	r := &rig{
		t: t, dir: t.TempDir(), tag: tag,
		e: emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true}),
	}
	r.open()
	if err := r.db.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.startApp()
	return r
}

func (r *rig) open() {
	t := r.t
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(r.dir, "till.db"), store.Options{KeyPath: filepath.Join(r.dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	t.Cleanup(func() { db.Close() })
	r.reg = shtrihtest.Register(t, r.e)
}

func (r *rig) startApp() {
	t := r.t
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	r.d, err = desk.New(desk.Config{
		Holder:   policy.NewHolder(nil),
		Store:    deskstore.New(r.db),
		Bills:    r.db.Bills(),
		Sales:    sale.NewSales(r.db.Bills(), vat, nil, nil),
		Checkout: sale.NewCheckout(r.db.Bills(), r.db.Bills(), r.reg, vat, nil),
		Register: r.reg,
		Tape:     r.tape,
		Terminal: "till-test",
	})
	if err != nil {
		t.Fatal(err)
	}
	auth := deskAuthForTest{d: r.d, db: r.db}
	deps := r.deps
	deps.Auth, deps.Badges, deps.Items, deps.Desk = auth, auth, auth, r.d
	deps.StoreLanguage = "ru" // the demo store is Russian, as cmd/till wires it
	settings := newMemSettings()
	_ = settings.SetString(SettingTheme, ThemeLight)
	deps.Settings = settings
	r.a, r.w = newTestApp(t, r.tag, deps)
}

// restart closes the till as a crash would (no sign-out) and starts it
// again on the same database and register memory.
func (r *rig) restart() {
	r.reg.Close()
	r.db.Close()
	r.open()
	r.startApp()
}

func (r *rig) signIn(login string) *MainScreen {
	r.t.Helper()
	for _, u := range store.DemoUsers {
		if u.Login == login {
			loginAs(r.t, r.a, r.w, login, u.Password)
		}
	}
	m, ok := r.a.screen.(*MainScreen)
	if !ok {
		r.t.Fatalf("after signing in %s the screen is %T", login, r.a.screen)
	}
	return m
}

func (r *rig) main() *MainScreen {
	r.t.Helper()
	m, ok := r.a.screen.(*MainScreen)
	if !ok {
		r.t.Fatalf("screen is %T, want the sale screen", r.a.screen)
	}
	return m
}

// scan types a barcode into the field and presses Enter, as a person
// does (the wedge's timing is tested on its own).
func (r *rig) scan(code string) {
	s := r.main().sale
	s.entry.SetText(code)
	s.submitEntry(s.entry.Text)
}

func (r *rig) item(i int) sale.Item { return store.DemoItems()[i] }

func (r *rig) press(id string) {
	r.t.Helper()
	a := r.main().sale.action(id)
	if a == nil || a.button.Disabled() || !a.button.Visible() {
		r.t.Fatalf("button %s is not pressable", id)
	}
	test.Tap(a.button)
}

// formSubmit types texts into the open form and presses Enter.
func (r *rig) formSubmit(texts ...string) {
	r.t.Helper()
	f := r.main().sale.form
	if f == nil {
		r.t.Fatal("no form is open")
	}
	for i, s := range texts {
		f.entries[i].SetText(s)
	}
	f.confirm()
}

func (r *rig) notice() string { return r.main().notice.Text() }

func (r *rig) receipts() []emu.Document {
	var out []emu.Document
	for _, d := range r.e.Documents() {
		if d.Type == emu.DocReceipt {
			out = append(out, d)
		}
	}
	return out
}

func (r *rig) bill() (sale.Bill, sale.Totals) {
	r.t.Helper()
	b, t, err := r.d.Bill(context.Background())
	if err != nil && !errors.Is(err, desk.ErrNoBill) {
		r.t.Fatal(err)
	}
	return b, t
}

func (r *rig) mustContain(what string, want ...string) {
	r.t.Helper()
	got := visible(r.w)
	for _, w := range want {
		if !strings.Contains(got, w) {
			r.t.Errorf("%s: the window does not show %q", what, w)
		}
	}
}

func findButton(o fyne.CanvasObject, text string) *widget.Button {
	var b *widget.Button
	walk(o, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Button:
			if x.Text == text {
				b = x
			}
		case *keyButton: // a dialog's button
			if x.Text == text {
				b = &x.Button
			}
		}
	})
	return b
}
