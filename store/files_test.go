package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestSecondTillThroughASymlinkIsRefused(t *testing.T) {
	dir := t.TempDir()
	path, key := filepath.Join(dir, "till.db"), filepath.Join(dir, "till.key")
	ctx := context.Background()
	db, err := Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	link := filepath.Join(t.TempDir(), "other-name.db")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	hard := filepath.Join(dir, "hard.db")
	if err := os.Link(path, hard); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{link, hard} {
		second, err := Open(ctx, p, Options{KeyPath: key})
		if err == nil {
			second.Close()
			t.Fatalf("a second till opened %s, the same database", p)
		}
		if !errors.Is(err, ErrLocked) || !strings.Contains(Message(err).English(), "already in use by another till") {
			t.Fatalf("%s: err = %v (%q), want ErrLocked", p, err, Message(err).English())
		}
	}
}

func TestEmptyDatabaseFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "till.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		_, err := Open(context.Background(), path, Options{KeyPath: filepath.Join(dir, "till.key"), ReadOnly: ro})
		if !errors.Is(err, ErrEmpty) {
			t.Fatalf("read-only %v: err = %v, want ErrEmpty", ro, err)
		}
		if msg := Message(err).English(); !strings.Contains(msg, path) || !strings.Contains(msg, "empty") {
			t.Errorf("message %q", msg)
		}
		if st, _ := os.Stat(path); st.Size() != 0 {
			t.Fatalf("the empty file was turned into a database (%d bytes)", st.Size())
		}
	}
	// A path that does not exist is how a new till starts: still created.
	db, err := Open(context.Background(), filepath.Join(dir, "new.db"), Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatalf("new database: %v", err)
	}
	db.Close()
}

func TestForeignFilesAreRefusedUnchanged(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("shopping list\n", 400)), 0o600)
	other := filepath.Join(dir, "other-app.db")
	raw := rawOpen(t, other)
	if _, err := raw.Exec(`CREATE TABLE contacts(name TEXT, phone TEXT); INSERT INTO contacts VALUES('a', '1')`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	for _, p := range []string{text, other, dir} {
		before, _ := os.ReadFile(p)
		for _, ro := range []bool{false, true} {
			db, err := Open(context.Background(), p, Options{KeyPath: filepath.Join(t.TempDir(), "k"), ReadOnly: ro})
			if err == nil {
				db.Close()
				t.Fatalf("%s (read-only %v) opened as a till database", p, ro)
			}
			if !errors.Is(err, ErrForeign) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("%s: err = %v, want ErrForeign or ErrCorrupt", p, err)
			}
			if msg := Message(err).English(); !strings.Contains(msg, "not a till database") {
				t.Errorf("%s: message %q", p, msg)
			}
		}
		if after, _ := os.ReadFile(p); !bytes.Equal(before, after) {
			t.Errorf("%s was changed", p)
		}
	}
}

func TestFilesAreCreatedPrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	db := openTest(t)
	if _, err := db.Audit(context.Background(), AuditEntry{Action: "x", Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	db.flushAnchor()
	for _, p := range []string{db.Path(), db.Path() + "-wal", db.Path() + "-shm", db.KeyPath(), db.anchorFile()} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o, want 0600", p, st.Mode().Perm())
		}
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(context.Background(), backup, Actor{}); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(backup); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup: %v, %v; want mode 0600", st.Mode().Perm(), err)
	}
	if w := db.Warnings(); len(w) != 0 {
		t.Errorf("warnings on private files: %v", w)
	}
}

