package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// widthLayout gives its objects a fixed width and the height they ask for, so
// a wrapping label inside can grow (an error appears) without being clipped,
// and a form does not stretch across a 1920-pixel screen.
type widthLayout struct{ width float32 }

// px is a width of the design (1024×768) at the screen's scale.
func px(v float32) float32 { return v * uiScale.Load().(float32) }

func (l widthLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (l widthLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		// A word-wrapping label reports the height of one word per line
		// until it knows its width; give it the width first.
		o.Resize(fyne.NewSize(px(l.width), o.MinSize().Height))
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(px(l.width), h)
}

func fixedWidth(width float32, o fyne.CanvasObject) fyne.CanvasObject {
	return &fyne.Container{Layout: widthLayout{width: width}, Objects: []fyne.CanvasObject{o}}
}

// columns lays a row out as one stretching column (the first object) and
// fixed-width columns after it, so the barcode and price of every list row
// line up whatever the name's length.
type columns []float32

func (c columns) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	fixed := float32(0)
	for _, w := range c {
		fixed += px(w)
	}
	x := float32(0)
	for i, o := range objs {
		w := size.Width - fixed
		if i > 0 && i-1 < len(c) {
			w = px(c[i-1])
		}
		w = max(w, 0)
		o.Move(fyne.NewPos(x, 0))
		o.Resize(fyne.NewSize(w, size.Height))
		x += w
	}
}

func (c columns) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := float32(0), float32(0)
	for i, o := range objs {
		m := o.MinSize()
		h = max(h, m.Height)
		if i > 0 && i-1 < len(c) {
			w += px(c[i-1])
		} else {
			w += m.Width
		}
	}
	return fyne.NewSize(w, h)
}

// errorLine is the red sentence under a form that says what went wrong;
// hidden while nothing did.
type errorLine struct{ *widget.Label }

func newErrorLine() errorLine {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return errorLine{l}
}

func (e errorLine) show(m Message) {
	e.SetText(tr(m))
	e.Show()
}

// text is what the line says, "" when hidden.
func (e errorLine) text() string {
	if !e.Visible() {
		return ""
	}
	return e.Text
}

// boxLayout gives its object a fixed size of the design, scaled (a
// dialog's list).
type boxLayout struct{ w, h float32 }

func (l boxLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

func (l boxLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.NewSize(px(l.w), px(l.h)) }

func fixedSize(w, h float32, o fyne.CanvasObject) fyne.CanvasObject {
	return &fyne.Container{Layout: boxLayout{w: w, h: h}, Objects: []fyne.CanvasObject{o}}
}

// flowLayout lays objects out in a row and wraps to the next line when the
// width runs out (the status bar: elevated, a long serial and the Italian
// words do not fit one 1024 px line). Its minimum width is its widest
// object, so it never widens the window; its height follows the width it
// was last given, as a word-wrapping label's does.
type flowLayout struct {
	width *float32
	// narrow: the minimum width is the widest object even before the
	// first layout (the way forward's buttons, shown after the window
	// has its size: a first minimum of all of them in a row would widen
	// the window for good).
	narrow bool
}

func newFlow(objs ...fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: flowLayout{width: new(float32)}, Objects: objs}
}

// newNarrowFlow is newFlow whose minimum width is always its widest object.
func newNarrowFlow(objs ...fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: flowLayout{width: new(float32), narrow: true}, Objects: objs}
}

func (l flowLayout) lines(objs []fyne.CanvasObject, width float32, place bool) (w, h float32) {
	x, y, line := float32(0), float32(0), float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		w = max(w, m.Width)
		if x > 0 && width > 0 && x+m.Width > width {
			x, y, line = 0, y+line, 0
		}
		if place {
			o.Move(fyne.NewPos(x, y))
			o.Resize(fyne.NewSize(m.Width, m.Height))
		}
		x += m.Width
		line = max(line, m.Height)
		if width <= 0 && !l.narrow {
			w = max(w, x)
		}
	}
	return w, y + line
}

func (l flowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	*l.width = size.Width
	l.lines(objs, size.Width, true)
}

func (l flowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w, h := l.lines(objs, *l.width, false)
	return fyne.NewSize(w, h)
}
