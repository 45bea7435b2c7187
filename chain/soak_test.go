package chain_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The soak: three tills sell 1,000 receipts each while the centre is
// stopped and started at random moments; at the end the centre must hold
// every receipt of every till exactly once. It prints the table (till,
// sold, at centre, lost, duplicated). `go test -short` skips it (make test
// does); `make soak` runs it.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: 3 tills x 1,000 sales (make soak)")
	}
	const perTill = 1000
	r := newRig(t, 3)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	t.Logf("seed %d", seed)

	// The centre's faults run beside the sales: up or down for 0.2-2 s
	// at random, until the sales are done.
	var mu sync.Mutex // r.centre
	stop := make(chan struct{})
	faults := make(chan int)
	go func() {
		n := 0
		defer func() { faults <- n }()
		for {
			d := time.Duration(200+rng.IntN(1800)) * time.Millisecond
			select {
			case <-stop:
				return
			case <-time.After(d):
			}
			mu.Lock()
			if r.centre != nil {
				r.stopCentre()
				n++
			} else {
				r.startCentre()
			}
			mu.Unlock()
		}
	}()
	start := time.Now()
	for i := 0; i < perTill; i++ {
		for _, tl := range r.tills {
			r.sell(tl)
		}
	}
	close(stop)
	stops := <-faults
	sold := time.Since(start)
	mu.Lock()
	if r.centre == nil {
		r.startCentre()
	}
	mu.Unlock()
	took := r.waitMarks(5 * time.Minute)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(r.dir, "centre", "centre.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	ctx := context.Background()
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %6s %10s %5s %11s\n", "till", "sold", "at centre", "lost", "duplicated")
	bad := false
	for _, tl := range r.tills {
		var held, distinct int
		if err := raw.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT json_extract(body, '$.fd'))
			FROM events WHERE store=? AND till=? AND kind='receipt'`, tl.id.Store, tl.id.Till).Scan(&held, &distinct); err != nil {
			t.Fatal(err)
		}
		lost, dup := tl.sold-distinct, held-distinct
		bad = bad || lost != 0 || dup != 0
		fmt.Fprintf(&b, "%-6s %6d %10d %5d %11d\n", tl.id.Till, tl.sold, held, lost, dup)
	}
	t.Logf("sold in %v with the centre stopped %d times; caught up %v after the last sale\n%s", sold.Round(time.Millisecond), stops, took.Round(time.Millisecond), b.String())
	if bad {
		t.Fatal("receipts lost or duplicated")
	}
}

// How long a till takes to bring 1,000 events to the centre after the
// line comes back (reported in docs/chain.md).
func TestCatchUpThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("catch-up of 1,000 events (make soak)")
	}
	r := newRig(t, 1)
	tl := r.tills[0]
	r.sell(tl)
	r.waitAll(30 * time.Second)
	r.stopCentre()
	before, _ := tl.db.OutboxMarks(context.Background())
	for i := 0; i < 1000; i++ {
		r.sell(tl)
	}
	after, _ := tl.db.OutboxMarks(context.Background())
	r.startCentre()
	took := r.waitAll(2 * time.Minute)
	t.Logf("%d events caught up in %v after the centre came back", after.Last-before.Last, took.Round(time.Millisecond))
}
