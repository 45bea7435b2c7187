package ui

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/assets"
	"github.com/tillpos/till/device"
)

func TestMain(m *testing.M) {
	if err := assets.LoadTranslations(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// translation is the text of key in language tag, read from the shipped
// files so the tests follow the translators' wording.
func translation(t *testing.T, tag, key string) string {
	t.Helper()
	raw, err := assets.Translation("ui", tag)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s.json: %v", tag, err)
	}
	s, ok := m[key]
	if !ok {
		t.Fatalf("%s.json has no %q", tag, key)
	}
	return s
}

// newTestApp is a shell on a headless window with synchronous background
// work, speaking tag.
func newTestApp(t *testing.T, tag string, deps Deps) (*App, fyne.Window) {
	t.Helper()
	// SetLanguage writes these; put them back after the test.
	for _, env := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		t.Setenv(env, os.Getenv(env))
	}
	if err := SetLanguage(tag); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	if deps.Auth == nil {
		deps.Auth = newFakeAuth()
	}
	if deps.Settings == nil {
		deps.Settings = newMemSettings()
	}
	w := test.NewTempWindow(t, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1024, 768))
	a := New(w, deps)
	a.async = func(f func()) { f() }
	a.do = func(f func()) { f() }
	a.pollStatus = false
	a.Start()
	return a, w
}

func visible(w fyne.Window) string { return test.RenderToMarkup(w.Canvas()) }

func loginAs(t *testing.T, a *App, w fyne.Window, login, password string) {
	t.Helper()
	l, ok := a.screen.(*LoginScreen)
	if !ok {
		t.Fatalf("screen is %T, want the login screen", a.screen)
	}
	test.Type(l.login, login)
	test.Type(l.password, password)
	// Enter in the password field submits.
	l.password.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
}

func TestLoginShowsUserOnMainScreen(t *testing.T) {
	a, w := newTestApp(t, "en", Deps{})
	loginAs(t, a, w, "cashier", "cash1234")
	if _, ok := a.screen.(*MainScreen); !ok {
		t.Fatalf("after sign-in the screen is %T, want *MainScreen", a.screen)
	}
	got := visible(w)
	for _, want := range []string{"Ivan Petrov", "Cashier", translation(t, "en", "ui.main.logout")} {
		if !strings.Contains(got, want) {
			t.Errorf("main screen does not show %q", want)
		}
	}
	if u := a.User(); u == nil || u.Login != "cashier" {
		t.Errorf("User() = %v, want cashier", u)
	}
}

func TestLoginErrorsAreTranslated(t *testing.T) {
	for _, tc := range []struct {
		tag, login, password, key string
	}{
		{"ru", "cashier", "nope", "ui.login.err.wrong_password"},
		{"it", "cashier", "nope", "ui.login.err.wrong_password"},
		{"en", "nobody", "x", "ui.login.err.unknown_user"},
		{"ru", "nobody", "x", "ui.login.err.unknown_user"},
		{"it", "gone", "gone1234", "ui.login.err.inactive"},
		{"ru", "", "", "ui.login.err.empty_login"},
	} {
		t.Run(tc.tag+"/"+tc.key, func(t *testing.T) {
			a, w := newTestApp(t, tc.tag, Deps{})
			loginAs(t, a, w, tc.login, tc.password)
			l, ok := a.screen.(*LoginScreen)
			if !ok {
				t.Fatalf("screen is %T, want to stay on login", a.screen)
			}
			want := translation(t, tc.tag, tc.key)
			if got := l.ErrorText(); got != want {
				t.Errorf("error = %q, want %q", got, want)
			}
			if !strings.Contains(visible(w), want) {
				t.Errorf("the error is not visible")
			}
			if l.password.Text != "" && tc.password != "" {
				t.Errorf("password field kept %q after a failure", l.password.Text)
			}
		})
	}
}

