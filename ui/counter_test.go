package ui

// The counter under a cashier's hands (issue 14): the real window (App on
// the demo store, the desk and the emulated register) driven by keystrokes
// only, delivered as GLFW delivers them — KeyDown to the focused widget
// (or the canvas, whose hook is the keyboard wedge), then TypedKey to
// whatever has the focus by then — and the database read afterwards to
// prove what really happened: bills, payments, fiscal documents.

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
	"github.com/tillpos/till/sale"
)

// xkbLetter is the X11 keycode of a letter key (QWERTY position).
var xkbLetter = map[rune]int{
	'q': 24, 'w': 25, 'e': 26, 'r': 27, 't': 28, 'y': 29, 'u': 30, 'i': 31, 'o': 32, 'p': 33,
	'a': 38, 's': 39, 'd': 40, 'f': 41, 'g': 42, 'h': 43, 'j': 44, 'k': 45, 'l': 46,
	'z': 52, 'x': 53, 'c': 54, 'v': 55, 'b': 56, 'n': 57, 'm': 58,
}

// keyDown sends a KeyDown as GLFW does: to the focused widget when it
// takes key-downs, else to the canvas's hook (the wedge).
func (k *keyboard) keyDown(ev *fyne.KeyEvent) {
	if f := k.r.w.Canvas().Focused(); f != nil {
		if kd, ok := f.(desktop.Keyable); ok {
			kd.KeyDown(ev)
		}
		return
	}
	k.r.a.keys.keyDown(nil, ev)
}

// press is one key that types no character (Enter, Escape, F-keys,
// arrows): KeyDown, then TypedKey to whatever has the focus by then, then
// the wedge's deadline passes.
func (k *keyboard) press(name fyne.KeyName) {
	k.clk = k.clk.Add(200 * time.Millisecond)
	ev := &fyne.KeyEvent{Name: name}
	if isEnter(name) {
		ev.Physical.ScanCode = 36
	}
	k.keyDown(ev)
	c := k.r.w.Canvas()
	if f := c.Focused(); f != nil {
		f.TypedKey(ev)
	} else if h := c.OnTypedKey(); h != nil {
		h(ev)
	}
	k.idle()
}

// ctrl is a Ctrl+letter, as GLFW sends it: a shortcut to the focused
// widget, else to the canvas's shortcuts.
func (k *keyboard) ctrl(key fyne.KeyName) {
	sc := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
	c := k.r.w.Canvas()
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(sc)
		return
	}
	if h, ok := c.(fyne.Shortcutable); ok {
		h.TypedShortcut(sc)
	}
}

// text types like a person, gap between keys, where the focus is: digits
// and letters with their physical key, other characters by name; '\r'
// is Enter. The wedge's deadline passes at the end.
func (k *keyboard) text(s string, gap time.Duration) {
	c := k.r.w.Canvas()
	for _, r := range s {
		k.clk = k.clk.Add(gap)
		if r == '\r' {
			ev := &fyne.KeyEvent{Name: fyne.KeyReturn, Physical: fyne.HardwareKey{ScanCode: 36}}
			k.keyDown(ev)
			if f := c.Focused(); f != nil {
				f.TypedKey(ev)
			} else if h := c.OnTypedKey(); h != nil {
				h(ev)
			}
			continue
		}
		switch {
		case r >= '0' && r <= '9':
			k.keyDown(&fyne.KeyEvent{Name: fyne.KeyName(string(r)), Physical: fyne.HardwareKey{ScanCode: xkb(r)}})
		case xkbLetter[r] != 0:
			k.keyDown(&fyne.KeyEvent{Name: fyne.KeyName(strings.ToUpper(string(r))), Physical: fyne.HardwareKey{ScanCode: xkbLetter[r]}})
		default:
			k.keyDown(&fyne.KeyEvent{Name: fyne.KeyName(string(r))})
		}
		if f := c.Focused(); f != nil {
			f.TypedRune(r)
		} else if h := c.OnTypedRune(); h != nil {
			h(r)
		}
	}
	k.idle()
}

