package ui

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// MinPasswordLen is the shortest password the till accepts.
//
// The rule (docs/ui.md): at least 8 characters, at least one letter and one
// digit, not the login, not the password being replaced, typed the same
// twice. A till password guards a drawer, not a bank: the store limits
// guessing with lockouts, so the rule asks for what a cashier can remember
// and type fast rather than for symbols they will write on the till.
const MinPasswordLen = 8

// PasswordProblem says why a new password is refused; nil means it is
// acceptable.
func PasswordProblem(login, old, newPass, repeat string) *Message {
	switch {
	case newPass != repeat:
		return &Message{Key: "ui.change.err.mismatch", Fallback: "The two new passwords differ."}
	case utf8.RuneCountInString(newPass) < MinPasswordLen:
		return &Message{Key: "ui.change.err.short", Fallback: "The password needs at least {{.Min}} characters.", Args: map[string]any{"Min": MinPasswordLen}}
	case !strings.ContainsFunc(newPass, unicode.IsLetter) || !strings.ContainsFunc(newPass, unicode.IsDigit):
		return &Message{Key: "ui.change.err.weak", Fallback: "The password needs at least one letter and one digit."}
	case strings.EqualFold(newPass, login):
		return &Message{Key: "ui.change.err.login", Fallback: "The password must not be your login."}
	case old != "" && newPass == old:
		return &Message{Key: "ui.change.err.same", Fallback: "Choose a password different from the current one."}
	}
	return nil
}

// ChangePasswordScreen is shown instead of the main screen while the user's
// password must be changed (first sign-in, or after an admin reset). The only
// ways out are a new password or signing out.
type ChangePasswordScreen struct {
	app  *App
	user User
	old  string

	newPass *widget.Entry
	repeat  *widget.Entry
	submit  *widget.Button
	errLine errorLine
	content fyne.CanvasObject
}

// NewChangePasswordScreen builds the forced change for u, who signed in with
// old ("" when signed in by badge).
func NewChangePasswordScreen(app *App, u User, old string) *ChangePasswordScreen {
	s := &ChangePasswordScreen{app: app, user: u, old: old}

	s.newPass = widget.NewPasswordEntry()
	s.newPass.OnSubmitted = func(string) { app.focus(s.repeat) }
	s.repeat = widget.NewPasswordEntry()
	s.repeat.OnSubmitted = func(string) { s.Submit() }

	s.submit = widget.NewButtonWithIcon(lang.X("ui.change.submit", "Change password"), theme.ConfirmIcon(), s.Submit)
	s.submit.Importance = widget.HighImportance
	cancel := widget.NewButtonWithIcon(lang.X("ui.main.logout", "Sign out"), theme.LogoutIcon(), app.Logout)

	s.errLine = newErrorLine()

	title := widget.NewLabelWithStyle(lang.X("ui.change.title", "Change your password"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	why := widget.NewLabel(lang.X("ui.change.why", "{{.Name}}, your password was set by an administrator. Choose your own before you start.", map[string]any{"Name": u.FullName}))
	why.Wrapping = fyne.TextWrapWord
	rule := widget.NewLabel(lang.X("ui.change.rule", "At least {{.Min}} characters, with a letter and a digit; not your login.", map[string]any{"Min": MinPasswordLen}))
	rule.Wrapping = fyne.TextWrapWord

	form := container.NewVBox(
		title, why,
		widget.NewLabel(lang.X("ui.change.new", "New password")), s.newPass,
		widget.NewLabel(lang.X("ui.change.repeat", "Repeat the new password")), s.repeat,
		rule, s.errLine,
		container.NewGridWithColumns(2, cancel, s.submit),
	)
	s.content = container.NewVBox(layout.NewSpacer(),
		container.NewHBox(layout.NewSpacer(), fixedWidth(480, form), layout.NewSpacer()),
		layout.NewSpacer())
	return s
}

// Content is the screen's root object.
func (s *ChangePasswordScreen) Content() fyne.CanvasObject { return s.content }

// Focus puts the cursor in the first field.
func (s *ChangePasswordScreen) Focus() { s.app.focus(s.newPass) }

// Submit checks the rule, saves the password in the background and goes on
// to the main screen.
func (s *ChangePasswordScreen) Submit() {
	if m := PasswordProblem(s.user.Login, s.old, s.newPass.Text, s.repeat.Text); m != nil {
		s.errLine.show(*m)
		return
	}
	newPass := s.newPass.Text
	s.errLine.Hide()
	s.app.submit(s, s.submit, func(ctx context.Context) error {
		return s.app.deps.Auth.ChangePassword(ctx, s.user, s.old, newPass)
	}, func(err error) {
		if err != nil {
			fyne.LogError("change password of "+s.user.Login, err)
			s.errLine.show(errorMessage(err))
			return
		}
		u := s.user
		u.MustChange = false
		s.app.SignedIn(u, newPass)
	})
}

// ErrorText is the error the screen shows, "" when none.
func (s *ChangePasswordScreen) ErrorText() string { return s.errLine.text() }