func TestForcedPasswordChange(t *testing.T) {
	auth := newFakeAuth()
	a, w := newTestApp(t, "en", Deps{Auth: auth})
	loginAs(t, a, w, "newbie", "init5678")
	c, ok := a.screen.(*ChangePasswordScreen)
	if !ok {
		t.Fatalf("screen is %T, want the password change", a.screen)
	}
	if !strings.Contains(visible(w), "Anna Novikova") {
		t.Error("change screen does not name the user")
	}

	steps := []struct {
		newPass, repeat, wantKey string
	}{
		{"abc12345", "abc12346", "ui.change.err.mismatch"},
		{"ab12", "ab12", "ui.change.err.short"},
		{"abcdefgh", "abcdefgh", "ui.change.err.weak"},
		{"init5678", "init5678", "ui.change.err.same"},
	}
	for _, s := range steps {
		c.newPass.SetText(s.newPass)
		c.repeat.SetText(s.repeat)
		c.repeat.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		want := strings.ReplaceAll(translation(t, "en", s.wantKey), "{{.Min}}", "8")
		if got := c.ErrorText(); got != want {
			t.Errorf("%q/%q: error %q, want %q", s.newPass, s.repeat, got, want)
		}
		if a.screen != c {
			t.Fatalf("left the change screen on a refused password")
		}
	}
	if len(auth.changed) != 0 {
		t.Fatalf("refused passwords reached the store: %v", auth.changed)
	}

	// The store can still refuse; the screen says so and stays.
	auth.failNext = errors.New("disk full")
	c.newPass.SetText("river2024")
	c.repeat.SetText("river2024")
	c.Submit()
	if !strings.Contains(c.ErrorText(), "disk full") {
		t.Errorf("store failure shown as %q", c.ErrorText())
	}

	c.Submit()
	if got, want := auth.changed, []string{"newbie:init5678->river2024"}; len(got) != 1 || got[0] != want[0] {
		t.Errorf("changes = %v, want %v", got, want)
	}
	m, ok := a.screen.(*MainScreen)
	if !ok {
		t.Fatalf("after the change the screen is %T, want *MainScreen", a.screen)
	}
	if m.user.MustChange {
		t.Error("main screen still thinks the password must change")
	}
	if !strings.Contains(visible(w), "Anna Novikova") {
		t.Error("main screen does not show the user")
	}
}

func TestLogoutReturnsToLogin(t *testing.T) {
	a, w := newTestApp(t, "en", Deps{})
	loginAs(t, a, w, "cashier", "cash1234")
	m := a.screen.(*MainScreen)
	ctx := m.ctx
	var logout *widget.Button
	walk(w.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == translation(t, "en", "ui.main.logout") {
			logout = b
		}
	})
	if logout == nil {
		t.Fatal("no sign-out button on the main screen")
	}
	test.Tap(logout)
	if _, ok := a.screen.(*LoginScreen); !ok {
		t.Fatalf("after sign-out the screen is %T", a.screen)
	}
	if a.User() != nil {
		t.Error("still signed in after sign-out")
	}
	if ctx.Err() == nil {
		t.Error("main screen's background work still runs after sign-out")
	}
	if strings.Contains(visible(w), "Ivan Petrov") {
		t.Error("the signed-out user is still on screen")
	}
}

func TestLogoutShortcutFromSearch(t *testing.T) {
	a, w := newTestApp(t, "en", Deps{Items: fakeItems{}})
	loginAs(t, a, w, "cashier", "cash1234")
	m := a.screen.(*MainScreen)
	m.sale.entry.TypedShortcut(logoutShortcut)
	if _, ok := a.screen.(*LoginScreen); !ok {
		t.Fatalf("Ctrl+L in the barcode field left the screen at %T", a.screen)
	}
	loginAs(t, a, w, "cashier", "cash1234")
	m = a.screen.(*MainScreen)
	m.sale.openSearch()
	m.search.TypedShortcut(logoutShortcut)
	if _, ok := a.screen.(*LoginScreen); !ok {
		t.Fatalf("Ctrl+L in the search left the screen at %T", a.screen)
	}
}

func TestLanguageSwitchChangesTextAndPersists(t *testing.T) {
	settings := newMemSettings()
	a, w := newTestApp(t, "en", Deps{Settings: settings})
	if !strings.Contains(visible(w), translation(t, "en", "ui.login.submit")) {
		t.Fatal("English login screen lacks its button")
	}
	for _, tag := range []string{"ru", "it", "en"} {
		l := a.screen.(*LoginScreen)
		lg, _ := languageByTag(tag)
		l.language.SetSelected(lg.Name)
		got := visible(w)
		if want := translation(t, tag, "ui.login.submit"); !strings.Contains(got, want) {
			t.Errorf("after choosing %s the screen lacks %q", tag, want)
		}
		if s := settings.String(SettingLanguage, ""); s != tag {
			t.Errorf("saved language = %q, want %q", s, tag)
		}
		if a.screen.(*LoginScreen).language.Selected != lg.Name {
			t.Errorf("picker shows %q after choosing %s", a.screen.(*LoginScreen).language.Selected, lg.Name)
		}
	}
}

