// Package localeenv makes a C locale (LANG=C.UTF-8 or LANG=C on servers,
// containers, Xvfb and systemd units) read as English before Fyne's lang
// package initialises.
//
// Fyne's lang package reads the locale environment in its own init (through
// github.com/jeandeaual/go-locale) and cannot parse "C.UTF-8": every till
// command, operator commands included, began with three lines of "Fyne
// error: Error parsing user locale C". The window's ui.PrepareLocale fixed
// the environment too late for that init. This package does it in its init,
// which runs before lang's: cmd/till imports it, it imports nothing but os
// and strings, and by the Go spec's initialisation order (packages sorted by
// import path, each as soon as its imports are done) it is initialised as
// soon as os is, before text/template and golang.org/x/text, which
// Fyne's lang needs and which come after it in that order. Keep its imports
// to os and strings: a package importing fmt could lose that race. The
// test in cmd/till runs the built binary under LANG=C.UTF-8 and reads its
// stderr.
package localeenv

import (
	"os"
	"strings"
)

func init() { Prepare() }

// IsC reports a locale that names no language ("C", "C.UTF-8", "POSIX").
func IsC(locale string) bool {
	return locale == "C" || locale == "POSIX" || strings.HasPrefix(locale, "C.")
}

// Prepare sets the messages locale to English when the effective locale is
// a C locale: LC_ALL is replaced (it overrides everything else), a C LANG
// or LC_MESSAGES gets LC_MESSAGES=en, leaving LANG (and so LC_CTYPE) alone.
// A real locale, or none, is left as it is. It reports whether it changed
// anything.
func Prepare() bool {
	name, v := "", ""
	for _, env := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(env); s != "" {
			name, v = env, s
			break
		}
	}
	if v == "" || !IsC(v) {
		return false
	}
	if name == "LANG" {
		name = "LC_MESSAGES"
	}
	return os.Setenv(name, "en") == nil
}
