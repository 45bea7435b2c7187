package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
)

// matrixTills is a central admin's key pair and three tills of one store
// sharing the badge key file (XDG_CONFIG_HOME, as the tills' default key
// path): A publishes, B and C receive.
type matrixTills struct {
	dir        string
	a, b, c    string // database paths
	key, pub   string
	bundleFile string
}

func newMatrixTills(t *testing.T) matrixTills {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	m := matrixTills{
		dir: dir, a: filepath.Join(dir, "a", "till.db"), b: filepath.Join(dir, "b", "till.db"), c: filepath.Join(dir, "c", "till.db"),
		key: filepath.Join(dir, "hq.key"), pub: filepath.Join(dir, "hq.pub"), bundleFile: filepath.Join(dir, "matrix.bundle"),
	}
	ctx := context.Background()
	for _, p := range []string{m.a, m.b, m.c} {
		db, err := store.Open(ctx, p, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CheckKey(ctx); err != nil {
			t.Fatal(err)
		}
		if p == m.a {
			if err := db.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		db.Close()
	}
	return m
}

func matrix(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runMatrix(context.Background(), &out, args)
	return out.String(), err
}

func withDB(t *testing.T, path string, f func(db *store.DB)) {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f(db)
}

func TestMatrixExportImportRoundTrip(t *testing.T) {
	m := newMatrixTills(t)
	ctx := context.Background()
	if out, err := matrix(t, "keygen", filepath.Join(m.dir, "hq")); err != nil || !strings.Contains(out, "hq.key") {
		t.Fatalf("keygen: %q %v", out, err)
	}
	out, err := matrix(t, "export", "-db", m.a, "-key", m.key, "-publisher", "HQ", m.bundleFile)
	if err != nil || !strings.Contains(out, "written to") {
		t.Fatalf("export: %q %v", out, err)
	}

	// Before trusting the publisher, B refuses and says how to trust.
	_, err = matrix(t, "import", "-db", m.b, m.bundleFile)
	if !errors.Is(err, bundle.ErrUntrusted) || !strings.Contains(err.Error(), "till matrix trust") {
		t.Fatalf("untrusted import: %v", err)
	}
	if _, err := matrix(t, "trust", "-db", m.b, m.pub); err != nil {
		t.Fatal(err)
	}
	if out, err := matrix(t, "import", "-db", m.b, m.bundleFile); err != nil || !strings.Contains(out, "imported") {
		t.Fatalf("import: %q %v", out, err)
	}
	var want policy.Matrix
	withDB(t, m.a, func(db *store.DB) { want, _ = db.LoadMatrix(ctx) })
	withDB(t, m.b, func(db *store.DB) {
		got, err := db.LoadMatrix(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Groups) != len(want.Groups) || len(got.Users) != len(want.Users) || got.Settings != want.Settings {
			t.Errorf("B's matrix %+v, A's %+v", got, want)
		}
		// The shared badge key makes A's badges work on B, and passwords
		// travel as their hashes.
		if u, err := db.UserByBadge(ctx, store.DemoUsers[0].Badge); err != nil || u.Login != "admin" {
			t.Errorf("badge on B: %+v %v", u, err)
		}
		if _, err := db.Authenticate(ctx, "cashier", "cashier1"); err != nil {
			t.Errorf("password on B: %v", err)
		}
	})

	// The same bundle again is not newer: refused, exit non-zero.
	if _, err := matrix(t, "import", "-db", m.b, m.bundleFile); !errors.Is(err, bundle.ErrNotNewer) {
		t.Errorf("second import: %v", err)
	}
}

func TestMatrixImportRefusals(t *testing.T) {
	m := newMatrixTills(t)
	ctx := context.Background()
	if _, err := matrix(t, "keygen", filepath.Join(m.dir, "hq")); err != nil {
		t.Fatal(err)
	}
	if _, err := matrix(t, "trust", "-db", m.b, m.pub); err != nil {
		t.Fatal(err)
	}
	older := filepath.Join(m.dir, "older.bundle")
	if _, err := matrix(t, "export", "-db", m.a, "-key", m.key, older); err != nil {
		t.Fatal(err)
	}
	// A newer one, signed by the same publisher.
	priv, err := bundle.ReadPrivateKey(m.key)
	if err != nil {
		t.Fatal(err)
	}
	var newerVersion int64
	withDB(t, m.a, func(db *store.DB) {
		c, err := db.ExportBundle(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		c.Version = readVersion(t, older, m.pub) + 10
		newerVersion = c.Version
		data, err := bundle.Sign(c, priv)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(m.bundleFile, data, 0o600); err != nil {
			t.Fatal(err)
		}
	})

	// A flipped byte anywhere in the payload: refused, B unchanged.
	data, err := os.ReadFile(m.bundleFile)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(data)
	i := bytes.LastIndex(bad, []byte(`"login"`))
	bad[i+2] ^= 0x01
	flipped := filepath.Join(m.dir, "flipped.bundle")
	if err := os.WriteFile(flipped, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	var v0 int64
	withDB(t, m.b, func(db *store.DB) { v0, _ = db.MatrixVersion(ctx) })
	if _, err := matrix(t, "import", "-db", m.b, flipped); !errors.Is(err, bundle.ErrSignature) {
		t.Errorf("flipped byte: %v", err)
	}
	withDB(t, m.b, func(db *store.DB) {
		if v, _ := db.MatrixVersion(ctx); v != v0 {
			t.Errorf("a refused bundle changed the version %d -> %d", v0, v)
		}
	})

	// The newer one goes in; then the older one is refused.
	if _, err := matrix(t, "import", "-db", m.b, m.bundleFile); err != nil {
		t.Fatal(err)
	}
	if _, err := matrix(t, "import", "-db", m.b, older); !errors.Is(err, bundle.ErrNotNewer) {
		t.Errorf("older bundle: %v", err)
	}
	withDB(t, m.b, func(db *store.DB) {
		if v, _ := db.MatrixVersion(ctx); v != newerVersion {
			t.Errorf("version %d, want the newer bundle's %d", v, newerVersion)
		}
	})

	// C has another badge key: a bundle carrying badge hashes is refused.
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(m.dir, "other-config"))
	cPath := filepath.Join(m.dir, "c2", "till.db")
	withDB(t, cPath, func(db *store.DB) {
		if err := db.CheckKey(ctx); err != nil {
			t.Fatal(err)
		}
	})
	if _, err := matrix(t, "trust", "-db", cPath, m.pub); err != nil {
		t.Fatal(err)
	}
	if _, err := matrix(t, "import", "-db", cPath, m.bundleFile); !errors.Is(err, bundle.ErrKeyMismatch) {
		t.Errorf("other badge key: %v", err)
	}

	// A bundle signed by an untrusted key.
	if _, err := matrix(t, "keygen", filepath.Join(m.dir, "rogue")); err != nil {
		t.Fatal(err)
	}
	rogue := filepath.Join(m.dir, "rogue.bundle")
	if _, err := matrix(t, "export", "-db", m.a, "-key", filepath.Join(m.dir, "rogue.key"), rogue); err != nil {
		t.Fatal(err)
	}
	if _, err := matrix(t, "import", "-db", m.b, rogue); !errors.Is(err, bundle.ErrUntrusted) {
		t.Errorf("rogue publisher: %v", err)
	}
}

func readVersion(t *testing.T, path, pubFile string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := bundle.ReadTrusted(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	v, err := bundle.Open(data, keys)
	if err != nil {
		t.Fatal(err)
	}
	return v.Contents.Version
}

func TestMatrixUsage(t *testing.T) {
	m := newMatrixTills(t)
	for _, args := range [][]string{
		nil,
		{"publish"},
		{"export", "-db", m.a, m.bundleFile}, // no -key
		{"import", "-db", m.b},               // no file
		{"import", "-db", m.b, "one", "two"}, // two files
		{"export", "-bogus", "-key", "k", "x.bin"}, // unknown flag
	} {
		if _, err := matrix(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	if _, err := matrix(t, "export", "-db", m.a, "-key", filepath.Join(m.dir, "missing.key"), m.bundleFile); err == nil || errors.Is(err, errUsage) {
		t.Errorf("missing key file: %v", err)
	}
	if _, err := os.Stat(m.bundleFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed export left a file: %v", err)
	}
	if _, err := matrix(t, "import", "-db", m.b, filepath.Join(m.dir, "missing.bundle")); err == nil || !strings.Contains(err.Error(), "read bundle") {
		t.Errorf("missing bundle: %v", err)
	}
	if out, err := matrix(t, "help"); err != nil || !strings.Contains(out, "matrix export") {
		t.Errorf("help: %q %v", out, err)
	}
}
