package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// auditDB writes n audit rows and returns the db and its path.
func auditDB(t *testing.T, n int) (*DB, string) {
	t.Helper()
	db := openTest(t)
	ctx := context.Background()
	for i := range n {
		e := AuditEntry{
			Time: time.Date(2026, 11, 25, 10, 0, i, 0, time.UTC), Terminal: "till-1", Actor: 3,
			Action: "bill.discount.line", Args: json.RawMessage(`{"percent_bp": 1500, "line": 2}`),
			Outcome: OutcomeDenied, Reason: "over_limit",
		}
		if i%2 == 1 {
			e.Approver, e.Outcome, e.Reason = 2, OutcomeApproved, ""
		}
		if _, err := db.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return db, db.Path()
}

func TestAuditChainHolds(t *testing.T) {
	db, _ := auditDB(t, 5)
	rep, err := db.VerifyAudit(context.Background())
	if err != nil || rep.Break != nil || rep.Rows != 5 {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
	es, err := db.AuditEntries(context.Background(), 0, 10)
	if err != nil || len(es) != 5 {
		t.Fatalf("entries: %d, %v", len(es), err)
	}
	if string(es[0].Args) != `{"percent_bp":1500,"line":2}` || es[1].Approver != 2 || es[0].Approver != 0 {
		t.Errorf("entries read back wrong: %+v", es[:2])
	}
}

func TestAuditRefusesSQLEdits(t *testing.T) {
	db, _ := auditDB(t, 2)
	if _, err := db.db.Exec(`UPDATE audit SET reason = 'x' WHERE id = 1`); err == nil {
		t.Fatal("UPDATE of an audit row succeeded")
	}
	if _, err := db.db.Exec(`DELETE FROM audit WHERE id = 1`); err == nil {
		t.Fatal("DELETE of an audit row succeeded")
	}
}

// Tampering goes through a second raw connection that drops the
// append-only triggers first: the chain must catch what SQL no longer stops.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sql    []string
		wantID int64
		why    string
	}{
		{"edited", []string{`UPDATE audit SET outcome = 'ok' WHERE id = 3`}, 3, "edited"},
		{"edited args", []string{`UPDATE audit SET args = '{"percent_bp":500,"line":2}' WHERE id = 2`}, 2, "edited"},
		{"edited and rehashed", []string{`UPDATE audit SET outcome = 'ok', hash = zeroblob(32) WHERE id = 3`}, 3, "edited"},
		{"deleted", []string{`DELETE FROM audit WHERE id = 3`}, 4, "missing"},
		{"deleted first", []string{`DELETE FROM audit WHERE id = 1`}, 2, "missing"},
		{"reordered", []string{
			`UPDATE audit SET id = 100 WHERE id = 2`,
			`UPDATE audit SET id = 2 WHERE id = 3`,
			`UPDATE audit SET id = 3 WHERE id = 100`,
		}, 2, "does not follow"},
		{"time changed", []string{`UPDATE audit SET time = time + 1 WHERE id = 5`}, 5, "edited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, path := auditDB(t, 6)
			raw := rawOpen(t, path)
			defer raw.Close()
			for _, q := range append([]string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`}, tc.sql...) {
				if _, err := raw.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			rep, err := db.VerifyAudit(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.Break == nil {
				t.Fatal("tampering not detected")
			}
			if rep.Break.ID != tc.wantID || !strings.Contains(rep.Break.Why, tc.why) {
				t.Errorf("break = %+v, want row %d (%s)", rep.Break, tc.wantID, tc.why)
			}
		})
	}
}

func TestAuditRehashedRowIsCaughtAtItself(t *testing.T) {
	// An attacker who recomputes the edited row's own hash the way the old
	// plain chain did (SHA-256, no key) is caught at that very row now:
	// its MAC does not match.
	db, path := auditDB(t, 4)
	ctx := context.Background()
	es, _ := db.AuditEntries(ctx, 1, 1)
	e := es[0]
	e.Outcome = OutcomeOK
	var prev []byte
	if err := db.db.QueryRow(`SELECT prev FROM audit WHERE id = 2`).Scan(&prev); err != nil {
		t.Fatal(err)
	}
	raw := rawOpen(t, path)
	defer raw.Close()
	raw.Exec(`DROP TRIGGER audit_no_update`)
	if _, err := raw.Exec(`UPDATE audit SET outcome = ?, hash = ? WHERE id = 2`, e.Outcome, chainHash(prev, e)); err != nil {
		t.Fatal(err)
	}
	rep, err := db.VerifyAudit(ctx)
	if err != nil || rep.Break == nil || rep.Break.ID != 2 || !strings.Contains(rep.Break.Why, "MAC") {
		t.Fatalf("verify = %+v, %v; want a break at row 2", rep.Break, err)
	}
}

func TestAuditRejectsBadArgs(t *testing.T) {
	db := openTest(t)
	if _, err := db.Audit(context.Background(), AuditEntry{Action: "x", Args: json.RawMessage(`{bad`)}); err == nil {
		t.Fatal("invalid JSON args accepted")
	}
}
