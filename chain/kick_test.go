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
	ctx := context.Background()
	r := newRig(t, 1)
	tl := r.tills[0]
	r.waitMarks(30 * time.Second)
	tl.node.Close()
	n, err := chain.StartTill(ctx, chain.TillConfig{
		ID: tl.id, Dir: filepath.Join(r.dir, tl.id.Till), Centre: "nats-leaf://" + r.leafAddr, Seed: r.tillKey(tl.id),
		Poll: time.Hour,
	}, tl.db)
	if err != nil {
		t.Fatal(err)
	}
	tl.node = n
	// As checkout sells: nothing but the store's commits, no Kick. The
	// first sale also waits for the new node's leaf connection and the
	// centre's sourcing to resume; its first round ran at its start.
	sell := func() {
		tl.node = nil
		r.sell(tl)
		tl.node = n
	}
	sell()
	r.waitAll(60 * time.Second)
	for i := 0; i < 3; i++ {
		start := time.Now()
		sell()
		m, err := tl.db.OutboxMarks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for {
			if h, _ := r.cdb.HWM(ctx, tl.id); h >= m.Last {
				break
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("sale %d not at the centre 10 s after its commit (the publisher polls once an hour)", i+1)
			}
			time.Sleep(time.Millisecond)
		}
		t.Logf("sale %d at the centre %v after it began (its own commits included)", i+1, time.Since(start).Round(100*time.Microsecond))
	}
	r.waitAll(10 * time.Second)
}
