package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/store"
)

// `till centre -nats` refuses what it cannot use before it dials, saying
// which file and why, and refuses the embedded server's flags with it.
func TestCentreOnClusterRefusesBadFlags(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open.creds")
	if err := os.WriteFile(open, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "centre.creds")
	url := "nats://127.0.0.1:1"
	for _, tc := range []struct {
		args  []string
		want  string
		usage bool
	}{
		{[]string{"-nats", url, "-nats-creds", missing}, "NATS credentials file: stat " + missing + ": no such file", false},
		{[]string{"-nats", url, "-nats-creds", open}, "can be read by other users (mode 0644): run chmod 600 " + open, false},
		{[]string{"-nats", url, "-nats-nkey", missing}, "NKey seed file: stat " + missing, false},
		{[]string{"-nats", url, "-nats-auth", missing}, missing, false},
		{[]string{"-nats", url}, "-nats wants the centre's sign-in", true},
		{[]string{"-nats", url, "-nats-auth", missing, "-nats-replicas", "7"}, "7 replicas: NATS keeps a stream on 1 to 5 servers", false},
		{[]string{"-nats-creds", open}, "-nats-creds is for an existing cluster", true},
		{[]string{"-nats", url, "-nats-creds", open, "-leaf", "0.0.0.0:7422"}, "-leaf is the centre's own server's", true},
	} {
		err := runCentre(context.Background(), io.Discard, append([]string{"-dir", filepath.Join(dir, "c")}, tc.args...))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("till centre %v: %v, want it to say %q", tc.args, err, tc.want)
			continue
		}
		if errors.Is(err, errUsage) != tc.usage {
			t.Errorf("till centre %v: usage error %v, want %v", tc.args, errors.Is(err, errUsage), tc.usage)
		}
	}
}

// `till centre -nats URL -nats-auth FILE` runs on a cluster the test
// starts, and says where the tills dial.
func TestCentreCommandOnCluster(t *testing.T) {
	addr := freePort(t)
	o := &server.Options{}
	conf := fmt.Sprintf(`listen: %q
jetstream { store_dir: %q, domain: centre }
accounts { POS { users = [ {user: centre, password: s3cret} ], jetstream: enabled } }
`, addr, filepath.Join(t.TempDir(), "js"))
	if err := o.ProcessConfigString(conf); err != nil {
		t.Fatal(err)
	}
	o.NoSigs, o.NoLog = true, true
	srv, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		t.Fatal("cluster did not start")
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	auth := filepath.Join(t.TempDir(), "centre.auth")
	if err := os.WriteFile(auth, []byte("user centre\npassword s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cdir := filepath.Join(t.TempDir(), "centre")
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		done <- runCentre(ctx, out, []string{"-dir", cdir, "-nats", "nats://" + addr, "-nats-auth", auth, "-till", "s1.t1"})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("centre stopped: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("centre did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{"on the NATS cluster at nats://" + addr, "nats-leaf://CLUSTER-HOST:LEAF-PORT"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output has no %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(cdir, "leaf.auth")); err == nil {
		t.Error("the centre made a leaf password on a cluster whose tills' sign-ins are its operator's")
	}
	if _, err := os.Stat(filepath.Join(cdir, "jetstream")); err == nil {
		t.Error("the centre kept JetStream files of its own on a cluster")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !srv.Running() {
		t.Error("the centre stopped the cluster's server")
	}
}

// `till chain key` gives a till meant for a cluster its own NKey once: the
// seed stays beside the database (0600), a second run prints the same
// public key, and the till's settings point at the seed.
func TestChainKeyForACluster(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tdb := filepath.Join(dir, "till.db")
	made, err := store.Open(ctx, tdb, store.Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	made.Close()
	args := []string{"key", "-db", tdb, "-key", filepath.Join(dir, "till.key")}
	var first, second bytes.Buffer
	if err := runChain(ctx, &first, args); err != nil {
		t.Fatal(err)
	}
	if err := runChain(ctx, &second, args); err != nil {
		t.Fatal(err)
	}
	pub := regexp.MustCompile(`\bU[A-Z2-7]{55}\b`).FindString(first.String())
	if pub == "" || !strings.Contains(second.String(), pub) {
		t.Fatalf("public key not printed, or not the same twice:\n%s\n%s", first.String(), second.String())
	}
	seed := filepath.Join(dir, "till-chain", chain.TillKeyFile)
	st, err := os.Stat(seed)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("seed file: %v %v", st, err)
	}
	if _, got, err := chain.ReadTillKey(seed); err != nil || got != pub {
		t.Fatalf("seed file's key %q (%v), printed %q", got, err, pub)
	}
	if b, _ := os.ReadFile(seed); strings.Contains(first.String()+second.String(), strings.TrimSpace(string(b))) {
		t.Fatal("the seed was printed")
	}
	db, err := store.Open(ctx, tdb, store.Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if k, _ := db.SettingString(ctx, settingChainKeyFile, ""); k != seed {
		t.Fatalf("chain.nkey_file = %q, want %q", k, seed)
	}
}
