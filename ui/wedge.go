package ui

import (
	"runtime"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/scan/events"
)

// wedgeInput is the window's side of the keyboard wedge (docs/input.md,
// "Window adapter"): a scanner in keyboard mode types a barcode in a burst
// of keys a few milliseconds apart. Keys reach events.Wedge with their
// physical position; it hands back what a person typed (inserted into the
// field they were typing in) and the scans it recognised (handed to
// App.HandleInput, so a scan rings the item up even while the cursor is in
// the barcode field, and never lands in it as text).
//
// Two places feed it: a wedgeEntry (the sale screen's barcode field) while
// it has the focus, and the canvas while nothing has the focus. Other
// fields (dialogs) get keys as Fyne sends them.
type wedgeInput struct {
	app   *App
	wedge *events.Wedge

	// The last KeyDown: its name and physical key go with the rune Fyne
	// types for it next.
	downName fyne.KeyName
	downCode int
	// enterFed: the wedge took an Enter at KeyDown, so the TypedKey that
	// follows it is already handled — wherever it lands: replaying the
	// Enter may have moved the focus (login to password), and the TypedKey
	// then goes to the new field. An Enter with no KeyDown before it (a
	// test, a virtual keyboard) goes to the entry as usual.
	enterFed bool
	// target is the field the held-back keys belong to; nil = the canvas.
	target *wedgeEntry
	timer  *time.Timer
	// flushAt lets tests run the deadline by hand instead of a timer.
	manual bool
}

func newWedgeInput(a *App) *wedgeInput {
	cfg := a.deps.Wedge
	cfg.Reader = a.readerConfig()
	cfg.LinuxScanCodes = runtime.GOOS == "linux"
	return &wedgeInput{app: a, wedge: events.NewWedge(cfg)}
}

// readerConfig is how the keyboard (the wedge and the barcode field)
// reads: the configured reader, with the keyboard as its source and the
// default in-store label layouts (20-23 weight labels) when none are set.
func (a *App) readerConfig() events.Config {
	cfg := a.deps.Wedge.Reader
	if cfg.Source == (device.Source{}) {
		cfg.Source = device.KeyboardSource
	}
	if cfg.Scan.Labels == nil {
		cfg.Scan.Labels = scan.DefaultLabelLayouts()
	}
	return cfg
}

// hookCanvas catches keys at canvas level while no widget has the focus.
func (w *wedgeInput) hookCanvas() {
	c := w.app.win.Canvas()
	if c == nil {
		return
	}
	if dc, ok := c.(desktop.Canvas); ok {
		dc.SetOnKeyDown(func(ev *fyne.KeyEvent) { w.keyDown(nil, ev) })
	}
	c.SetOnTypedRune(func(r rune) { w.typedRune(nil, r) })
	c.SetOnTypedKey(func(ev *fyne.KeyEvent) {
		if isEnter(ev.Name) && w.takeEnter() {
			return // went through the wedge at KeyDown
		}
		if w.app.modalKey(ev) {
			return // an open dialog owns the keyboard
		}
		if isEnter(ev.Name) {
			return
		}
		if s, ok := w.app.screen.(keyScreen); ok {
			s.typedKey(ev)
		}
	})
}

// keyScreen is a screen that handles keys nobody else took (F-keys on the
// sale screen when no field has the focus).
type keyScreen interface {
	typedKey(ev *fyne.KeyEvent) bool
	typeRune(r rune)
}

func isEnter(n fyne.KeyName) bool { return n == fyne.KeyReturn || n == fyne.KeyEnter }

func modifiers() (shift, ctrl bool) {
	if d, ok := fyne.CurrentApp().Driver().(desktop.Driver); ok {
		m := d.CurrentKeyModifiers()
		return m&fyne.KeyModifierShift != 0, m&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0
	}
	return false, false
}

func (w *wedgeInput) keyDown(target *wedgeEntry, ev *fyne.KeyEvent) {
	w.downName, w.downCode = ev.Name, ev.Physical.ScanCode
	if !isEnter(ev.Name) {
		return
	}
	w.enterFed = true
	// Enter types no rune: it goes in here, as the scan's terminator or a
	// person's Enter.
	shift, ctrl := modifiers()
	w.feed(target, events.KeyPress{At: w.app.now(), Name: string(ev.Name), ScanCode: ev.Physical.ScanCode, Shift: shift, Ctrl: ctrl})
}

// takeEnter reports, once, that the Enter now typed went through the wedge
// at its KeyDown.
func (w *wedgeInput) takeEnter() bool {
	fed := w.enterFed
	w.enterFed = false
	return fed
}

// typedRune feeds a typed character; false when the wedge does not take
// the key (no character by position), so the caller types it itself.
func (w *wedgeInput) typedRune(target *wedgeEntry, r rune) bool {
	shift, ctrl := modifiers()
	name, code := w.downName, w.downCode
	// One KeyDown names one rune: a rune without its own KeyDown (an input
	// method, a paste, a test typing) is decided by its character alone.
	w.downName, w.downCode = "", 0
	if name == "" {
		return false
	}
	return w.feed(target, events.KeyPress{At: w.app.now(), Name: string(name), ScanCode: code, Shift: shift, Ctrl: ctrl, Typed: r})
}

func (w *wedgeInput) feed(target *wedgeEntry, k events.KeyPress) bool {
	if target != w.target {
		// The focus moved: what was held back belongs to the old place.
		w.apply(w.wedge.Flush(k.At.Add(time.Hour)))
		w.target = target
	}
	res, handled := w.wedge.Key(k)
	if !handled {
		// No scanner types this key, so it ends whatever is held back,
		// which goes out first: a person's keys keep their order.
		w.apply(w.wedge.Flush(k.At.Add(time.Hour)))
		w.schedule()
		return false
	}
	w.apply(res)
	w.schedule()
	return true
}

