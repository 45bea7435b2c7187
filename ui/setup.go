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

	// A C locale reads as English before Fyne's lang initialises, in the
	// till and in every test binary that links the window.
	_ "github.com/tillpos/till/internal/localeenv"
)

// Setup is the first start: a database without users gets its store and
// first administrator here. cmd/till adapts the store.
type Setup interface {
	// Needed reports whether the database has no users: then the window
	// shows the setup screen instead of a sign-in nobody could pass.
	Needed(ctx context.Context) (bool, error)
	// Countries are the countries the till can be set up for.
	Countries() []SetupCountry
	// Initialise creates the store and its first administrator and returns
	// the generated initial password. A refused value is a
	// *SetupFieldError.
	Initialise(ctx context.Context, f SetupForm) (password string, err error)
	// PrintPassword prints the password slip on the register's tape.
	PrintPassword(ctx context.Context, login, fullName, password string) error
}

// SetupCountry is a country and what follows from it.
type SetupCountry struct {
	Code     string // "RU", "IT"
	Currency string // "RUB", "EUR"
	VAT      string // the VAT table's codes, for the admin to check
	Language string // the default language
}

// SetupForm is what the setup screen asks.
type SetupForm struct {
	TradingName, LegalName, INN, Address, Country, Language string
	AdminLogin, AdminFullName                               string
}

// Setup field names, as SetupFieldError reports them (the store's).
const (
	SetupTradingName   = "trading_name"
	SetupLegalName     = "legal_name"
	SetupINN           = "inn"
	SetupAddress       = "address"
	SetupCountryField  = "country"
	SetupLanguageField = "language"
	SetupAdminLogin    = "login"
	SetupAdminFullName = "full_name"
)

// SetupFieldError is a value the store refused, with the field to fix.
type SetupFieldError struct {
	Field string
	Msg   Message
	Err   error
}

func (e *SetupFieldError) Error() string { return e.Err.Error() }
func (e *SetupFieldError) Unwrap() error { return e.Err }

// SetupScreen asks for the store and its first administrator.
type SetupScreen struct {
	app       *App
	countries []SetupCountry

	entries  map[string]*widget.Entry
	country  *widget.Select
	derived  *widget.Label // currency and VAT table of the chosen country
	language *widget.Select
	submit   *widget.Button
	errLine  errorLine
	content  fyne.CanvasObject
}

func countryName(code string) string {
	switch code {
	case "RU":
		return lang.X("ui.setup.country_ru", "Russia")
	case "IT":
		return lang.X("ui.setup.country_it", "Italy")
	}
	return code
}

// NewSetupScreen builds the setup form.
func NewSetupScreen(app *App) *SetupScreen {
	s := &SetupScreen{app: app, countries: app.deps.Setup.Countries(), entries: map[string]*widget.Entry{}}
	order := []struct{ field, label string }{
		{SetupTradingName, lang.X("ui.setup.trading_name", "Trading name")},
		{SetupLegalName, lang.X("ui.setup.legal_name", "Legal name of the organisation")},
		{SetupINN, lang.X("ui.setup.inn", "Organisation INN / partita IVA")},
		{SetupAddress, lang.X("ui.setup.address", "Address")},
		{SetupAdminLogin, lang.X("ui.setup.admin_login", "Administrator's login")},
		{SetupAdminFullName, lang.X("ui.setup.admin_name", "Administrator's full name")},
	}
	labels := map[string]string{}
	for _, o := range order {
		e := widget.NewEntry()
		s.entries[o.field] = e
		labels[o.field] = o.label
	}
	// Enter moves on, as on the login screen; the last field submits.
	next := []string{SetupTradingName, SetupLegalName, SetupINN, SetupAddress, SetupAdminLogin, SetupAdminFullName}
	for i, f := range next {
		if i+1 < len(next) {
			to := s.entries[next[i+1]]
			s.entries[f].OnSubmitted = func(string) { app.focus(to) }
		} else {
			s.entries[f].OnSubmitted = func(string) { s.Submit() }
		}
	}

	var names []string
	for _, c := range s.countries {
		names = append(names, countryName(c.Code))
	}
	s.derived = widget.NewLabel("")
	s.derived.Wrapping = fyne.TextWrapWord
	var langNames []string
	for _, l := range Languages {
		langNames = append(langNames, l.Name)
	}
	s.language = widget.NewSelect(langNames, nil)
	s.country = widget.NewSelect(names, func(string) {
		c, ok := s.selectedCountry()
		if !ok {
			return
		}
		s.derived.SetText(lang.X("ui.setup.derived", "Currency {{.Currency}}; VAT rates {{.VAT}}.", map[string]any{"Currency": c.Currency, "VAT": c.VAT}))
		if l, ok := languageByTag(c.Language); ok {
			s.language.SetSelected(l.Name)
		}
	})
	if len(names) > 0 {
		s.country.SetSelected(names[0])
	}

	words := setupWords(app.deps.AdminOnly)
	s.submit = widget.NewButtonWithIcon(words.submit, theme.ConfirmIcon(), s.Submit)
	s.submit.Importance = widget.HighImportance
	s.errLine = newErrorLine()

	title := widget.NewLabelWithStyle(tr(words.title), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	why := widget.NewLabel(words.why)
	why.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(labels[SetupTradingName], s.entries[SetupTradingName]),
		widget.NewFormItem(labels[SetupLegalName], s.entries[SetupLegalName]),
		widget.NewFormItem(lang.X("ui.setup.country", "Country"), s.country),
		widget.NewFormItem("", s.derived),
		widget.NewFormItem(labels[SetupINN], s.entries[SetupINN]),
		widget.NewFormItem(labels[SetupAddress], s.entries[SetupAddress]),
		widget.NewFormItem(lang.X("ui.setup.language", "Language of the till"), s.language),
		widget.NewFormItem(labels[SetupAdminLogin], s.entries[SetupAdminLogin]),
		widget.NewFormItem(labels[SetupAdminFullName], s.entries[SetupAdminFullName]),
	)
	box := container.NewVBox(title, why, form, s.errLine, container.NewHBox(layout.NewSpacer(), s.submit))
	s.content = container.NewVScroll(container.NewHBox(layout.NewSpacer(), fixedWidth(640, box), layout.NewSpacer()))
	return s
}

