package ui

import (
	"context"
	"errors"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device"
)

// LoginScreen asks for a login and a password. Enter in the login field moves
// to the password; Enter in the password field signs in. In demo mode a panel
// beside the form lists the demo users.
type LoginScreen struct {
	app *App

	// Both fields pass keys through the window's wedge, so a badge reader
	// that types signs in instead of filling the login with digits.
	login    *wedgeEntry
	password *wedgeEntry
	submit   *widget.Button
	errLine  errorLine
	language *widget.Select
	theme    *widget.Select
	content  fyne.CanvasObject
}

// NewLoginScreen builds the login screen for app.
func NewLoginScreen(app *App) *LoginScreen {
	s := &LoginScreen{app: app}

	s.login = newFormEntry(app, false)
	s.login.OnSubmitted = func(string) {
		if s.password.Text == "" {
			app.focus(s.password)
			return
		}
		s.Submit()
	}

	s.password = newFormEntry(app, true)
	s.password.OnSubmitted = func(string) { s.Submit() }

	s.submit = widget.NewButtonWithIcon(lang.X("ui.login.submit", "Sign in"), theme.LoginIcon(), s.Submit)
	s.submit.Importance = widget.HighImportance

	s.errLine = newErrorLine()

	names := make([]string, len(Languages))
	for i, l := range Languages {
		names[i] = l.Name
	}
	s.language = widget.NewSelect(names, nil)
	if l, ok := languageByTag(CurrentLanguage()); ok {
		s.language.SetSelected(l.Name)
	}
	// Set after the initial selection so building the screen does not
	// rebuild it.
	s.language.OnChanged = func(name string) {
		l, ok := languageByName(name)
		if !ok || l.Tag == CurrentLanguage() {
			return
		}
		if err := app.setLanguage(l.Tag); err != nil {
			fyne.LogError("save language", err)
		}
	}

	themeNames := []string{
		lang.X("ui.theme.system", "System"),
		lang.X("ui.theme.light", "Light"),
		lang.X("ui.theme.dark", "Dark"),
	}
	s.theme = widget.NewSelect(themeNames, nil)
	cur := app.deps.Settings.String(SettingTheme, ThemeSystem)
	for i, c := range ThemeChoices {
		if c == cur {
			s.theme.SetSelectedIndex(i)
		}
	}
	s.theme.OnChanged = func(string) {
		i := s.theme.SelectedIndex()
		if i < 0 {
			return
		}
		if err := app.setTheme(ThemeChoices[i]); err != nil {
			fyne.LogError("save theme", err)
		}
	}

	title := widget.NewLabelWithStyle(lang.X("ui.login.title", "Sign in"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText

	form := container.NewVBox(
		title,
		widget.NewLabel(lang.X("ui.login.login", "Login")),
		s.login,
		widget.NewLabel(lang.X("ui.login.password", "Password")),
		s.password,
		s.errLine,
		s.submit,
		widget.NewSeparator(),
		container.NewGridWithColumns(2,
			container.NewVBox(widget.NewLabel(lang.X("ui.login.language", "Language")), s.language),
			container.NewVBox(widget.NewLabel(lang.X("ui.login.theme", "Theme")), s.theme),
		),
	)
	card := fixedWidth(420, form)

	row := []fyne.CanvasObject{layout.NewSpacer(), card}
	if len(app.deps.Demo) > 0 {
		row = append(row, widget.NewSeparator(), demoPanel(app.deps.Demo))
	}
	row = append(row, layout.NewSpacer())
	s.content = container.NewVBox(layout.NewSpacer(), container.NewHBox(row...), layout.NewSpacer())
	return s
}

// demoPanel lists the demo users so whoever tries the till can sign in.
func demoPanel(demo []DemoLogin) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(lang.X("ui.demo.title", "Demo mode"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	note := widget.NewLabel(lang.X("ui.demo.note", "This till runs on demo data with an emulated fiscal register. Sign in as:"))
	note.Wrapping = fyne.TextWrapWord

	grid := container.NewGridWithColumns(4,
		boldLabel(lang.X("ui.demo.login", "Login")),
		boldLabel(lang.X("ui.demo.password", "Password")),
		boldLabel(lang.X("ui.demo.group", "Group")),
		boldLabel(lang.X("ui.demo.badge", "Badge")),
	)
	for _, d := range demo {
		login := d.Login
		if d.MustChange {
			login += " *"
		}
		grid.Add(selectableLabel(login))
		grid.Add(selectableLabel(d.Password))
		grid.Add(widget.NewLabel(d.Group))
		badge := d.Badge
		if badge == "" {
			badge = "—"
		}
		grid.Add(selectableLabel(badge))
	}
	objs := []fyne.CanvasObject{title, note, grid}
	if slices.ContainsFunc(demo, func(d DemoLogin) bool { return d.MustChange }) {
		n := widget.NewLabel("* " + lang.X("ui.demo.must_change", "must change the password at sign-in"))
		n.Wrapping = fyne.TextWrapWord
		objs = append(objs, n)
	}
	box := container.NewVBox(objs...)
	return fixedWidth(480, box)
}

func boldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// selectableLabel lets a demo visitor copy a login or password.
func selectableLabel(s string) *widget.Label {
	l := widget.NewLabel(s)
	l.Selectable = true
	return l
}

// Content is the screen's root object.
func (s *LoginScreen) Content() fyne.CanvasObject { return s.content }

// Focus puts the cursor in the login field.
func (s *LoginScreen) Focus() { s.app.focus(s.login) }

// Submit authenticates in the background and moves on, or shows why not.
func (s *LoginScreen) Submit() {
	login := strings.TrimSpace(s.login.Text)
	password := s.password.Text
	if login == "" {
		s.errLine.show(Message{Key: "ui.login.err.empty_login", Fallback: "Enter your login."})
		s.app.focus(s.login)
		return
	}
	s.errLine.Hide()
	var u User
	s.app.submit(s, s.submit, func(ctx context.Context) (err error) {
		u, err = s.app.deps.Auth.Authenticate(ctx, login, password)
		return err
	}, func(err error) {
		if err != nil {
			// Never the login: what was typed there may be a password or a
			// badge number (the error texts leave it out too).
			fyne.LogError("sign in", err)
			s.password.SetText("")
			s.errLine.show(loginMessage(err))
			s.app.focus(s.password)
			return
		}
		s.app.SignedIn(u, password)
	})
}

// SubmitBadge signs in the holder of a badge, in the background.
func (s *LoginScreen) SubmitBadge(id device.BadgeID) {
	badges := s.app.deps.Badges
	if badges == nil {
		s.errLine.show(Message{Key: "ui.login.err.no_badges", Fallback: "Badge sign-in is not set up on this till: use your login and password."})
		return
	}
	s.errLine.Hide()
	var u User
	s.app.submit(s, s.submit, func(ctx context.Context) (err error) {
		u, err = badges.AuthenticateBadge(ctx, id)
		return err
	}, func(err error) {
		switch {
		case errors.Is(err, ErrUnknownUser):
			fyne.LogError("sign in by "+id.String(), err)
			s.errLine.show(Message{Key: "ui.login.err.unknown_badge", Fallback: "This badge belongs to no active user."})
		case err != nil:
			fyne.LogError("sign in by "+id.String(), err)
			s.errLine.show(loginMessage(err))
		default:
			s.app.SignedIn(u, "")
		}
	})
}

// ErrorText is the error the screen shows, "" when none.
func (s *LoginScreen) ErrorText() string { return s.errLine.text() }

// loginMessage is signInMessage, except that a lockout or the till's
// throttle says its own sentence: whose lock ("this login", "this till")
// and until when, in local time.
func loginMessage(err error) Message {
	if me, ok := errors.AsType[*MessageError](err); ok && errors.Is(err, ErrLockedOut) {
		return me.Msg
	}
	return signInMessage(err)
}

// HandleInput signs in by badge and shows a read error; see App.asBadge
// for scans and swipes.
func (s *LoginScreen) HandleInput(ev device.InputEvent) bool {
	switch ev := s.app.asBadge(ev).(type) {
	case device.Badge:
		s.SubmitBadge(ev.ID)
		return true
	case device.ReadError:
		s.errLine.show(Message{Key: ev.Key, Fallback: ev.Fallback, Args: ev.Args})
		return true
	}
	return false
}
