package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The attacker of issue 15: anyone who can write the database file (sqlite3,
// a copy, a restore) but has not got the key file. Each tampering below
// goes through a raw connection that drops the append-only triggers and,
// where it matters, recomputes the chain the best way such an attacker can.

// rechain rewrites the prev and hash of every row from id from on with
// hash(prev, row): what an attacker does after editing, deleting or
// inserting rows.
func rechain(t *testing.T, raw *sql.DB, from int64, hash func(prev []byte, e AuditEntry) []byte) {
	t.Helper()
	ctx := context.Background()
	prev := genesis
	if from > 1 {
		if err := raw.QueryRow(`SELECT hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1`, from).Scan(&prev); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := raw.QueryContext(ctx, `SELECT id, time, terminal, actor, approver, action, args, outcome, reason, prev, hash FROM audit WHERE id >= ? ORDER BY id`, from)
	if err != nil {
		t.Fatal(err)
	}
	var es []AuditEntry
	for rows.Next() {
		e, _, _, err := scanAudit(rows, true)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	rows.Close()
	for _, e := range es {
		h := hash(prev, e)
		if _, err := raw.Exec(`UPDATE audit SET prev = ?, hash = ? WHERE id = ?`, prev, h, e.ID); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
}

func dropTriggers(t *testing.T, raw *sql.DB) {
	t.Helper()
	for _, q := range []string{`DROP TRIGGER audit_no_update`, `DROP TRIGGER audit_no_delete`} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func guessedMAC(key []byte) func(prev []byte, e AuditEntry) []byte {
	return func(prev []byte, e AuditEntry) []byte { return macHash(keyed(key, purposeAudit, ""), prev, e) }
}

func TestAuditTamperingWithRecomputedChainIsFound(t *testing.T) {
	sha := func(prev []byte, e AuditEntry) []byte { return chainHash(prev, e) }
	for _, tc := range []struct {
		name    string
		tamper  func(t *testing.T, raw *sql.DB)
		wantID  int64
		wantWhy string
	}{
		{"edit, chain recomputed with SHA-256", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`UPDATE audit SET outcome = 'ok', reason = '' WHERE id = 3`)
			rechain(t, raw, 3, sha)
		}, 3, "MAC"},
		{"edit, chain recomputed with a guessed key", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`UPDATE audit SET args = '{"percent_bp":500,"line":2}' WHERE id = 2`)
			rechain(t, raw, 2, guessedMAC(make([]byte, keyLen)))
		}, 2, "MAC"},
		{"delete, chain recomputed", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`DELETE FROM audit WHERE id = 3`)
			raw.Exec(`UPDATE audit SET id = id - 1 WHERE id > 3`)
			rechain(t, raw, 3, sha)
		}, 3, "MAC"},
		{"reorder, chain recomputed", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`UPDATE audit SET id = 100 WHERE id = 2`)
			raw.Exec(`UPDATE audit SET id = 2 WHERE id = 3`)
			raw.Exec(`UPDATE audit SET id = 3 WHERE id = 100`)
			rechain(t, raw, 2, sha)
		}, 2, "MAC"},
		{"forged row appended with a guessed key", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`INSERT INTO audit(id, time, terminal, actor, approver, action, args, outcome, reason, prev, hash)
				VALUES(7, 1, 'till-1', 2, NULL, 'users.password.reset', '{"user":1}', 'ok', '', x'00', x'00')`)
			rechain(t, raw, 7, guessedMAC([]byte(strings.Repeat("k", keyLen))))
		}, 7, "MAC"},
		{"whole log passed off as the plain chain", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`UPDATE audit SET outcome = 'ok' WHERE id = 4`)
			raw.Exec(`UPDATE audit_keying SET keyed_from = 1000`)
			rechain(t, raw, 1, sha)
		}, 1, "keyed log starts"},
		{"tail cut", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`DELETE FROM audit WHERE id >= 5`)
		}, 5, "cut off the end"},
		{"emptied", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`DELETE FROM audit`)
		}, 1, "empty"},
		{"edited without rehash", func(t *testing.T, raw *sql.DB) {
			raw.Exec(`UPDATE audit SET reason = 'x' WHERE id = 6`)
		}, 6, "edited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, path := auditDB(t, 6)
			ctx := context.Background()
			if rep, err := db.VerifyAudit(ctx); err != nil || rep.Break != nil || rep.Anchor == nil || rep.Anchor.Rows != 6 {
				t.Fatalf("before: %+v, %v", rep, err)
			}
			raw := rawOpen(t, path)
			dropTriggers(t, raw)
			tc.tamper(t, raw)
			raw.Close()
			rep, err := db.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Break == nil {
				t.Fatalf("tampering not found: %+v", rep)
			}
			if rep.Break.ID != tc.wantID || !strings.Contains(rep.Break.Why, tc.wantWhy) {
				t.Errorf("first finding = %+v, want row %d (%q)", *rep.Break, tc.wantID, tc.wantWhy)
			}
		})
	}
}

