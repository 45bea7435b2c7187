package chain

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The leaf auth file holds the user and password the tills sign in with at
// the centre's leaf port, as two lines:
//
//	user tills
//	password 3f9c...
//
// The centre makes it (0600) on its first run; an operator copies it to
// each till (chain.auth_file, docs/chain.md). A password is never given on
// a command line, where ps and the shell's history would show it. Joining
// with per-till NKeys replaces it (not done yet).

// ReadAuthFile reads a leaf auth file, refusing one other users can read.
func ReadAuthFile(path string) (Auth, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Auth{}, fmt.Errorf("leaf auth file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return Auth{}, fmt.Errorf("leaf auth file %s can be read by other users (mode %04o): run chmod 600 %s", path, st.Mode().Perm(), path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Auth{}, fmt.Errorf("leaf auth file: %w", err)
	}
	defer f.Close()
	var a Auth
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		switch k {
		case "user":
			a.User = strings.TrimSpace(v)
		case "password":
			a.Password = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return Auth{}, fmt.Errorf("leaf auth file %s: %w", path, err)
	}
	if a.User == "" || a.Password == "" {
		return Auth{}, fmt.Errorf("leaf auth file %s: want the lines \"user NAME\" and \"password SECRET\"", path)
	}
	return a, nil
}

// EnsureAuthFile reads the leaf auth file at path, or makes one with a new
// random password if there is none. created says which.
func EnsureAuthFile(path string) (a Auth, created bool, err error) {
	a, err = ReadAuthFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return a, false, err
	}
	var p [24]byte
	if _, err := rand.Read(p[:]); err != nil {
		return Auth{}, false, err
	}
	a = Auth{User: "tills", Password: hex.EncodeToString(p[:])}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Auth{}, false, fmt.Errorf("leaf auth file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Auth{}, false, fmt.Errorf("leaf auth file: %w", err)
	}
	_, werr := fmt.Fprintf(f, "user %s\npassword %s\n", a.User, a.Password)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return Auth{}, false, fmt.Errorf("leaf auth file %s: %w", path, err)
	}
	return a, true, nil
}
