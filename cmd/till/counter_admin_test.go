package main

// Issue 14, point 11 (the back office's part of the counter's issue): the
// real back office over the real store, the database read afterwards.

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
)

func (r *adminRig) matrixGroup(name string) policy.Group {
	r.t.Helper()
	m, err := r.db.LoadMatrix(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, g := range m.Groups {
		if g.Name == name {
			return g
		}
	}
	r.t.Fatalf("no group %s", name)
	return policy.Group{}
}

// Unsaved matrix edits are never lost by switching group: the back office
// asks; "Keep editing" stays with them, "Save" writes them and moves on.
func TestCounter_UnsavedMatrixEditsAreNotLost(t *testing.T) {
	r := newAdminRig(t, "admin")
	r.tab("Groups and permissions")
	groups := find(r, "groups list", func(*widget.List) bool { return true })
	groups.Select(1) // Administrator, Cashier, Supervisor
	if !r.hasText("Permissions of Cashier") {
		t.Fatal("the editor did not open Cashier")
	}
	if !r.matrixGroup(store.DemoGroupCashier).Actions[policy.ActionDiscountLine] {
		t.Fatal("the demo cashier has no line discount to take away")
	}
	find(r, "check", func(c *widget.Check) bool { return strings.HasPrefix(c.Text, "Line discount") }).SetChecked(false)

	groups.Select(2)
	if !r.hasText("Permissions of Cashier") || !r.hasText("unsaved changes") {
		t.Fatal("switching group dropped the unsaved edit without asking")
	}
	r.tap("Keep editing")
	if !r.hasText("Permissions of Cashier") {
		t.Fatal("Keep editing left the group")
	}
	if find(r, "check", func(c *widget.Check) bool { return strings.HasPrefix(c.Text, "Line discount") }).Checked {
		t.Fatal("Keep editing lost the edit")
	}

	groups.Select(2)
	r.tap("Save")
	if r.matrixGroup(store.DemoGroupCashier).Actions[policy.ActionDiscountLine] {
		t.Errorf("Save did not write the edit (status %q)", r.status())
	}
	if !r.hasText("Permissions of Supervisor") {
		t.Error("after saving, the editor did not move on to Supervisor")
	}

	// Discard: the edit is gone from the editor and the database.
	find(r, "check", func(c *widget.Check) bool { return strings.HasPrefix(c.Text, "Line discount") }).SetChecked(false)
	groups.Select(0)
	r.tap("Discard changes")
	if !r.matrixGroup(store.DemoGroupSupervisor).Actions[policy.ActionDiscountLine] {
		t.Error("Discard wrote the edit")
	}
	if !r.hasText("Permissions of Administrator") {
		t.Error("after discarding, the editor did not move on")
	}
}

// Durations read as a person says them ("2 min"), not "2m0s"; typed the
// same way in any language, stored in the desk's form.
func TestCounter_DurationsShownHumanly(t *testing.T) {
	r := newAdminRig(t, "admin")
	ctx := context.Background()
	if err := r.db.SetSetting(ctx, desk.SettingIdleTimeout, "2m0s", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	r.open()
	r.win.Resize(fyne.NewSize(1280, 1000))
	r.tab("Security settings")
	if got := r.entry("Lent rights end after idle").Text; got != "2 min" {
		t.Errorf("idle timeout shown as %q, want \"2 min\"", got)
	}
	r.set("Lent rights end after idle", "1 h 30 min")
	r.tap("Save")
	if got, _ := r.db.SettingString(ctx, desk.SettingIdleTimeout, ""); got != "1h30m0s" {
		t.Errorf("stored %q (status %q)", got, r.status())
	}
	if got := r.entry("Lent rights end after idle").Text; got != "1 h 30 min" {
		t.Errorf("after saving, shown as %q", got)
	}
}
