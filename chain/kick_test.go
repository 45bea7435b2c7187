package chain_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tillpos/till/chain"
)

// A committed sale goes out at once: the store tells the till's node after
// the commit (outbox.Notifier), so the centre has it in milliseconds even
// with a publisher that would poll only once an hour.
func TestCommitKicksThePublisher(t *testing.T) {
	r := newRig(t, 1)
	tl := r.tills[0]
	r.waitMarks(30 * time.Second)
	tl.node.Close()
	n, err := chain.StartTill(context.Background(), chain.TillConfig{
		ID: tl.id, Dir: filepath.Join(r.dir, tl.id.Till), Centre: "nats-leaf://" + r.leafAddr, Auth: r.auth,
		Poll: time.Hour,
	}, tl.db)
	if err != nil {
		t.Fatal(err)
	}
	tl.node = n
	// The first round (at start) has run once the centre answered it.
	deadline := time.Now().Add(30 * time.Second)
	for !n.Status().Online {
		if time.Now().After(deadline) {
			t.Fatalf("the till did not come online: %+v", n.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for i := 0; i < 3; i++ {
		// As checkout sells: nothing but the store's commits, no Kick.
		tl.node = nil
		start := time.Now()
		r.sell(tl)
		tl.node = n
		r.waitAll(10 * time.Second) // polls every 50 ms
		t.Logf("sale %d at the centre %v after its commit", i+1, time.Since(start).Round(time.Millisecond))
	}
}
