package approve

import (
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/scan/events"
)

// cardField is the card mode's "field": it holds the focus so that a
// keyboard-wedge reader types into it, shows that it is waiting, and never
// shows what was typed. Keys go to the dialog's wedge, which turns a
// reader's burst into a badge and a person's typing into a hint.
type cardField struct {
	widget.BaseWidget
	d       *Dialog
	prompt  string
	focused bool
	shift   bool
	ctrl    bool
	down    *fyne.KeyEvent // the physical key whose rune comes next
}

var (
	_ fyne.Focusable  = (*cardField)(nil)
	_ desktop.Keyable = (*cardField)(nil)
	_ fyne.Tappable   = (*cardField)(nil)
)

func newCardField(d *Dialog, prompt string) *cardField {
	c := &cardField{d: d, prompt: prompt}
	c.ExtendBaseWidget(c)
	return c
}

func (c *cardField) CreateRenderer() fyne.WidgetRenderer {
	th := c.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	box := canvas.NewRectangle(th.Color(theme.ColorNameInputBackground, v))
	box.CornerRadius = th.Size(theme.SizeNameInputRadius)
	icon := widget.NewIcon(theme.AccountIcon())
	iconBox := container.NewGridWrap(fyne.NewSize(56, 56), icon)
	label := canvas.NewText(c.prompt, th.Color(theme.ColorNameForeground, v))
	label.TextSize = th.Size(theme.SizeNameSubHeadingText)
	label.TextStyle = fyne.TextStyle{Bold: true}
	row := container.NewHBox(iconBox, container.NewCenter(label))
	r := &cardRenderer{
		c: c, box: box, label: label,
		content: container.NewStack(box, container.NewCenter(container.NewPadded(container.NewPadded(row)))),
	}
	r.Refresh()
	return r
}

type cardRenderer struct {
	c       *cardField
	box     *canvas.Rectangle
	label   *canvas.Text
	content *fyne.Container
}

func (r *cardRenderer) Layout(s fyne.Size)           { r.content.Resize(s) }
func (r *cardRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.content} }
func (r *cardRenderer) Destroy()                     {}

func (r *cardRenderer) MinSize() fyne.Size {
	m := r.content.MinSize()
	return fyne.NewSize(max(m.Width, 420), max(m.Height, 120))
}

func (r *cardRenderer) Refresh() {
	th := r.c.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	r.box.FillColor = th.Color(theme.ColorNameInputBackground, v)
	// It looks focused because it is: the focus colour, thicker than an
	// entry's border, says "the reader types here".
	if r.c.focused {
		r.box.StrokeColor = th.Color(theme.ColorNamePrimary, v)
		r.box.StrokeWidth = 3
	} else {
		r.box.StrokeColor = th.Color(theme.ColorNameInputBorder, v)
		r.box.StrokeWidth = th.Size(theme.SizeNameInputBorder)
	}
	r.label.Color = th.Color(theme.ColorNameForeground, v)
	r.box.Refresh()
	r.label.Refresh()
}

func (c *cardField) FocusGained() { c.focused = true; c.Refresh() }
func (c *cardField) FocusLost()   { c.focused = false; c.Refresh() }

// Tapped takes the focus back after a tap elsewhere took it.
func (c *cardField) Tapped(*fyne.PointEvent) {
	if cv := fyne.CurrentApp().Driver().CanvasForObject(c); cv != nil {
		cv.Focus(c)
	}
}

func (c *cardField) KeyDown(ev *fyne.KeyEvent) {
	switch ev.Name {
	case desktop.KeyShiftLeft, desktop.KeyShiftRight:
		c.shift = true
	case desktop.KeyControlLeft, desktop.KeyControlRight:
		c.ctrl = true
	default:
		c.down = ev
	}
}

func (c *cardField) KeyUp(ev *fyne.KeyEvent) {
	switch ev.Name {
	case desktop.KeyShiftLeft, desktop.KeyShiftRight:
		c.shift = false
	case desktop.KeyControlLeft, desktop.KeyControlRight:
		c.ctrl = false
	}
}

// TypedKey: Escape cancels; Enter, which has no rune, ends a reader's burst.
func (c *cardField) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyEscape:
		c.d.escape()
	case fyne.KeyReturn, fyne.KeyEnter:
		c.down = nil
		c.d.key(events.KeyPress{Name: string(ev.Name), ScanCode: ev.Physical.ScanCode, Shift: c.shift, Ctrl: c.ctrl})
	default:
		// A key with no character (Backspace, an arrow) types no rune: do
		// not pair the next rune with it.
		if c.down != nil && c.d.wedge != nil {
			if _, ok := c.d.wedge.Char(events.KeyPress{Name: string(c.down.Name), ScanCode: c.down.Physical.ScanCode}); !ok {
				c.down = nil
			}
		}
	}
}

// TypedRune pairs the rune with the key that typed it, so the wedge decodes
// by physical position (a Russian layout cannot turn a badge into Cyrillic).
// A rune with no key seen (an input method, a headless test) is decoded by
// its US key.
func (c *cardField) TypedRune(r rune) {
	k := events.KeyPress{Typed: r, Shift: c.shift, Ctrl: c.ctrl}
	if c.down != nil {
		k.Name, k.ScanCode = string(c.down.Name), c.down.Physical.ScanCode
	} else if name, shift, ok := usKey(r); ok {
		k.Name, k.Shift = name, shift
	}
	c.down = nil
	c.d.key(k)
}

// usKeys are the key names a reader's characters come from on a US layout.
var usKeys = []fyne.KeyName{
	fyne.Key0, fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9,
	fyne.KeyA, fyne.KeyB, fyne.KeyC, fyne.KeyD, fyne.KeyE, fyne.KeyF, fyne.KeyG, fyne.KeyH, fyne.KeyI, fyne.KeyJ,
	fyne.KeyK, fyne.KeyL, fyne.KeyM, fyne.KeyN, fyne.KeyO, fyne.KeyP, fyne.KeyQ, fyne.KeyR, fyne.KeyS, fyne.KeyT,
	fyne.KeyU, fyne.KeyV, fyne.KeyW, fyne.KeyX, fyne.KeyY, fyne.KeyZ,
	fyne.KeySpace, fyne.KeyApostrophe, fyne.KeyComma, fyne.KeyMinus, fyne.KeyPeriod, fyne.KeySlash,
	fyne.KeyBackslash, fyne.KeyLeftBracket, fyne.KeyRightBracket, fyne.KeySemicolon, fyne.KeyEqual,
	fyne.KeyBackTick,
}

// usKey finds the US key (and shift) that types r.
func usKey(r rune) (name string, shift bool, ok bool) {
	if r > unicode.MaxASCII {
		return "", false, false
	}
	for _, n := range usKeys {
		for _, sh := range []bool{false, true} {
			if got, ok := scan.KeyNameChar(string(n), sh); ok && got == r {
				return string(n), sh, true
			}
		}
	}
	return "", false, false
}
