package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/store"
)

// A till whose database already keys its badges, PINs and audit with
// another key than the chain's is refused by `till join`, which says why
// and leaves the till as it was.
func TestJoinRefusesAnotherBadgeKey(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	cdir := filepath.Join(dir, "centre")
	_, done, _, listen := centreCmd(t, ctx, cdir)
	tok := joinToken(t, ctx, cdir, "s1", "t1")

	tdb := filepath.Join(dir, "till1", "till.db")
	key := filepath.Join(dir, "till1", "till.key")
	db, err := store.Open(ctx, tdb, store.Options{KeyPath: key}) // a till set up on its own
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CheckKey(ctx); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(key)

	var o bytes.Buffer
	err = runJoin(ctx, strings.NewReader(tok+"\n"), &o, []string{"-db", tdb, "-key", key, "-", "nats://" + listen})
	if err == nil || !strings.Contains(err.Error(), "another key") || !strings.Contains(err.Error(), "till centre revoke s1 t1") {
		t.Fatalf("join over another badge key: %v", err)
	}
	t.Logf("till says: %v", err)
	if after, _ := os.ReadFile(key); !bytes.Equal(after, before) {
		t.Error("the till's key file changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "till1", "till-chain", "till.nk")); err == nil {
		t.Error("a refused join left a till key in place")
	}
	if _, err := os.Stat(filepath.Join(dir, "till1", "trusted-publishers")); err == nil {
		t.Error("a refused join trusted the centre's key")
	}
	db, err = store.Open(ctx, tdb, store.Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if c, _ := db.SettingString(ctx, settingChainCentre, ""); c != "" {
		t.Errorf("a refused join put the till in the chain: %q", c)
	}
	cancel()
	<-done
}

// Refused tokens (used, unknown, expired) are said by `till join` and
// listed by `till centre audit`; `till centre revoke` shows in status.
func TestJoinRefusedTokensAndRevoke(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	cdir := filepath.Join(dir, "centre")
	_, done, _, listen := centreCmd(t, ctx, cdir)
	join := func(name, tok string) error {
		var o bytes.Buffer
		return runJoin(ctx, strings.NewReader(tok+"\n"), &o, []string{
			"-db", filepath.Join(dir, name, "till.db"), "-key", filepath.Join(dir, name, "till.key"), "-", "nats://" + listen,
		})
	}
	tok := joinToken(t, ctx, cdir, "s1", "t1")
	if err := join("a", tok); err != nil {
		t.Fatal(err)
	}
	short := joinToken(t, ctx, cdir, "s1", "t2", "-ttl", "1s")
	unknown := tok[:len("tilljoin1:s1:t1:")] + strings.Repeat("a", 32) + tok[strings.LastIndex(tok, ":"):]
	time.Sleep(1100 * time.Millisecond)
	for _, c := range []struct{ name, tok, want string }{
		{"used", tok, "already used"},
		{"unknown", unknown, "unknown join token"},
		{"expired", short, "expired"},
	} {
		err := join("b-"+c.name, c.tok)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "not in the chain") {
			t.Errorf("%s token: %v, want %q", c.name, err, c.want)
		}
	}
	var o bytes.Buffer
	if err := runCentre(ctx, &o, []string{"audit", "-dir", cdir}); err != nil {
		t.Fatal(err)
	}
	if strings.Count(o.String(), "join.refused") != 3 {
		t.Errorf("centre audit:\n%s", o.String())
	}
	t.Logf("centre audit:\n%s", o.String())
	o.Reset()
	if err := runCentre(ctx, &o, []string{"revoke", "-dir", cdir, "s1", "t1"}); err != nil || !strings.Contains(o.String(), "revoked") {
		t.Fatalf("revoke: %v\n%s", err, o.String())
	}
	o.Reset()
	if err := runCentre(ctx, &o, []string{"status", "-dir", cdir}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.String(), "revoked") || !strings.Contains(o.String(), "refused: 3 join(s)") {
		t.Errorf("status:\n%s", o.String())
	}
	t.Logf("status:\n%s", o.String())
	cancel()
	<-done
}
