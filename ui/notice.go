package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// noticeBar is the line under the toolbar that says what just went wrong
// (a denial with its reason and limit, a register error) with the buttons
// that help (Ask supervisor, Retry, Reconcile, Z report). One at a time:
// the newest replaces the last; any successful action clears it.
type noticeBar struct {
	box     *fyne.Container
	text    *widget.Label
	buttons *fyne.Container
	keys    map[string]*widget.Button // shortcut name -> button
}

// noticeButton is one button of a notice.
type noticeButton struct {
	label    string
	key      *desktop.CustomShortcut // its Ctrl+letter, shown on the button; nil = none
	icon     fyne.Resource
	disabled bool
	tap      func()
}

func newNoticeBar() *noticeBar {
	n := &noticeBar{text: widget.NewLabel(""), buttons: container.NewHBox()}
	n.text.Wrapping = fyne.TextWrapWord
	n.box = container.NewBorder(nil, nil, nil, n.buttons, n.text)
	n.box.Hide()
	return n
}

func (n *noticeBar) show(imp widget.Importance, m Message, buttons ...noticeButton) {
	n.text.Importance = imp
	n.text.SetText(tr(m))
	n.buttons.RemoveAll()
	n.keys = map[string]*widget.Button{}
	for _, b := range buttons {
		btn := newKeyedButton(b)
		if b.key != nil {
			n.keys[b.key.ShortcutName()] = btn
		}
		n.buttons.Add(btn)
	}
	close := widget.NewButtonWithIcon("", theme.CancelIcon(), n.hide)
	n.buttons.Add(close)
	n.box.Show()
}

func (n *noticeBar) hide() {
	n.box.Hide()
	n.text.SetText("")
	n.buttons.RemoveAll()
	n.keys = nil
}

// newKeyedButton is a notice's (or the way forward's) button, its
// Ctrl+letter key shown on it: "Retry (Ctrl+R)".
func newKeyedButton(b noticeButton) *widget.Button {
	label := b.label
	if b.key != nil {
		label += " (" + shortcutText(b.key) + ")"
	}
	btn := widget.NewButtonWithIcon(label, b.icon, b.tap)
	if b.disabled {
		btn.Disable()
	}
	return btn
}

// keyed is the shown button of a Ctrl+letter key, nil when none.
func (n *noticeBar) keyed(sc *desktop.CustomShortcut) *widget.Button {
	if !n.box.Visible() {
		return nil
	}
	return n.keys[sc.ShortcutName()]
}

// Text is what the notice says, "" when hidden.
func (n *noticeBar) Text() string {
	if !n.box.Visible() {
		return ""
	}
	return n.text.Text
}

// button finds a notice button by its label.
func (n *noticeBar) button(label string) *widget.Button {
	for _, o := range n.buttons.Objects {
		if b, ok := o.(*widget.Button); ok && (b.Text == label || strings.HasPrefix(b.Text, label+" (")) {
			return b
		}
	}
	return nil
}
