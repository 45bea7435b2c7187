package ui

import (
	"fyne.io/fyne/v2"

	"github.com/tillpos/till/device"
)

// adminHost is the back office (Deps.Admin) shown in place of the sale
// screen; its back button returns to the sale screen of the same session
// (signs out in the head office's window, Deps.AdminOnly).
type adminHost struct {
	screen AdminScreen
}

// HandleInput hands the readers' events to the back office (badge
// enrolment reads a badge there).
func (h *adminHost) HandleInput(ev device.InputEvent) bool { return h.screen.HandleInput(ev) }

// typedKey hands the back office the keys nobody took (nothing focused):
// its open dialog takes Enter and Escape (ui/admin, keys.go).
func (h *adminHost) typedKey(ev *fyne.KeyEvent) bool {
	if k, ok := h.screen.(interface{ TypedKey(*fyne.KeyEvent) bool }); ok {
		return k.TypedKey(ev)
	}
	return false
}

func (h *adminHost) typeRune(rune) {}

func (a *App) showAdmin() {
	if a.deps.Admin == nil || a.user == nil {
		return
	}
	a.stopBackground()
	a.closeSinks()
	u := *a.user
	h := &adminHost{}
	h.screen = a.deps.Admin(func() {
		switch {
		case a.screen != h:
		case a.deps.AdminOnly:
			a.Logout() // the head office's window has no sale screen
		default:
			a.showMain(u)
		}
	})
	a.setContent(h, Message{Key: "ui.admin.title", Fallback: "Back office"}, h.screen.Content())
}
