package approve

// The dialog over the real desk, store and register emulator: what the
// issue's "tests that must exist" ask, seen through the dialog.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

const demoPIN = "4711"

// openReal shows the dialog over the rig's desk with synchronous calls and
// the rig's clock; timers of the card field's wedge are not armed (the
// tests end every burst with Enter).
func openReal(t *testing.T, r *rig, w fyne.Window, p *desk.Pending, reader events.Config) (*Dialog, *done) {
	t.Helper()
	var dn done
	d := Show(w, Options{Desk: r.d, Pending: p, Async: inline, Do: inline, Done: dn.fn, Now: r.clk.Now, Reader: reader})
	d.after = func(time.Duration, func()) func() { return func() {} }
	return d, &dn
}

// signInSupervisor fills the dialog in its mode with the demo supervisor's
// credential; card mode takes the badge as a HID reader sends it.
func signInSupervisor(t *testing.T, w fyne.Window, d *Dialog, mode desk.ApprovalMode) {
	t.Helper()
	switch mode {
	case desk.ModeUserPassword:
		typeText(t, w, "supervisor")
		press(t, w, fyne.KeyReturn)
		typeText(t, w, demoUser(t, "supervisor").Password)
		press(t, w, fyne.KeyReturn)
	case desk.ModePassword:
		typeText(t, w, demoPIN)
		press(t, w, fyne.KeyReturn)
	case desk.ModeCard:
		if !d.HandleInput(badge(demoUser(t, "supervisor").Badge)) {
			t.Fatal("badge not consumed")
		}
	}
}

