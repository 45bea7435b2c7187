package ui

import (
	"bytes"
	"log"
	"strings"
	"testing"
)

// Issue 15.2 on the login screen: a password typed into the login field is
// not printed on stderr (the screen logged "sign in <login>").
func TestLoginFieldNeverLogged(t *testing.T) {
	r := newRig(t, "en")
	var buf bytes.Buffer
	old := log.Writer()
	log.SetOutput(&buf)
	defer log.SetOutput(old)
	loginAs(r.t, r.a, r.w, "cashier1", "x")
	l, ok := r.a.screen.(*LoginScreen)
	if !ok || l.ErrorText() == "" {
		t.Fatalf("signed in with a password as the login, or said nothing (%T)", r.a.screen)
	}
	log.SetOutput(old)
	if strings.Contains(buf.String(), "cashier1") {
		t.Errorf("stderr shows the password typed as the login:\n%s", buf.String())
	}
}

// Issues 14.7 and 15.6 on the lock screen: wrong passwords lock the
// cashier out — the right one is refused until the lock ends — and the
// message names the cashier and the time, never the host.
func TestLockScreenLocksOut(t *testing.T) {
	r := newRig(t, "en")
	r.signIn("cashier")
	r.a.Lock()
	l, ok := r.a.screen.(*LockScreen)
	if !ok {
		t.Fatalf("screen %T after lock", r.a.screen)
	}
	for range 5 {
		l.password.SetText("wrong")
		l.Submit()
	}
	l.password.SetText("cashier1")
	l.Submit()
	if _, still := r.a.screen.(*LockScreen); !still {
		t.Fatal("unlocked with the right password during the lock")
	}
	msg := l.ErrorText()
	if !strings.Contains(msg, "is locked out until") || strings.Contains(msg, "till-test") {
		t.Errorf("message %q", msg)
	}
}
