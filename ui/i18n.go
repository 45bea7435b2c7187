package ui

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/tillpos/till/policy"
)

// Language is one language the till ships, with its name written in itself
// so a cashier who cannot read the current language still finds their own.
type Language struct {
	Tag  string
	Name string
}

// Languages in the order the picker shows them. Keep in step with
// assets.Languages; a test checks.
var Languages = []Language{
	{Tag: "en", Name: "English"},
	{Tag: "ru", Name: "Русский"},
	{Tag: "it", Name: "Italiano"},
}

func languageByTag(tag string) (Language, bool) {
	i := slices.IndexFunc(Languages, func(l Language) bool { return l.Tag == tag })
	if i < 0 {
		return Language{}, false
	}
	return Languages[i], true
}

func languageByName(name string) (Language, bool) {
	i := slices.IndexFunc(Languages, func(l Language) bool { return l.Name == name })
	if i < 0 {
		return Language{}, false
	}
	return Languages[i], true
}

// ErrUnknownLanguage is returned by SetLanguage for a tag the till does not ship.
var ErrUnknownLanguage = errors.New("unknown language")

// isCLocale reports a locale that names no language ("C", "C.UTF-8",
// "POSIX"), which gettext reads as untranslated English.
func isCLocale(locale string) bool {
	return locale == "C" || locale == "POSIX" || strings.HasPrefix(locale, "C.")
}

// effectiveLocale is the locale variable gettext (and Fyne's lang) reads
// first, and its name.
func effectiveLocale() (name, value string) {
	for _, env := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := os.Getenv(env); v != "" {
			return env, v
		}
	}
	return "LC_MESSAGES", ""
}

// PrepareLocale makes a C locale (LANG=C.UTF-8 on servers, containers and
// Xvfb) read as English before translations load. Fyne's lang cannot parse
// "C.UTF-8" and logs an error for every translation folder it loads; C
// means untranslated English anyway. Call it once, before
// assets.LoadTranslations.
func PrepareLocale() error {
	name, v := effectiveLocale()
	if v != "" && isCLocale(v) {
		if name == "LANG" {
			name = "LC_MESSAGES" // leave LANG, and so LC_CTYPE, alone
		}
		if err := os.Setenv(name, "en"); err != nil {
			return fmt.Errorf("locale: %w", err)
		}
	}
	return nil
}

// SetLanguage makes lang (and so every screen built afterwards, and Fyne's
// own dialogs) speak tag.
//
// Fyne's lang package has no call to choose a language: it matches the
// translations against the locale environment (LANGUAGE, then LC_ALL,
// LC_MESSAGES, LANG) and re-reads it whenever translations are added. So the
// till writes its choice into LANGUAGE — and into LC_MESSAGES when the
// locale is empty or C, where gettext rules make LANGUAGE be ignored — and
// adds an empty translation file to make lang re-read it. Call it from the
// UI goroutine: the environment is process-wide.
func SetLanguage(tag string) error {
	if _, ok := languageByTag(tag); !ok {
		return fmt.Errorf("set language %q: %w", tag, ErrUnknownLanguage)
	}
	if err := os.Setenv("LANGUAGE", tag); err != nil {
		return fmt.Errorf("set language %q: %w", tag, err)
	}
	if name, v := effectiveLocale(); v == "" || isCLocale(v) {
		if name == "LANG" {
			name = "LC_MESSAGES"
		}
		if err := os.Setenv(name, tag); err != nil {
			return fmt.Errorf("set language %q: %w", tag, err)
		}
	}
	if err := lang.AddTranslationsForLocale([]byte("{}"), fyne.Locale(tag)); err != nil {
		return fmt.Errorf("set language %q: %w", tag, err)
	}
	return nil
}

// CurrentLanguage is the shipped language lang speaks now: the system's when
// nothing was chosen, English when the system's is not shipped.
func CurrentLanguage() string {
	tag := lang.SystemLocale().LanguageString()
	if _, ok := languageByTag(tag); ok {
		return tag
	}
	return Languages[0].Tag
}

// ApplyLanguage picks the language to start in: the flag's when given, else
// the saved setting, else the system's. It returns the tag in use.
func ApplyLanguage(flagTag string, s Settings) (string, error) {
	tag := flagTag
	if tag == "" && s != nil {
		tag = s.String(SettingLanguage, "")
	}
	if tag == "" {
		return CurrentLanguage(), nil
	}
	if err := SetLanguage(tag); err != nil {
		return CurrentLanguage(), err
	}
	return tag, nil
}

// Message is a sentence for a person: a stable key for the translations, the
// English fallback (a go-i18n template) and its arguments. It is the
// policy's type, so verdicts, store errors and the ui's own sentences travel
// the same way; tr turns any of them into the current language.
type Message = policy.Message

// tr translates m into the current language.
func tr(m Message) string {
	if m.Args == nil {
		return lang.X(m.Key, m.Fallback)
	}
	return lang.X(m.Key, m.Fallback, m.Args)
}

// MessageError is an error that carries the sentence to show for it. The
// wiring wraps errors of other areas (the store's ErrLocked, ErrWeakPassword,
// ...) in it, with their own keys, so the window shows their sentence rather
// than a generic one.
type MessageError struct {
	Msg Message
	Err error
}

func (e *MessageError) Error() string { return e.Err.Error() }
func (e *MessageError) Unwrap() error { return e.Err }

// signInMessage is what the login screen says about a failed sign-in.
func signInMessage(err error) Message {
	switch {
	case errors.Is(err, ErrUnknownUser):
		return Message{Key: "ui.login.err.unknown_user", Fallback: "No user with this login."}
	case errors.Is(err, ErrWrongPassword):
		return Message{Key: "ui.login.err.wrong_password", Fallback: "Wrong password. Try again."}
	case errors.Is(err, ErrInactive):
		return Message{Key: "ui.login.err.inactive", Fallback: "This user is not active. Ask the store admin."}
	case errors.Is(err, ErrLockedOut):
		return Message{Key: "ui.login.err.locked_out", Fallback: "Too many failed attempts: this user is locked out for a while."}
	}
	return errorMessage(err)
}

// errorMessage is the sentence for an error the screen cannot explain better:
// the error's own translation when it has one, else a generic sentence with
// the error text, so nothing is hidden from the person who must report it.
func errorMessage(err error) Message {
	if me, ok := errors.AsType[*MessageError](err); ok {
		return me.Msg
	}
	return Message{Key: "ui.err.generic", Fallback: "Something went wrong: {{.Err}}", Args: map[string]any{"Err": err.Error()}}
}
