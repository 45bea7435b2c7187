package approve

// The dialog over a fake desk: what each mode collects, what it shows, and
// the rules of Done, busy and late answers.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

type fakeDesk struct {
	mode    desk.ApprovalMode
	answers []error // returned in turn; nil when used up
	once    []desk.Credential
	elevate []desk.Credential
}

func (f *fakeDesk) ApprovalMode(context.Context) desk.ApprovalMode { return f.mode }

func (f *fakeDesk) next() error {
	if len(f.answers) == 0 {
		return nil
	}
	err := f.answers[0]
	f.answers = f.answers[1:]
	return err
}

func (f *fakeDesk) ApproveOnce(_ context.Context, _ *desk.Pending, c desk.Credential) error {
	f.once = append(f.once, c)
	return f.next()
}

func (f *fakeDesk) Elevate(_ context.Context, c desk.Credential) error {
	f.elevate = append(f.elevate, c)
	return f.next()
}

// done records every call of Options.Done.
type done struct{ calls []error }

func (d *done) fn(err error) { d.calls = append(d.calls, err) }

func (d *done) want(t *testing.T, err error) {
	t.Helper()
	if len(d.calls) != 1 {
		t.Fatalf("Done called %d times (%v), want once", len(d.calls), d.calls)
	}
	if !errors.Is(d.calls[0], err) && d.calls[0] != err {
		t.Fatalf("Done(%v), want %v", d.calls[0], err)
	}
}

func inline(f func()) { f() }

func open(t *testing.T, w fyne.Window, dk Desk, p *desk.Pending) (*Dialog, *done) {
	t.Helper()
	var dn done
	d := Show(w, Options{Desk: dk, Pending: p, Async: inline, Do: inline, Done: dn.fn})
	return d, &dn
}

// typeText types into whatever has the focus, as the keyboard does.
func typeText(t *testing.T, w fyne.Window, s string) {
	t.Helper()
	f := w.Canvas().Focused()
	if f == nil {
		t.Fatal("nothing has the focus")
	}
	for _, r := range s {
		f.TypedRune(r)
	}
}

func press(t *testing.T, w fyne.Window, k fyne.KeyName) {
	t.Helper()
	f := w.Canvas().Focused()
	if f == nil {
		t.Fatal("nothing has the focus")
	}
	f.TypedKey(&fyne.KeyEvent{Name: k})
}

func badge(id string) device.Badge {
	return device.Badge{Source: device.Source{Name: "badge-1", Role: device.RoleBadge}, At: time.Now(), ID: device.NewBadgeID(id)}
}

func TestModesCollectTheirCredential(t *testing.T) {
	p := pending(t)
	for _, tc := range []struct {
		mode  desk.ApprovalMode
		input func(t *testing.T, w fyne.Window, d *Dialog)
		want  desk.Credential
	}{
		{desk.ModeUserPassword, func(t *testing.T, w fyne.Window, d *Dialog) {
			if w.Canvas().Focused() != d.login {
				t.Fatalf("focus on %T, want the login field", w.Canvas().Focused())
			}
			typeText(t, w, " supervisor ")
			press(t, w, fyne.KeyReturn) // moves to the password
			if w.Canvas().Focused() != d.secret {
				t.Fatalf("Enter in the login field: focus on %T, want the password", w.Canvas().Focused())
			}
			typeText(t, w, "super 123")
			press(t, w, fyne.KeyReturn)
		}, desk.Credential{Mode: desk.ModeUserPassword, Login: "supervisor", Secret: "super 123"}},
		{desk.ModePassword, func(t *testing.T, w fyne.Window, d *Dialog) {
			if w.Canvas().Focused() != d.secret || !d.secret.Password {
				t.Fatal("the PIN field has no focus or is not masked")
			}
			typeText(t, w, "4711")
			press(t, w, fyne.KeyEnter)
		}, desk.Credential{Mode: desk.ModePassword, Secret: "4711"}},
		{desk.ModeCard, func(t *testing.T, w fyne.Window, d *Dialog) {
			if w.Canvas().Focused() != d.card || !d.card.focused {
				t.Fatal("the card field has no focus")
			}
			if !d.HandleInput(badge("0004512345")) {
				t.Fatal("a badge in card mode was not consumed")
			}
		}, desk.Credential{Mode: desk.ModeCard, Badge: device.NewBadgeID("0004512345")}},
	} {
		t.Run(string(tc.mode), func(t *testing.T) {
			for _, sticky := range []bool{false, true} {
				w, _ := newWindow(t, "en")
				fd := &fakeDesk{mode: tc.mode}
				pp := p
				if sticky {
					pp = nil
				}
				d, dn := open(t, w, fd, pp)
				if d.Mode() != tc.mode {
					t.Fatalf("mode %s", d.Mode())
				}
				tc.input(t, w, d)
				got := fd.once
				if sticky {
					got = fd.elevate
					if len(fd.once) != 0 {
						t.Fatal("sticky dialog approved once")
					}
				} else if len(fd.elevate) != 0 {
					t.Fatal("one-shot dialog elevated")
				}
				if diff := cmp.Diff([]desk.Credential{tc.want}, got, cmp.Comparer(func(a, b device.BadgeID) bool { return a.Reveal() == b.Reveal() })); diff != "" {
					t.Errorf("credential (-want +got):\n%s", diff)
				}
				dn.want(t, nil)
				if len(w.Canvas().Overlays().List()) != 0 {
					t.Error("the dialog is still shown after success")
				}
			}
		})
	}
}

