package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/desk/deskstore"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/admin"
)

// The back office is driven here as a person would: through its buttons,
// entries and lists in a headless window, against a real database file,
// with the adapter the window uses. Widgets are found by their visible
// text (the English fallbacks: no translations are loaded).

type adminRig struct {
	t      *testing.T
	db     *store.DB
	path   string
	holder *policy.Holder
	sess   policy.Session
	win    fyne.Window
	screen *admin.Screen
	// printPassword is the back office's password printer; nil = none.
	printPassword func(ctx context.Context, u admin.User, password string) error
}

func newAdminRig(t *testing.T, login string) *adminRig {
	t.Helper()
	test.NewTempApp(t)
	ctx := context.Background()
	db, path := openTestStore(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	r := &adminRig{t: t, db: db, path: path, holder: policy.NewHolder(nil)}
	if _, err := db.RefreshPolicy(ctx, r.holder); err != nil {
		t.Fatal(err)
	}
	r.signIn(login)
	return r
}

// signIn makes login the session's cashier and opens a fresh back office.
func (r *adminRig) signIn(login string) {
	r.t.Helper()
	u, err := r.db.UserByLogin(context.Background(), login)
	if err != nil {
		r.t.Fatal(err)
	}
	r.sess = policy.Session{Cashier: u.ID}
	r.open()
}

// open builds a fresh back office for the current session.
func (r *adminRig) open() {
	deps := adminDeps(r.db, r.path, r.holder, func() policy.Session { return r.sess }, "till-1", nil)
	deps.PrintPassword = r.printPassword
	deps.Async = func(f func()) { f() }
	deps.Do = func(f func()) { f() }
	if r.win == nil {
		r.win = test.NewWindow(nil)
		r.win.Resize(fyne.NewSize(1280, 1000))
		r.t.Cleanup(r.win.Close)
	}
	r.screen = admin.New(r.win, deps, func() {})
	r.win.SetContent(r.screen.Content())
}

// walk visits every visible object of the window and its dialogs.
func (r *adminRig) walk(f func(fyne.CanvasObject)) {
	var visit func(o fyne.CanvasObject)
	visit = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		f(o)
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				visit(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				visit(c)
			}
		}
	}
	visit(r.win.Canvas().Content())
	for _, o := range r.win.Canvas().Overlays().List() {
		visit(o)
	}
}

func find[T fyne.CanvasObject](r *adminRig, what string, match func(T) bool) T {
	r.t.Helper()
	var found T
	ok := false
	r.walk(func(o fyne.CanvasObject) {
		if x, is := o.(T); is && !ok && match(x) {
			found, ok = x, true
		}
	})
	if !ok {
		r.t.Fatalf("no %s on screen", what)
	}
	return found
}

func (r *adminRig) tab(name string) {
	r.t.Helper()
	tabs := find(r, "tabs", func(*container.AppTabs) bool { return true })
	for _, it := range tabs.Items {
		if it.Text == name {
			tabs.Select(it)
			return
		}
	}
	r.t.Fatalf("no tab %q", name)
}

func (r *adminRig) tap(text string) {
	r.t.Helper()
	test.Tap(find(r, "button "+text, func(b *widget.Button) bool { return b.Text == text }))
}

// field is the widget of the visible form item labelled label.
func (r *adminRig) field(label string) fyne.CanvasObject {
	r.t.Helper()
	var w fyne.CanvasObject
	find(r, "form with "+label, func(f *widget.Form) bool {
		for _, it := range f.Items {
			if it.Text == label {
				w = it.Widget
				return true
			}
		}
		return false
	})
	return w
}

func (r *adminRig) entry(label string) *widget.Entry {
	r.t.Helper()
	switch w := r.field(label).(type) {
	case *widget.Entry:
		return w
	case *fyne.Container: // an entry with its unit or a browse button beside it
		for _, o := range w.Objects {
			if e, ok := o.(*widget.Entry); ok {
				return e
			}
		}
	}
	r.t.Fatalf("%s is not an entry", label)
	return nil
}

func (r *adminRig) set(label, text string) { r.entry(label).SetText(text) }

func (r *adminRig) choose(label, option string) {
	r.t.Helper()
	sel, ok := r.field(label).(*widget.Select)
	if !ok {
		r.t.Fatalf("%s is not a select", label)
	}
	sel.SetSelected(option)
	if sel.Selected != option {
		r.t.Fatalf("%s has no option %q (%v)", label, option, sel.Options)
	}
}

