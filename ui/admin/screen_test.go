package admin

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// The screen's own behaviour over fakes; cmd/till's tests drive it against
// the real store through the real adapter.

// fakeStore answers what the users tab reads and records enrolments and
// refusals. Methods it does not override panic through the nil Store: the
// tests below must not reach them.
type fakeStore struct {
	Store
	users    []User
	groups   []Group
	matrix   policy.Matrix
	enrolled []string
	denied   []string
}

func (f *fakeStore) Users(context.Context) ([]User, error)   { return f.users, nil }
func (f *fakeStore) Groups(context.Context) ([]Group, error) { return f.groups, nil }
func (f *fakeStore) LoadMatrix(context.Context) (policy.Matrix, error) {
	return f.matrix, nil
}

func (f *fakeStore) Setting(_ context.Context, _, def string) (string, error) { return def, nil }
func (f *fakeStore) Badges(context.Context, policy.UserID) ([]Badge, error)   { return nil, nil }

func (f *fakeStore) EnrolBadge(_ context.Context, _ policy.UserID, id device.BadgeID, _ Actor) (Badge, error) {
	f.enrolled = append(f.enrolled, id.Reveal())
	return Badge{ID: 1, Hint: id.Reveal()[len(id.Reveal())-2:], Created: time.Now()}, nil
}

func (f *fakeStore) Denied(_ context.Context, by Actor, a policy.Action, reason string) error {
	f.denied = append(f.denied, string(a)+" "+reason)
	return nil
}

// fakePolicy allows what it holds.
type fakePolicy struct {
	me    Actor
	holds map[policy.Action]bool
}

func (p fakePolicy) Actor() Actor { return p.me }

func (p fakePolicy) Decide(a policy.Action) (policy.Verdict, policy.Message) {
	if p.holds[a] {
		return policy.Verdict{Allowed: true, Reason: policy.ReasonAllowed, Action: a}, policy.Message{Key: "policy.reason.allowed", Fallback: "Allowed."}
	}
	return policy.Verdict{Reason: policy.ReasonNoPermission, Action: a},
		policy.Message{Key: "policy.reason.no_permission", Fallback: "You do not have the right to do this."}
}

func newFakeScreen(t *testing.T, holds ...policy.Action) (*Screen, *fakeStore) {
	t.Helper()
	return newFakeScreenWith(t, func(*Deps) {}, holds...)
}

// newFakeScreenWith is newFakeScreen with the Deps changed by set first.
func newFakeScreenWith(t *testing.T, set func(*Deps), holds ...policy.Action) (*Screen, *fakeStore) {
	t.Helper()
	test.NewTempApp(t)
	f := &fakeStore{
		users:  []User{{ID: 1, Login: "boss", Group: 1, Active: true}, {ID: 2, Login: "anna", FullName: "Anna", Group: 2, Active: true, JournalDays: 1}},
		groups: []Group{{ID: 1, Name: "Admins", Users: 1}, {ID: 2, Name: "Cashiers", Users: 1}},
		matrix: policy.Matrix{Groups: []policy.Group{
			{ID: 1, Name: "Admins", Actions: map[policy.Action]bool{policy.ActionManageAdmins: true}},
			{ID: 2, Name: "Cashiers", Actions: map[policy.Action]bool{policy.ActionSell: true}},
		}},
	}
	p := fakePolicy{me: Actor{User: 1, Terminal: "t"}, holds: map[policy.Action]bool{}}
	for _, a := range holds {
		p.holds[a] = true
	}
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1200, 900))
	t.Cleanup(w.Close)
	inline := func(f func()) { f() }
	// A scan of a printed badge becomes a badge, as the input layer's
	// BadgeFromEvent does.
	conv := func(ev device.InputEvent) device.InputEvent {
		if sc, ok := ev.(device.Scan); ok {
			return device.Badge{ID: device.NewBadgeID("BC:" + sc.Raw)}
		}
		return ev
	}
	deps := Deps{Store: f, Policy: p, Async: inline, Do: inline, BadgeFromEvent: conv}
	set(&deps)
	s := New(w, deps, nil)
	w.SetContent(s.Content())
	return s, f
}

func TestEnrolDialogTakesAnyReader(t *testing.T) {
	s, f := newFakeScreen(t, policy.ActionManageUsers, policy.ActionManageBadges)
	if s.HandleInput(device.Scan{Raw: "123456"}) {
		t.Fatal("input taken with no dialog open")
	}
	s.users.edit(f.users[1])
	s.users.enrolBadge()
	if s.enrol == nil {
		t.Fatalf("no enrol dialog; status %q", s.status.Text)
	}
	// A read error keeps the dialog open and says what happened.
	s.HandleInput(device.ReadError{Key: "input.badge.unreadable", Fallback: "The badge could not be read. Present it again"})
	if s.enrol == nil || !strings.Contains(s.enrol.prompt.Text, "could not be read") {
		t.Fatalf("read error: %+v", s.enrol)
	}
	// A scan becomes a badge through BadgeFromEvent.
	if !s.HandleInput(device.Scan{Raw: "99887766"}) {
		t.Fatal("the dialog did not take the scan")
	}
	if len(f.enrolled) != 1 || f.enrolled[0] != "BC:99887766" {
		t.Errorf("enrolled %v", f.enrolled)
	}
	if s.enrol != nil {
		t.Error("the dialog stayed open")
	}
	if !strings.Contains(s.status.Text, "…66") {
		t.Errorf("status %q", s.status.Text)
	}
}

func TestRefusalsAreShownAndAudited(t *testing.T) {
	s, f := newFakeScreen(t, policy.ActionManageUsers)
	// No badges.manage: refused before any dialog, with the reason.
	s.users.edit(f.users[1])
	s.users.enrolBadge()
	if s.enrol != nil || !strings.Contains(s.status.Text, "You do not have the right") {
		t.Errorf("enrol without badges.manage: dialog %v, status %q", s.enrol != nil, s.status.Text)
	}
	// Admins hold users.manage.admin, so boss is an administrator: a
	// standard-user admin may not reset their password.
	s.users.edit(f.users[0])
	s.users.resetPassword()
	want := []string{"badges.manage no_permission", "users.manage.admin no_permission"}
	if strings.Join(f.denied, ",") != strings.Join(want, ",") {
		t.Errorf("audited refusals %v, want %v", f.denied, want)
	}
	// Without any right to security the groups tab explains itself.
	if !s.groups.denied.Visible() || !strings.Contains(s.groups.denied.Text, "You do not have the right") {
		t.Errorf("groups tab: %q", s.groups.denied.Text)
	}
}
