package admin

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/policy"
)

// On a till in a chain everything the head office publishes is read-only,
// with the reason on the screen, even for an administrator with every
// right: the controls are greyed out, and a change that reaches the tab all
// the same is refused before the store is asked (fakeStore has no
// SaveMatrix, UpdateUser, SetPIN or SetSettings: reaching one panics).
func TestManagedTabsAreReadOnly(t *testing.T) {
	s, f := newFakeScreenWith(t, func(d *Deps) { d.Managed = true },
		policy.ActionManageUsers, policy.ActionManageAdmins, policy.ActionManageBadges, policy.ActionManageSecurity)
	const reason = "Managed by the head office"
	if s.managedNote == nil || !s.managedNote.Visible() || !strings.Contains(s.managedNote.Text, reason) {
		t.Fatalf("no reason shown at the top: %+v", s.managedNote)
	}

	// Users: the card is shown, but nothing on it can be changed.
	s.users.edit(f.users[1])
	for name, w := range map[string]interface{ Disabled() bool }{
		"save": s.users.save, "reset": s.users.reset, "enrol": s.users.enrolBtn, "set PIN": s.users.pinSet,
		"clear PIN": s.users.pinClear, "active": s.users.active, "full name": s.users.fullName, "group": s.users.group,
	} {
		if !w.Disabled() {
			t.Errorf("users tab: %s is enabled", name)
		}
	}
	test.Type(s.users.fullName, "Someone else")
	test.Tap(s.users.save)
	if s.users.fullName.Text != "Anna" {
		t.Errorf("the full name took typing: %q", s.users.fullName.Text)
	}
	s.users.saveCard()
	if !strings.Contains(s.status.Text, reason) {
		t.Errorf("save of a user card: status %q", s.status.Text)
	}
	s.showStatus(false, "")
	s.users.setPIN("482916")
	if !strings.Contains(s.status.Text, reason) {
		t.Errorf("set PIN: status %q", s.status.Text)
	}
	s.users.enrolBadge()
	if s.enrol != nil {
		t.Error("the enrol dialog opened on a managed till")
	}
	s.users.resetPassword()
	s.users.startNew()
	if len(f.denied) != 0 {
		t.Errorf("a managed refusal was audited as a policy denial: %v", f.denied)
	}

	// Groups: the matrix is shown with its boxes greyed out.
	s.groups.open(2)
	ch := s.groups.checks[policy.ActionSell]
	if ch == nil || !ch.Checked || !ch.Disabled() {
		t.Fatalf("groups tab: sell box %+v", ch)
	}
	test.Tap(ch)
	if !ch.Checked || s.groups.dirty() {
		t.Error("a tap changed a managed group's rights")
	}
	for _, e := range s.groups.limitIn {
		if !e.Disabled() {
			t.Error("groups tab: a limit is editable")
		}
	}
	s.showStatus(false, "")
	s.groups.save()
	if !strings.Contains(s.status.Text, reason) {
		t.Errorf("save permissions: status %q", s.status.Text)
	}
	s.showStatus(false, "")
	s.groups.newGroup()
	if !strings.Contains(s.status.Text, reason) {
		t.Errorf("new group: status %q", s.status.Text)
	}

	// Security settings.
	s.showStatus(false, "")
	s.settings.save()
	if !strings.Contains(s.status.Text, reason) {
		t.Errorf("save settings: status %q", s.status.Text)
	}
}

// A till on its own edits as before: no note, controls enabled.
func TestUnmanagedTabsEditable(t *testing.T) {
	s, f := newFakeScreen(t, policy.ActionManageUsers, policy.ActionManageAdmins, policy.ActionManageBadges, policy.ActionManageSecurity)
	if s.managedNote != nil {
		t.Fatal("a reason shown on a till that is not in a chain")
	}
	s.users.edit(f.users[1])
	if s.users.save.Disabled() || s.users.pinSet.Disabled() {
		t.Error("users tab greyed out on a till on its own")
	}
	s.groups.open(2)
	if ch := s.groups.checks[policy.ActionSell]; ch == nil || ch.Disabled() {
		t.Error("groups tab greyed out on a till on its own")
	}
}