func TestApplyLanguage(t *testing.T) {
	for _, env := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
		t.Setenv(env, "")
	}
	s := newMemSettings()
	_ = s.SetString(SettingLanguage, "it")
	if got, err := ApplyLanguage("", s); err != nil || got != "it" || CurrentLanguage() != "it" {
		t.Errorf("saved setting: got %q, %v, current %q", got, err, CurrentLanguage())
	}
	if got, err := ApplyLanguage("ru", s); err != nil || got != "ru" || CurrentLanguage() != "ru" {
		t.Errorf("flag wins: got %q, %v, current %q", got, err, CurrentLanguage())
	}
	if _, err := ApplyLanguage("de", s); !errors.Is(err, ErrUnknownLanguage) {
		t.Errorf("unknown language: err = %v", err)
	}
	// C locale: LANGUAGE alone would be ignored.
	t.Setenv("LC_ALL", "C")
	if err := SetLanguage("it"); err != nil || CurrentLanguage() != "it" {
		t.Errorf("under LC_ALL=C: %v, current %q", err, CurrentLanguage())
	}
}

func TestPrepareLocale(t *testing.T) {
	for _, tc := range []struct {
		lcAll, lcMessages, lang string
		want                    map[string]string
	}{
		{"", "", "C.UTF-8", map[string]string{"LANG": "C.UTF-8", "LC_MESSAGES": "en", "LC_ALL": ""}},
		{"POSIX", "", "ru_RU.UTF-8", map[string]string{"LC_ALL": "en", "LANG": "ru_RU.UTF-8"}},
		{"", "C", "", map[string]string{"LC_MESSAGES": "en"}},
		{"", "", "ru_RU.UTF-8", map[string]string{"LANG": "ru_RU.UTF-8", "LC_MESSAGES": ""}},
		{"", "", "", map[string]string{"LC_MESSAGES": "", "LANG": ""}},
	} {
		t.Setenv("LANGUAGE", "")
		t.Setenv("LC_ALL", tc.lcAll)
		t.Setenv("LC_MESSAGES", tc.lcMessages)
		t.Setenv("LANG", tc.lang)
		if err := PrepareLocale(); err != nil {
			t.Fatal(err)
		}
		for k, v := range tc.want {
			if got := os.Getenv(k); got != v {
				t.Errorf("LC_ALL=%q LC_MESSAGES=%q LANG=%q: %s = %q, want %q", tc.lcAll, tc.lcMessages, tc.lang, k, got, v)
			}
		}
	}
}

func TestThemeChoicePersists(t *testing.T) {
	settings := newMemSettings()
	a, _ := newTestApp(t, "en", Deps{Settings: settings})
	l := a.screen.(*LoginScreen)
	l.theme.SetSelectedIndex(2)
	if got := settings.String(SettingTheme, ""); got != ThemeDark {
		t.Errorf("saved theme = %q, want dark", got)
	}
	th := fyne.CurrentApp().Settings().Theme()
	dark := NewTheme(ThemeDark)
	if th.Color("background", 0) != dark.Color("background", 0) {
		t.Error("the dark theme was not applied")
	}
}

func TestDemoPanel(t *testing.T) {
	demo := []DemoLogin{
		{Login: "cashier", Password: "cash1234", Group: "Cashier"},
		{Login: "supervisor", Password: "super1234", Group: "Supervisor", Badge: "0004512345"},
		{Login: "newbie", Password: "init5678", Group: "Cashier", MustChange: true},
	}
	_, w := newTestApp(t, "ru", Deps{Demo: demo})
	got := visible(w)
	for _, want := range []string{translation(t, "ru", "ui.demo.title"), "super1234", "0004512345", "newbie *", translation(t, "ru", "ui.demo.must_change")} {
		if !strings.Contains(got, want) {
			t.Errorf("demo panel lacks %q", want)
		}
	}
	_, w = newTestApp(t, "en", Deps{})
	if strings.Contains(visible(w), translation(t, "en", "ui.demo.title")) {
		t.Error("demo panel shown outside demo mode")
	}
}

