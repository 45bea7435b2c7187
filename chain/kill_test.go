package chain_test

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/tillpos/till/chain"
)

// A till process killed with SIGKILL at random moments while it sells and
// publishes (so at any point: in a commit, between a commit and its ack,
// between an ack and its mark), started again each time; at the end the
// centre has every receipt the till's database has, once.
func TestTillSigkilledWhileSelling(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a till process several times (make soak)")
	}
	r := newRig(t, 0)
	id := chain.TillID{Store: "s1", Till: "k1"}
	ctx := context.Background()
	if err := r.cdb.AddTill(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := r.centre.AddTill(ctx, id); err != nil {
		t.Fatal(err)
	}
	r.tillKey(id) // the child finds its key made, and the centre knows it
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	child := func(sell bool) *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledTillChild$", "-test.v")
		cmd.Env = append(os.Environ(), "CHAIN_CHILD_DIR="+r.dir, "CHAIN_CHILD_LEAF="+r.leafAddr, "CHAIN_CHILD_SELL="+strconv.FormatBool(sell))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	for i := 0; i < 4; i++ {
		cmd := child(true)
		time.Sleep(time.Duration(1500+rng.IntN(2500)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(r.dir, id.Till, "till.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var docs, last int
	if err := raw.QueryRow(`SELECT (SELECT COUNT(*) FROM fiscal_docs), (SELECT COALESCE(MAX(seq), 0) FROM outbox)`).Scan(&docs, &last); err != nil {
		t.Fatal(err)
	}
	if docs == 0 {
		t.Fatal("the killed till sold nothing")
	}
	cmd := child(false) // publishes what is left
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		h, _ := r.cdb.HWM(ctx, id)
		if h == int64(last) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the centre has up to %d of %d events", h, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
	got, err := r.cdb.Receipts(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("4 kills: %d receipts in the till's database, %d at the centre, %d events", docs, got, last)
	if got != docs {
		t.Fatalf("the till has %d receipts, the centre %d", docs, got)
	}
}

// TestKilledTillChild is the till process of TestTillSigkilledWhileSelling.
func TestKilledTillChild(t *testing.T) {
	dir := os.Getenv("CHAIN_CHILD_DIR")
	if dir == "" {
		t.Skip("run by TestTillSigkilledWhileSelling")
	}
	r := &rig{t: t, dir: dir, leafAddr: os.Getenv("CHAIN_CHILD_LEAF")}
	tl := &till{id: chain.TillID{Store: "s1", Till: "k1"}}
	var n int
	if raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, tl.id.Till, "till.db")+"?mode=ro"); err == nil {
		_ = raw.QueryRow(`SELECT COALESCE(MAX(number), 0) FROM fiscal_docs`).Scan(&n)
		raw.Close()
	}
	tl.nextFD = uint32(n)
	r.openTill(tl)
	r.startTill(tl)
	if os.Getenv("CHAIN_CHILD_SELL") != "true" {
		select {} // publish until killed
	}
	for {
		r.sell(tl)
	}
}
