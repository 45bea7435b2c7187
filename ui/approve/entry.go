package approve

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// keyEntry is a one-line entry whose Enter and Escape belong to the dialog:
// Fyne's dialogs have no Escape of their own, and the focused field gets
// every key.
type keyEntry struct {
	widget.Entry
	onEnter, onEscape func()
}

func newKeyEntry(password bool, onEnter, onEscape func()) *keyEntry {
	e := &keyEntry{onEnter: onEnter, onEscape: onEscape}
	e.Password = password
	if password {
		// No "show password" eye: the supervisor types at a till the
		// customer can see, and a shown password stays shown.
		e.ActionItem = canvas.NewRectangle(color.Transparent)
	}
	e.Wrapping = fyne.TextWrapOff
	e.ExtendBaseWidget(e)
	return e
}

func (e *keyEntry) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyReturn, fyne.KeyEnter:
		if e.onEnter != nil {
			e.onEnter()
		}
		return
	case fyne.KeyEscape:
		if e.onEscape != nil {
			e.onEscape()
		}
		return
	}
	e.Entry.TypedKey(ev)
}

// backdrop gives the focus back to the dialog's field after a tap on a blank
// part of the dialog (which unfocuses everything): without a focused field,
// Escape and a reader's keys would go to the window behind.
type backdrop struct {
	widget.BaseWidget
	content fyne.CanvasObject
	onTap   func()
}

func newBackdrop(content fyne.CanvasObject, onTap func()) *backdrop {
	b := &backdrop{content: content, onTap: onTap}
	b.ExtendBaseWidget(b)
	return b
}

func (b *backdrop) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.content) }

func (b *backdrop) Tapped(*fyne.PointEvent) { b.onTap() }