func (r *adminRig) status() string {
	r.t.Helper()
	// The status line is the only label directly in the screen's border
	// layout (the title sits in the top row's box).
	var text string
	c := r.screen.Content().(*fyne.Container)
	for _, o := range c.Objects {
		if l, ok := o.(*widget.Label); ok {
			text = l.Text
		}
	}
	return text
}

func (r *adminRig) hasText(sub string) bool {
	found := false
	r.walk(func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *widget.Label:
			found = found || strings.Contains(x.Text, sub)
		case *widget.Check:
			found = found || strings.Contains(x.Text, sub)
		}
	})
	return found
}

// pickUser narrows the users list to one login and opens its card.
func (r *adminRig) pickUser(login string) {
	r.t.Helper()
	r.tab("Users")
	find(r, "search", func(e *widget.Entry) bool { return e.PlaceHolder == "Search by login, name or code" }).SetText(login)
	find(r, "users list", func(*widget.List) bool { return true }).Select(0)
	if got := r.entry("Login").Text; got != login {
		r.t.Fatalf("picked %q, want %q", got, login)
	}
}

func (r *adminRig) user(login string) store.User {
	r.t.Helper()
	u, err := r.db.UserByLogin(context.Background(), login)
	if err != nil {
		r.t.Fatal(err)
	}
	return u
}

func (r *adminRig) lastAudit() store.AuditEntry {
	r.t.Helper()
	es, err := r.db.SearchAudit(context.Background(), store.AuditQuery{Limit: 1})
	if err != nil || len(es) != 1 {
		r.t.Fatalf("audit: %v %v", es, err)
	}
	return es[0]
}

// An admin creates a cashier: the initial password is shown once, and the
// first sign-in with it must change it.
func TestAdminCreateUserForcesPasswordChange(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	r.tab("Users")
	r.tap("New user")
	r.set("Login", "olga")
	r.set("Full name", "Olga Belova")
	r.choose("Group", store.DemoGroupCashier)
	r.set("Cashier name on receipt", "Кассир Белова О.")
	r.set("Journal depth, days", "3")

	r.set("Cashier INN", "500100732258") // last check digit wrong
	r.tap("Save")
	if !strings.Contains(r.status(), "12 digits") {
		t.Fatalf("bad INN: status %q", r.status())
	}
	if _, err := r.db.UserByLogin(ctx, "olga"); !errors.Is(err, store.ErrUnknownUser) {
		t.Fatalf("created despite a bad INN: %v", err)
	}

	r.set("Cashier INN", "500100732259")
	r.tap("Save")
	if r.status() != "User olga created." {
		t.Fatalf("status %q", r.status())
	}
	pw := find(r, "password", func(e *widget.Entry) bool { return e.Disabled() && len(e.Text) == 10 }).Text
	if !r.hasText("shown only now") {
		t.Error("the password dialog does not say it is shown once")
	}
	r.tap("Close")
	u, err := r.db.Authenticate(ctx, "olga", pw)
	if err != nil {
		t.Fatalf("sign in with the shown password: %v", err)
	}
	if !u.MustChange || !u.Active || u.INN != "500100732259" || u.JournalDays != 3 || u.ReceiptName != "Кассир Белова О." {
		t.Errorf("new user %+v", u)
	}
	if a := r.lastAudit(); a.Action != "users.create" || a.Actor != r.sess.Cashier || a.Terminal != "till-1" || strings.Contains(string(a.Args), pw) {
		t.Errorf("audit row %+v", a)
	}
	if err := r.db.ChangePassword(ctx, "olga", pw, "tulips2026"); err != nil {
		t.Fatal(err)
	}
	if u, err := r.db.Authenticate(ctx, "olga", "tulips2026"); err != nil || u.MustChange {
		t.Errorf("after the change: %+v %v", u, err)
	}

	// Reset to initial: a new password, to be changed again.
	r.pickUser("olga")
	r.tap("Reset to an initial password")
	pw2 := find(r, "password", func(e *widget.Entry) bool { return e.Disabled() && len(e.Text) == 10 }).Text
	if u, err := r.db.Authenticate(ctx, "olga", pw2); err != nil || !u.MustChange {
		t.Errorf("after reset: %+v %v", u, err)
	}
}