// dialogOpen says whether a dialog is showing over the screen.
func (r *rig) dialogOpen() bool { return r.w.Canvas().Overlays().Top() != nil }

// counterDB reads the till's database as it is on disk.
type counterDB struct {
	t  *testing.T
	db *sql.DB
}

func (r *rig) sqlite() counterDB {
	r.t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(r.dir, "till.db")+"?mode=ro")
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { db.Close() })
	return counterDB{t: r.t, db: db}
}

func (c counterDB) int(q string, args ...any) int64 {
	c.t.Helper()
	var v sql.NullInt64
	if err := c.db.QueryRow(q, args...).Scan(&v); err != nil {
		c.t.Fatalf("%s: %v", q, err)
	}
	return v.Int64
}

// fiscalised is the number of bills with a fiscal document.
func (c counterDB) fiscalised() int64 { return c.int(`SELECT count(*) FROM fiscal_docs`) }

// paid is what the payments of all bills add up to.
func (c counterDB) paid() int64 { return c.int(`SELECT coalesce(sum(amount), 0) FROM payments`) }

func (r *rig) counter(login string) (*MainScreen, *keyboard) {
	m := r.signIn(login)
	k := newKeyboard(r)
	r.w.Canvas().Focus(m.sale.entry)
	return m, k
}

// Point 1: Enter in the empty barcode field takes no money; paying is F12.
func TestCounter_EnterInEmptyFieldTakesNoMoney(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("cashier")
	db := r.sqlite()
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	if n := len(m.sale.model.rows); n != 1 {
		t.Fatalf("typed barcode: %d lines (notice %q)", n, r.notice())
	}
	k.press(fyne.KeyReturn) // the empty field
	k.press(fyne.KeyReturn)
	if got := db.fiscalised(); got != 0 || len(r.receipts()) != 0 {
		t.Fatalf("Enter in the empty field fiscalised %d bills (%d receipts)", got, len(r.receipts()))
	}
	if got := db.paid(); got != 0 {
		t.Fatalf("Enter in the empty field recorded %d paid", got)
	}
	k.press(fyne.KeyF12)
	if !r.dialogOpen() {
		t.Fatal("F12 did not open the payment")
	}
	k.text(r.item(0).Barcode[:0]+"100\r", 150*time.Millisecond)
	rec := r.receipts()
	if len(rec) != 1 || rec[0].Payments[0] != 10000 || rec[0].Change != 10000-r.item(0).Price {
		t.Fatalf("receipts %+v (notice %q)", rec, r.notice())
	}
	if got := db.paid(); got != 10000 {
		t.Errorf("payments add up to %d, want 10000", got)
	}
}

// Point 1: Enter and Escape under Recall and Return are the dialog's: the
// bill behind is never paid, Escape closes, F-keys do nothing meanwhile.
func TestCounter_DialogsOwnTheKeyboard(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("supervisor")
	db := r.sqlite()
	// One sale paid on purpose (the journal has a receipt to return).
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	k.press(fyne.KeyF12)
	k.text("100\r", 150*time.Millisecond)
	if db.fiscalised() != 1 {
		t.Fatalf("the sale was not paid: %q", r.notice())
	}
	// A parked bill, then a bill on screen.
	k.text(r.item(1).Barcode+"\r", 150*time.Millisecond)
	k.press(fyne.KeyF8)
	k.text(r.item(2).Barcode+"\r", 150*time.Millisecond)
	open, _ := r.bill()

	for _, key := range []fyne.KeyName{fyne.KeyF9, fyne.KeyF11} {
		k.press(key)
		if !r.dialogOpen() {
			t.Fatalf("%s opened no dialog (notice %q)", key, r.notice())
		}
		k.press(fyne.KeyF12) // the screen's keys do nothing under a dialog
		k.press(fyne.KeyF7)
		k.press(fyne.KeyEscape)
		if r.dialogOpen() {
			t.Fatalf("Escape did not close the dialog of %s", key)
		}
	}
	// Enter under Recall: the dialog's (it recalls the parked bill, or
	// says why not) — never the payment of the bill behind it.
	k.press(fyne.KeyF9)
	k.press(fyne.KeyReturn)
	k.press(fyne.KeyF11)
	k.press(fyne.KeyReturn)
	for r.dialogOpen() {
		k.press(fyne.KeyEscape)
	}
	if got := db.fiscalised(); got != 1 || len(r.receipts()) != 1 {
		t.Fatalf("Enter under the dialogs fiscalised: %d bills, %d receipts", got, len(r.receipts()))
	}
	if got := db.int(`SELECT count(*) FROM payments WHERE bill_id = ?`, int64(open.ID)); got != 0 {
		t.Fatalf("the bill behind the dialogs got %d payments", got)
	}
	_ = m
}

