package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var tillBinary struct {
	once sync.Once
	path string
	err  error
}

// builtTill builds this command once per test run: the tests below look
// at what the real binary prints, with every package's init in it.
func builtTill(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool to build the binary")
	}
	tillBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "till-bin")
		if err != nil {
			tillBinary.err = err
			return
		}
		tillBinary.path = filepath.Join(dir, "till")
		out, err := exec.Command(gobin, "build", "-o", tillBinary.path, ".").CombinedOutput()
		if err != nil {
			tillBinary.err = err
			t.Logf("%s", out)
		}
	})
	if tillBinary.err != nil {
		t.Fatalf("build till: %v", tillBinary.err)
	}
	return tillBinary.path
}

// TestOperatorCommandsQuietUnderCLocale: under a C locale the operator
// commands print only their own output — Fyne's lang package, initialised
// in every till process, once logged "Error parsing user locale C" three
// times before anything else.
func TestOperatorCommandsQuietUnderCLocale(t *testing.T) {
	bin := builtTill(t)
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, env := range []string{"LANG=C.UTF-8", "LANG=C", "LC_ALL=C.UTF-8", "LANG=POSIX", "LANG=it_IT.UTF-8"} {
		for _, args := range [][]string{{"help"}, {"matrix", "export", "-db", missing}, {"devices", "--bogus"}} {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(cleanLocaleEnv(), env)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			_ = cmd.Run() // some exit non-zero on purpose; only the output matters
			for _, bad := range []string{"Fyne", "locale", "Cause:", "At: "} {
				if strings.Contains(stderr.String(), bad) {
					t.Errorf("%s till %s: stderr has %q:\n%s", env, strings.Join(args, " "), bad, stderr.String())
				}
			}
			if first, _, _ := strings.Cut(stderr.String(), "\n"); !strings.HasPrefix(first, "usage:") && !strings.HasPrefix(first, "till:") {
				t.Errorf("%s till %s: stderr begins with %q, not the command's own output", env, strings.Join(args, " "), first)
			}
		}
	}
}

// cleanLocaleEnv is the test's environment without any locale variable.
func cleanLocaleEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LC_CTYPE":
			continue
		}
		out = append(out, kv)
	}
	return out
}