// Flush decides held-back keys whose deadline passed; the timer calls it.
func (w *wedgeInput) Flush() {
	w.apply(w.wedge.Flush(w.app.now()))
	w.schedule()
}

func (w *wedgeInput) schedule() {
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	at, ok := w.wedge.Deadline()
	if !ok || w.manual {
		return
	}
	w.timer = time.AfterFunc(time.Until(at), func() { fyne.Do(w.Flush) })
}

// apply types the person's keys into the field, then hands the scans on.
// In a form field (login, password) only a badge is a read: a fast typist's
// burst — one that ends without Enter, or is not of the badge form — is
// typing and goes into the field.
func (w *wedgeInput) apply(res events.Result) {
	for _, r := range res.Typed {
		w.typeOne(r)
	}
	for i, ev := range res.Events {
		if t := w.target; t != nil && t.form && i < len(res.Keys) && !w.app.isBadge(ev) {
			for _, r := range res.Keys[i] {
				w.typeOne(r)
			}
			continue
		}
		w.app.HandleInput(ev)
	}
}

func (w *wedgeInput) typeOne(r rune) {
	if t := w.target; t != nil {
		switch r {
		case scan.Enter:
			t.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		case scan.Backspace:
			t.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyBackspace})
		case scan.Escape, scan.Tab:
		default:
			t.Entry.TypedRune(r)
		}
		return
	}
	if w.app.topModal() != nil {
		// Nothing in the open dialog has the focus: Enter is its default
		// button; other keys belong to nobody (never the screen behind).
		if r == scan.Enter {
			w.app.modalKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		}
		return
	}
	s, ok := w.app.screen.(keyScreen)
	if !ok {
		return
	}
	switch r {
	case scan.Enter:
		s.typedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	case scan.Backspace, scan.Escape, scan.Tab:
	default:
		s.typeRune(r)
	}
}

// wedgeEntry is the barcode field: an Entry whose keys pass through the
// wedge, and whose F-keys, arrows and shortcuts go to the screen first.
type wedgeEntry struct {
	widget.Entry
	// form: a login or password field, where a burst is a read only when
	// it is a badge (apply).
	form bool
	// noLeadingSpace: the barcode field drops a space typed into it while
	// empty — no barcode or name starts with one, and a Space that pressed
	// a dialog's button types its rune into the field the focus returned to.
	noLeadingSpace bool
	keys           func() *wedgeInput
	onKey          func(ev *fyne.KeyEvent) bool // the screen's keys; true = taken
	shortcut       func(fyne.Shortcut) bool
}

func newWedgeEntry(keys func() *wedgeInput, onKey func(*fyne.KeyEvent) bool, shortcut func(fyne.Shortcut) bool) *wedgeEntry {
	e := &wedgeEntry{keys: keys, onKey: onKey, shortcut: shortcut}
	e.ExtendBaseWidget(e)
	return e
}

// newFormEntry is a form's field (login, password) whose keys pass through
// the window's wedge: a person's typing reaches it, a reader's burst
// becomes an event for the screen.
func newFormEntry(a *App, password bool) *wedgeEntry {
	e := newWedgeEntry(func() *wedgeInput { return a.keys }, nil, nil)
	e.Password = password
	e.form = true
	return e
}

func (e *wedgeEntry) KeyDown(ev *fyne.KeyEvent) {
	if w := e.keys(); w != nil {
		w.keyDown(e, ev)
	}
	e.Entry.KeyDown(ev)
}

func (e *wedgeEntry) TypedRune(r rune) {
	if r == ' ' && e.noLeadingSpace && e.Text == "" {
		return
	}
	if w := e.keys(); w != nil && w.typedRune(e, r) {
		return
	}
	e.Entry.TypedRune(r)
}

func (e *wedgeEntry) TypedKey(ev *fyne.KeyEvent) {
	if w := e.keys(); w != nil && isEnter(ev.Name) && w.takeEnter() {
		return // fed to the wedge at KeyDown; it types it back when a person pressed it
	}
	if e.onKey != nil && e.onKey(ev) {
		return
	}
	e.Entry.TypedKey(ev)
}

func (e *wedgeEntry) TypedShortcut(sc fyne.Shortcut) {
	if e.shortcut != nil && e.shortcut(sc) {
		return
	}
	e.Entry.TypedShortcut(sc)
}

// isBadge says whether a reader's event is a badge (or a swipe) as the
// login and lock screens read them.
func (a *App) isBadge(ev device.InputEvent) bool {
	switch a.asBadge(ev).(type) {
	case device.Badge:
		return true
	case device.Swipe:
		return true
	}
	return false
}

// asBadge reads an event as a badge where only a badge can be meant (the
// login and lock screens): a badge reader that types is a keyboard wedge
// like a scanner, so its burst arrives as a keyboard Scan the till could
// not interpret (ScanOther), and an employee card arrives as a Swipe. Both
// become a Badge (or the ReadError of a read that is no badge) through the
// keyboard reader's badge form. A keyboard scan of goods stays a Scan, so
// scanning an item before signing in says nothing instead of "not a badge".
func (a *App) asBadge(ev device.InputEvent) device.InputEvent {
	switch e := ev.(type) {
	case device.Scan:
		if e.Source.Role != device.RoleKeyboard || e.Kind != device.ScanOther {
			return ev
		}
	case device.Swipe:
	default:
		return ev
	}
	return a.readerConfig().BadgeFromEvent(ev)
}
