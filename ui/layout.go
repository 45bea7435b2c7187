package ui

import "fyne.io/fyne/v2"

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