func TestLooseDatabaseModesAreWarned(t *testing.T) {
	dir := t.TempDir()
	path, key := filepath.Join(dir, "till.db"), filepath.Join(dir, "till.key")
	db, err := Open(context.Background(), path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Chmod(path, 0o644)
	db, err = Open(context.Background(), path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := db.Warnings()
	if len(w) == 0 || !strings.Contains(w[0], path) || !strings.Contains(w[0], "0644") {
		t.Fatalf("warnings = %v", w)
	}
}

func TestKeyFileOthersCanReadIsRefused(t *testing.T) {
	db, path, key, _ := keyTestDB(t)
	db.Close()
	os.Chmod(key, 0o644)
	db, err := Open(context.Background(), path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.CheckKey(context.Background())
	if !errors.Is(err, ErrKeyExposed) {
		t.Fatalf("CheckKey with a 0644 key: %v, want ErrKeyExposed", err)
	}
	if msg := Message(err).English(); !strings.Contains(msg, "chmod 600 "+key) {
		t.Errorf("message %q does not say what to do", msg)
	}
	if _, err := db.Audit(context.Background(), AuditEntry{Action: "x"}); !errors.Is(err, ErrKeyExposed) {
		t.Errorf("audit with an exposed key: %v", err)
	}
}

func TestKeyFileIsReadWithABound(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, key string)
	}{
		{"link to /dev/zero", func(t *testing.T, key string) {
			if err := os.Symlink("/dev/zero", key); err != nil {
				t.Fatal(err)
			}
		}},
		{"1 GiB sparse file", func(t *testing.T, key string) {
			f, err := os.OpenFile(key, os.O_WRONLY|os.O_CREATE, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			f.Truncate(1 << 30)
			f.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			key := filepath.Join(dir, "till.key")
			tc.make(t, key)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			db, err := Open(context.Background(), filepath.Join(dir, "till.db"), Options{KeyPath: key})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.CheckKey(context.Background())
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrKeyInvalid) {
				t.Fatalf("err = %v, want ErrKeyInvalid", err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<20 {
				t.Fatalf("reading the key allocated %d MiB", grew>>20)
			}
		})
	}
}

// Read-only media: a database and key on a medium nobody can write.
// Root ignores file modes, so as root the check runs in a child process as
// the user nobody; the files are made read-only for it.
func TestVerifyAndExportOnReadOnlyMedia(t *testing.T) {
	if os.Getenv("TILL_RO_CHILD") != "" {
		t.Skip("the child runs readOnlyChild")
	}
	base, err := os.MkdirTemp("", "till-ro-")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		filepath.Walk(base, func(p string, _ os.FileInfo, _ error) error { os.Chmod(p, 0o755); return nil })
		os.RemoveAll(base)
	}()
	os.Chmod(base, 0o755)
	media, keys := filepath.Join(base, "media"), filepath.Join(base, "keys")
	os.Mkdir(media, 0o755)
	os.Mkdir(keys, 0o755)
	path, key := filepath.Join(media, "till.db"), filepath.Join(keys, "till.key")
	ctx := context.Background()
	db, err := Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()

	uid := os.Getuid()
	asNobody := uid == 0
	for _, p := range []string{key, filepath.Join(keys, "*.anchor")} {
		ms, _ := filepath.Glob(p)
		for _, m := range ms {
			if asNobody {
				os.Chown(m, 65534, 65534)
			}
			os.Chmod(m, 0o400)
		}
	}
	ents, _ := os.ReadDir(media)
	var listing []string
	for _, e := range ents {
		os.Chmod(filepath.Join(media, e.Name()), 0o444)
		listing = append(listing, e.Name())
	}
	os.Chmod(media, 0o555)
	sum := func() string {
		b, _ := os.ReadFile(path)
		ents, _ := os.ReadDir(media)
		return fmt.Sprint(len(b), bytes.Count(b, []byte{0}), len(ents))
	}
	before := sum()

	bin := os.Args[0]
	if asNobody {
		// The test binary's directory is root's own: copy it where nobody
		// can run it.
		bin = filepath.Join(base, "store.test")
		copyExec(t, os.Args[0], bin)
	}
	cmd := exec.Command(bin, "-test.run=^TestReadOnlyMediaChild$", "-test.v")
	cmd.Env = append(os.Environ(), "TILL_RO_CHILD=1", "TILL_RO_DB="+path, "TILL_RO_KEY="+key, "HOME="+base, "XDG_CONFIG_HOME="+base)
	if asNobody {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "READ-ONLY OK") {
		t.Fatalf("on read-only media (files %v): %v\n%s", listing, err, out)
	}
	if after := sum(); after != before {
		t.Errorf("the read-only open changed the medium: %s -> %s", before, after)
	}
}

func copyExec(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
}

func TestReadOnlyMediaChild(t *testing.T) {
	if os.Getenv("TILL_RO_CHILD") == "" {
		t.Skip("run by TestVerifyAndExportOnReadOnlyMedia")
	}
	ctx := context.Background()
	db, err := Open(ctx, os.Getenv("TILL_RO_DB"), Options{KeyPath: os.Getenv("TILL_RO_KEY"), ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open: %v", err)
	}
	defer db.Close()
	rep, err := db.VerifyAudit(ctx)
	if err != nil || rep.Break != nil || rep.Anchor == nil || rep.Rows == 0 {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	c, err := db.ExportBundle(ctx, 0)
	if err != nil || len(c.Users) == 0 {
		t.Fatalf("export: %d users, %v", len(c.Users), err)
	}
	fmt.Println("READ-ONLY OK")
}

// A full disk, for real: SQLite's max_page_count makes the next write fail
// with SQLITE_FULL exactly as a full filesystem does. The store reports it
// as ErrDiskFull (carrying ENOSPC for the sale core and the desk), and its
// message says the disk is full.
func TestDiskFullIsReportedAsSuch(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.db.SetMaxOpenConns(1)
	if _, err := db.db.ExecContext(ctx, `PRAGMA max_page_count = 1`); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		_, err = db.Audit(ctx, AuditEntry{Terminal: "t", Action: "fill", Args: []byte(`{"pad":"` + strings.Repeat("x", 2000) + `"}`), Outcome: OutcomeOK})
	}
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ErrDiskFull carrying ENOSPC", err)
	}
	if m := Message(err); m.Key != "store.error.disk_full" || !strings.Contains(m.English(), "is full") {
		t.Errorf("message %s: %q", m.Key, m.English())
	}
}
