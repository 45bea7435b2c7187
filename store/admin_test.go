package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// The demo's cashiers carry INNs the store accepts (the check itself is
// sale.ValidINN's, tested there).
func TestDemoINNsValid(t *testing.T) {
	for _, du := range DemoUsers {
		if !sale.ValidINN(du.INN) {
			t.Errorf("demo %s: %s refused", du.Login, du.INN)
		}
	}
}

func TestUserCardValidated(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	g := mustGroup(t, db, "Cashier", policy.ActionSell)
	if _, _, err := db.CreateUser(ctx, NewUser{Login: "x", Group: g, INN: "500100732258"}, Actor{}); !errors.Is(err, ErrInvalidINN) {
		t.Fatalf("bad INN: %v, want ErrInvalidINN", err)
	}
	u, _, err := db.CreateUser(ctx, NewUser{Login: "x", Group: g, INN: "500100732259", JournalDays: 3}, Actor{})
	if err != nil {
		t.Fatal(err)
	}
	u.INN = "123"
	if err := db.UpdateUser(ctx, u, Actor{}); !errors.Is(err, ErrInvalidINN) {
		t.Fatalf("update bad INN: %v", err)
	}
	u.INN, u.JournalDays = "", -1
	if err := db.UpdateUser(ctx, u, Actor{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("negative journal: %v", err)
	}
}

func TestGroupOperations(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	sup, err := db.GroupByName(ctx, DemoGroupSupervisor)
	if err != nil {
		t.Fatal(err)
	}
	v0, _ := db.MatrixVersion(ctx)
	by := Actor{User: 1, Terminal: "t1"}

	// Create as a copy: the same rights as the source.
	id, err := db.CreateGroup(ctx, "Night shift", sup, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateGroup(ctx, "Night shift", 0, by); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := db.CreateGroup(ctx, "  ", 0, by); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty name: %v", err)
	}
	rights := func(gid policy.GroupID) policy.Group {
		m, err := db.LoadMatrix(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range m.Groups {
			if g.ID == gid {
				g.ID, g.Name = 0, ""
				return g
			}
		}
		t.Fatalf("group #%d missing", gid)
		return policy.Group{}
	}
	if d := cmp.Diff(rights(sup), rights(id)); d != "" {
		t.Errorf("copy differs (-source +copy):\n%s", d)
	}

	// Copy into an existing group replaces its rights.
	cashier, _ := db.GroupByName(ctx, DemoGroupCashier)
	empty, err := db.CreateGroup(ctx, "Empty", 0, by)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CopyGroupRights(ctx, empty, id, by); err != nil {
		t.Fatal(err)
	}
	if g := rights(id); len(g.Actions) != 0 || len(g.Limits) != 0 {
		t.Errorf("after copying an empty group: %+v", g)
	}
	if err := db.CopyGroupRights(ctx, cashier, id, by); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(rights(cashier), rights(id)); d != "" {
		t.Errorf("copy differs:\n%s", d)
	}

	if err := db.RenameGroup(ctx, id, "Evening", by); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GroupByName(ctx, "Evening"); err != nil || got != id {
		t.Errorf("renamed: %v %v", got, err)
	}
	if err := db.RenameGroup(ctx, id, DemoGroupCashier, by); !errors.Is(err, ErrExists) {
		t.Errorf("rename onto a taken name: %v", err)
	}

	// Delete refused while users belong, by DeleteGroup and by SaveMatrix.
	if err := db.DeleteGroup(ctx, cashier, by); !errors.Is(err, ErrGroupInUse) {
		t.Errorf("delete a group in use: %v", err)
	}
	m, _ := db.LoadMatrix(ctx)
	var without policy.Matrix
	without.Settings = m.Settings
	for _, g := range m.Groups {
		if g.ID != cashier {
			without.Groups = append(without.Groups, g)
		}
	}
	if _, err := db.SaveMatrix(ctx, without, "", by); !errors.Is(err, ErrGroupInUse) {
		t.Errorf("save without a group in use: %v", err)
	}
	if err := db.DeleteGroup(ctx, empty, by); err != nil {
		t.Fatal(err)
	}
	gs, err := db.Groups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	users := map[string]int{}
	for _, g := range gs {
		names = append(names, g.Name)
		users[g.Name] = g.Users
	}
	if d := cmp.Diff([]string{DemoGroupAdmin, DemoGroupCashier, "Evening", DemoGroupSupervisor}, names); d != "" {
		t.Errorf("groups:\n%s", d)
	}
	if users[DemoGroupCashier] != 2 || users["Evening"] != 0 {
		t.Errorf("user counts %v", users)
	}
	if v, _ := db.MatrixVersion(ctx); v < v0+5 {
		t.Errorf("version %d after five changes from %d", v, v0)
	}
	rep, err := db.VerifyAudit(ctx)
	if err != nil || rep.Break != nil {
		t.Errorf("audit chain: %+v %v", rep, err)
	}
}

func TestSearchAudit(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	for i, e := range []AuditEntry{
		{Actor: 3, Action: "bill.discount.line", Outcome: OutcomeOK},
		{Actor: 3, Approver: 2, Action: "bill.discount.line", Outcome: OutcomeApproved},
		{Actor: 4, Action: "bill.void_line", Outcome: OutcomeDenied},
		{Actor: 1, Action: "users.create", Outcome: OutcomeOK},
		{Actor: 1, Action: "users.password.reset", Outcome: OutcomeOK},
	} {
		e.Terminal, e.Time = "t1", t0.Add(time.Duration(i)*time.Hour)
		if _, err := db.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(q AuditQuery) []int64 {
		es, err := db.SearchAudit(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []int64{}
		for _, e := range es {
			out = append(out, e.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    AuditQuery
		want []int64
	}{
		{"all, newest first", AuditQuery{}, []int64{5, 4, 3, 2, 1}},
		{"actor", AuditQuery{Actor: 3}, []int64{2, 1}},
		{"approver", AuditQuery{Approver: 2}, []int64{2}},
		{"action", AuditQuery{Action: "bill.void_line"}, []int64{3}},
		{"prefix", AuditQuery{Action: "users."}, []int64{5, 4}},
		{"prefix is not a LIKE pattern", AuditQuery{Action: "bill_"}, []int64{}},
		{"dates", AuditQuery{From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, []int64{3, 2}},
		{"limit", AuditQuery{Limit: 2}, []int64{5, 4}},
	} {
		if d := cmp.Diff(tc.want, ids(tc.q)); d != "" {
			t.Errorf("%s:\n%s", tc.name, d)
		}
	}
}

func TestSetSettings(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	v0, _ := db.MatrixVersion(ctx)
	if err := db.SetSettings(ctx, map[string]string{"approval.mode": "card", "approval.idle_timeout": "3m"}, Actor{}); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.MatrixVersion(ctx); v != v0 {
		t.Errorf("approval settings moved the matrix version %d -> %d", v0, v)
	}
	if err := db.SetSettings(ctx, map[string]string{SettingSecurityEnabled: "false", SettingHideDisabled: "true"}, Actor{}); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.MatrixVersion(ctx); v != v0+1 {
		t.Errorf("security settings: version %d, want %d", v, v0+1)
	}
	m, err := db.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Settings.SecurityEnabled || !m.Settings.HideDisabled {
		t.Errorf("settings %+v", m.Settings)
	}
	if s, _ := db.SettingString(ctx, "approval.mode", ""); s != "card" {
		t.Errorf("mode %q", s)
	}
}

func TestOwnBadgeRefused(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	admin, err := db.UserByLogin(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	cashier, _ := db.UserByLogin(ctx, "cashier")
	if _, err := db.EnrolBadge(ctx, admin.ID, "EM:001,00001", Actor{User: admin.ID}); !errors.Is(err, ErrOwnBadge) {
		t.Errorf("own card: %v", err)
	}
	// Under lent rights the approver's card is theirs too.
	if _, err := db.EnrolBadge(ctx, admin.ID, "EM:001,00001", Actor{User: cashier.ID, Approver: admin.ID}); !errors.Is(err, ErrOwnBadge) {
		t.Errorf("approver's card: %v", err)
	}
	b, err := db.EnrolBadge(ctx, cashier.ID, "EM:001,00001", Actor{User: admin.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeBadge(ctx, b.ID, Actor{User: cashier.ID}); !errors.Is(err, ErrOwnBadge) {
		t.Errorf("revoke own: %v", err)
	}
	if err := db.RevokeBadge(ctx, b.ID, Actor{User: admin.ID}); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeBadge(ctx, b.ID, Actor{User: admin.ID}); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
}

// Migration 0002: a database made by schema 1 keeps its lockout rows, and
// afterwards failures of credentials that match nobody (approver 0, the
// desk's "this terminal" bucket) are recorded.
func TestLockoutsAcceptUnknownApprover(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "till.db")
	v1, err := migrationFS.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		string(v1), "PRAGMA user_version = 1",
		`INSERT INTO groups(id, name) VALUES(1, 'g')`,
		`INSERT INTO users(id, login, full_name, group_id, receipt_name, inn, journal_days, active, password_hash, must_change, created, updated)
			VALUES(7, 'anna', '', 1, '', '', 1, 1, 'x', 0, 0, 0)`,
		`INSERT INTO lockouts(approver, terminal, at) VALUES(7, 't1', 123)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO lockouts(approver, terminal, at) VALUES(0, 't1', 124)`); err == nil {
		t.Fatal("schema 1 accepted approver 0: the test no longer shows the bug")
	}
	raw.Close()

	db, err := Open(ctx, path, Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.Failures(ctx, 7, "t1", time.UnixMicro(0)); err != nil || len(got) != 1 || got[0].UnixMicro() != 123 {
		t.Errorf("schema 1's failure after migrating: %v %v", got, err)
	}
	now := time.Now()
	if err := db.RecordFailure(ctx, 0, "t1", now); err != nil {
		t.Fatalf("failure of an unknown credential: %v", err)
	}
	if n, err := db.CountFailures(ctx, 0, "t1", now.Add(-time.Minute)); err != nil || n != 1 {
		t.Errorf("count %d %v", n, err)
	}
}

// Migration 0003: a group that could sell keeps opening the drawer for a
// cash payment once that is an action of its own; one that could not sell
// is not granted it.
func TestDrawerOnPaymentGrantedToSellers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "till.db")
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"0001_init.sql", "0002_lockouts_any_approver.sql"} {
		q, err := migrationFS.ReadFile("migrations/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, string(q)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	for _, q := range []string{
		"PRAGMA user_version = 2",
		`INSERT INTO groups(id, name) VALUES(1, 'sellers'), (2, 'auditors')`,
		`INSERT INTO group_actions(group_id, action) VALUES(1, 'sale.sell'), (2, 'audit.view')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.40s: %v", q, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path, Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := db.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, g := range m.Groups {
		got[g.Name] = g.Actions[policy.ActionDrawerPayment]
	}
	if !got["sellers"] || got["auditors"] {
		t.Errorf("drawer on payment after migrating: %v", got)
	}
}