func TestDialogNamesTheRequest(t *testing.T) {
	p := pending(t)
	w, _ := newWindow(t, "en")
	open(t, w, &fakeDesk{}, p)
	shown := test.RenderToMarkup(w.Canvas())
	if want := p.Describe().English(); !strings.Contains(shown, want) || !strings.Contains(want, "15 %") {
		t.Errorf("dialog does not name %q:\n%s", want, shown)
	}

	w, _ = newWindow(t, "ru")
	open(t, w, &fakeDesk{}, nil)
	shown = test.RenderToMarkup(w.Canvas())
	for _, s := range []string{"Права старшего кассира", "Запрошено:", "Логин", "Пароль", "Подтвердить"} {
		if !strings.Contains(shown, s) {
			t.Errorf("sticky dialog in Russian lacks %q", s)
		}
	}
	if strings.Contains(shown, "lend supervisor rights") {
		t.Error("the elevation request is not translated")
	}
}

func TestRefusalsAreShownAndTheDialogStays(t *testing.T) {
	p := pending(t)
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.Local)
	bad := &desk.Refused{
		Kind: desk.ErrBadCredential, Lockout: policy.Lockout{Remaining: 2},
		Msg: policy.Lockout{Remaining: 2}.Message("Волков"),
	}
	locked := policy.Lockout{Locked: true, Until: now.Add(5 * time.Minute)}
	lockedOut := &desk.Refused{Kind: desk.ErrLockedOut, Lockout: locked, Msg: locked.Message("Игорь Николаевич Волков")}
	self := &desk.Refused{
		Kind: desk.ErrApproval, Verdict: policy.Verdict{Reason: policy.ReasonSelfApproval},
		Msg: policy.Message{Key: "policy.reason.self_approval", Fallback: "You cannot approve your own request: another user must do it."},
	}

	for _, tc := range []struct {
		name string
		tag  string
		err  error
		want []string
	}{
		{"attempts left", "en", bad, []string{"Attempts left: 2"}},
		{"attempts left, Russian", "ru", bad, []string{fill(translation(t, "policy", "ru", policy.KeyAttemptsLeft), "Count", "2")}},
		{"locked out", "en", lockedOut, []string{"locked out until " + locked.Until.Format("15:04"), "Try again in 5 min."}},
		{"locked out, Italian", "it", lockedOut, []string{
			fill(fill(translation(t, "policy", "it", policy.KeyLockedOut), "Name", "Игорь Николаевич Волков"), "Until", locked.Until.Format("15:04")),
			fill(translation(t, "approve", "it", "approve.err.locked_for"), "Minutes", "5"),
		}},
		{"self-approval", "en", self, []string{translation(t, "policy", "en", "policy.reason.self_approval")}},
		{"other error", "en", errors.New("disk I/O error"), []string{desk.Messages()["desk.error.internal"]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := newWindow(t, tc.tag)
			fd := &fakeDesk{mode: desk.ModeUserPassword, answers: []error{tc.err}}
			var dn done
			d := Show(w, Options{Desk: fd, Pending: p, Async: inline, Do: inline, Done: dn.fn, Now: func() time.Time { return now }})
			typeText(t, w, "supervisor")
			press(t, w, fyne.KeyReturn)
			typeText(t, w, "wrong")
			press(t, w, fyne.KeyReturn)
			got := d.StatusText()
			for _, s := range tc.want {
				if !strings.Contains(got, s) {
					t.Errorf("status %q lacks %q", got, s)
				}
			}
			if d.status.Importance != widget.DangerImportance {
				t.Error("a refusal is not shown as an error")
			}
			if len(dn.calls) != 0 {
				t.Fatalf("Done(%v) after a refusal; the dialog must stay open", dn.calls)
			}
			if d.secret.Text != "" || d.login.Text != "supervisor" {
				t.Errorf("after a failure: login %q, password %q; want the login kept and the password cleared", d.login.Text, d.secret.Text)
			}
			if w.Canvas().Focused() != d.secret {
				t.Error("the password field has no focus for another try")
			}
			if strings.Contains(got, "wrong") {
				t.Error("the typed password appears in the message")
			}
			// Another try succeeds.
			typeText(t, w, "super123")
			press(t, w, fyne.KeyReturn)
			dn.want(t, nil)
			if len(fd.once) != 2 || fd.once[1].Secret != "super123" {
				t.Errorf("attempts %+v", fd.once)
			}
		})
	}
}