func (s *SetupScreen) selectedCountry() (SetupCountry, bool) {
	for _, c := range s.countries {
		if countryName(c.Code) == s.country.Selected {
			return c, true
		}
	}
	return SetupCountry{}, false
}

// Content is the screen's root object.
func (s *SetupScreen) Content() fyne.CanvasObject { return s.content }

// Focus puts the cursor in the first field.
func (s *SetupScreen) Focus() { s.app.focus(s.entries[SetupTradingName]) }

// ErrorText is the error the screen shows, "" when none.
func (s *SetupScreen) ErrorText() string { return s.errLine.text() }

// Submit sends the form to the store; a refused field is explained and
// gets the cursor, success shows the initial password once.
func (s *SetupScreen) Submit() {
	f := SetupForm{
		TradingName: s.entries[SetupTradingName].Text, LegalName: s.entries[SetupLegalName].Text,
		INN: s.entries[SetupINN].Text, Address: s.entries[SetupAddress].Text,
		AdminLogin: s.entries[SetupAdminLogin].Text, AdminFullName: s.entries[SetupAdminFullName].Text,
	}
	if c, ok := s.selectedCountry(); ok {
		f.Country = c.Code
	}
	for _, l := range Languages {
		if l.Name == s.language.Selected {
			f.Language = l.Tag
		}
	}
	s.errLine.Hide()
	var pw string
	s.app.submit(s, s.submit, func(ctx context.Context) error {
		var err error
		pw, err = s.app.deps.Setup.Initialise(ctx, f)
		return err
	}, func(err error) {
		if err != nil {
			var fe *SetupFieldError
			if errors.As(err, &fe) {
				s.errLine.show(fe.Msg)
				if e, ok := s.entries[fe.Field]; ok {
					s.app.focus(e)
				}
				return
			}
			fyne.LogError("set up the store", err)
			s.errLine.show(errorMessage(err))
			return
		}
		// The chosen language is the till's from now on.
		if f.Language != "" && f.Language != CurrentLanguage() {
			if err := SetLanguage(f.Language); err != nil {
				fyne.LogError("language "+f.Language, err)
			}
		}
		s.app.showSetupDone(f.AdminLogin, f.AdminFullName, pw)
	})
}

// setupTexts are the setup screens' words for a till or, in the head
// office's window (Deps.AdminOnly), for the head office.
type setupTexts struct {
	title, doneTitle Message
	why, submit      string
	doneWho          func(name, login string) string
}

