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