func lineDiscount(t *testing.T, r *rig, lid sale.LineID) sale.Discount {
	t.Helper()
	b, _, err := r.d.Bill(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range b.Lines {
		if l.ID == lid {
			return l.Discount
		}
	}
	t.Fatalf("no line %d", lid)
	return sale.Discount{}
}

// TestOneShotApprovalEachMode: the cashier's 15 % line discount is denied,
// the supervisor approves it once in each mode, the line has it, the next
// 15 % is denied again, and the database names the cashier on the bill and
// both on the audit rows; no raw badge is in the database files.
func TestOneShotApprovalEachMode(t *testing.T) {
	for _, mode := range []desk.ApprovalMode{desk.ModeUserPassword, desk.ModePassword, desk.ModeCard} {
		t.Run(string(mode), func(t *testing.T) {
			r := newRig(t)
			ctx := context.Background()
			sup := r.user(t, "supervisor")
			r.setting(t, desk.SettingApprovalMode, string(mode))
			if err := r.db.SetPIN(ctx, sup.ID, demoPIN, store.Actor{Terminal: "test"}); err != nil {
				t.Fatal(err)
			}
			cashier := r.signIn(t, "cashier")
			lid := r.addLine(t, 0)
			den := r.denyDiscount(t, lid)
			if !den.Verdict.ApprovalPossible {
				t.Fatal("the denial offers no approval")
			}

			w, _ := newWindow(t, "en")
			d, dn := openReal(t, r, w, den.Request, events.Config{})
			if d.Mode() != mode {
				t.Fatalf("dialog in %s, want %s", d.Mode(), mode)
			}
			signInSupervisor(t, w, d, mode)
			dn.want(t, nil)
			if got := lineDiscount(t, r, lid); got != pct(1500) {
				t.Fatalf("line discount after approval: %+v", got)
			}

			// One-shot: the next 15 % is decided afresh, as the cashier.
			lid2 := r.addLine(t, 1)
			r.denyDiscount(t, lid2)
			if got := lineDiscount(t, r, lid2); got.Value != 0 {
				t.Fatalf("second line got %+v without approval", got)
			}
			// The spent request cannot be approved again through a dialog.
			w, _ = newWindow(t, "en")
			d, dn = openReal(t, r, w, den.Request, events.Config{})
			signInSupervisor(t, w, d, mode)
			if len(dn.calls) != 0 || !strings.Contains(d.StatusText(), desk.Messages()["desk.error.pending_used"]) {
				t.Fatalf("replayed approval: Done %v, status %q", dn.calls, d.StatusText())
			}
			d.Close()

			// Attribution, read back from the store.
			b, _, err := r.d.Bill(ctx)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := r.db.Bills().Get(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if policy.UserID(stored.CashierID) != cashier.ID {
				t.Errorf("bill cashier %d, want the cashier %d", stored.CashierID, cashier.ID)
			}
			var approved, done int
			for _, e := range r.audit(t) {
				switch {
				case e.Action == "session.approve" && e.Outcome == store.OutcomeApproved:
					approved++
					if e.Actor != cashier.ID || e.Approver != sup.ID || e.Terminal != "till-1" {
						t.Errorf("approval row %+v", e)
					}
					if !bytes.Contains(e.Args, []byte(`"mode":"`+string(mode)+`"`)) {
						t.Errorf("approval row args %s lack the mode", e.Args)
					}
				case e.Action == "bill.discount.line" && e.Outcome == store.OutcomeOK:
					done++
					if e.Actor != cashier.ID || e.Approver != sup.ID {
						t.Errorf("approved discount row %+v: want actor cashier, approver supervisor", e)
					}
				}
			}
			if approved != 1 || done != 1 {
				t.Errorf("%d approvals and %d approved discounts in the audit, want 1 and 1", approved, done)
			}
			noSecretsInFiles(t, r, demoUser(t, "supervisor").Badge, demoUser(t, "supervisor").Password, demoPIN)
		})
	}
}

// noSecretsInFiles closes the store and reads its files' bytes.
func noSecretsInFiles(t *testing.T, r *rig, secrets ...string) {
	t.Helper()
	if err := r.db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
		raw, err := os.ReadFile(r.path + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range secrets {
			if bytes.Contains(raw, []byte(s)) {
				t.Errorf("%q is in %s", s, filepath.Base(r.path+suffix))
			}
		}
	}
}

// TestStickyElevation: the key button's dialog lends the supervisor's rights
// until Restore; again, it switches approver, and the idle timeout ends it.
func TestStickyElevation(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	sup, admin := r.user(t, "supervisor"), r.user(t, "admin")
	lid := r.addLine(t, 0)

	w, _ := newWindow(t, "en")
	d, dn := openReal(t, r, w, nil, events.Config{})
	if !strings.Contains(test.RenderToMarkup(w.Canvas()), desk.ElevationRequest().English()) {
		t.Error("the key button's dialog does not say what it asks")
	}
	signInSupervisor(t, w, d, desk.ModeUserPassword)
	dn.want(t, nil)
	if el := r.d.Status(ctx).Elevation; el == nil || el.Approver != sup.ID || el.Mode != policy.ModeSticky {
		t.Fatalf("elevation after the dialog: %+v", el)
	}
	if err := r.d.LineDiscount(ctx, lid, pct(1500)); err != nil {
		t.Fatalf("15 %% under the supervisor's rights: %v", err)
	}
	if err := r.d.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.d.LineDiscount(ctx, lid, pct(1400)); !errors.Is(err, desk.ErrDenied) {
		t.Fatalf("after Restore: %v, want denied", err)
	}

	// Elevate, then switch approver from the same dialog.
	w, _ = newWindow(t, "en")
	d, dn = openReal(t, r, w, nil, events.Config{})
	signInSupervisor(t, w, d, desk.ModeUserPassword)
	dn.want(t, nil)
	w, _ = newWindow(t, "en")
	_, dn = openReal(t, r, w, nil, events.Config{})
	typeText(t, w, "admin")
	press(t, w, fyne.KeyReturn)
	typeText(t, w, demoUser(t, "admin").Password)
	press(t, w, fyne.KeyReturn)
	dn.want(t, nil)
	if el := r.d.Status(ctx).Elevation; el == nil || el.Approver != admin.ID {
		t.Fatalf("after switching: %+v, want the admin", el)
	}

	// Idle for the timeout (default 2 minutes): the next action is the
	// cashier's again.
	r.clk.Add(2*time.Minute + time.Second)
	if err := r.d.LineDiscount(ctx, lid, pct(1300)); !errors.Is(err, desk.ErrDenied) {
		t.Fatalf("after the idle timeout: %v, want denied", err)
	}
	if el := r.d.Status(ctx).Elevation; el != nil {
		t.Fatalf("elevation survived the idle timeout: %+v", el)
	}
	var elevated, restored, expired int
	for _, e := range r.audit(t) {
		switch {
		case e.Action == "session.elevate" && e.Outcome == store.OutcomeApproved:
			elevated++
		case e.Action == "session.restore" && e.Reason == "restore" && e.Approver == sup.ID:
			restored++
		case e.Action == "session.elevation.expire" && e.Approver == admin.ID:
			expired++
		}
	}
	if elevated != 3 || restored != 1 || expired != 1 {
		t.Errorf("audit: %d elevations, %d restores, %d expiries; want 3, 1, 1", elevated, restored, expired)
	}
}

// TestLockoutThroughTheDialog: five wrong passwords lock the supervisor on
// this till for five minutes, the dialog says so and stays open, the right
// password is refused while locked and works after the lock.
func TestLockoutThroughTheDialog(t *testing.T) {
	r := newRig(t)
	r.signIn(t, "cashier")
	lid := r.addLine(t, 0)
	den := r.denyDiscount(t, lid)
	sup := demoUser(t, "supervisor")

	w, _ := newWindow(t, "en")
	d, dn := openReal(t, r, w, den.Request, events.Config{})
	typeText(t, w, "supervisor")
	press(t, w, fyne.KeyReturn)
	for i := 1; i <= 5; i++ {
		typeText(t, w, "wrong-"+sup.Password)
		press(t, w, fyne.KeyReturn)
		got := d.StatusText()
		if i < 5 {
			if want := fill(policy.UIMessage(policy.KeyAttemptsLeft, nil).Fallback, "Count", string(rune('0'+5-i))); got != want {
				t.Errorf("failure %d: %q, want %q", i, got, want)
			}
		} else if !strings.Contains(got, "locked out until") || !strings.Contains(got, "Try again in 5 min.") {
			t.Errorf("fifth failure: %q, want the lock and its length", got)
		}
		if d.secret.Text != "" || strings.Contains(got, sup.Password) {
			t.Fatalf("failure %d: password field %q, status %q", i, d.secret.Text, got)
		}
		r.clk.Add(10 * time.Second)
	}
	// Locked: even the right password is refused.
	typeText(t, w, sup.Password)
	press(t, w, fyne.KeyReturn)
	if got := d.StatusText(); !strings.Contains(got, "locked out") || !strings.Contains(got, "Try again in 5 min.") || len(dn.calls) != 0 {
		t.Fatalf("right password while locked: %q, Done %v", got, dn.calls)
	}
	r.clk.Add(3 * time.Minute)
	typeText(t, w, sup.Password)
	press(t, w, fyne.KeyReturn)
	if got := d.StatusText(); !strings.Contains(got, "Try again in 2 min.") {
		t.Fatalf("three minutes later: %q", got)
	}
	// The lock expires.
	r.clk.Add(2*time.Minute + time.Second)
	typeText(t, w, sup.Password)
	press(t, w, fyne.KeyReturn)
	dn.want(t, nil)
	if got := lineDiscount(t, r, lid); got != pct(1500) {
		t.Fatalf("discount after the lock: %+v", got)
	}
	var bad, locked int
	for _, e := range r.audit(t) {
		if e.Action == "session.approve" && e.Outcome == store.OutcomeFailed {
			switch e.Reason {
			case "bad_credential":
				bad++
			case "locked_out":
				locked++
			}
			if bytes.Contains(e.Args, []byte(sup.Password)) {
				t.Errorf("password in audit args %s", e.Args)
			}
		}
	}
	if bad != 5 || locked != 2 {
		t.Errorf("audit: %d bad credentials, %d locked out; want 5 and 2", bad, locked)
	}
}

// TestApproverRefusals: the cashier cannot approve their own request, an
// approver must hold the right and stay within their own limit, and must be
// active; each is said in the dialog, which stays open.
func TestApproverRefusals(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	lid := r.addLine(t, 0)

	admin := r.user(t, "admin")
	// The last administrator cannot be deactivated (issue 15.4): another
	// one keeps the till manageable.
	if _, _, err := r.db.CreateUser(ctx, store.NewUser{Login: "admin2", FullName: "Second Admin", Group: admin.Group}, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	admin.Active = false
	if err := r.db.UpdateUser(ctx, admin, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	supName := r.user(t, "supervisor").FullName

	for _, tc := range []struct {
		name   string
		action func() error
		login  string
		reason policy.Reason
		want   string
	}{
		{"self-approval", func() error { return r.d.LineDiscount(ctx, lid, pct(1500)) }, "cashier", policy.ReasonSelfApproval, ""},
		{"approver lacks the right", func() error { return r.d.VoidLine(ctx, lid) }, "newbie", policy.ReasonApproverNoPermission, ""},
		{
			"approver's own limit", func() error { return r.d.LineDiscount(ctx, lid, pct(4000)) }, "supervisor", policy.ReasonApproverOverLimit,
			"Supervisor " + supName + " also may not give line discounts over 30 %.",
		},
		{"inactive approver", func() error { return r.d.LineDiscount(ctx, lid, pct(1500)) }, "admin", policy.ReasonApproverInactive, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var den *desk.Denied
			if err := tc.action(); !errors.As(err, &den) {
				t.Fatalf("%v, want denied", err)
			}
			w, _ := newWindow(t, "en")
			d, dn := openReal(t, r, w, den.Request, events.Config{})
			typeText(t, w, tc.login)
			press(t, w, fyne.KeyReturn)
			typeText(t, w, demoUser(t, tc.login).Password)
			press(t, w, fyne.KeyReturn)
			if len(dn.calls) != 0 || den.Request.Used() {
				t.Fatalf("refused approval closed the dialog (%v) or spent the request", dn.calls)
			}
			got := d.StatusText()
			var ref *desk.Refused
			err := r.d.ApproveOnce(ctx, den.Request, desk.Credential{Mode: desk.ModeUserPassword, Login: tc.login, Secret: demoUser(t, tc.login).Password})
			if !errors.As(err, &ref) || ref.Verdict.Reason != tc.reason {
				t.Fatalf("desk says %v, want %s", err, tc.reason)
			}
			if want := ref.Message().English(); got != want {
				t.Errorf("dialog says %q, want the desk's %q", got, want)
			}
			if tc.want != "" && got != tc.want {
				t.Errorf("dialog says %q, want %q", got, tc.want)
			}
			d.Close()
		})
	}
}

// typeLikeGLFW types s into the focused object the way the desktop driver
// delivers a wedge reader's keys: KeyDown with the physical key, TypedKey,
// then the rune; Enter has no rune.
func typeLikeGLFW(t *testing.T, w fyne.Window, s string) {
	t.Helper()
	f := w.Canvas().Focused()
	k, ok := f.(interface {
		KeyDown(*fyne.KeyEvent)
		KeyUp(*fyne.KeyEvent)
	})
	if !ok {
		t.Fatalf("focused %T takes no key-down events", f)
	}
	for _, r := range s {
		ev := &fyne.KeyEvent{}
		switch {
		case r == '\n':
			ev.Name, ev.Physical.ScanCode = fyne.KeyReturn, 28+8
		case r >= '1' && r <= '9':
			ev.Name, ev.Physical.ScanCode = fyne.KeyName(string(r)), int(r-'1')+2+8
		case r == '0':
			ev.Name, ev.Physical.ScanCode = fyne.Key0, 11+8
		default:
			t.Fatalf("no key for %q", r)
		}
		k.KeyDown(ev)
		f.TypedKey(ev)
		if r != '\n' {
			f.TypedRune(r)
		}
		k.KeyUp(ev)
	}
}

// TestCardModeWedgeAndHID: in card mode the badge comes (a) from a HID
// reader as a Badge event, (b) from a wedge reader's keystrokes turned into
// an event by the window's events.Wedge, (c) from keystrokes typed into the
// dialog itself. The typed badge shows in no field, and neither the raw nor
// the canonical ID reaches the database files.
func TestCardModeWedgeAndHID(t *testing.T) {
	r := newRig(t)
	r.setting(t, desk.SettingApprovalMode, string(desk.ModeCard))
	sup := r.user(t, "supervisor")
	// The demo enrols the supervisor's badge as what an em-dec10 reader's
	// print of it normalises to.
	printed := demoUser(t, "supervisor").BadgePrint
	form := scan.BadgeConfig{Form: scan.EMDecimal10}
	canonical, err := scan.NormaliseBadge(printed, form)
	if err != nil {
		t.Fatal(err)
	}
	if canonical != demoUser(t, "supervisor").Badge {
		t.Fatalf("demo badge %q is not the reader's %q", demoUser(t, "supervisor").Badge, canonical)
	}
	reader := events.Config{Source: device.Source{Name: "keyboard", Role: device.RoleBadge}, BadgeForm: form}
	r.signIn(t, "cashier")

	approveWith := func(t *testing.T, feed func(w fyne.Window, d *Dialog)) {
		t.Helper()
		lid := r.addLine(t, 0)
		den := r.denyDiscount(t, lid)
		w, behind := newWindow(t, "en")
		d, dn := openReal(t, r, w, den.Request, reader)
		feed(w, d)
		dn.want(t, nil)
		if got := lineDiscount(t, r, lid); got != pct(1500) {
			t.Fatalf("discount %+v", got)
		}
		if behind.Text != "" {
			t.Errorf("the entry behind the dialog got %q", behind.Text)
		}
	}

	t.Run("HID badge event", func(t *testing.T) {
		approveWith(t, func(w fyne.Window, d *Dialog) {
			d.HandleInput(device.Badge{Source: device.Source{Name: "badge-1", Role: device.RoleBadge}, At: r.clk.Now(), ID: device.NewBadgeID(demoUser(t, "supervisor").Badge)})
		})
	})
	t.Run("window wedge then HandleInput", func(t *testing.T) {
		approveWith(t, func(w fyne.Window, d *Dialog) {
			wedge := events.NewWedge(events.WedgeConfig{Reader: reader, LinuxScanCodes: runtime.GOOS == "linux"})
			at := r.clk.Now()
			var evs []device.InputEvent
			for _, c := range printed + "\n" {
				k := events.KeyPress{At: at, Name: string(c), Typed: c}
				if c == '\n' {
					k = events.KeyPress{At: at, Name: string(fyne.KeyReturn)}
				}
				res, handled := wedge.Key(k)
				if !handled || len(res.Typed) != 0 {
					t.Fatalf("wedge key %q: handled %v typed %q", c, handled, string(res.Typed))
				}
				evs = append(evs, res.Events...)
				at = at.Add(5 * time.Millisecond)
			}
			if len(evs) != 1 {
				t.Fatalf("wedge gave %d events: %v", len(evs), evs)
			}
			if _, ok := evs[0].(device.Badge); !ok {
				t.Fatalf("wedge gave %T", evs[0])
			}
			if !d.HandleInput(evs[0]) {
				t.Fatal("badge not consumed")
			}
		})
	})
	t.Run("keys typed into the dialog", func(t *testing.T) {
		approveWith(t, func(w fyne.Window, d *Dialog) {
			if w.Canvas().Focused() != d.card {
				t.Fatalf("focus on %T, want the card field", w.Canvas().Focused())
			}
			typeLikeGLFW(t, w, printed[:6])
			// Half way through the burst nothing shows the digits.
			if shown := test.RenderToMarkup(w.Canvas()); strings.Contains(shown, printed[:6]) {
				t.Errorf("typed badge digits visible:\n%s", shown)
			}
			for _, e := range entries(w.Canvas()) {
				if e.Text != "" {
					t.Errorf("an entry holds %q", e.Text)
				}
			}
			typeLikeGLFW(t, w, printed[6:]+"\n")
		})
	})
	var approved int
	for _, e := range r.audit(t) {
		if e.Action == "session.approve" && e.Outcome == store.OutcomeApproved && e.Approver == sup.ID {
			approved++
		}
	}
	if approved != 3 {
		t.Errorf("%d approvals by the supervisor, want 3", approved)
	}
	noSecretsInFiles(t, r, printed, canonical, canonical[3:], demoUser(t, "supervisor").Badge)
}

// entries finds every entry on the canvas, the dialog's and the screen's.
func entries(c fyne.Canvas) []*widget.Entry {
	var out []*widget.Entry
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widget.Entry:
			out = append(out, o)
		case *keyEntry:
			out = append(out, &o.Entry)
		}
		switch o := o.(type) {
		case *fyne.Container:
			for _, ch := range o.Objects {
				walk(ch)
			}
		case fyne.Widget:
			for _, ch := range test.WidgetRenderer(o).Objects() {
				walk(ch)
			}
		}
	}
	walk(c.Content())
	for _, o := range c.Overlays().List() {
		walk(o)
	}
	return out
}

// TestUnknownBadgesThrottleTheTerminal: badges that match nobody count
// against this till, and instead of locking out every supervisor (issue
// 14.7) they slow it down: after five, the next attempt waits 2 s — the
// real supervisor's badge too — and the dialog says so in the till's words,
// never its host name. An unknown login says "wrong credentials" like a
// wrong password.
func TestUnknownBadgesThrottleTheTerminal(t *testing.T) {
	r := newRig(t)
	r.setting(t, desk.SettingApprovalMode, string(desk.ModeCard))
	r.signIn(t, "cashier")
	lid := r.addLine(t, 0)
	den := r.denyDiscount(t, lid)

	w, behind := newWindow(t, "en")
	d, dn := openReal(t, r, w, den.Request, events.Config{})
	for i := 1; i <= 5; i++ {
		d.HandleInput(badge("000000000" + string(rune('0'+i))))
		want, _, _ := strings.Cut(policy.UIMessage(policy.KeyAttemptsLeft, nil).Fallback, "{{")
		if got := d.StatusText(); i < 5 && !strings.HasPrefix(got, want) {
			t.Fatalf("unknown badge %d: %q, want %q…", i, got, want)
		}
		if i < 5 {
			r.clk.Add(time.Second)
		}
	}
	got := d.StatusText()
	if !strings.Contains(got, "on this till: try again after") || !strings.Contains(got, "Try again in 2 s.") || strings.Contains(got, "till-1") {
		t.Fatalf("after five unknown badges: %q", got)
	}
	d.HandleInput(badge(demoUser(t, "supervisor").Badge))
	if got := d.StatusText(); !strings.Contains(got, "on this till") || len(dn.calls) != 0 {
		t.Fatalf("the supervisor's badge on a throttled till: %q, Done %v", got, dn.calls)
	}
	r.clk.Add(policy.ThrottleBase)
	d.HandleInput(badge(demoUser(t, "supervisor").Badge))
	dn.want(t, nil)
	if got := lineDiscount(t, r, lid); got != pct(1500) || behind.Text != "" {
		t.Fatalf("discount %+v, entry behind %q", got, behind.Text)
	}

	r.setting(t, desk.SettingApprovalMode, string(desk.ModeUserPassword))
	den = r.denyDiscount(t, r.addLine(t, 1))
	w, _ = newWindow(t, "en")
	d, _ = openReal(t, r, w, den.Request, events.Config{})
	typeText(t, w, "nobody")
	press(t, w, fyne.KeyReturn)
	typeText(t, w, "whatever")
	press(t, w, fyne.KeyReturn)
	want, _, _ := strings.Cut(policy.UIMessage(policy.KeyAttemptsLeft, nil).Fallback, "{{")
	if got := d.StatusText(); !strings.HasPrefix(got, want) {
		t.Errorf("unknown login: %q, want %q…", got, want)
	}
}