// Point 1: Bill history (Ctrl+H), Search (F1) and the forms close with
// Escape too, and the focus is back in the barcode field.
func TestCounter_EscapeClosesEveryDialog(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("admin")
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	open := map[string]func(){
		"history":  func() { r.press("history") },
		"search":   func() { k.press(fyne.KeyF1) },
		"quantity": func() { k.press(fyne.KeyF2) },
		"price":    func() { k.press(fyne.KeyF3) },
		"discount": func() { k.press(fyne.KeyF4) },
		"generic":  func() { r.press("generic") },
		"shift":    func() { r.press("shift") },
		"pay":      func() { k.press(fyne.KeyF12) },
		"cancel":   func() { k.press(fyne.KeyF7) },
	}
	for name, o := range open {
		o()
		if !r.dialogOpen() {
			t.Errorf("%s: no dialog (notice %q)", name, r.notice())
			continue
		}
		if r.w.Canvas().Focused() == m.sale.entry {
			t.Errorf("%s: the barcode field behind the dialog kept the focus", name)
		}
		k.press(fyne.KeyEscape)
		if r.dialogOpen() {
			t.Errorf("%s: Escape did not close it", name)
			r.w.Canvas().Overlays().Top().Hide()
		}
		if r.w.Canvas().Focused() != m.sale.entry {
			t.Errorf("%s: after closing, the focus is %T, not the barcode field", name, r.w.Canvas().Focused())
		}
	}
	if b, _ := r.bill(); len(b.Lines) != 1 || b.State != sale.StateOpen {
		t.Errorf("Escape changed the bill: %+v", b)
	}
}

// Point 2: typing replaces a prefilled value — the tender and F2's quantity.
func TestCounter_TypingReplacesThePrefill(t *testing.T) {
	r := newRig(t, "en")
	_, k := r.counter("cashier")
	db := r.sqlite()
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	k.press(fyne.KeyF2)
	k.text("2\r", 150*time.Millisecond)
	if got := db.int(`SELECT qty_milli FROM bill_lines`); got != 2000 {
		t.Fatalf("F2 then 2: quantity %d milli, want 2000 (notice %q)", got, r.notice())
	}
	k.press(fyne.KeyF12)
	k.text("500\r", 150*time.Millisecond)
	due := 2 * r.item(0).Price
	rec := r.receipts()
	if len(rec) != 1 || rec[0].Payments[0] != 50000 || rec[0].Change != 50000-due {
		t.Fatalf("tendered 500 for %d: receipts %+v (notice %q)", due, rec, r.notice())
	}
	if got := db.paid(); got != 50000 {
		t.Errorf("payments %d, want 50000", got)
	}
}

