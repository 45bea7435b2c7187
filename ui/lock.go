package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
)

// LockScreen hides a signed-in session while the cashier is away: the bill
// waits, lent rights have ended, and only the same cashier returns, by
// password or badge. Anyone else signs out (the bill stays the cashier's).
type LockScreen struct {
	app      *App
	user     User
	password *wedgeEntry // through the wedge: a typing badge reader unlocks
	unlock   *widget.Button
	errLine  errorLine
	content  fyne.CanvasObject
}

// NewLockScreen builds the lock screen for u.
func NewLockScreen(app *App, u User) *LockScreen {
	s := &LockScreen{app: app, user: u}
	s.password = newFormEntry(app, true)
	s.password.OnSubmitted = func(string) { s.Submit() }
	s.unlock = widget.NewButtonWithIcon(lang.X("ui.lock.unlock", "Unlock"), theme.LoginIcon(), s.Submit)
	s.unlock.Importance = widget.HighImportance
	logout := widget.NewButtonWithIcon(lang.X("ui.main.logout", "Sign out"), theme.LogoutIcon(), app.Logout)
	s.errLine = newErrorLine()

	title := widget.NewLabelWithStyle(lang.X("ui.lock.title", "Locked"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	who := widget.NewLabel(lang.X("ui.lock.who", "{{.Name}} locked this till. Type the password or show the badge to return.", map[string]any{"Name": u.FullName}))
	who.Wrapping = fyne.TextWrapWord
	form := container.NewVBox(title, who,
		widget.NewLabel(lang.X("ui.login.password", "Password")), s.password,
		s.errLine,
		container.NewGridWithColumns(2, logout, s.unlock))
	s.content = container.NewVBox(layout.NewSpacer(),
		container.NewHBox(layout.NewSpacer(), fixedWidth(480, form), layout.NewSpacer()),
		layout.NewSpacer())
	return s
}

// Content is the screen's root object.
func (s *LockScreen) Content() fyne.CanvasObject { return s.content }

// Focus puts the cursor in the password.
func (s *LockScreen) Focus() { s.app.focus(s.password) }

// ErrorText is the error the screen shows, "" when none.
func (s *LockScreen) ErrorText() string { return s.errLine.text() }

// Submit unlocks with the typed password.
func (s *LockScreen) Submit() {
	s.try(desk.Credential{Mode: desk.ModeUserPassword, Secret: s.password.Text})
}

// HandleInput unlocks with a badge; a scan or swipe is read as one, as on
// the login screen.
func (s *LockScreen) HandleInput(ev device.InputEvent) bool {
	switch ev := s.app.asBadge(ev).(type) {
	case device.Badge:
		s.try(desk.Credential{Mode: desk.ModeCard, Badge: ev.ID})
		return true
	case device.ReadError:
		s.errLine.show(Message{Key: ev.Key, Fallback: ev.Fallback, Args: ev.Args})
		return true
	}
	return false
}

func (s *LockScreen) try(c desk.Credential) {
	d := s.app.deps.Desk
	s.errLine.Hide()
	s.app.submit(s, s.unlock, func(ctx context.Context) error {
		return d.Unlock(ctx, c)
	}, func(err error) {
		s.password.SetText("")
		if err != nil {
			fyne.LogError("unlock", err)
			if errors.Is(err, desk.ErrNotSameUser) || errors.Is(err, desk.ErrBadCredential) || errors.Is(err, desk.ErrLockedOut) {
				s.errLine.show(desk.MessageOf(err))
			} else {
				s.errLine.show(errorMessage(err))
			}
			s.app.focus(s.password)
			return
		}
		s.app.unlocked()
	})
}
