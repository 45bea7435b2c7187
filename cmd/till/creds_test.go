package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/desk/deskstore"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/admin"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// deskRig is the desk on a real store and the emulated register, on a clock
// the test moves, with the back office wired as the window wires it.
type deskRig struct {
	*adminRig
	d   *desk.Desk
	clk *testClock
}

func newDeskRig(t *testing.T) *deskRig {
	t.Helper()
	test.NewTempApp(t)
	db, path := openTestStore(t)
	if err := db.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Moscow time, whatever the machine's zone: messages say the till's own time.
	clk := &testClock{t: time.Date(2026, 12, 4, 18, 0, 0, 0, time.FixedZone("MSK", 3*3600))}
	holder := policy.NewHolder(nil)
	r := &deskRig{adminRig: &adminRig{t: t, db: db, path: path, holder: holder, win: test.NewWindow(nil)}, d: newDeskOn(t, db, holder, clk), clk: clk}
	r.win.Resize(fyne.NewSize(1280, 1000))
	t.Cleanup(r.win.Close)
	return r
}

// newDeskOn starts a desk on db (a till starting on its database).
func newDeskOn(t *testing.T, db *store.DB, holder *policy.Holder, clk *testClock) *desk.Desk {
	t.Helper()
	e := emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	reg := shtrihtest.Register(t, e)
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(desk.Config{
		Holder: holder, Store: deskstore.New(db), Bills: db.Bills(),
		Sales:    sale.NewSales(db.Bills(), vat, nil, clk.Now),
		Checkout: sale.NewCheckout(db.Bills(), db.Bills(), reg, vat, clk.Now),
		Register: reg, Terminal: "till-1", Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// openBackOffice builds the back office on the desk's session, as
// wire_desk_hooks does.
func (r *deskRig) openBackOffice() {
	deps := adminDeps(r.db, r.path, r.holder, backOfficeSession(r.d), "till-1", nil)
	deps.Async = func(f func()) { f() }
	deps.Do = func(f func()) { f() }
	deps.Now = r.clk.Now
	r.screen = admin.New(r.win, deps, func() {})
	r.win.SetContent(r.screen.Content())
}

// Issue 15.3: with a 10 s idle timeout, the rights an admin lent a cashier
// end 10 s after their last use in the back office too: 34 s later the
// cashier cannot reset the supervisor's password.
func TestBackOfficeLentRightsExpire(t *testing.T) {
	r := newDeskRig(t)
	ctx := context.Background()
	if err := r.db.SetSetting(ctx, desk.SettingIdleTimeout, "10s", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.SignIn(ctx, "cashier", "cashier1"); err != nil {
		t.Fatal(err)
	}
	if err := r.d.Elevate(ctx, desk.Credential{Mode: desk.ModeUserPassword, Login: "admin", Secret: "admin123"}); err != nil {
		t.Fatal(err)
	}
	r.openBackOffice()
	r.tab("Users")
	// Within the timeout, working in the back office keeps them alive.
	r.pickUser("newbie")
	for _, name := range []string{"Pavel K.", "Pavel Kozlov"} {
		r.clk.Add(8 * time.Second)
		r.set("Full name", name)
		r.tap("Save")
		if got := r.user("newbie").FullName; got != name {
			t.Fatalf("edit within the timeout: %q, status %q", got, r.status())
		}
	}
	// 34 s idle: gone.
	r.clk.Add(34 * time.Second)
	r.pickUser("supervisor")
	r.tap("Reset to an initial password")
	if _, err := r.db.Authenticate(ctx, "supervisor", "super123"); err != nil {
		t.Errorf("the supervisor's password was reset on expired rights: %v", err)
	}
	if !strings.Contains(r.status(), "You may not manage administrators") {
		t.Errorf("status %q", r.status())
	}
	if r.d.Session().Elevation != nil {
		t.Error("the elevation is still on")
	}
	var expired bool
	for _, e := range r.audit() {
		expired = expired || (e.Action == "session.elevation.expire" && e.Reason == "idle")
	}
	if !expired {
		t.Error("the expiry is not audited")
	}
}

func (r *adminRig) audit() []store.AuditEntry {
	rows, err := r.db.AuditEntries(context.Background(), 0, 100000)
	if err != nil {
		r.t.Fatal(err)
	}
	return rows
}

// Issue 15.4: a standard-users admin may manage cashiers but not a
// supervisor, whose group lends its rights: resetting the supervisor's
// password (and setting a PIN, enrolling a badge) needs the
// administrator-users right.
func TestStandardUsersAdminCannotTakeOverSupervisor(t *testing.T) {
	r := newAdminRig(t, "admin")
	staffAdmin(t, r)
	r.signIn("sam")
	r.pickUser("supervisor")
	r.tap("Reset to an initial password")
	if _, err := r.db.Authenticate(context.Background(), "supervisor", "super123"); err != nil {
		t.Fatalf("sam reset the supervisor's password: %v", err)
	}
	if a := r.lastAudit(); a.Action != string(policy.ActionManageAdmins) || a.Outcome != store.OutcomeDenied {
		t.Errorf("refusal audited as %+v", a)
	}
	r.set("PIN for approvals", "482913")
	r.tap("Set PIN")
	if _, err := r.db.UserByPIN(context.Background(), "482913"); err == nil {
		t.Error("sam set the supervisor's PIN")
	}
	// A cashier: allowed.
	r.pickUser("cashier")
	r.tap("Reset to an initial password")
	if _, err := r.db.Authenticate(context.Background(), "cashier", "cashier1"); !errors.Is(err, store.ErrWrongPassword) {
		t.Errorf("sam could not reset a cashier: %v (status %q)", err, r.status())
	}
}

// Issue 14.11 / 15.4: the last administrator cannot remove their own
// security rights (or deactivate or demote themselves, or be deactivated by
// someone else): the back office says why and nothing changes.
func TestLastAdministratorInTheBackOffice(t *testing.T) {
	r := newAdminRig(t, "admin")
	r.tab("Groups and permissions")
	find(r, "groups list", func(*widget.List) bool { return true }).Select(0) // Administrator
	find(r, "check", func(c *widget.Check) bool { return strings.HasPrefix(c.Text, "Permissions and security") }).SetChecked(false)
	r.tap("Save permissions")
	if !strings.Contains(r.status(), "nobody who can manage permissions") {
		t.Errorf("status %q", r.status())
	}
	m, err := r.db.LoadMatrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	admin := r.user("admin")
	for _, g := range m.Groups {
		if g.ID == admin.Group && !g.Actions[policy.ActionManageSecurity] {
			t.Error("the last administrator lost security.manage")
		}
	}
	// Another administrator may not deactivate the last one either (the
	// own-card rule stops the admin themselves earlier).
	r.sess = policy.Session{} // an operator at the command line
	if err := r.db.UpdateUser(context.Background(), store.User{ID: admin.ID, Login: "admin", FullName: admin.FullName, Group: admin.Group, JournalDays: 1, Active: false}, store.Actor{}); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("deactivating the last admin: %v", err)
	}
}

// Issues 15.6 and 14.7 at sign-in: wrong passwords lock the login out (the
// right password then fails too), the message says "this login" and until
// when, never the host; an admin lifts it from the user card (audited), and
// the right password signs in. A login that exists and one that does not
// answer alike.
func TestSignInLockoutAndLift(t *testing.T) {
	r := newDeskRig(t)
	ctx := context.Background()
	auth := deskAuth{d: r.d, db: r.db, terminal: "till-1"}
	for i := range 5 {
		if _, err := auth.Authenticate(ctx, "supervisor", "wrong-"+string(rune('a'+i))); err == nil {
			t.Fatal("signed in with a wrong password")
		}
	}
	_, err := auth.Authenticate(ctx, "supervisor", "super123")
	if !errors.Is(err, ui.ErrLockedOut) {
		t.Fatalf("right password after five wrong ones: %v", err)
	}
	me, _ := errors.AsType[*ui.MessageError](err)
	if me == nil || me.Msg.English() != "This login is locked out until 18:05 after too many failed attempts. Wait, or ask an administrator to lift the lock." {
		t.Errorf("message %v", me)
	}
	// The same for a login nobody has.
	for range 5 {
		_, _ = auth.Authenticate(ctx, "nobody", "x")
	}
	if _, err := auth.Authenticate(ctx, "nobody", "x"); !errors.Is(err, ui.ErrLockedOut) {
		t.Errorf("unknown login: %v", err)
	}
	// Another user is not locked.
	if _, err := auth.Authenticate(ctx, "admin", "admin123"); err != nil {
		t.Fatalf("admin: %v", err)
	}
	r.openBackOffice()
	r.tab("Users")
	r.pickUser("supervisor")
	if !r.hasText("Locked out until 18:05") {
		t.Error("the card does not show the lock")
	}
	r.tap("Lift the lockout")
	if a := r.lastAudit(); a.Action != "security.lockout.lift" || a.Actor != r.user("admin").ID {
		t.Errorf("lift audited as %+v", a)
	}
	if err := r.d.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, "supervisor", "super123"); err != nil {
		t.Errorf("after the lift: %v", err)
	}
	// The lock survives a restart: it is in the database.
	for range 5 {
		_, _ = auth.Authenticate(ctx, "cashier", "nope")
	}
	d2 := newDeskOn(t, r.db, policy.NewHolder(nil), r.clk)
	if _, err := d2.SignIn(ctx, "cashier", "cashier1"); !errors.Is(err, desk.ErrLockedOut) {
		t.Errorf("after a restart: %v", err)
	}
}

// The operator lifts a lock from the shell: for the last administrator,
// locked out of the back office that would lift it.
func TestUsersLiftLockoutCommand(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	ctx := context.Background()
	// The command opens the database with the default key file, as an
	// operator's shell does: the test's database uses that key too (the
	// keyed audit log needs it to write the lift).
	key, err := store.DefaultKeyPath()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "till.db")
	db, err := store.Open(ctx, path, store.Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := db.UserByLogin(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := db.RecordFailure(ctx, admin.ID, "till-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if err := runUsers(ctx, []string{"lift-lockout", "-db", path, "admin"}); err != nil {
		t.Fatal(err)
	}
	if err := runUsers(ctx, []string{"lift-lockout", "-db", path, "nobody"}); err == nil {
		t.Error("an unknown login was accepted")
	}
	db, err = store.Open(ctx, path, store.Options{KeyPath: db.KeyPath()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if f, _ := db.UserFailures(ctx, admin.ID, time.Now().Add(-time.Hour)); len(f) != 0 {
		t.Errorf("failures after lifting: %v", f)
	}
}

// Issue 15.5 from the shell: `trust -store` names the store a till is, a
// bundle exported for another store is refused by it with exit status 1 and
// leaves its badges, and `export -store` makes one it accepts.
func TestMatrixBundleForAnotherStore(t *testing.T) {
	m := newMatrixTills(t)
	ctx := context.Background()
	if _, err := matrix(t, "keygen", filepath.Join(m.dir, "hq")); err != nil {
		t.Fatal(err)
	}
	if out, err := matrix(t, "trust", "-db", m.b, "-store", "msk-014", "-chain", "north", m.pub); err != nil || !strings.Contains(out, `store "msk-014"`) {
		t.Fatalf("trust -store: %q %v", out, err)
	}
	withDB(t, m.b, func(db *store.DB) {
		if err := db.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := matrix(t, "export", "-db", m.a, "-key", m.key, "-store", "spb-002", "-chain", "north", m.bundleFile); err != nil {
		t.Fatal(err)
	}
	if _, err := matrix(t, "import", "-db", m.b, m.bundleFile); !errors.Is(err, bundle.ErrWrongStore) {
		t.Fatalf("bundle for another store: %v", err)
	}
	withDB(t, m.b, func(db *store.DB) {
		if _, err := db.UserByBadge(ctx, store.DemoUsers[0].Badge); err != nil {
			t.Errorf("badges wiped by a refused bundle: %v", err)
		}
	})
	if _, err := matrix(t, "export", "-db", m.a, "-key", m.key, "-store", "msk-014", "-chain", "north", m.bundleFile); err != nil {
		t.Fatal(err)
	}
	if _, err := matrix(t, "import", "-db", m.b, m.bundleFile); err != nil {
		t.Fatalf("bundle for this store: %v", err)
	}
	if _, err := matrix(t, "export", "-db", m.a, "-key", m.key, "-chain", "north", m.bundleFile); !errors.Is(err, errUsage) {
		t.Errorf("-chain without -store: %v", err)
	}
}

// Issue 14.11: a badge read by a 10-digit EM-Marine reader is listed by the
// last two digits printed on the card ("0004000123" → "…23"), not by the end
// of its canonical ID ("EM:061,02427" → "…27"), nor by four digits.
func TestBackOfficeBadgeHintIsPrinted(t *testing.T) {
	r := newAdminRig(t, "admin")
	cfg := events.Config{Source: device.Source{Role: device.RoleBadge}, BadgeForm: scan.BadgeConfig{Form: scan.EMDecimal10}}
	deps := adminDeps(r.db, r.path, r.holder, func() policy.Session { return r.sess }, "till-1", cfg.BadgeFromEvent)
	deps.Async = func(f func()) { f() }
	deps.Do = func(f func()) { f() }
	r.screen = admin.New(r.win, deps, func() {})
	r.win.SetContent(r.screen.Content())
	r.pickUser("cashier")
	r.tap("Enrol badge")
	if !r.screen.HandleInput(device.Scan{Source: cfg.Source, Raw: "0004000123", Kind: device.ScanOther}) {
		t.Fatal("the enrol dialog did not take the read")
	}
	if !r.hasText("Badge …23, enrolled") || r.hasText("…0123") {
		t.Error("the card does not list the badge by the two printed digits")
	}
	bs, err := r.db.Badges(context.Background(), r.user("cashier").ID)
	if err != nil || len(bs) != 1 || bs[0].Hint != "23" {
		t.Errorf("badges %+v %v", bs, err)
	}
}

// Issue 15.4: someone signed in with a password that must be changed — say,
// one a standard-users admin reset — decides nothing in the back office
// before changing it.
func TestBackOfficeRefusesMustChange(t *testing.T) {
	r := newDeskRig(t)
	ctx := context.Background()
	pw, err := r.db.ResetPassword(ctx, "admin", store.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.SignIn(ctx, "admin", pw); err != nil {
		t.Fatal(err)
	}
	r.openBackOffice()
	r.tab("Users")
	if !r.hasText("is not known") && !r.hasText("You do not have the right") {
		t.Errorf("the back office opened for a must-change password")
	}
	if v := policy.Decide(r.holder.Load(), backOfficeSession(r.d)().Principal(), policy.ActionManageAdmins, policy.Args{}); v.Allowed {
		t.Errorf("decided %v", v)
	}
}

// Issue 14.7 at sign-in: unknown badges slow this till down — the fifth
// makes the next attempt wait 2 s, the message says "this till" and until
// when, never the host — and lock nobody out: after the wait a real badge
// signs in.
func TestSignInUnknownBadgesThrottleTheTill(t *testing.T) {
	r := newDeskRig(t)
	ctx := context.Background()
	auth := deskAuth{d: r.d, db: r.db, terminal: "till-1"}
	for i := range 5 {
		_, err := auth.AuthenticateBadge(ctx, device.NewBadgeID("EM:001,0000"+string(rune('1'+i))))
		if i < 4 && !errors.Is(err, ui.ErrUnknownUser) {
			t.Fatalf("unknown badge %d: %v", i, err)
		}
		if i == 4 {
			me, _ := errors.AsType[*ui.MessageError](err)
			if !errors.Is(err, ui.ErrLockedOut) || me == nil || me.Msg.English() != "Too many unknown cards, PINs or logins on this till: try again after 18:00:02." {
				t.Fatalf("fifth unknown badge: %v", err)
			}
		}
	}
	sup := device.NewBadgeID(store.DemoUsers[1].Badge)
	if _, err := auth.AuthenticateBadge(ctx, sup); !errors.Is(err, ui.ErrLockedOut) {
		t.Fatalf("during the wait: %v", err)
	}
	r.clk.Add(2 * time.Second)
	if u, err := auth.AuthenticateBadge(ctx, sup); err != nil || u.Login != store.DemoUsers[1].Login {
		t.Fatalf("after the wait: %+v %v", u, err)
	}
}

// Without a register the window signs in through the store: the same
// lockout holds there.
func TestStoreSignInLocksOut(t *testing.T) {
	db, _ := openTestStore(t)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	auth := storeAuth{db: db}
	for range 5 {
		if _, err := auth.Authenticate(ctx, "cashier", "nope"); err == nil {
			t.Fatal("signed in with a wrong password")
		}
	}
	_, err := auth.Authenticate(ctx, "cashier", "cashier1")
	if me, _ := errors.AsType[*ui.MessageError](err); !errors.Is(err, ui.ErrLockedOut) || me == nil || !strings.HasPrefix(me.Msg.English(), "This login is locked out until") {
		t.Fatalf("right password after five wrong ones: %v", err)
	}
	if _, err := auth.Authenticate(ctx, "admin", "admin123"); err != nil {
		t.Errorf("another login: %v", err)
	}
	u, _ := db.UserByLogin(ctx, "cashier")
	if err := db.LiftLockout(ctx, u.ID, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, "cashier", "cashier1"); err != nil {
		t.Errorf("after the lift: %v", err)
	}
}