// Point 2: a tender far above the total asks first; Enter goes back to
// the amount, nothing is paid until a sane amount is typed.
func TestCounter_HugeTenderAsksFirst(t *testing.T) {
	r := newRig(t, "en")
	_, k := r.counter("cashier")
	db := r.sqlite()
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	k.press(fyne.KeyF12)
	k.text("10049,90\r", 150*time.Millisecond) // the slip of the issue
	if db.paid() != 0 || len(r.receipts()) != 0 {
		t.Fatalf("10049,90 for %d was taken without asking: paid %d", r.item(0).Price, db.paid())
	}
	k.press(fyne.KeyReturn) // "Correct": back to the amount
	if db.paid() != 0 || len(r.receipts()) != 0 {
		t.Fatalf("Enter on the question took the money: paid %d", db.paid())
	}
	k.text("100\r", 150*time.Millisecond)
	rec := r.receipts()
	if len(rec) != 1 || rec[0].Payments[0] != 10000 || rec[0].Change != 10000-r.item(0).Price {
		t.Fatalf("receipts %+v (notice %q)", rec, r.notice())
	}
}

// Point 9: a huge price is refused at entry with "too large" (not "not a
// number"), before the matrix is asked; the window keeps its size; a bill
// at the largest price is paid with its own total.
func TestCounter_LargeNumbers(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("admin")
	db := r.sqlite()
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	notNum := strings.SplitN(translation(t, "en", "ui.dlg.not_number"), "”", 2)[1]

	k.press(fyne.KeyF3)
	k.text("999999999999\r", 150*time.Millisecond)
	if got := db.int(`SELECT unit_price FROM bill_lines`); got != r.item(0).Price {
		t.Fatalf("price 999 999 999 999 was accepted: %d", got)
	}
	if e := m.sale.form.errLine.text(); e == "" || strings.Contains(e, notNum) {
		t.Errorf("price 999 999 999 999: the form says %q", e)
	}
	k.press(fyne.KeyEscape)

	k.press(fyne.KeyF2)
	k.text("12345678901234567\r", 150*time.Millisecond)
	if e := m.sale.form.errLine.text(); e == "" || strings.Contains(e, notNum) {
		t.Errorf("a 17-digit quantity: the form says %q", e)
	}
	k.press(fyne.KeyEscape)
	if w := r.w.Content().MinSize().Width; w > 1024 {
		t.Errorf("the window wants %.0f px", w)
	}

	// The largest price the till takes, and the bill paid by typing its
	// own total back.
	k.press(fyne.KeyF3)
	k.text("9999999,99\r", 150*time.Millisecond)
	if got := db.int(`SELECT unit_price FROM bill_lines`); got != 999999999 {
		t.Fatalf("the largest price: %d (notice %q)", got, r.notice())
	}
	if w := r.w.Content().MinSize().Width; w > 1024 {
		t.Errorf("with the largest price the window wants %.0f px", w)
	}
	k.press(fyne.KeyF12)
	k.text("9 999 999,99\r", 150*time.Millisecond)
	if got := db.fiscalised(); got != 1 {
		t.Fatalf("the bill at the largest price was not paid: %q / %q", r.notice(), m.sale.pay.errLine.text())
	}
	if got := db.paid(); got != 999999999 {
		t.Errorf("paid %d", got)
	}
}