func TestEmptyFieldsAreNotSent(t *testing.T) {
	w, _ := newWindow(t, "en")
	fd := &fakeDesk{mode: desk.ModeUserPassword}
	d, dn := open(t, w, fd, nil)
	press(t, w, fyne.KeyReturn)
	if got := d.StatusText(); got != "Enter the login." {
		t.Errorf("empty login: %q", got)
	}
	typeText(t, w, "supervisor")
	press(t, w, fyne.KeyReturn)
	test.Tap(d.submit)
	if got := d.StatusText(); got != "Enter the password." || w.Canvas().Focused() != d.secret {
		t.Errorf("empty password: %q", got)
	}
	if len(fd.elevate) != 0 || len(dn.calls) != 0 {
		t.Fatal("an empty credential reached the desk")
	}

	w, _ = newWindow(t, "en")
	fd = &fakeDesk{mode: desk.ModePassword}
	d, _ = open(t, w, fd, nil)
	press(t, w, fyne.KeyReturn)
	if got := d.StatusText(); got != "Enter the PIN." || len(fd.elevate) != 0 {
		t.Errorf("empty PIN: %q, %d calls", got, len(fd.elevate))
	}
}

func TestCancelEscapeAndClose(t *testing.T) {
	for _, mode := range []desk.ApprovalMode{desk.ModeUserPassword, desk.ModePassword, desk.ModeCard} {
		for _, how := range []string{"escape", "cancel", "close"} {
			t.Run(string(mode)+"/"+how, func(t *testing.T) {
				w, _ := newWindow(t, "en")
				fd := &fakeDesk{mode: mode}
				d, dn := open(t, w, fd, nil)
				switch how {
				case "escape":
					// A tap on a blank part of the dialog unfocuses the
					// field; the focus comes back, so Escape still works.
					test.TapCanvas(w.Canvas(), fyne.CurrentApp().Driver().AbsolutePositionForObject(d.hint).AddXY(4, 4))
					if w.Canvas().Focused() == nil {
						t.Fatal("a tap on the dialog left nothing focused")
					}
					press(t, w, fyne.KeyEscape)
				case "cancel":
					test.Tap(d.cancel)
				case "close":
					d.Close()
				}
				dn.want(t, ErrCancelled)
				// Nothing after closing calls Done again or reaches the desk.
				d.Close()
				test.Tap(d.cancel)
				if d.HandleInput(badge("0004512345")) {
					t.Error("a closed dialog consumed a badge")
				}
				if len(dn.calls) != 1 || len(fd.elevate)+len(fd.once) != 0 {
					t.Errorf("Done %v, desk calls %d", dn.calls, len(fd.elevate)+len(fd.once))
				}
				if len(w.Canvas().Overlays().List()) != 0 {
					t.Error("the dialog is still shown")
				}
			})
		}
	}
}

