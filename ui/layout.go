package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// widthLayout gives its objects a fixed width and the height they ask for, so
// a wrapping label inside can grow (an error appears) without being clipped,
// and a form does not stretch across a 1920-pixel screen.
type widthLayout struct{ width float32 }

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
		o.Resize(fyne.NewSize(l.width, o.MinSize().Height))
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(l.width, h)
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
		fixed += w
	}
	x := float32(0)
	for i, o := range objs {
		w := size.Width - fixed
		if i > 0 && i-1 < len(c) {
			w = c[i-1]
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
			w += c[i-1]
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