// staffAdmin makes a group that manages standard users only, with one
// user "sam" in it.
func staffAdmin(t *testing.T, r *adminRig) {
	t.Helper()
	ctx := context.Background()
	gid, err := r.db.CreateGroup(ctx, "Staff admins", 0, store.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := r.db.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Groups {
		if m.Groups[i].ID == gid {
			m.Groups[i].Actions = map[policy.Action]bool{policy.ActionManageUsers: true, policy.ActionManageBadges: true}
		}
	}
	if _, err := r.db.SaveMatrix(ctx, m, "", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.db.CreateUser(ctx, store.NewUser{Login: "sam", FullName: "Sam", Group: gid}, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.db.RefreshPolicy(ctx, r.holder); err != nil {
		t.Fatal(err)
	}
}

// Managing standard users and managing administrators are separate
// rights: sam, who holds only the first, edits a cashier but neither an
// administrator nor anyone into an administrators' group.
func TestAdminStandardUserAdminCannotEditAdministrator(t *testing.T) {
	r := newAdminRig(t, "admin")
	staffAdmin(t, r)
	r.signIn("sam")
	before := r.user("admin")

	r.pickUser("admin")
	r.set("Full name", "Someone else")
	r.tap("Save")
	if !strings.Contains(r.status(), "You may not manage administrators.") {
		t.Errorf("status %q", r.status())
	}
	if got := r.user("admin"); got != before {
		t.Errorf("administrator changed: %+v", got)
	}
	if a := r.lastAudit(); a.Action != string(policy.ActionManageAdmins) || a.Outcome != store.OutcomeDenied || a.Actor != r.sess.Cashier {
		t.Errorf("refusal audited as %+v", a)
	}
	r.tap("Reset to an initial password")
	if _, err := r.db.Authenticate(context.Background(), "admin", "admin123"); err != nil {
		t.Errorf("administrator's password was reset: %v", err)
	}

	// A cashier: allowed; into the administrators' group: refused.
	r.pickUser("cashier")
	r.set("Full name", "Anna Ivanova")
	r.tap("Save")
	if got := r.user("cashier"); got.FullName != "Anna Ivanova" {
		t.Errorf("cashier not saved: %+v, status %q", got, r.status())
	}
	r.choose("Group", store.DemoGroupAdmin)
	r.tap("Save")
	if g, _ := r.db.GroupByName(context.Background(), store.DemoGroupAdmin); r.user("cashier").Group == g {
		t.Error("a standard-user admin made a cashier an administrator")
	}
	// Nor may sam give themselves rights.
	r.pickUser("sam")
	r.choose("Group", store.DemoGroupCashier)
	r.tap("Save")
	if !strings.Contains(r.status(), "your own group") {
		t.Errorf("own group change: status %q", r.status())
	}
}

// Copying permissions from another group and saving writes them as a new
// matrix version; a new group can start as a copy too.
func TestAdminCopyGroup(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	v0, _ := r.db.MatrixVersion(ctx)
	r.tab("Groups and permissions")
	find(r, "groups list", func(*widget.List) bool { return true }).Select(1) // Administrator, Cashier, Supervisor
	if !r.hasText("Permissions of Cashier") {
		t.Fatal("the editor did not open Cashier")
	}
	find(r, "copy from", func(s *widget.Select) bool { return s.PlaceHolder == "Copy permissions from" }).SetSelected(store.DemoGroupSupervisor)
	r.tap("Copy")
	r.tap("Save permissions")
	m, err := r.db.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]policy.Group{}
	for _, g := range m.Groups {
		byName[g.Name] = g
	}
	c, s := byName[store.DemoGroupCashier], byName[store.DemoGroupSupervisor]
	if len(c.Actions) != len(s.Actions) || c.Limits[policy.LimitDiscountTotal] != s.Limits[policy.LimitDiscountTotal] {
		t.Errorf("cashier after copy: %v %v, supervisor %v %v", c.Actions, c.Limits, s.Actions, s.Limits)
	}
	for a := range s.Actions {
		if !c.Actions[a] {
			t.Errorf("copy lacks %s", a)
		}
	}
	if m.Version <= v0 {
		t.Errorf("version %d, was %d", m.Version, v0)
	}
	if !strings.Contains(r.status(), "Permissions saved") {
		t.Errorf("status %q", r.status())
	}

	// New group as a copy, through the dialog.
	r.tap("New group")
	r.set("Name", "Night")
	r.choose("Copy permissions from", store.DemoGroupSupervisor)
	r.tap("Create")
	gid, err := r.db.GroupByName(ctx, "Night")
	if err != nil {
		t.Fatalf("new group: %v (status %q)", err, r.status())
	}
	m, _ = r.db.LoadMatrix(ctx)
	for _, g := range m.Groups {
		if g.ID == gid && len(g.Actions) != len(s.Actions) {
			t.Errorf("new group holds %d actions, supervisor %d", len(g.Actions), len(s.Actions))
		}
	}

	// Deleting a group with users is refused.
	r.tab("Groups and permissions")
	find(r, "groups list", func(*widget.List) bool { return true }).Select(1)
	r.tap("Delete")
	if !strings.Contains(r.status(), "move them to another group") {
		t.Errorf("delete in use: status %q", r.status())
	}
}

// A limit edited in the matrix editor changes the decision of a session
// that is already running, through the holder it decides with.
func TestAdminMatrixEditChangesRunningSession(t *testing.T) {
	r := newAdminRig(t, "admin")
	cashier := r.user("cashier")
	fifteen := policy.Args{Percent: 1500}
	if v := r.holder.Decide(policy.Principal{User: cashier.ID}, policy.ActionDiscountLine, fifteen); v.Allowed || v.Reason != policy.ReasonOverLimit {
		t.Fatalf("before: %v", v)
	}
	r.tab("Groups and permissions")
	find(r, "groups list", func(*widget.List) bool { return true }).Select(1)

	r.set("Max line discount %", "150")
	r.tap("Save permissions")
	if !strings.Contains(r.status(), "percentage from 0 to 100") {
		t.Errorf("over 100 %%: status %q", r.status())
	}
	r.set("Max line discount %", "15")
	r.tap("Save permissions")
	if v := r.holder.Decide(policy.Principal{User: cashier.ID}, policy.ActionDiscountLine, fifteen); !v.Allowed {
		t.Errorf("after the edit: %v (status %q)", v, r.status())
	}
	if v := r.holder.Decide(policy.Principal{User: cashier.ID}, policy.ActionDiscountLine, policy.Args{Percent: 1501}); v.Allowed {
		t.Errorf("15.01 %% allowed: %v", v)
	}

	// Unticking an action takes it away at once too.
	find(r, "check", func(c *widget.Check) bool { return strings.HasPrefix(c.Text, "Line discount") }).SetChecked(false)
	r.tap("Save permissions")
	if v := r.holder.Decide(policy.Principal{User: cashier.ID}, policy.ActionDiscountLine, policy.Args{Percent: 100}); v.Reason != policy.ReasonNoPermission {
		t.Errorf("after unticking: %v", v)
	}
}

// A badge enrolled by a simulated swipe is stored as its keyed hash and
// signs its holder in.
func TestAdminEnrolBadgeBySwipe(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	if r.screen.HandleInput(device.Badge{}) {
		t.Error("input consumed with no enrol dialog open")
	}
	r.pickUser("cashier")
	r.tap("Enrol badge")
	sw := device.Swipe{Source: device.Source{Role: device.RoleCard}}
	sw.Tracks[1] = device.Track{Present: true, OK: true, Data: "7788990011"}
	if !r.screen.HandleInput(sw) {
		t.Fatal("the enrol dialog did not take the swipe")
	}
	id := events.Config{}.BadgeFromEvent(sw).(device.Badge).ID
	u, err := r.db.UserByBadge(ctx, id.Reveal())
	if err != nil || u.Login != "cashier" {
		t.Fatalf("UserByBadge: %+v %v (status %q)", u, err, r.status())
	}
	if got, err := (storeAuth{db: r.db}).AuthenticateBadge(ctx, id); err != nil || got.Login != "cashier" {
		t.Errorf("sign in with the badge: %+v %v", got, err)
	}
	if !r.hasText("…11") || r.hasText("…0011") {
		t.Error("the card does not show the badge's last two characters (and only those)")
	}
	if r.screen.HandleInput(sw) {
		t.Error("the dialog stayed open after enrolling")
	}
	a := r.lastAudit()
	if a.Action != "badges.enrol" || strings.Contains(string(a.Args), "7788990011") {
		t.Errorf("audit %+v", a)
	}

	// A badge presented to a proximity reader works the same way; a badge
	// already enrolled is refused with the store's sentence.
	r.tap("Enrol badge")
	r.screen.HandleInput(device.Badge{ID: device.NewBadgeID("EM:012,34567")})
	if u, err := r.db.UserByBadge(ctx, "EM:012,34567"); err != nil || u.Login != "cashier" {
		t.Errorf("proximity badge: %+v %v", u, err)
	}
	r.tap("Enrol badge")
	r.screen.HandleInput(device.Badge{ID: device.NewBadgeID("EM:012,34567")})
	if !r.hasText("This badge is already enrolled to this user.") {
		t.Error("a badge enrolled twice is not refused")
	}
	r.win.Canvas().Overlays().Top().Hide()
	r.win.Canvas().Overlays().Remove(r.win.Canvas().Overlays().Top())
	// Someone else's badge: the refusal names whose it is (issue 14.11).
	r.pickUser("supervisor")
	r.tap("Enrol badge")
	r.screen.HandleInput(device.Badge{ID: device.NewBadgeID("EM:012,34567")})
	if !r.hasText("This badge is already enrolled to Анна Сергеевна Иванова (cashier): revoke it on their card first.") {
		t.Error("a badge of another user is refused without saying whose it is")
	}
	if u, err := r.db.UserByBadge(ctx, "EM:012,34567"); err != nil || u.Login != "cashier" {
		t.Errorf("the badge moved: %+v %v", u, err)
	}
	r.win.Canvas().Overlays().Top().Hide()
	r.win.Canvas().Overlays().Remove(r.win.Canvas().Overlays().Top())

	// Revoke: the badge no longer signs in.
	r.pickUser("cashier")
	r.tap("Revoke")
	if _, err := r.db.UserByBadge(ctx, id.Reveal()); !errors.Is(err, store.ErrUnknownBadge) {
		t.Errorf("after revoke: %v", err)
	}
}

// Nobody enrols a badge on their own card, nor revokes one there.
func TestAdminOwnBadgeRefused(t *testing.T) {
	r := newAdminRig(t, "admin")
	r.pickUser("admin")
	r.tap("Enrol badge")
	if !strings.Contains(r.status(), "their own card") {
		t.Errorf("status %q", r.status())
	}
	if r.screen.HandleInput(device.Badge{ID: device.NewBadgeID("EM:001,00001")}) {
		t.Error("an enrol dialog opened on the admin's own card")
	}
	// The demo admin's badge stays.
	r.tap("Revoke")
	if u, err := r.db.UserByBadge(context.Background(), store.DemoUsers[0].Badge); err != nil || u.Login != "admin" {
		t.Errorf("own badge revoked: %+v %v", u, err)
	}
	// Under someone else's rights the approver's card is just as protected.
	r.sess = policy.Session{Cashier: r.user("cashier").ID, Elevation: &policy.Elevation{Approver: r.user("admin").ID, Mode: policy.ModeSticky}}
	r.open()
	r.pickUser("admin")
	r.tap("Enrol badge")
	if !strings.Contains(r.status(), "their own card") {
		t.Errorf("approver's own card: status %q", r.status())
	}
}

// Settings: switching the security module off shows the warning and takes
// effect in the running session; the approval settings are stored as the
// desk reads them.
func TestAdminSettings(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	r.tab("Security settings")
	if r.hasText("The security module is off") {
		t.Error("warning shown while the module is on")
	}
	find(r, "security", func(c *widget.Check) bool { return c.Text == "Enable security module" }).SetChecked(false)
	if !r.hasText("The security module is off") {
		t.Error("no warning while the module is off")
	}
	find(r, "mode", func(g *widget.RadioGroup) bool { return true }).SetSelected("Badge or card")
	r.set("Lent rights end after idle", "90s")
	r.set("Lockout after failed attempts", "0")
	r.tap("Save")
	if !strings.Contains(r.status(), "from 1 to 100") {
		t.Errorf("0 attempts: status %q", r.status())
	}
	r.set("Lockout after failed attempts", "3")
	r.tap("Save")
	if s := r.holder.Load().Settings(); s.SecurityEnabled {
		t.Error("the running session still has the security module on")
	}
	cashier := r.user("cashier")
	if v := r.holder.Decide(policy.Principal{User: cashier.ID}, policy.ActionReportZWrite, policy.Args{}); v.Reason != policy.ReasonSecurityOff {
		t.Errorf("with the module off: %v", v)
	}
	for k, want := range map[string]string{desk.SettingApprovalMode: "card", desk.SettingIdleTimeout: "1m30s", desk.SettingLockoutFailures: "3"} {
		if got, _ := r.db.SettingString(ctx, k, ""); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// The audit view filters by user and action and verifies the chain.
func TestAdminAuditView(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	if _, err := r.db.ResetPassword(ctx, "cashier", store.Actor{User: r.user("admin").ID, Terminal: "till-1"}); err != nil {
		t.Fatal(err)
	}
	r.tab("Audit log")
	r.tap("Verify chain")
	if !r.hasText("The chain holds") {
		t.Error("no verdict after Verify chain")
	}
	r.choose("User", "admin")
	r.set("Action", "users.")
	r.tap("Search")
	if !r.hasText("1 rows") || !r.hasText("users.password.reset") {
		t.Error("the search did not find the reset")
	}
	r.set("From", "yesterday")
	r.tap("Search")
	if !strings.Contains(r.status(), "YYYY-MM-DD") {
		t.Errorf("bad date: status %q", r.status())
	}
}

// A cashier opening the back office sees each tab refused, with the
// policy's reason, and can change nothing.
func TestAdminCashierRefused(t *testing.T) {
	r := newAdminRig(t, "cashier")
	r.tab("Users")
	if !r.hasText("You may not manage users.") {
		t.Error("users tab not refused")
	}
	r.tab("Groups and permissions")
	r.tap("New group")
	if len(r.win.Canvas().Overlays().List()) != 0 {
		t.Error("a cashier got the new group dialog")
	}
}

// The setting keys the back office writes are the ones the store and the
// desk read.
func TestAdminSettingKeys(t *testing.T) {
	for _, p := range [][2]string{
		{admin.SettingSecurityEnabled, store.SettingSecurityEnabled},
		{admin.SettingHideDisabled, store.SettingHideDisabled},
		{admin.SettingApprovalMode, desk.SettingApprovalMode},
		{admin.SettingIdleTimeout, desk.SettingIdleTimeout},
		{admin.SettingLockoutFailures, desk.SettingLockoutFailures},
		{admin.SettingLockoutWindow, desk.SettingLockoutWindow},
		{admin.SettingLockoutDuration, desk.SettingLockoutDuration},
	} {
		if p[0] != p[1] {
			t.Errorf("admin writes %q, the reader reads %q", p[0], p[1])
		}
	}
	for _, k := range []string{admin.SettingApprovalMode, admin.SettingIdleTimeout, admin.SettingLockoutFailures, admin.SettingLockoutWindow, admin.SettingLockoutDuration} {
		found := false
		for _, b := range store.BundleSettings {
			found = found || b == k
		}
		if !found {
			t.Errorf("%s does not travel in bundles", k)
		}
	}
}

// The bundle tab exports a signed bundle and imports one, explaining each
// refusal in the admin's words.
func TestAdminBundleTab(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	dir := t.TempDir()
	pub, priv, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	prefix := filepath.Join(dir, "hq")
	if err := bundle.WriteKeyPair(prefix, pub, priv, "HQ"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "matrix.bundle")
	r.tab("Matrix bundle")
	r.set("Export to", file)
	r.set("Publisher key", prefix+".key")
	r.tap("Export bundle")
	if !strings.Contains(r.status(), "written to") {
		t.Fatalf("export: status %q", r.status())
	}
	if a := r.lastAudit(); a.Action != "security.bundle.export" || a.Actor != r.sess.Cashier {
		t.Errorf("export audited as %+v", a)
	}

	r.set("Import from", file)
	r.tap("Import bundle")
	if !strings.Contains(r.status(), "trusts no publisher") {
		t.Errorf("no trust list: status %q", r.status())
	}
	if err := bundle.Trust(bundle.TrustedPath(r.path), pub, "HQ"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	flipped := filepath.Join(dir, "flipped.bundle")
	bad := bytes.Clone(data)
	bad[len(bad)-3] ^= 0x20
	if err := os.WriteFile(flipped, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	r.set("Import from", flipped)
	r.tap("Import bundle")
	if !strings.Contains(r.status(), "signature does not match") {
		t.Errorf("flipped byte: status %q", r.status())
	}
	r.set("Import from", file)
	r.tap("Import bundle")
	if !strings.Contains(r.status(), "is in force now") {
		t.Errorf("import: status %q", r.status())
	}
	if v, _ := r.db.MatrixVersion(ctx); r.holder.Load().Version() != v {
		t.Errorf("the running session has version %d, the store %d", r.holder.Load().Version(), v)
	}
	r.tap("Import bundle")
	if !strings.Contains(r.status(), "not newer") {
		t.Errorf("second import: status %q", r.status())
	}
}

// adminHook is what the window plugs into ui.Deps.Admin: it builds a
// screen whose back button returns, and a session without any admin right
// sees only refusals.
func TestAdminHook(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	db, path := openTestStore(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	holder := policy.NewHolder(nil)
	if _, err := db.RefreshPolicy(ctx, holder); err != nil {
		t.Fatal(err)
	}
	cashier, err := db.UserByLogin(ctx, "cashier")
	if err != nil {
		t.Fatal(err)
	}
	w := test.NewWindow(nil)
	defer w.Close()
	// A cashier's back office reads nothing from the store, so nothing
	// runs in the background after the test.
	hook := adminHook(db, path, holder, w, func() policy.Session { return policy.Session{Cashier: cashier.ID} }, "till-1", nil, nil, nil)
	back := false
	s := hook(func() { back = true })
	w.SetContent(s.Content())
	r := &adminRig{t: t, db: db, win: w, screen: s}
	if !r.hasText("You may not manage users.") {
		t.Error("a cashier's back office does not refuse")
	}
	r.tap("Back to sale")
	if !back {
		t.Error("Back to sale did not call back")
	}
}

// The story on real parts: signed in at the desk, an admin creates
// a cashier, enrols a badge on the card and limits the group's line
// discount; the cashier signs in with the badge, changes the initial
// password, and the next discount obeys the new limit.
func TestAdminStoryCashierWithBadgeObeysNewLimit(t *testing.T) {
	test.NewTempApp(t)
	ctx := context.Background()
	db, path := openTestStore(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	e := emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	reg := shtrihtest.Register(t, e)
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	holder := policy.NewHolder(nil)
	d, err := desk.New(desk.Config{
		Holder: holder, Store: deskstore.New(db), Bills: db.Bills(),
		Sales:    sale.NewSales(db.Bills(), vat, nil, time.Now),
		Checkout: sale.NewCheckout(db.Bills(), db.Bills(), reg, vat, time.Now),
		Register: reg, Terminal: "till-1", Now: time.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SignIn(ctx, "admin", "admin123"); err != nil {
		t.Fatal(err)
	}

	r := &adminRig{t: t, db: db, path: path, holder: holder, win: test.NewWindow(nil)}
	r.win.Resize(fyne.NewSize(1280, 1000))
	t.Cleanup(r.win.Close)
	deps := adminDeps(db, path, holder, d.Session, "till-1", nil)
	deps.Async = func(f func()) { f() }
	deps.Do = func(f func()) { f() }
	r.screen = admin.New(r.win, deps, func() {})
	r.win.SetContent(r.screen.Content())

	r.tab("Users")
	r.tap("New user")
	r.set("Login", "olga")
	r.set("Full name", "Olga Belova")
	r.choose("Group", store.DemoGroupCashier)
	r.tap("Save")
	pw := find(r, "password", func(e *widget.Entry) bool { return e.Disabled() && len(e.Text) == 10 }).Text
	r.tap("Close")
	r.tap("Enrol badge")
	badge := device.Badge{ID: device.NewBadgeID("EM:077,12345"), Form: "em-dec"}
	if !r.screen.HandleInput(badge) {
		t.Fatal("the enrol dialog did not take the badge")
	}
	r.tab("Groups and permissions")
	find(r, "groups list", func(*widget.List) bool { return true }).Select(1) // Cashier
	r.set("Max line discount %", "10")
	r.tap("Save permissions")
	if !strings.Contains(r.status(), "Permissions saved") {
		t.Fatalf("status %q", r.status())
	}
	if err := d.SignOut(ctx); err != nil {
		t.Fatal(err)
	}

	u, err := d.SignInBadge(ctx, badge.ID)
	if err != nil {
		t.Fatalf("sign in with the new badge: %v", err)
	}
	if u.Login != "olga" || !u.MustChange {
		t.Fatalf("signed in %+v", u)
	}
	if _, err := d.AddByBarcode(ctx, store.DemoItems()[0].Barcode, 1000); !errors.Is(err, desk.ErrMustChange) {
		t.Fatalf("before the password change: %v", err)
	}
	// After a badge sign-in the window's forced change has no old password
	// (ui passes ""): the new one is set for the user the desk signed in,
	// and for nobody else.
	auth := deskAuth{d: d, db: db, terminal: "till-1"}
	sup, err := db.UserByLogin(ctx, "supervisor")
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.ChangePassword(ctx, ui.User{ID: int64(sup.ID), Login: "supervisor"}, "", "tulips2026"); err == nil {
		t.Fatal("a badge session set another user's password without the old one")
	}
	if err := auth.ChangePassword(ctx, ui.User{ID: int64(u.ID), Login: "olga"}, "", "tulips2026"); err != nil {
		t.Fatalf("forced change after a badge sign-in: %v", err)
	}
	if _, err := db.Authenticate(ctx, "olga", pw); !errors.Is(err, store.ErrWrongPassword) {
		t.Errorf("the initial password still works: %v", err)
	}
	if _, err := db.Authenticate(ctx, "olga", "tulips2026"); err != nil {
		t.Errorf("the new password does not sign in: %v", err)
	}
	lid, err := d.AddByBarcode(ctx, store.DemoItems()[0].Barcode, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var den *desk.Denied
	if err := d.LineDiscount(ctx, lid, sale.Discount{Kind: sale.DiscountPercent, Value: 1200}); !errors.As(err, &den) || den.Verdict.LimitValue != 1000 {
		t.Fatalf("12 %% under a 10 %% limit: %v", err)
	}
	if err := d.LineDiscount(ctx, lid, sale.Discount{Kind: sale.DiscountPercent, Value: 1000}); err != nil {
		t.Errorf("10 %% under a 10 %% limit: %v", err)
	}
}

// A PIN set on the card finds its user for the "password only" approval
// mode; a PIN someone else has is refused without saying whose it is.
func TestAdminPIN(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	r.pickUser("supervisor")
	r.set("PIN for approvals", "12a4")
	r.tap("Set PIN")
	if !strings.Contains(r.status(), "4 to 12 digits") {
		t.Errorf("letters in a PIN: status %q", r.status())
	}
	r.set("PIN for approvals", "482913")
	r.tap("Set PIN")
	if u, err := r.db.UserByPIN(ctx, "482913"); err != nil || u.Login != "supervisor" {
		t.Fatalf("UserByPIN: %+v %v (status %q)", u, err, r.status())
	}
	if r.entry("PIN for approvals").Text != "" {
		t.Error("the PIN stays on screen")
	}
	r.pickUser("cashier")
	r.set("PIN for approvals", "482913")
	r.tap("Set PIN")
	if s := r.status(); s != "This PIN cannot be used: choose another one." {
		t.Errorf("taken PIN: status %q", s)
	}
	r.pickUser("supervisor")
	r.tap("Clear PIN")
	if _, err := r.db.UserByPIN(ctx, "482913"); !errors.Is(err, store.ErrUnknownUser) {
		t.Errorf("after clearing: %v", err)
	}
}

// With a register that prints text, the initial password is printed on a
// slip in the store's language; the password reaches the tape and nothing
// else is kept of it.
func TestAdminPrintsInitialPassword(t *testing.T) {
	e := emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	reg := shtrihtest.Register(t, e)
	r := newAdminRig(t, "admin")
	r.printPassword = passwordPrinter(&ui.Deps{Register: reg, Country: "RU"})
	r.open()
	r.tab("Users")
	r.tap("New user")
	r.set("Login", "olga")
	r.set("Full name", "Olga Belova")
	r.choose("Group", store.DemoGroupCashier)
	r.tap("Save")
	pw := find(r, "password", func(e *widget.Entry) bool { return e.Disabled() && len(e.Text) == 10 }).Text
	r.tap("Print on the register")
	tape := strings.Join(e.Tape(), "\n")
	if !strings.Contains(tape, "ВРЕМЕННЫЙ ПАРОЛЬ") || !strings.Contains(tape, pw) || !strings.Contains(tape, "olga") {
		t.Fatalf("tape:\n%s", tape)
	}
	if passwordPrinter(&ui.Deps{}) != nil {
		t.Error("a print button without a register that prints")
	}
}
