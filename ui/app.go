package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
)

// App is the window's shell: it owns which screen is showing and moves
// between them (login -> forced password change -> main screen -> logout ->
// login). Screens do not know each other; they call back into App.
type App struct {
	win  fyne.Window
	deps Deps

	// async runs background work (authentication, item search, register
	// polling). It is `go f()`; tests make it synchronous so they can assert
	// without sleeping.
	async func(func())
	// do brings a result back to the UI goroutine: fyne.Do, or a direct call
	// in tests where everything already runs on the test goroutine.
	do func(func())
	// pollStatus starts the main screen's register polling loop; tests
	// switch it off and poll by hand.
	pollStatus bool

	user   *User
	stopBg context.CancelFunc // stops the main screen's background work on logout
	screen any                // the screen showing: *LoginScreen, *ChangePasswordScreen, *MainScreen, *LockScreen, *adminHost

	// sinks are the open dialogs that take input events, top last: an
	// event goes to the top one first, then down, then to the screen.
	sinks []InputSink
	// modals are the open dialogs that own the keyboard, top last
	// (modal.go): keys never reach the screen while one is open.
	modals []*modal
	// start is the desk's start-up reconciliation, which must succeed
	// before anything is sold.
	start startState
	// keys is the keyboard wedge of the window (scanners typing as a
	// keyboard); nil until the window's canvas is hooked.
	keys *wedgeInput
	// now is the clock of the wedge; tests drive it.
	now func() time.Time
}

// startState is where the desk's start-up stands.
type startState struct {
	running bool
	done    bool
	err     error
	results []sale.Reconciled
}

// New wires the shell to a window. Call Start to show the first screen.
func New(win fyne.Window, deps Deps) *App {
	a := &App{
		win:   win,
		deps:  deps,
		async: func(f func()) { go f() },
		do:    fyne.Do,
		now:   time.Now,

		pollStatus: true,
	}
	if deps.Async != nil {
		a.async = deps.Async
	}
	if deps.Do != nil {
		a.do = deps.Do
	}
	return a
}

// Start applies the saved theme, hooks the keyboard wedge, starts the
// desk's start-up reconciliation in the background and shows the login
// screen.
func (a *App) Start() {
	a.applyTheme(a.deps.Settings.String(SettingTheme, ThemeSystem))
	a.keys = newWedgeInput(a)
	a.keys.hookCanvas()
	a.StartDesk()
	a.ShowLogin()
}

// StartDesk runs desk.Start (reconcile receipts a crash left unconfirmed)
// in the background; the sale screen shows how it went and offers to run it
// again when it failed. Until it succeeded the desk refuses every sale.
func (a *App) StartDesk() {
	d := a.deps.Desk
	if d == nil || a.start.running || a.start.done {
		return
	}
	a.start = startState{running: true}
	a.async(func() {
		res, err := d.Start(context.Background())
		a.do(func() {
			a.start = startState{done: err == nil, err: err, results: res}
			if m, ok := a.screen.(*MainScreen); ok {
				m.startChanged()
			}
		})
	})
}

// User is the person signed in, or nil at the login screen.
func (a *App) User() *User { return a.user }

func (a *App) setContent(screen any, title Message, o fyne.CanvasObject) {
	a.screen = screen
	a.win.SetTitle(lang.X("ui.app.title", "Till") + " — " + tr(title))
	a.win.SetContent(&fyne.Container{Layout: scaleLayout{app: a}, Objects: []fyne.CanvasObject{o}})
}

// ShowLogin signs out whoever is signed in and shows the login screen.
func (a *App) ShowLogin() {
	a.stopBackground()
	a.closeSinks()
	if a.user != nil && a.deps.Desk != nil {
		if err := a.deps.Desk.SignOut(context.Background()); err != nil {
			fyne.LogError("sign out", err)
		}
	}
	a.user = nil
	// Never a sign-in nobody can pass: a database without users is set up.
	if a.setupNeeded() {
		a.ShowSetup()
		return
	}
	l := NewLoginScreen(a)
	a.setContent(l, Message{Key: "ui.login.title", Fallback: "Sign in"}, l.Content())
	l.Focus()
}

// SignedIn continues after a successful authentication: to the forced
// password change when the user must change it, else to the main screen.
// It is also the hook for other ways of signing in (a badge from the input
// readers): authenticate, then call SignedIn with password "".
func (a *App) SignedIn(u User, password string) {
	a.user = &u
	if u.MustChange {
		c := NewChangePasswordScreen(a, u, password)
		a.setContent(c, Message{Key: "ui.change.title", Fallback: "Change your password"}, c.Content())
		c.Focus()
		return
	}
	a.showMain(u)
}