// One call at a time: the button is disabled and a second Enter starts
// nothing; an answer that comes after Close is dropped.
func TestBusyAndLateAnswers(t *testing.T) {
	w, _ := newWindow(t, "en")
	fd := &fakeDesk{mode: desk.ModePassword}
	var queue []func()
	var dn done
	d := Show(w, Options{Desk: fd, Async: func(f func()) { queue = append(queue, f) }, Do: inline, Done: dn.fn})
	typeText(t, w, "4711")
	press(t, w, fyne.KeyReturn)
	if !d.submit.Disabled() || d.StatusText() != "Checking…" {
		t.Errorf("while checking: button disabled %v, status %q", d.submit.Disabled(), d.StatusText())
	}
	press(t, w, fyne.KeyReturn)
	test.Tap(d.submit)
	if len(queue) != 1 {
		t.Fatalf("%d calls started, want 1", len(queue))
	}
	d.Close()
	queue[0]() // the desk answers "approved" after the dialog was closed
	dn.want(t, ErrCancelled)

	// Card mode: a second badge while the first is checked is swallowed.
	w, _ = newWindow(t, "en")
	fd = &fakeDesk{mode: desk.ModeCard, answers: []error{&desk.Refused{Kind: desk.ErrBadCredential, Msg: policy.Lockout{Remaining: 4}.Message("")}}}
	queue = nil
	dn = done{}
	d = Show(w, Options{Desk: fd, Async: func(f func()) { queue = append(queue, f) }, Do: inline, Done: dn.fn})
	d.HandleInput(badge("0000000001"))
	if !strings.Contains(d.StatusText(), "…01") {
		t.Errorf("while checking a badge: %q", d.StatusText())
	}
	if !d.HandleInput(badge("0004512345")) || len(queue) != 1 {
		t.Fatalf("second badge while checking: %d calls queued", len(queue))
	}
	queue[0]()
	if !strings.Contains(d.StatusText(), "Attempts left: 4") || len(dn.calls) != 0 {
		t.Fatalf("after a bad badge: %q, Done %v", d.StatusText(), dn.calls)
	}
	d.HandleInput(badge("0004512345"))
	queue[1]()
	dn.want(t, nil)
}

// An approval given, then the approved action failing (the request is spent)
// closes the dialog with that error, for the screen to show.
func TestApprovedActionFails(t *testing.T) {
	r := newRig(t)
	r.signIn(t, "cashier")
	den := r.denyDiscount(t, r.addLine(t, 0))
	w, _ := newWindow(t, "en")
	actionErr := errors.New("register: no link")
	dk := spendingDesk{r.d, actionErr}
	var dn done
	Show(w, Options{Desk: dk, Pending: den.Request, Async: inline, Do: inline, Done: dn.fn})
	typeText(t, w, "supervisor")
	press(t, w, fyne.KeyReturn)
	typeText(t, w, "super123")
	press(t, w, fyne.KeyReturn)
	dn.want(t, actionErr)
}

// spendingDesk approves with the real desk and then reports the action as
// failed, as a register error at checkout would.
type spendingDesk struct {
	*desk.Desk
	err error
}

func (s spendingDesk) ApproveOnce(ctx context.Context, p *desk.Pending, c desk.Credential) error {
	if err := s.Desk.ApproveOnce(ctx, p, c); err != nil {
		return err
	}
	return s.err
}

func TestInputOutsideCardModeIsNotTaken(t *testing.T) {
	for _, mode := range []desk.ApprovalMode{desk.ModeUserPassword, desk.ModePassword} {
		w, _ := newWindow(t, "en")
		fd := &fakeDesk{mode: mode}
		d, dn := open(t, w, fd, nil)
		for _, ev := range []device.InputEvent{
			badge("0004512345"),
			device.Swipe{},
			device.ReadError{Key: "input.badge.unreadable", Fallback: "The badge could not be read. Present it again"},
		} {
			if d.HandleInput(ev) {
				t.Errorf("%s mode consumed %T", mode, ev)
			}
		}
		if len(fd.elevate) != 0 || len(dn.calls) != 0 || d.StatusText() != "" {
			t.Errorf("%s mode reacted to reader input: %d calls, status %q", mode, len(fd.elevate), d.StatusText())
		}
	}
}

