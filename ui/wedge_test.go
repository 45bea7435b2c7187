package ui

import (
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/store"
)

// keyboard drives the window's wedge with timed keys, as GLFW delivers
// them: KeyDown with the key's name and physical code, then the rune.
type keyboard struct {
	r   *rig
	clk time.Time
}

func newKeyboard(r *rig) *keyboard {
	k := &keyboard{r: r, clk: time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)}
	r.a.now = func() time.Time { return k.clk }
	r.a.keys.manual = true // the test runs the deadline, not a timer
	return k
}

// xkb is the X11 keycode (evdev + 8) of a digit key, as GLFW reports it.
func xkb(r rune) int {
	if r == '0' {
		return 11 + 8
	}
	return int(r-'1') + 2 + 8
}

// typeInto types text with gap between keys into the barcode field
// (focused) or, with e nil, at canvas level; '\r' is Enter.
func (k *keyboard) typeInto(e *wedgeEntry, text string, gap time.Duration) {
	for _, r := range text {
		k.clk = k.clk.Add(gap)
		if r == '\r' {
			ev := &fyne.KeyEvent{Name: fyne.KeyReturn, Physical: fyne.HardwareKey{ScanCode: 36}}
			if e != nil {
				e.KeyDown(ev)
				e.TypedKey(ev)
			} else {
				k.r.a.keys.keyDown(nil, ev)
			}
			continue
		}
		ev := &fyne.KeyEvent{Name: fyne.KeyName(string(r)), Physical: fyne.HardwareKey{ScanCode: xkb(r)}}
		if e != nil {
			e.KeyDown(ev)
			e.TypedRune(r)
		} else {
			k.r.a.keys.keyDown(nil, ev)
			if !k.r.a.keys.typedRune(nil, r) {
				k.r.main().typeRune(r)
			}
		}
	}
}

// idle lets the wedge's deadline pass.
func (k *keyboard) idle() {
	k.clk = k.clk.Add(time.Second)
	k.r.a.keys.Flush()
}

// A wedge scanner types a barcode in a 5 ms burst while the cursor is in
// the barcode field: the burst becomes one Scan (the item is rung up) and
// no digit lands in the field; a person typing slowly in the same field
// gets the digits; with no focus at all the scan still rings up.
func TestWedgeScanWhileFieldHasFocus(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	k := newKeyboard(r)
	e := m.sale.entry
	r.w.Canvas().Focus(e)

	k.typeInto(e, r.item(0).Barcode+"\r", 5*time.Millisecond)
	k.idle()
	if n := len(m.sale.model.rows); n != 1 {
		t.Fatalf("scan burst: %d lines (notice %q, field %q)", n, r.notice(), e.Text)
	}
	if e.Text != "" {
		t.Errorf("the scan was typed into the field: %q", e.Text)
	}

	// A person types "2*" and the code slowly, then Enter: the field gets
	// every key and Enter rings the item up twice.
	k.typeInto(e, "2*", 200*time.Millisecond)
	k.idle()
	if e.Text != "2*" {
		t.Fatalf("human typing reached the field as %q", e.Text)
	}
	k.typeInto(e, r.item(1).Barcode+"\r", 150*time.Millisecond)
	k.idle()
	if n := len(m.sale.model.rows); n != 2 || m.sale.model.rows[1].qty != 2000 {
		t.Fatalf("typed line: %+v (notice %q, field %q)", m.sale.model.rows, r.notice(), e.Text)
	}

	// Nothing focused: the canvas catches the burst.
	r.w.Canvas().Unfocus()
	k.typeInto(nil, r.item(2).Barcode+"\r", 8*time.Millisecond)
	k.idle()
	if n := len(m.sale.model.rows); n != 3 {
		t.Fatalf("canvas-level scan: %d lines (notice %q)", n, r.notice())
	}
}

// An open dialog takes the events first: a scan while the payment is
// open does not change the bill under it.
func TestInputGoesToTheOpenDialogFirst(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	m.sale.openPay()
	k := newKeyboard(r)
	k.typeInto(nil, r.item(1).Barcode+"\r", 5*time.Millisecond)
	k.idle()
	if n := len(m.sale.model.rows); n != 1 {
		t.Errorf("a scan under the payment dialog changed the bill: %d lines", n)
	}
	m.sale.pay.d.Hide()
	if len(r.a.sinks) != 0 {
		t.Errorf("closed dialog still on the input stack: %d", len(r.a.sinks))
	}
	r.scan(r.item(1).Barcode)
	if n := len(m.sale.model.rows); n != 2 {
		t.Errorf("after closing, a scan gives %d lines", n)
	}
}

