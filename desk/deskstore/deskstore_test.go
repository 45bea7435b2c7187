package deskstore

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/store"
)

func open(t *testing.T) (*store.DB, *DB) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(context.Background(), filepath.Join(dir, "till.db"), store.Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db, New(db)
}

func TestCredentialErrors(t *testing.T) {
	ctx := context.Background()
	db, s := open(t)
	for _, tc := range []struct {
		name string
		call func() (desk.User, error)
	}{
		{"unknown login", func() (desk.User, error) { return s.Authenticate(ctx, "nobody", "x") }},
		{"wrong password", func() (desk.User, error) { return s.Authenticate(ctx, "cashier", "x") }},
		{"unknown badge", func() (desk.User, error) { return s.UserByBadge(ctx, "1234567890") }},
		{"unknown PIN", func() (desk.User, error) { return s.UserByPIN(ctx, "0000") }},
		{"unknown login lookup", func() (desk.User, error) { return s.UserByLogin(ctx, "nobody") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.call(); !errors.Is(err, desk.ErrBadCredential) {
				t.Fatalf("got %v, want ErrBadCredential", err)
			}
		})
	}
	u, err := db.UserByLogin(ctx, "supervisor")
	if err != nil {
		t.Fatal(err)
	}
	u.Active = false
	if err := db.UpdateUser(ctx, u, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Authenticate(ctx, "supervisor", "super123")
	if err != nil || got.ID != u.ID || got.Active {
		t.Fatalf("inactive user with the right password: %+v %v, want the user, inactive", got, err)
	}
	if _, err := s.Authenticate(ctx, "supervisor", "nope"); !errors.Is(err, desk.ErrBadCredential) {
		t.Fatalf("inactive user, wrong password: %v", err)
	}
}

func TestShiftsAndAudit(t *testing.T) {
	ctx := context.Background()
	db, s := open(t)
	if _, err := s.CurrentShift(ctx); !errors.Is(err, desk.ErrNoShift) {
		t.Fatalf("no shift: %v", err)
	}
	at := time.Now()
	if _, err := s.OpenShift(ctx, 12, 3, at); err != nil {
		t.Fatal(err)
	}
	sh, err := s.CurrentShift(ctx)
	if err != nil || sh.Number != 12 || sh.OpenedBy != 3 {
		t.Fatalf("shift %+v %v", sh, err)
	}
	if _, err := s.CloseShift(ctx, 3, at); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CloseShift(ctx, 3, at); !errors.Is(err, desk.ErrNoShift) {
		t.Fatalf("second close: %v", err)
	}
	if err := s.Audit(ctx, desk.AuditEntry{Terminal: "t", Actor: 3, Approver: 2, Action: "x", Outcome: desk.OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	rows, err := db.AuditEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	if last.Actor != 3 || last.Approver != 2 || last.Action != "x" || string(last.Args) != "{}" {
		t.Fatalf("audit row %+v", last)
	}
}