// Point 10: a key for every action: Ctrl+G generic item, Ctrl+H bill
// history, Ctrl+D shift, Ctrl+S ask supervisor; Recall by arrows and Enter.
func TestCounter_KeysForEveryAction(t *testing.T) {
	r := newRig(t, "en")
	asked := 0
	r.deps.Approve = func(fyne.Window, *desk.Pending, func(error)) InputSink { asked++; return nil }
	r.startApp()
	_, k := r.counter("cashier")
	db := r.sqlite()

	k.ctrl(fyne.KeyG)
	if !r.dialogOpen() {
		t.Fatal("Ctrl+G opened nothing")
	}
	k.text("Bag\r12,50\r3\r", 150*time.Millisecond)
	if got := db.int(`SELECT count(*) FROM bill_lines WHERE name = 'Bag' AND unit_price = 1250 AND qty_milli = 3000`); got != 1 {
		t.Fatalf("generic item by keys: %d lines (notice %q)", got, r.notice())
	}
	k.ctrl(fyne.KeyH)
	if !r.dialogOpen() {
		t.Error("Ctrl+H opened no bill history")
	}
	k.press(fyne.KeyEscape)
	k.ctrl(fyne.KeyD)
	if !r.dialogOpen() {
		t.Error("Ctrl+D opened no shift dialog")
	}
	k.press(fyne.KeyEscape)

	// Two parked bills; the second is recalled by Down and Enter.
	k.press(fyne.KeyF8)
	k.text(r.item(1).Barcode+"\r", 150*time.Millisecond)
	k.press(fyne.KeyF8)
	k.press(fyne.KeyF9)
	k.press(fyne.KeyDown)
	k.press(fyne.KeyReturn)
	if r.dialogOpen() {
		t.Fatal("Enter in Recall did not pick")
	}
	if b, _ := r.bill(); len(b.Lines) != 1 || b.Lines[0].Name != r.item(1).Name {
		t.Fatalf("recalled %+v", b.Lines)
	}

	// A denial offers Ask supervisor; Ctrl+S asks.
	k.press(fyne.KeyF6) // the cashier may not void
	if r.notice() == "" {
		t.Fatal("void was not denied")
	}
	k.ctrl(fyne.KeyS)
	if asked != 1 {
		t.Errorf("Ctrl+S asked the supervisor %d times", asked)
	}
	if got := db.fiscalised(); got != 0 {
		t.Errorf("%d bills fiscalised by the keys", got)
	}
}

// Point 10: a login typed at scanner speed (25-35 ms a key) is typing,
// not a badge: it stays in the field and signs in.
func TestCounter_FastTypedLoginIsTyping(t *testing.T) {
	r := newRig(t, "en")
	k := newKeyboard(r)
	l := r.a.screen.(*LoginScreen)
	r.w.Canvas().Focus(l.login)
	for i, c := range "cashier" {
		gap := 25 * time.Millisecond
		if i%2 == 1 {
			gap = 35 * time.Millisecond
		}
		k.clk = k.clk.Add(gap)
		l.login.KeyDown(&fyne.KeyEvent{Name: fyne.KeyName(strings.ToUpper(string(c))), Physical: fyne.HardwareKey{ScanCode: xkbLetter[c]}})
		l.login.TypedRune(c)
	}
	k.idle()
	if l.login.Text != "cashier" {
		t.Fatalf("the login typed at 30 ms a key reads %q (error %q)", l.login.Text, l.ErrorText())
	}
	r.w.Canvas().Focus(l.password)
	for _, c := range demo(t, "cashier").Password + "\r" {
		k.clk = k.clk.Add(30 * time.Millisecond)
		if c == '\r' {
			ev := &fyne.KeyEvent{Name: fyne.KeyReturn, Physical: fyne.HardwareKey{ScanCode: 36}}
			l.password.KeyDown(ev)
			k.idle()
			if f := r.w.Canvas().Focused(); f != nil {
				f.TypedKey(ev)
			}
			continue
		}
		code := xkbLetter[c]
		if code == 0 {
			code = xkb(c)
		}
		l.password.KeyDown(&fyne.KeyEvent{Name: fyne.KeyName(strings.ToUpper(string(c))), Physical: fyne.HardwareKey{ScanCode: code}})
		l.password.TypedRune(c)
	}
	k.idle()
	if u := r.a.User(); u == nil || u.Login != "cashier" {
		t.Fatalf("fast typing did not sign in: user %v, error %q", u, l.ErrorText())
	}
}

// Point 10: "3*" typed, then a scan: the scan takes the typed quantity.
func TestCounter_TypedQuantityThenScan(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("cashier")
	db := r.sqlite()
	k.text("3*", 200*time.Millisecond)
	k.typeInto(m.sale.entry, r.item(0).Barcode+"\r", 5*time.Millisecond) // the scanner
	k.idle()
	if got := db.int(`SELECT coalesce(sum(qty_milli), 0) FROM bill_lines`); got != 3000 {
		t.Fatalf("3* then a scan: %d milli (field %q, notice %q)", got, m.sale.entry.Text, r.notice())
	}
	if m.sale.entry.Text != "" {
		t.Errorf("the field kept %q", m.sale.entry.Text)
	}
}

