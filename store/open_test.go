package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecondOpenIsLocked(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "till.db")
	o := Options{KeyPath: filepath.Join(dir, "till.key")}
	ctx := context.Background()
	first, err := Open(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, path, o)
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), path+".lock") {
		t.Errorf("error %q does not name the lock file", err)
	}
	if m := Message(err); m.Key != "store.error.locked" || m.Args["Path"] != path+".lock" {
		t.Errorf("message = %+v", m)
	}
	// After the first till closes, the database opens again.
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(ctx, path, o)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	again.Close()
}

func TestOpenGarbageIsCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"text", []byte(strings.Repeat("this is not a database\n", 200))},
		{"zeros-after-header", append([]byte("SQLite format 3\x00"), make([]byte, 4096)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "till.db")
			if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(context.Background(), path, Options{KeyPath: filepath.Join(dir, "k")})
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if Message(err).Key != "store.error.corrupt" {
				t.Errorf("message key = %q", Message(err).Key)
			}
		})
	}
}

func TestOpenReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "till.db")
	o := Options{KeyPath: filepath.Join(dir, "till.key")}
	ctx := context.Background()
	db, err := Open(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	// As a normal user chmod makes the file read-only; root writes anyway,
	// so there the medium is made read-only through SQLite's mode=ro, which
	// drives the same write probe and classification.
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, 0o400); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(path, 0o600) })
	} else {
		o.forceReadOnlyMedium = true
	}
	_, err = Open(ctx, path, o)
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("err = %v, want ErrReadOnly", err)
	}
	if Message(err).Key != "store.error.read_only" {
		t.Errorf("message key = %q", Message(err).Key)
	}
}

func TestReadOnlyOptionReadsWithoutLock(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "till.db")
	o := Options{KeyPath: filepath.Join(dir, "till.key")}
	ctx := context.Background()
	db, err := Open(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Audit(ctx, AuditEntry{Terminal: "t1", Action: "test", Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	// A verifier next to a running till: no lock, reads work, writes fail.
	ro, err := Open(ctx, path, Options{KeyPath: o.KeyPath, ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open beside a running till: %v", err)
	}
	defer ro.Close()
	rep, err := ro.VerifyAudit(ctx)
	if err != nil || rep.Rows != 1 || rep.Break != nil {
		t.Fatalf("verify = %+v, %v", rep, err)
	}
	if _, err := ro.Audit(ctx, AuditEntry{Action: "x"}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write on read-only open: err = %v, want ErrReadOnly", err)
	}
}

func TestOpenNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "till.db")
	o := Options{KeyPath: filepath.Join(dir, "till.key")}
	ctx := context.Background()
	db, err := Open(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw := rawOpen(t, path)
	if _, err := raw.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if _, err := Open(ctx, path, o); !errors.Is(err, ErrTooNew) {
		t.Fatalf("err = %v, want ErrTooNew", err)
	}
}

func TestPragmaCheckCatchesMissingPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plain.db")
	raw := rawOpen(t, path) // no _pragma: rollback journal, synchronous=FULL(2) default, no FKs
	defer raw.Close()
	c, err := raw.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = classify(path, checkConn(context.Background(), c, false))
	if !errors.Is(err, ErrPragma) {
		t.Fatalf("err = %v, want ErrPragma", err)
	}
	for _, want := range []string{"journal_mode=delete", "foreign_keys=0", "busy_timeout=0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// rawOpen is a second, plain connection to the file, the way an attacker
// or a careless tool would edit it.
func rawOpen(t testing.TB, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestOpenPathWithURISpecialCharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my till #1?x=y&z")
	path := filepath.Join(dir, "касса 100%.db")
	db, err := Open(context.Background(), path, Options{KeyPath: filepath.Join(dir, "k")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at the exact path: %v", err)
	}
}
