package main

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

// winRig is the till's window on a fresh database, wired as runWindow
// wires it, driven through the test driver with the real goroutines.
type winRig struct {
	t   *testing.T
	db  *store.DB
	e   *emu.Emulator
	w   fyne.Window
	app *ui.App
}

func newWinRig(t *testing.T) *winRig {
	t.Helper()
	test.NewTempApp(t)
	ctx := context.Background()
	db, _ := openTestStore(t)
	e := emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1})
	live := &liveRegister{}
	live.swap(shtrihtest.Register(t, e), "emulator")
	d, _, country, stop, err := newDesk(ctx, db, live, "till-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	settings := storeSettings{db: db, terminal: "till-1"}
	auth := deskAuth{d: d, db: db, terminal: "till-1"}
	deps := ui.Deps{
		Auth: auth, Badges: auth, Settings: settings, Items: db, Desk: d, Register: live, Country: country,
		Setup: storeSetup{db: db, terminal: "till-1", printer: live},
	}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1024, 900))
	t.Cleanup(w.Close)
	r := &winRig{t: t, db: db, e: e, w: w, app: ui.New(w, deps)}
	r.app.Start()
	return r
}

// objects is everything visible in the window.
func (r *winRig) objects() []fyne.CanvasObject {
	var out []fyne.CanvasObject
	var visit func(o fyne.CanvasObject)
	visit = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		out = append(out, o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				visit(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				visit(c)
			}
		}
	}
	visit(r.w.Canvas().Content())
	for _, o := range r.w.Canvas().Overlays().List() {
		visit(o)
	}
	return out
}