// Point 10: fullscreen at 1920×1080 scales the screen (text, buttons, the
// bill's columns) instead of leaving 1024×768's sizes in a sea of space;
// the screen still fits.
func TestCounter_LargeScreenIsScaled(t *testing.T) {
	r := newRig(t, "ru")
	m, _ := r.counter("cashier")
	t.Cleanup(func() { r.w.Resize(fyne.NewSize(1024, 768)) })
	small := m.sale.action("search").button.Size().Height
	r.w.Resize(fyne.NewSize(1920, 1080))
	text := fyne.CurrentApp().Settings().Theme().Size(theme.SizeNameText)
	if text < 20 {
		t.Errorf("text size at 1920×1080: %.1f", text)
	}
	if big := m.sale.action("search").button.Size().Height; big < small*1.3 {
		t.Errorf("an action button is %.0f px high at 1920×1080, %.0f at 1024×768", big, small)
	}
	if min := r.w.Content().MinSize(); min.Width > 1920 || min.Height > 1080 {
		t.Errorf("the scaled screen wants %v", min)
	}
	r.w.Resize(fyne.NewSize(1024, 768))
	if text := fyne.CurrentApp().Settings().Theme().Size(theme.SizeNameText); text != 16 {
		t.Errorf("text size back at 1024×768: %.1f", text)
	}
}

// Point 10: the Italian status bar fits 1024 px with a supervisor's rights
// lent, the register's serial and the shift's number.
func TestCounter_ItalianStatusBarFits(t *testing.T) {
	r := newRig(t, "it")
	m, _ := r.counter("cashier")
	m.pollDesk()
	m.elevation.SetText(translation(t, "it", "ui.status.elevated"))
	m.elevation.SetText(strings.ReplaceAll(m.elevation.Text, "{{.Name}}", "Игорь Николаевич Волков"))
	m.elevation.Show()
	m.shift.SetText(strings.NewReplacer("{{.N}}", "12", "{{.Since}}", "04.12 09:00").Replace(translation(t, "it", "ui.status.shift_number")))
	if w := m.statusRow.MinSize().Width; w > 1024-2*theme.Padding() {
		t.Errorf("the Italian status bar wants %.0f px: %q | %q | %q | %q", w, m.cashier.Text, m.elevation.Text, m.shift.Text, m.register.Text)
	}
}

// Point 10: Retry and Reconcile have keys. The register's reply to the
// receipt is lost; Ctrl+E (Reconcile) proves the receipt was printed and
// records it — once — without a second receipt.
func TestCounter_ReconcileByKey(t *testing.T) {
	r := newRig(t, "en")
	_, k := r.counter("cashier")
	db := r.sqlite()
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	r.e.Inject(emu.Fault{Kind: emu.Disconnect, After: proto.CmdCloseV2})
	k.press(fyne.KeyF12)
	k.text("100\r", 150*time.Millisecond)
	if b, _ := r.bill(); b.State != sale.StateFiscalising {
		t.Fatalf("bill %s after a lost reply (notice %q)", b.State, r.notice())
	}
	r.e.Clear(emu.Disconnect)
	k.ctrl(fyne.KeyE)
	if got := db.fiscalised(); got != 1 {
		t.Fatalf("Ctrl+E (Reconcile): %d fiscal documents in the journal (notice %q)", got, r.notice())
	}
	if n := len(r.receipts()); n != 1 {
		t.Errorf("%d receipts on the register, want 1", n)
	}
}