func setupWords(headOffice bool) setupTexts {
	if headOffice {
		return setupTexts{
			title:     Message{Key: "ui.setup.title_hq", Fallback: "Set up the head office"},
			doneTitle: Message{Key: "ui.setup.done_title_hq", Fallback: "The head office is set up"},
			why:       lang.X("ui.setup.why_hq", "The head office's database has no users yet. Enter the organisation's details and its first administrator, who signs in with the password shown next."),
			submit:    lang.X("ui.setup.submit_hq", "Set up the head office"),
			doneWho: func(name, login string) string {
				return lang.X("ui.setup.done_who_hq", "Initial password of {{.Name}} (login {{.Login}}). Write it down now: it is shown only once, and must be changed at the first sign-in.",
					map[string]any{"Name": name, "Login": login})
			},
		}
	}
	return setupTexts{
		title:     Message{Key: "ui.setup.title", Fallback: "Set up this till"},
		doneTitle: Message{Key: "ui.setup.done_title", Fallback: "The till is set up"},
		why:       lang.X("ui.setup.why", "This database has no users yet. Enter the store's details and its first administrator; the till then gives the administrator a password to sign in with."),
		submit:    lang.X("ui.setup.submit", "Set up the till"),
		doneWho: func(name, login string) string {
			return lang.X("ui.setup.done_who", "Initial password of {{.Name}} (login {{.Login}}). Write it down or print it now: it is shown only once, and must be changed at the first sign-in.",
				map[string]any{"Name": name, "Login": login})
		},
	}
}

// SetupDoneScreen shows the first administrator's initial password, large
// and once, with a button to print it on the register's tape; then the
// login screen.
type SetupDoneScreen struct {
	app      *App
	Password *widget.Label
	print    *widget.Button
	cont     *widget.Button
	note     *widget.Label
	content  fyne.CanvasObject
}

// typedKey: nothing on the screen has the focus, so Enter, the key the
// administrator pressed to set the store up, continues to sign-in.
func (s *SetupDoneScreen) typedKey(ev *fyne.KeyEvent) bool {
	if isEnter(ev.Name) {
		s.cont.OnTapped()
		return true
	}
	return false
}

func (s *SetupDoneScreen) typeRune(rune) {}

func (a *App) showSetupDone(login, fullName, password string) {
	s := &SetupDoneScreen{app: a}
	words := setupWords(a.deps.AdminOnly)
	title := widget.NewLabelWithStyle(tr(words.doneTitle), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameHeadingText
	who := widget.NewLabel(words.doneWho(fullName, login))
	who.Wrapping = fyne.TextWrapWord
	s.Password = widget.NewLabelWithStyle(password, fyne.TextAlignCenter, fyne.TextStyle{Bold: true, Monospace: true})
	s.Password.SizeName = theme.SizeNameHeadingText
	s.Password.Selectable = true
	s.note = widget.NewLabel("")
	s.note.Wrapping = fyne.TextWrapWord
	s.print = widget.NewButtonWithIcon(lang.X("ui.setup.print", "Print on the register's tape"), theme.DocumentPrintIcon(), func() {
		a.submit(s, s.print, func(ctx context.Context) error {
			return a.deps.Setup.PrintPassword(ctx, login, fullName, password)
		}, func(err error) {
			if err != nil {
				fyne.LogError("print the initial password", err)
				s.note.Importance = widget.DangerImportance
				s.note.SetText(lang.X("ui.setup.print_failed", "The password could not be printed: {{.Why}} Write it down instead.", map[string]any{"Why": tr(errorMessage(err))}))
				return
			}
			s.note.Importance = widget.MediumImportance
			s.note.SetText(lang.X("ui.setup.printed", "Printed. Take the slip from the register."))
		})
	})
	s.cont = widget.NewButtonWithIcon(lang.X("ui.setup.continue", "Continue to sign-in"), theme.NavigateNextIcon(), func() {
		a.ShowLogin()
	})
	s.cont.Importance = widget.HighImportance
	buttons := container.NewHBox(s.print, layout.NewSpacer(), s.cont)
	if a.deps.AdminOnly {
		buttons = container.NewHBox(layout.NewSpacer(), s.cont) // the head office has no register to print on
	}
	box := container.NewVBox(title, who, s.Password, s.note, buttons)
	s.content = container.NewVBox(layout.NewSpacer(),
		container.NewHBox(layout.NewSpacer(), fixedWidth(560, box), layout.NewSpacer()),
		layout.NewSpacer())
	a.setContent(s, words.doneTitle, s.content)
}

// setupNeeded reports whether the setup screen must be shown instead of the
// login screen. A failure to tell is logged and reads as "no": the login
// screen then shows the store's error at the first attempt.
func (a *App) setupNeeded() bool {
	if a.deps.Setup == nil {
		return false
	}
	need, err := a.deps.Setup.Needed(context.Background())
	if err != nil {
		fyne.LogError("does the database have users", err)
		return false
	}
	return need
}

// ShowSetup shows the setup screen.
func (a *App) ShowSetup() {
	a.stopBackground()
	a.closeSinks()
	a.user = nil
	s := NewSetupScreen(a)
	a.setContent(s, setupWords(a.deps.AdminOnly).title, s.content)
	s.Focus()
}