func (a *App) showMain(u User) {
	if a.deps.AdminOnly && a.deps.Admin != nil {
		a.showAdmin()
		return
	}
	a.stopBackground()
	ctx, cancel := context.WithCancel(context.Background())
	a.stopBg = cancel
	m := NewMainScreen(ctx, a, u)
	a.setContent(m, Message{Key: "ui.main.title", Fallback: "Sale"}, m.Content())
	m.Focus()
}

// HandleInput takes an event from the input readers (HID or the keyboard
// wedge); call it on the UI goroutine (fyne.Do). The open dialogs see it
// first, newest first (the supervisor dialog takes a badge); then the
// screen: on the login and lock screens a badge signs in, on the sale
// screen a scan rings the item up. It reports whether anyone took it.
func (a *App) HandleInput(ev device.InputEvent) bool {
	for i := len(a.sinks) - 1; i >= 0; i-- {
		if a.sinks[i].HandleInput(ev) {
			return true
		}
	}
	if s, ok := a.screen.(InputSink); ok {
		return s.HandleInput(ev)
	}
	return false
}

// pushSink puts a dialog on top of the input stack; the returned func
// takes it off (safe to call twice).
func (a *App) pushSink(s InputSink) func() {
	if s == nil {
		return func() {}
	}
	a.sinks = append(a.sinks, s)
	return func() {
		for i := len(a.sinks) - 1; i >= 0; i-- {
			if a.sinks[i] == s {
				a.sinks = append(a.sinks[:i], a.sinks[i+1:]...)
				return
			}
		}
	}
}

// closeSinks closes the open dialogs (the supervisor dialog's Done then
// gets its "cancelled"): on logout, lock and a change of screen nothing may
// stay open over a session that ended.
func (a *App) closeSinks() {
	for i := len(a.modals) - 1; i >= 0; i-- {
		if m := a.modals[i]; m.d != nil {
			m.d.Hide()
		}
	}
	a.modals = nil
	open := append([]InputSink(nil), a.sinks...)
	a.sinks = nil
	for i := len(open) - 1; i >= 0; i-- {
		if c, ok := open[i].(interface{ Close() }); ok {
			c.Close()
		}
	}
}

// Logout ends the session (the desk signs out, lent rights end) and
// returns to the login screen.
func (a *App) Logout() { a.ShowLogin() }

// Lock hides the session behind the lock screen: the bill stays, lent
// rights end, and only the same cashier (password or badge) comes back.
func (a *App) Lock() {
	d := a.deps.Desk
	if d == nil || a.user == nil {
		return
	}
	if err := d.Lock(context.Background()); err != nil {
		fyne.LogError("lock", err)
		return
	}
	a.stopBackground()
	a.closeSinks()
	l := NewLockScreen(a, *a.user)
	a.setContent(l, Message{Key: "ui.lock.title", Fallback: "Locked"}, l.Content())
	l.Focus()
}

// unlocked returns from the lock screen to the sale screen.
func (a *App) unlocked() {
	if a.user != nil {
		a.showMain(*a.user)
	}
}

func (a *App) stopBackground() {
	if c := a.win.Canvas(); c != nil {
		c.RemoveShortcut(logoutShortcut)
	}
	if a.stopBg != nil {
		a.stopBg()
		a.stopBg = nil
	}
}

func (a *App) applyTheme(choice string) {
	fyne.CurrentApp().Settings().SetTheme(NewTheme(choice))
}

// setTheme applies and saves a theme choice.
func (a *App) setTheme(choice string) error {
	a.applyTheme(choice)
	return a.deps.Settings.SetString(SettingTheme, choice)
}

// setLanguage switches the language, saves the choice and rebuilds the
// login screen so every label is in the new language.
func (a *App) setLanguage(tag string) error {
	if err := SetLanguage(tag); err != nil {
		return err
	}
	err := a.deps.Settings.SetString(SettingLanguage, tag)
	a.ShowLogin()
	return err
}

// submit runs a form's slow call (argon2id, the database) in the background
// with the form's button disabled, then done on the UI goroutine — unless
// the screen was replaced meanwhile (a badge signed in, the language was
// switched): then the answer belongs to nobody and is dropped. A second
// Enter while the call runs does nothing.
func (a *App) submit(screen any, button *widget.Button, call func(context.Context) error, done func(error)) {
	if button.Disabled() {
		return
	}
	button.Disable()
	a.async(func() {
		err := call(context.Background())
		a.do(func() {
			button.Enable()
			if a.screen != screen {
				return
			}
			done(err)
		})
	})
}

// focus puts the keyboard focus on o when the window is showing it.
func (a *App) focus(o fyne.Focusable) {
	if c := a.win.Canvas(); c != nil {
		c.Focus(o)
	}
}
