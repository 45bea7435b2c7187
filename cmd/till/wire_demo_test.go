package main

import (
	"os"
	"regexp"
	"testing"

	"github.com/tillpos/till/store"
)

// scripts/look.sh signs in as the demo cashier with a password it cannot
// ask the binary for; keep it in step with the store's demo table.
func TestLookScriptUsesDemoCashier(t *testing.T) {
	script, err := os.ReadFile("../../scripts/look.sh")
	if err != nil {
		t.Fatal(err)
	}
	login := regexp.MustCompile(`LOOK_LOGIN=\$\{LOOK_LOGIN:-([^}]*)\}`).FindSubmatch(script)
	password := regexp.MustCompile(`LOOK_PASSWORD=\$\{LOOK_PASSWORD:-([^}]*)\}`).FindSubmatch(script)
	if login == nil || password == nil {
		t.Fatal("look.sh no longer sets LOOK_LOGIN / LOOK_PASSWORD defaults")
	}
	for _, u := range store.DemoUsers {
		if u.Login == string(login[1]) {
			if u.Password != string(password[1]) || u.MustChange {
				t.Errorf("look.sh signs in as %s/%s; the demo table has %s/%s (must change: %v)",
					login[1], password[1], u.Login, u.Password, u.MustChange)
			}
			return
		}
	}
	t.Errorf("look.sh signs in as %q, who is not a demo user", login[1])
}

// The demo panel lists every demo user as the store seeds them.
func TestDemoLogins(t *testing.T) {
	got := demoLogins()
	if len(got) != len(store.DemoUsers) {
		t.Fatalf("%d demo logins, the store has %d", len(got), len(store.DemoUsers))
	}
	for i, d := range store.DemoUsers {
		g := got[i]
		if g.Login != d.Login || g.Password != d.Password || g.Group != d.Group || g.Badge != d.BadgePrint || g.MustChange != d.MustChange {
			t.Errorf("row %d = %+v, store has %+v", i, g, d)
		}
	}
}