// waitFor polls until cond holds: the window's work runs on goroutines.
func (r *winRig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("waited in vain for %s; the window shows %q", what, r.texts())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (r *winRig) texts() []string {
	var out []string
	for _, o := range r.objects() {
		l, ok := o.(*widget.Label)
		if rv := reflect.ValueOf(o); !ok && rv.Kind() == reflect.Struct {
			// The window's error line is a struct embedding its label.
			if f := rv.FieldByName("Label"); f.IsValid() {
				l, ok = f.Interface().(*widget.Label)
			}
		}
		if ok && l != nil && l.Text != "" {
			out = append(out, l.Text)
		}
	}
	return out
}

func (r *winRig) shows(sub string) bool {
	for _, s := range r.texts() {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// field is the widget of the form item labelled label.
func (r *winRig) field(label string) fyne.CanvasObject {
	r.t.Helper()
	for _, o := range r.objects() {
		if f, ok := o.(*widget.Form); ok {
			for _, it := range f.Items {
				if it.Text == label {
					return it.Widget
				}
			}
		}
	}
	r.t.Fatalf("no field %q; the window shows %q", label, r.texts())
	return nil
}

// typeInto types text key by key into the field labelled label.
func (r *winRig) typeInto(label, text string) {
	r.t.Helper()
	e, ok := r.field(label).(*widget.Entry)
	if !ok {
		r.t.Fatalf("%s is not an entry", label)
	}
	r.w.Canvas().Focus(e)
	test.Type(e, text)
}

// erase deletes what the field labelled label holds with Backspace.
func (r *winRig) erase(label string) {
	r.t.Helper()
	e := r.field(label).(*widget.Entry)
	r.w.Canvas().Focus(e)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEnd})
	for range len([]rune(e.Text)) {
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
	}
	if e.Text != "" {
		r.t.Fatalf("%s still holds %q", label, e.Text)
	}
}

func (r *winRig) tap(text string) {
	r.t.Helper()
	for _, o := range r.objects() {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	r.t.Fatalf("no button %q; the window shows %q", text, r.texts())
}

// focused is the widget with the keyboard focus, once the screen the
// window's goroutines are building has given it.
func (r *winRig) focused() fyne.Focusable {
	r.t.Helper()
	r.waitFor("a focused field", func() bool { return r.w.Canvas().Focused() != nil })
	return r.w.Canvas().Focused()
}

// enter presses Enter in the focused field.
func (r *winRig) enter() {
	r.t.Helper()
	f := r.w.Canvas().Focused()
	if f == nil {
		r.t.Fatal("nothing has the focus")
	}
	f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

// A database with no users opens on the setup screen, never on a sign-in
// nobody could pass. The admin types the store and themself key by key, a
// wrong INN is explained, the password is shown large once and printed on
// the register's tape, and the admin then signs in with it, is made to
// change it, and reaches the sale screen. The database holds all of it.
func TestSetupScreenThenFirstSignIn(t *testing.T) {
	r := newWinRig(t)
	if !r.shows("This database has no users yet.") {
		t.Fatalf("a database without users opened on %q", r.texts())
	}
	r.typeInto("Trading name", "Продукты у дома")
	r.typeInto("Legal name of the organisation", "ООО «Ромашка»")
	if sel := r.field("Country").(*widget.Select); sel.Selected != "Russia" {
		t.Errorf("default country %q", sel.Selected)
	}
	if !r.shows("Currency RUB; VAT rates 20, 20/120, 10, 10/110, 7, 5, 0, none.") {
		t.Errorf("the country's currency and VAT table are not shown: %q", r.texts())
	}
	r.typeInto("Organisation INN / partita IVA", "7707083894") // last digit wrong
	r.typeInto("Address", "Москва, ул. Ленина, 1")
	// The test window speaks English; the store defaults to the country's.
	if sel := r.field("Language of the till").(*widget.Select); sel.Selected != "Русский" {
		t.Errorf("default language %q", sel.Selected)
	}
	r.field("Language of the till").(*widget.Select).SetSelected("English")
	r.typeInto("Administrator's login", "olga")
	r.typeInto("Administrator's full name", "Ольга Смирнова")
	r.enter() // Enter in the last field submits
	r.waitFor("the INN refused", func() bool { return r.shows("The organisation's INN must be 10 digits") })
	if need, _ := r.db.NeedsSetup(context.Background()); !need {
		t.Fatal("a refused form set the store up")
	}
	if f, _ := r.w.Canvas().Focused().(fyne.CanvasObject); f != r.field("Organisation INN / partita IVA") {
		t.Errorf("the cursor is not in the INN field after its refusal")
	}
	r.erase("Organisation INN / partita IVA")
	r.typeInto("Organisation INN / partita IVA", "7707083893")
	r.tap("Set up the till")
	r.waitFor("the initial password", func() bool { return r.shows("Initial password of Ольга Смирнова (login olga)") })
	var pw string
	for _, o := range r.objects() {
		if l, ok := o.(*widget.Label); ok && l.TextStyle.Monospace && l.SizeName != "" {
			pw = l.Text
		}
	}
	if len(pw) != store.InitialPasswordLen {
		t.Fatalf("the password shown is %q", pw)
	}
	r.tap("Print on the register's tape")
	r.waitFor("the slip printed", func() bool { return r.shows("Printed. Take the slip") })
	if tape := strings.Join(r.e.Tape(), "\n"); !strings.Contains(tape, pw) || !strings.Contains(tape, "olga") {
		t.Errorf("the tape lacks the password slip:\n%s", tape)
	}

	det, err := r.db.Details(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := store.StoreDetails{
		TradingName: "Продукты у дома", LegalName: "ООО «Ромашка»", INN: "7707083893",
		Address: "Москва, ул. Ленина, 1", Country: "RU", Language: "en",
	}
	if det != want {
		t.Errorf("the store saved %+v, want %+v", det, want)
	}

	r.tap("Continue to sign-in")
	r.waitFor("the login screen", func() bool { return len(r.objects()) > 0 && !r.shows("Initial password of") })
	test.Type(r.focused(), "olga")
	r.enter()
	test.Type(r.focused(), pw)
	r.enter()
	r.waitFor("the forced password change", func() bool { return r.shows("your password was set by an administrator") })
	test.Type(r.focused(), "Ромашка2026")
	r.enter()
	test.Type(r.focused(), "Ромашка2026")
	r.enter()
	r.waitFor("the sale screen", func() bool { return r.app.User() != nil && !r.shows("your password was set") })
	u, err := r.db.UserByLogin(context.Background(), "olga")
	if err != nil || u.MustChange || u.FullName != "Ольга Смирнова" {
		t.Errorf("the admin after the first sign-in: %+v, %v", u, err)
	}
	if _, err := r.db.Authenticate(context.Background(), "olga", "Ромашка2026"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}