func TestAuditVerifySaysSinceWhen(t *testing.T) {
	db, path := auditDB(t, 6)
	raw := rawOpen(t, path)
	dropTriggers(t, raw)
	raw.Exec(`UPDATE audit SET outcome = 'ok' WHERE id = 4`)
	raw.Close()
	rep, err := db.VerifyAudit(context.Background())
	if err != nil || rep.Break == nil {
		t.Fatalf("%+v, %v", rep, err)
	}
	// auditDB writes row i at 10:00:(i-1).
	if want := time.Date(2026, 11, 25, 10, 0, 2, 0, time.UTC); !rep.Break.Since.Equal(want) {
		t.Errorf("since = %v, want %v (the last good row's time)", rep.Break.Since, want)
	}
	if want := time.Date(2026, 11, 25, 10, 0, 3, 0, time.UTC); !rep.Break.Time.Equal(want) {
		t.Errorf("time = %v, want %v", rep.Break.Time, want)
	}
	if len(rep.Breaks) != 1 {
		t.Errorf("findings = %+v, want only row 4", rep.Breaks)
	}
}

// copyFile copies a closed database (no -wal) byte for byte.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

// An older copy of the database restored over the current one: its chain is
// perfect, only the anchor can tell.
func TestAuditAnchorFindsAnOlderCopyRestored(t *testing.T) {
	dir := t.TempDir()
	path, key := filepath.Join(dir, "till.db"), filepath.Join(dir, "till.key")
	ctx := context.Background()
	o := Options{KeyPath: key}
	db, err := Open(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	add := func(db *DB, n int) {
		for range n {
			if _, err := db.Audit(ctx, AuditEntry{Terminal: "t", Action: "bill.void", Outcome: OutcomeOK}); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(db, 3)
	db.Close()
	old := filepath.Join(t.TempDir(), "old.db")
	copyFile(t, path, old)
	db, err = Open(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	add(db, 4) // rows 4-7: the voids someone wants gone
	db.Close()
	copyFile(t, old, path)

	// verify (read-only, the till stopped) sees the rollback.
	ro, err := Open(ctx, path, Options{KeyPath: key, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ro.VerifyAudit(ctx)
	ro.Close()
	if err != nil || rep.Break == nil || rep.Break.ID != 4 || rep.Break.Last != 7 || !strings.Contains(rep.Break.Why, "cut off the end") {
		t.Fatalf("verify after restoring an older copy = %+v, %v", rep.Break, err)
	}

	// The till started on it records what it found and keeps the anchor.
	db, err = Open(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err = db.VerifyAudit(ctx)
	if err != nil || rep.Break == nil || rep.Break.ID != 4 || !strings.Contains(rep.Break.Why, "rolled_back") {
		t.Fatalf("verify after the till started on the older copy = %+v, %v", rep.Break, err)
	}
	kept, _ := filepath.Glob(filepath.Join(dir, "till-audit-*.anchor.bad-*"))
	if len(kept) != 1 {
		t.Errorf("old anchor kept as %v, want one .bad file", kept)
	}
	// And later rows do not hide it.
	add(db, 2)
	if rep, _ := db.VerifyAudit(ctx); rep.Break == nil || rep.Break.ID != 4 {
		t.Errorf("finding gone after more rows: %+v", rep.Break)
	}
}

// A brand-new database put where the till's was (the log "emptied" by
// replacing the file) is not a new till.
func TestAuditAnchorFindsTheDatabaseReplaced(t *testing.T) {
	dir := t.TempDir()
	path, key := filepath.Join(dir, "till.db"), filepath.Join(dir, "till.key")
	ctx := context.Background()
	db, err := Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	db.Audit(ctx, AuditEntry{Terminal: "t", Action: "bill.void", Outcome: OutcomeOK})
	db.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
	db, err = Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := db.VerifyAudit(ctx)
	if err != nil || rep.Break == nil || !strings.Contains(rep.Break.Why, "other_database") {
		t.Fatalf("verify = %+v, %v", rep.Break, err)
	}
}

func TestAuditAnchorIsKeyedAndPrivate(t *testing.T) {
	db, _ := auditDB(t, 2)
	db.flushAnchor()
	file := db.anchorFile()
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("anchor mode %04o, want 0600", st.Mode().Perm())
	}
	if filepath.Dir(file) != filepath.Dir(db.KeyPath()) {
		t.Errorf("anchor %s not beside the key %s", file, db.KeyPath())
	}
	b, _ := os.ReadFile(file)
	// An attacker lowers the anchored row count to hide a cut tail.
	os.WriteFile(file, []byte(strings.Replace(string(b), "rows 2", "rows 1", 1)), 0o600)
	rep, err := db.VerifyAudit(context.Background())
	if err != nil || rep.Anchor != nil || !strings.Contains(rep.AnchorProblem, "MAC") {
		t.Fatalf("edited anchor accepted: %+v, %v", rep, err)
	}
}

// legacyDB makes a database as a till before the keyed log left it: schema
// 3, n audit rows in the plain SHA-256 chain, no anchor.
func legacyDB(t testing.TB, n int) (path, key string) {
	t.Helper()
	dir := t.TempDir()
	path, key = filepath.Join(dir, "till.db"), filepath.Join(dir, "till.key")
	db, err := Open(context.Background(), path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	anchor := db.anchorFile()
	db.Close()
	os.Remove(anchor)
	raw := rawOpen(t, path)
	defer raw.Close()
	tx, _ := raw.Begin()
	// As before the keying: no keying row yet (the table itself is made by
	// a migration, so later migrations need not run again).
	for _, q := range []string{`DELETE FROM audit_keying`} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	ins, err := tx.Prepare(`INSERT INTO audit(id, time, terminal, actor, approver, action, args, outcome, reason, prev, hash) VALUES(?,?,?,?,NULL,?,?,?,?,?,?)`)
	if err != nil {
		t.Fatal(err)
	}
	prev := genesis
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		e := AuditEntry{ID: int64(i), Time: t0.Add(time.Duration(i) * time.Second), Terminal: "till-1", Actor: 3, Action: "session.sign_in", Args: json.RawMessage(`{"via":"password"}`), Outcome: OutcomeOK}
		h := chainHash(prev, e)
		if _, err := ins.Exec(e.ID, us(e.Time), e.Terminal, 3, e.Action, string(e.Args), e.Outcome, e.Reason, prev, h); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return path, key
}

func TestAuditSwitchOverFromThePlainChain(t *testing.T) {
	path, key := legacyDB(t, 20)
	ctx := context.Background()
	db, err := Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := db.VerifyAudit(ctx)
	if err != nil || rep.Break != nil || rep.Rows != 21 || rep.KeyedFrom != 21 || rep.Anchor == nil || rep.Anchor.Rows != 21 {
		t.Fatalf("after the switch: %+v, %v", rep, err)
	}
	es, _ := db.AuditEntries(ctx, 20, 1)
	if len(es) != 1 || es[0].Action != actionAuditKeyed || !strings.Contains(string(es[0].Args), `"plain_rows":20`) {
		t.Fatalf("switch-over row = %+v", es)
	}
	// Reopening does not switch again.
	db.Close()
	db, err = Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	if id, _, _ := db.AuditHead(ctx); id != 21 {
		t.Fatalf("head after reopen = %d, want 21", id)
	}
	// The plain rows are sealed: editing one and recomputing the plain
	// chain breaks the switch-over row's MAC.
	raw := rawOpen(t, path)
	dropTriggers(t, raw)
	raw.Exec(`UPDATE audit SET actor = 1 WHERE id = 5`)
	rechain(t, raw, 5, func(prev []byte, e AuditEntry) []byte {
		if e.ID >= 21 {
			var h [sha256.Size]byte
			return h[:] // the attacker cannot compute this one
		}
		return chainHash(prev, e)
	})
	raw.Close()
	rep, err = db.VerifyAudit(ctx)
	if err != nil || rep.Break == nil || rep.Break.ID != 21 {
		t.Fatalf("edited plain row: %+v, %v", rep.Break, err)
	}
}

// The switch-over reads the old chain once: on a log of 300k rows it must
// stay a matter of seconds at start (figure in docs/store.md).
func TestAuditSwitchOver300kRows(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 300k-row log")
	}
	path, key := legacyDB(t, 300_000)
	ctx := context.Background()
	start := time.Now()
	db, err := Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Logf("open with the switch-over of 300k rows: %v", time.Since(start))
	start = time.Now()
	rep, err := db.VerifyAudit(ctx)
	if err != nil || rep.Break != nil || rep.Rows != 300_001 {
		t.Fatalf("%+v, %v", rep.Break, err)
	}
	t.Logf("verify of 300k rows: %v", time.Since(start))
}

// BenchmarkAudit is one audit row through the store: the insert, the MAC
// and the anchor rewrite (write, fsync, rename); compare with
// BenchmarkCommitLineBaseline in the same run.
func BenchmarkAudit(b *testing.B) {
	db := openTest(b)
	ctx := context.Background()
	e := AuditEntry{Terminal: "till-1", Actor: 3, Action: "bill.discount.line", Args: json.RawMessage(`{"percent_bp":1500}`), Outcome: OutcomeApproved, Approver: 2}
	for b.Loop() {
		if _, err := db.Audit(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