func TestCardModeReadErrorsAndOtherInput(t *testing.T) {
	w, _ := newWindow(t, "ru")
	fd := &fakeDesk{mode: desk.ModeCard}
	d, dn := open(t, w, fd, nil)

	if !d.HandleInput(device.ReadError{Key: "input.badge.unreadable", Fallback: "The badge could not be read. Present it again"}) {
		t.Fatal("read error not consumed")
	}
	if got, want := d.StatusText(), translation(t, "input", "ru", "input.badge.unreadable"); got != want {
		t.Errorf("read error shown as %q, want %q", got, want)
	}
	if d.StatusText() == "" || d.status.Importance != widget.DangerImportance {
		t.Error("read error not shown as an error")
	}

	// A payment card offered as a badge is refused before the desk.
	pay := device.Swipe{Tracks: [3]device.Track{{Present: true, OK: true, Data: "B4111111111111111^DOE/J^30121010000", PAN: "4111111111111111", Expiry: "3012"}}}
	d.HandleInput(pay)
	if strings.Contains(d.StatusText(), "4111") {
		t.Errorf("card number shown: %q", d.StatusText())
	}
	// An item barcode is not a badge.
	d.HandleInput(device.Scan{Kind: device.ScanItem, Raw: "4600000000008"})
	if !strings.Contains(d.StatusText(), "штрихкод") {
		t.Errorf("barcode in card mode: %q", d.StatusText())
	}
	if len(fd.elevate) != 0 || len(dn.calls) != 0 {
		t.Fatalf("bad reads reached the desk: %d calls", len(fd.elevate))
	}

	// An employee card swipe is a badge: track 2's data.
	emp := device.Swipe{Tracks: [3]device.Track{{}, {Present: true, OK: true, Data: "4512345"}}}
	if !d.HandleInput(emp) || len(fd.elevate) != 1 || fd.elevate[0].Badge.Reveal() != "T2:4512345" {
		t.Fatalf("employee card: %+v", fd.elevate)
	}
	dn.want(t, nil)
}

// A person typing into the card field: nothing shows, the held-back keys
// are decided when the wedge's timer fires, and the dialog says typing is
// not accepted; nothing reaches the desk.
func TestCardModeTypingByAPerson(t *testing.T) {
	w, behind := newWindow(t, "en")
	fd := &fakeDesk{mode: desk.ModeCard}
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.Local)
	var dn done
	d := Show(w, Options{Desk: fd, Async: inline, Do: inline, Done: dn.fn, Now: func() time.Time { return now }})
	var timers []func()
	var waits []time.Duration
	d.after = func(dt time.Duration, f func()) func() {
		waits = append(waits, dt)
		timers = append(timers, f)
		return func() {}
	}
	for _, c := range "12345" {
		typeText(t, w, string(c))
		now = now.Add(250 * time.Millisecond) // a person's pace
	}
	if len(timers) == 0 || waits[0] <= 0 || waits[0] > time.Second {
		t.Fatalf("flush timers %v", waits)
	}
	timers[len(timers)-1]()
	if got := d.StatusText(); got != texts["approve.err.typing"] {
		t.Errorf("status %q after typing", got)
	}
	if shown := test.RenderToMarkup(w.Canvas()); strings.Contains(shown, "12345") || strings.Contains(shown, ">1<") {
		t.Errorf("typed keys are visible:\n%s", shown)
	}
	if behind.Text != "" || len(fd.elevate) != 0 || len(dn.calls) != 0 {
		t.Errorf("typing leaked: behind %q, %d desk calls, Done %v", behind.Text, len(fd.elevate), dn.calls)
	}
	// A tap on the field keeps it focused for the reader.
	test.Tap(d.card)
	if w.Canvas().Focused() != d.card {
		t.Error("the card field lost the focus to a tap")
	}
}