// Scans that arrive while the last one is still being rung up wait and
// are rung up in order; none is lost.
func TestScansQueueWhileBusy(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	var later []func()
	r.a.async = func(f func()) { later = append(later, f) } // hold the store's work
	for _, i := range []int{0, 1, 2} {
		r.a.HandleInput(r.a.readerConfig().FromText(r.a.now(), "", r.item(i).Barcode))
	}
	for len(later) > 0 {
		f := later[0]
		later = later[1:]
		f()
	}
	if n := len(m.sale.model.rows); n != 3 {
		t.Fatalf("%d lines after three quick scans (notice %q)", n, r.notice())
	}
	for i, row := range m.sale.model.rows {
		if row.name != r.item(i).Name {
			t.Errorf("line %d is %q, want %q", i, row.name, r.item(i).Name)
		}
	}
}

// A badge reader that types (a keyboard wedge, em-dec10) signs in on the
// login screen although the login field has the focus: the burst becomes a
// badge, not digits in the field; a person typing the login still fills it.
func TestWedgeBadgeSignsIn(t *testing.T) {
	r := newRig(t, "en")
	r.deps.Wedge.Reader = events.Config{Source: device.KeyboardSource, BadgeForm: scan.BadgeConfig{Form: scan.EMDecimal10}}
	r.startApp()
	k := newKeyboard(r)
	l, ok := r.a.screen.(*LoginScreen)
	if !ok {
		t.Fatalf("screen %T", r.a.screen)
	}
	r.w.Canvas().Focus(l.login)
	k.typeInto(l.login, "4242", 150*time.Millisecond)
	k.idle()
	if l.login.Text != "4242" {
		t.Fatalf("a person's typing reached the login field as %q", l.login.Text)
	}
	l.login.SetText("")

	var sup store.DemoUser
	for _, u := range store.DemoUsers {
		if u.Login == "supervisor" {
			sup = u
		}
	}
	k.typeInto(l.login, sup.BadgePrint+"\r", 5*time.Millisecond)
	k.idle()
	if l.login.Text != "" {
		t.Errorf("the badge was typed into the login field: %q", l.login.Text)
	}
	if u := r.a.User(); u == nil || u.Login != "supervisor" {
		t.Fatalf("signed in as %v (screen %T, error %q)", u, r.a.screen, l.ErrorText())
	}
}

// Enter in the login field, as GLFW sends it: KeyDown to the login field,
// whose replay through the wedge moves the focus to the empty password,
// then TypedKey to the field that has the focus now. That TypedKey must
// not submit the empty password (a failed sign-in on every login).
func TestEnterMovingTheFocusSubmitsNothing(t *testing.T) {
	r := newRig(t, "en")
	k := newKeyboard(r)
	l := r.a.screen.(*LoginScreen)
	r.w.Canvas().Focus(l.login)
	k.typeInto(l.login, "4242", 150*time.Millisecond)
	k.idle()
	enter := &fyne.KeyEvent{Name: fyne.KeyReturn, Physical: fyne.HardwareKey{ScanCode: 36}}
	l.login.KeyDown(enter)
	k.idle()
	r.w.Canvas().Focused().(*wedgeEntry).TypedKey(enter)
	if r.w.Canvas().Focused() != l.password {
		t.Fatalf("Enter in the login did not move to the password")
	}
	if got := l.ErrorText(); got != "" {
		t.Errorf("Enter moving to the password also submitted: %q", got)
	}
}

// The initial password screen takes the Enter that set the store up as
// "Continue to sign-in": nothing on it has the focus, and before, the key
// went nowhere and the administrator had to reach the button by Tab.
func TestSetupDoneEnterContinuesToSignIn(t *testing.T) {
	r := newRig(t, "en")
	k := newKeyboard(r)
	fyne.DoAndWait(func() { r.a.showSetupDone("olga", "Olga Petrova", "YCwe4z7j63") })
	if _, ok := r.a.screen.(*SetupDoneScreen); !ok {
		t.Fatalf("screen %T, want the initial password", r.a.screen)
	}
	k.press(fyne.KeyReturn)
	if _, ok := r.a.screen.(*LoginScreen); !ok {
		t.Fatalf("after Enter the screen is %T, want the sign-in", r.a.screen)
	}
}
