package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// openTest opens a fresh database and key file in t.TempDir().
func openTest(t testing.TB) *DB {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(context.Background(), filepath.Join(dir, "till.db"), Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpenMigratesAndChecksPragmas(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	v, err := db.userVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != latestVersion() || v < 1 {
		t.Fatalf("user_version = %d, want %d", v, latestVersion())
	}
	// Every pooled connection carries the pragmas, not only the first.
	if err := db.checkPragmas(ctx); err != nil {
		t.Fatal(err)
	}
}

// runMigrationAgain runs the SQL of the migration whose name contains part
// on db, as if the database had been made before it: tests of a repairing
// migration use it instead of rolling user_version back, which would run
// every later migration a second time.
func runMigrationAgain(t testing.TB, db *DB, part string) {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if strings.Contains(m.name, part) {
			if _, err := db.db.Exec(m.sql); err != nil {
				t.Fatalf("migration %s: %v", m.name, err)
			}
			return
		}
	}
	t.Fatalf("no migration named like %q", part)
}
