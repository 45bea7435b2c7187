package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// The audit anchor's warning (issue 15): a failed write of the anchor (disk
// full, the key's folder not writable), or an anchor file missing or
// unusable, is said on the main screen under the toolbar — in the
// warning colour, with what to do — until the status poll finds it well
// again. The sale goes on: the rows are committed, only the proof that
// none is later cut off is missing.

func newAnchorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

// anchorWarning asks the wiring; the zero value when it is not wired.
func (a *App) anchorWarning() AnchorWarning {
	if a.deps.AuditAnchor == nil {
		return AnchorWarning{}
	}
	return a.deps.AuditAnchor()
}

// checkAnchor reads the anchor's state now (at sign-in).
func (s *MainScreen) checkAnchor() { s.showAnchor(s.app.anchorWarning()) }

// showAnchor puts the warning on the screen, or takes it away.
func (s *MainScreen) showAnchor(w AnchorWarning) {
	if s.anchor == nil {
		return
	}
	if w.Problem == "" {
		if s.anchor.Visible() {
			s.anchor.SetText("")
			s.anchor.Hide()
		}
		return
	}
	text := tr(anchorMessage(w))
	if text != s.anchor.Text || !s.anchor.Visible() {
		s.anchor.SetText(text)
		s.anchor.Show()
	}
}

func anchorMessage(w AnchorWarning) Message {
	args := map[string]any{"File": w.File, "Detail": w.Detail}
	switch w.Problem {
	case AnchorWrite:
		return Message{
			Key:      "ui.main.anchor_write",
			Fallback: "The audit log's anchor could not be written ({{.Detail}}): sales go on, but rows cut from the log would not be found. Free disk space or make the key's folder writable, and tell the administrator.",
			Args:     args,
		}
	case AnchorMissing:
		return Message{
			Key:      "ui.main.anchor_missing",
			Fallback: "The audit log's anchor {{.File}} is missing: rows cut from the log would not be found. Tell the administrator.",
			Args:     args,
		}
	}
	return Message{
		Key:      "ui.main.anchor_invalid",
		Fallback: "The audit log's anchor {{.File}} cannot be checked ({{.Detail}}): tell the administrator.",
		Args:     args,
	}
}

// anchorText is the warning shown, "" when none (tests).
func (s *MainScreen) anchorText() string {
	if s.anchor == nil || !s.anchor.Visible() {
		return ""
	}
	return s.anchor.Text
}