func TestMainScreenStatusAndSearch(t *testing.T) {
	items := fakeItems{
		{ID: 1, Barcode: "4600000000008", Name: "Хлеб белый", Price: 4590},
		{ID: 2, Barcode: "4600000000015", Name: "Хурма", Price: 32990, Weighed: true},
		{ID: 3, Barcode: "4600000000022", Name: "Молоко", Price: 8900},
	}
	reg := &fakeRegister{st: device.Status{ShiftOpen: true, Serial: "00106300"}}
	a, w := newTestApp(t, "ru", Deps{Items: items, Register: reg})
	loginAs(t, a, w, "cashier", "cash1234")
	m := a.screen.(*MainScreen)

	// Without polling on, the bar says it is checking until the first answer.
	if got, want := m.register.Text, translation(t, "ru", "ui.status.register_checking"); got != want {
		t.Errorf("before polling: %q, want %q", got, want)
	}
	m.pollOnce(reg)
	if got := m.register.Text; got != "ККТ 00106300: готова" {
		t.Errorf("register status %q", got)
	}
	if got, want := m.shift.Text, translation(t, "ru", "ui.status.shift_open"); got != want {
		t.Errorf("shift status %q, want %q", got, want)
	}
	reg.err = device.ErrNoLink
	m.pollOnce(reg)
	if got, want := m.register.Text, translation(t, "ru", "ui.status.register_no_link"); got != want || m.register.Importance != widget.DangerImportance {
		t.Errorf("no link: %q (%v), want %q in danger", got, m.register.Importance, want)
	}

	m.sale.openSearch() // F1
	if len(m.items) != 3 {
		t.Errorf("empty search shows %d items, want all 3", len(m.items))
	}
	test.Type(m.search, "Ху")
	if len(m.items) != 1 || m.items[0].Name != "Хурма" {
		t.Errorf("search Ху: %v", m.items)
	}
	if got := priceText(m.items[0], m.money); got != "329,90\u00a0₽ / кг" {
		t.Errorf("weighed price %q", got)
	}
	test.Type(m.search, "zzz")
	if got, want := m.found.Text, translation(t, "ru", "ui.sale.none"); got != want {
		t.Errorf("no match: %q, want %q", got, want)
	}
}

func TestMainScreenWithoutDevices(t *testing.T) {
	a, w := newTestApp(t, "en", Deps{Unprotected: func() bool { return true }})
	loginAs(t, a, w, "cashier", "cash1234")
	got := visible(w)
	for _, key := range []string{"ui.status.register_none", "ui.sale.no_desk", "ui.main.unprotected"} {
		if want := translation(t, "en", key); !strings.Contains(got, want) {
			t.Errorf("main screen lacks %q", want)
		}
	}
}

func TestRegisterAndShiftText(t *testing.T) {
	for _, tc := range []struct {
		name          string
		st            device.Status
		err           error
		reg, shift    string
		regBad, shBad bool
	}{
		{"ready closed", device.Status{Serial: "7"}, nil, "ui.status.register_ready_serial", "ui.status.shift_closed", false, false},
		{"over 24h", device.Status{ShiftOpen: true, ShiftOver24: true}, nil, "ui.status.register_ready", "ui.status.shift_over24", false, true},
		{"paper", device.Status{PaperOut: true, ShiftOpen: true}, nil, "ui.status.register_paper_out", "ui.status.shift_open", true, false},
		{"cover", device.Status{CoverOpen: true}, nil, "ui.status.register_cover_open", "ui.status.shift_closed", true, false},
		{"timeout", device.Status{}, errors.Join(errors.New("status"), device.ErrNoLink), "ui.status.register_no_link", "ui.status.shift_unknown", true, false},
		{"other", device.Status{}, errors.New("boom"), "ui.status.register_error", "ui.status.shift_unknown", true, false},
		{"none", device.Status{}, errNotConnected, "ui.status.register_none", "ui.status.shift_unknown", false, false},
	} {
		r, rb := registerText(tc.st, tc.err)
		s, sb := shiftText(tc.st, tc.err)
		if r.Key != tc.reg || rb != tc.regBad || s.Key != tc.shift || sb != tc.shBad {
			t.Errorf("%s: register %s/%v shift %s/%v, want %s/%v %s/%v", tc.name, r.Key, rb, s.Key, sb, tc.reg, tc.regBad, tc.shift, tc.shBad)
		}
	}
}

func TestPasswordProblem(t *testing.T) {
	for _, tc := range []struct {
		login, old, new, repeat string
		want                    string // message key, "" = accepted
	}{
		{"anna", "init", "river2024", "river2024", ""},
		{"anna", "", "пароль2024", "пароль2024", ""},
		{"anna", "init", "river2024", "river2025", "ui.change.err.mismatch"},
		{"anna", "init", "riv2024", "riv2024", "ui.change.err.short"},
		{"anna", "init", "пар1234", "пар1234", "ui.change.err.short"}, // 7 runes, 13 bytes
		{"anna", "init", "riverside", "riverside", "ui.change.err.weak"},
		{"anna", "init", "12345678", "12345678", "ui.change.err.weak"},
		{"anna2024", "init", "ANNA2024", "ANNA2024", "ui.change.err.login"},
		{"anna", "river2024", "river2024", "river2024", "ui.change.err.same"},
	} {
		m := PasswordProblem(tc.login, tc.old, tc.new, tc.repeat)
		got := ""
		if m != nil {
			got = m.Key
		}
		if got != tc.want {
			t.Errorf("PasswordProblem(%q, %q, %q, %q) = %q, want %q", tc.login, tc.old, tc.new, tc.repeat, got, tc.want)
		}
	}
}

// walk visits o and everything inside it, containers and widgets alike.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, f)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			walk(c, f)
		}
	}
}
