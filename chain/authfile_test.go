package chain_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tillpos/till/chain"
)

func TestAuthFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "leaf.auth")
	a, created, err := chain.EnsureAuthFile(path)
	if err != nil || !created || a.User == "" || len(a.Password) < 32 {
		t.Fatalf("first run: %+v %v %v", a, created, err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", st.Mode(), err)
	}
	b, created, err := chain.EnsureAuthFile(path)
	if err != nil || created || b != a {
		t.Fatalf("second run: %+v %v %v", b, created, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := chain.ReadAuthFile(path); err == nil {
		t.Fatal("read a leaf auth file other users can read")
	}
	bad := filepath.Join(t.TempDir(), "bad")
	if err := os.WriteFile(bad, []byte("user x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := chain.ReadAuthFile(bad); err == nil {
		t.Fatal("read a leaf auth file without a password")
	}
}
