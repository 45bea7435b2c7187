package approve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/store"
)

// captureStderr collects what the log package and os.Stderr receive until
// the returned function is called.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	oldErr, oldLog := os.Stderr, log.Writer()
	os.Stderr = w
	var buf bytes.Buffer
	log.SetOutput(&buf)
	got := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	return func() string {
		os.Stderr = oldErr
		log.SetOutput(oldLog)
		w.Close()
		return buf.String() + string(<-got)
	}
}

// TestTypedSecretsNeverStored is issue 15.2's scripted session: each
// mistake a person makes with a credential field, then every file of the
// till (the database, its WAL, the key's directory) and stderr are searched
// for what was typed.
//
//   - a badge reader types a card number into the approval dialog's login
//     field (the dialog is in login + password mode);
//   - a supervisor types their password into the login field and their
//     login into the password field;
//   - at sign-in, a cashier types their password as the login.
//
// Each failed identification is audited as an unknown login with a keyed
// tag, never the text.
func TestTypedSecretsNeverStored(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	stderr := captureStderr(t)
	const cardNumber = "0004512345"
	supPW := demoUser(t, "supervisor").Password
	cashierPW := demoUser(t, "cashier").Password

	// Sign-in with the password in the login field.
	if _, err := r.d.SignIn(ctx, cashierPW, ""); err == nil {
		t.Fatal("signed in with a password as the login")
	} else {
		log.Printf("sign in: %v", err) // as the window logs it
	}
	r.signIn(t, "cashier")
	lid := r.addLine(t, 0)
	den := r.denyDiscount(t, lid)
	w, _ := newWindow(t, "en")
	d, dn := openReal(t, r, w, den.Request, events.Config{})

	// A badge swiped into the focused login field, then the password.
	typeLikeGLFW(t, w, cardNumber)
	press(t, w, fyne.KeyReturn)
	typeText(t, w, supPW)
	press(t, w, fyne.KeyReturn)
	if len(dn.calls) != 0 {
		t.Fatalf("approved with a card number as the login: %v", dn.calls)
	}
	d.Close()
	// The password into the login field, the login into the password, in
	// a dialog opened afresh (the login field has the focus).
	d, dn = openReal(t, r, w, den.Request, events.Config{})
	typeText(t, w, supPW)
	press(t, w, fyne.KeyReturn)
	typeText(t, w, "supervisor")
	press(t, w, fyne.KeyReturn)
	if len(dn.calls) != 0 || !strings.HasPrefix(d.StatusText(), "Wrong credentials") {
		t.Fatalf("swapped fields: Done %v, status %q", dn.calls, d.StatusText())
	}
	d.Close()

	// Every failed identification says "unknown" with a tag.
	unknown := 0
	for _, e := range r.audit(t) {
		if e.Outcome == store.OutcomeFailed && strings.Contains(string(e.Args), `"login":"unknown"`) {
			unknown++
			if !strings.Contains(string(e.Args), `"login_tag":"`) {
				t.Errorf("no tag in %s", e.Args)
			}
		}
	}
	if unknown != 3 {
		t.Errorf("%d failed identifications audited as unknown logins, want 3", unknown)
	}

	out := stderr()
	secrets := []string{cardNumber, "4512345", supPW, cashierPW}
	for _, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("stderr shows %q:\n%s", s, out)
		}
	}
	noSecretsInFiles(t, r, secrets...)
	dir := filepath.Dir(r.path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		for _, s := range secrets {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%q is in %s", s, e.Name())
			}
		}
	}
}

// TestMustChangePasswordApprovesNothing is issue 15.4's escalation path:
// a password reset by someone else (so known to them) must be changed
// before it approves or lends anything, in every mode it could be typed.
func TestMustChangePasswordApprovesNothing(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	pw, err := r.db.ResetPassword(ctx, "supervisor", store.Actor{Terminal: "test"})
	if err != nil {
		t.Fatal(err)
	}
	r.signIn(t, "cashier")
	lid := r.addLine(t, 0)
	den := r.denyDiscount(t, lid)
	w, _ := newWindow(t, "en")
	d, dn := openReal(t, r, w, den.Request, events.Config{})
	typeText(t, w, "supervisor")
	press(t, w, fyne.KeyReturn)
	typeText(t, w, pw)
	press(t, w, fyne.KeyReturn)
	if len(dn.calls) != 0 {
		t.Fatalf("a must-change password approved: %v", dn.calls)
	}
	if got := d.StatusText(); !strings.Contains(got, "must first change the initial password") {
		t.Errorf("status %q", got)
	}
	if got := lineDiscount(t, r, lid); got.Value != 0 {
		t.Errorf("discount given: %+v", got)
	}
	d.Close()
	err = r.d.Elevate(ctx, desk.Credential{Mode: desk.ModeUserPassword, Login: "supervisor", Secret: pw})
	if !errors.Is(err, desk.ErrApproval) || r.d.Session().Elevation != nil {
		t.Errorf("a must-change password lent its rights: %v", err)
	}
	var reasons []string
	for _, e := range r.audit(t) {
		if e.Reason == "must_change" {
			reasons = append(reasons, e.Action)
		}
	}
	if len(reasons) != 2 {
		t.Errorf("refusals audited: %v", reasons)
	}
}
