package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tillpos/till/store"
)

// auditTill makes a till database with n audit rows under a config dir of
// its own (the default key and anchor live there) and returns its path.
func auditTill(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	path := filepath.Join(dir, "till.db")
	ctx := context.Background()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for range n {
		if _, err := db.Audit(ctx, store.AuditEntry{Terminal: "t", Action: "bill.void", Outcome: store.OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func tamper(t *testing.T, path string, qs ...string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range append([]string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`}, qs...) {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	path := auditTill(t, 5)
	var out bytes.Buffer
	if err := runAudit(ctx, &out, []string{"verify", "-db", path}); err != nil || !strings.Contains(out.String(), "audit log OK") {
		t.Fatalf("intact log: %v\n%s", err, out.String())
	}

	for _, tc := range []struct {
		name string
		sql  []string
		want []string
	}{
		{"tail cut", []string{`DELETE FROM audit WHERE id > 3`}, []string{"rows 4-5", "cut off the end", "first at row 4"}},
		{"emptied", []string{`DELETE FROM audit`}, []string{"emptied", "first at row 1", "from its first row"}},
		{"edited", []string{`UPDATE audit SET outcome = 'denied' WHERE id = 2`}, []string{"row 2 (", "MAC", "first at row 2", "after "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := auditTill(t, 5)
			tamper(t, path, tc.sql...)
			var out bytes.Buffer
			err := runAudit(ctx, &out, []string{"verify", "-db", path})
			if !errors.Is(err, errAuditBroken) {
				t.Fatalf("err = %v, want errAuditBroken\n%s", err, out.String())
			}
			all := out.String() + err.Error()
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
		})
	}

	t.Run("anchor deleted", func(t *testing.T) {
		path := auditTill(t, 2)
		ms, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "till", "*.anchor"))
		if len(ms) != 1 {
			t.Fatalf("anchors: %v", ms)
		}
		os.Remove(ms[0])
		var out bytes.Buffer
		if err := runAudit(ctx, &out, []string{"verify", "-db", path}); !errors.Is(err, errAuditUnanchored) {
			t.Fatalf("err = %v, want errAuditUnanchored", err)
		}
	})
}
