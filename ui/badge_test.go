package ui

import (
	"testing"
	"time"

	"github.com/tillpos/till/device"
)

func TestBadgeSignIn(t *testing.T) {
	super := User{ID: 9, Login: "supervisor", FullName: "Olga Smirnova", Group: "Supervisor"}
	badges := fakeBadges{"0004512345": super}
	badge := func(id string) device.InputEvent {
		return device.Badge{Source: device.KeyboardSource, At: time.Now(), ID: device.NewBadgeID(id)}
	}

	t.Run("known badge signs in", func(t *testing.T) {
		a, _ := newTestApp(t, "en", Deps{Badges: badges})
		a.HandleInput(badge("0004512345"))
		if _, ok := a.screen.(*MainScreen); !ok {
			t.Fatalf("screen is %T after a known badge", a.screen)
		}
		if a.User().Login != "supervisor" {
			t.Errorf("signed in as %v", a.User())
		}
	})
	t.Run("unknown badge", func(t *testing.T) {
		a, _ := newTestApp(t, "ru", Deps{Badges: badges})
		a.HandleInput(badge("0000000001"))
		l := a.screen.(*LoginScreen)
		if got, want := l.ErrorText(), translation(t, "ru", "ui.login.err.unknown_badge"); got != want {
			t.Errorf("error %q, want %q", got, want)
		}
	})
	t.Run("no badge sign-in", func(t *testing.T) {
		a, _ := newTestApp(t, "it", Deps{})
		a.HandleInput(badge("0004512345"))
		l := a.screen.(*LoginScreen)
		if got, want := l.ErrorText(), translation(t, "it", "ui.login.err.no_badges"); got != want {
			t.Errorf("error %q, want %q", got, want)
		}
	})
	t.Run("read error is shown, scans wait", func(t *testing.T) {
		a, _ := newTestApp(t, "en", Deps{Badges: badges})
		a.HandleInput(device.Scan{Source: device.KeyboardSource, Raw: "4600000000008"})
		if got := a.screen.(*LoginScreen).ErrorText(); got != "" {
			t.Errorf("a scan on the login screen showed %q", got)
		}
		a.HandleInput(device.ReadError{Key: "test.only", Fallback: "Bad read of {{.What}}", Args: map[string]any{"What": "badge"}})
		if got := a.screen.(*LoginScreen).ErrorText(); got != "Bad read of badge" {
			t.Errorf("read error shown as %q", got)
		}
	})
	t.Run("badges are ignored once signed in", func(t *testing.T) {
		a, w := newTestApp(t, "en", Deps{Badges: badges})
		loginAs(t, a, w, "cashier", "cash1234")
		a.HandleInput(badge("0004512345"))
		if a.User().Login != "cashier" {
			t.Errorf("a badge replaced the signed-in cashier with %v", a.User())
		}
	})
}

// An answer that arrives after its screen was replaced is dropped, and a
// second Enter while a sign-in runs starts nothing.
func TestSlowAnswersAndDoubleSubmit(t *testing.T) {
	badges := fakeBadges{"0004512345": {ID: 9, Login: "supervisor", FullName: "Olga Smirnova", Group: "Supervisor"}}
	a, w := newTestApp(t, "en", Deps{Badges: badges})
	var queue []func()
	a.async = func(f func()) { queue = append(queue, f) }

	loginAs(t, a, w, "cashier", "cash1234")
	a.screen.(*LoginScreen).Submit() // Enter again while the first runs
	if len(queue) != 1 {
		t.Fatalf("%d sign-ins running, want 1", len(queue))
	}
	// Meanwhile the language is switched, which rebuilds the login screen...
	l := a.screen.(*LoginScreen)
	lg, _ := languageByTag("ru")
	l.language.SetSelected(lg.Name)
	// ... and a badge signs in on the new screen.
	a.HandleInput(device.Badge{ID: device.NewBadgeID("0004512345")})
	if len(queue) != 2 {
		t.Fatalf("%d sign-ins queued, want 2", len(queue))
	}
	queue[1]()
	queue[0]() // the password answer, for a screen that is gone
	if u := a.User(); u == nil || u.Login != "supervisor" {
		t.Errorf("signed in as %v, want the badge's supervisor", u)
	}
	if _, ok := a.screen.(*MainScreen); !ok {
		t.Errorf("screen is %T", a.screen)
	}
}