// Point 10: Retry by key: the register's reply to the receipt is lost;
// once the link is back Ctrl+R (Retry) settles it — reconciles first, so
// the receipt is recorded once and never printed twice.
func TestCounter_RetryByKey(t *testing.T) {
	r := newRig(t, "en")
	_, k := r.counter("cashier")
	db := r.sqlite()
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	r.e.Inject(emu.Fault{Kind: emu.Disconnect, After: proto.CmdCloseV2})
	k.press(fyne.KeyF12)
	k.text("100\r", 150*time.Millisecond)
	r.e.Clear(emu.Disconnect)
	k.ctrl(fyne.KeyR)
	if got := db.fiscalised(); got != 1 {
		t.Fatalf("Ctrl+R (Retry): %d fiscal documents (notice %q)", got, r.notice())
	}
	if n := len(r.receipts()); n != 1 {
		t.Errorf("%d receipts on the register, want exactly 1", n)
	}
	if got := db.paid(); got != 10000 {
		t.Errorf("payments %d, want 10000", got)
	}
}

// A dialog's focused button: Enter presses it, Escape closes the dialog.
func TestCounter_DialogButtonsTakeEnterAndEscape(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("cashier")
	db := r.sqlite()
	k.text(r.item(0).Barcode+"\r", 150*time.Millisecond)
	k.press(fyne.KeyF12)
	k.text("500", 150*time.Millisecond)
	r.w.Canvas().FocusNext() // Tab from the amount: the first quick tender (the exact amount)
	if f := r.w.Canvas().Focused(); f == nil || f == fyne.Focusable(m.sale.pay.amount) {
		t.Fatalf("Tab from the amount focused %T", f)
	}
	k.press(fyne.KeyEscape)
	if r.dialogOpen() || db.paid() != 0 {
		t.Fatalf("Escape on a focused button: dialog open %v, paid %d", r.dialogOpen(), db.paid())
	}
	k.press(fyne.KeyF12)
	r.w.Canvas().FocusNext()
	k.press(fyne.KeyReturn) // the exact amount
	if got := db.paid(); got != r.item(0).Price || len(r.receipts()) != 1 {
		t.Fatalf("Enter on the exact-amount button: paid %d, %d receipts (notice %q)", got, len(r.receipts()), r.notice())
	}
}

// Point 1: the Enter that ends a scan is not the dialog's it opens. A
// weighed item scanned by its plain code asks the weight; the scanner's
// Enter (KeyDown to the barcode field, TypedKey to the weight field that
// has the focus by then) must not submit the empty weight.
func TestCounter_ScanEnterDoesNotConfirmTheDialogItOpens(t *testing.T) {
	r := newRig(t, "en")
	m, k := r.counter("cashier")
	db := r.sqlite()
	apples := r.item(200)
	for _, c := range apples.Barcode {
		k.clk = k.clk.Add(5 * time.Millisecond)
		k.keyDown(&fyne.KeyEvent{Name: fyne.KeyName(string(c)), Physical: fyne.HardwareKey{ScanCode: xkb(c)}})
		r.w.Canvas().Focused().TypedRune(c)
	}
	k.clk = k.clk.Add(5 * time.Millisecond)
	enter := &fyne.KeyEvent{Name: fyne.KeyReturn, Physical: fyne.HardwareKey{ScanCode: 36}}
	k.keyDown(enter) // the burst's terminator: the scan rings up and the weight dialog opens
	r.w.Canvas().Focused().TypedKey(enter)
	k.idle()
	if m.sale.form == nil || !r.dialogOpen() {
		t.Fatalf("no weight asked (notice %q)", r.notice())
	}
	if e := m.sale.form.errLine.text(); e != "" {
		t.Fatalf("the scanner's Enter submitted the weight dialog: %q", e)
	}
	k.text("0,5\r", 150*time.Millisecond)
	if got := db.int(`SELECT coalesce(sum(qty_milli), 0) FROM bill_lines`); got != 500 {
		t.Fatalf("weighed line: %d milli (notice %q)", got, r.notice())
	}
}
