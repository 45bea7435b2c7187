package policy

import (
	"sync"
	"sync/atomic"
	"testing"
)

func snapshotVersion(t testing.TB, v int64, lineLimit int64) *Snapshot {
	m := fixtureMatrix()
	m.Version = v
	m.Groups[0].Limits[LimitDiscountLine] = lineLimit
	return mustSnapshot(t, m)
}

func TestHolderSwapOnlyNewer(t *testing.T) {
	h := NewHolder(nil)
	if v := h.Decide(Principal{User: anna}, ActionSell, Args{}); v.Reason != ReasonNoSnapshot {
		t.Errorf("empty holder decided %+v", v)
	}
	s5 := snapshotVersion(t, 5, 1000)
	if !h.Swap(s5) || h.Load() != s5 {
		t.Fatal("first snapshot not installed")
	}
	if h.Swap(snapshotVersion(t, 5, 2000)) {
		t.Error("same version swapped in")
	}
	if h.Swap(snapshotVersion(t, 4, 2000)) {
		t.Error("older version swapped in")
	}
	if h.Swap(nil) || h.Load() != s5 {
		t.Error("nil swapped in")
	}
	s6 := snapshotVersion(t, 6, 2000)
	if !h.Swap(s6) || h.Load() != s6 {
		t.Error("newer version not swapped in")
	}
}

// TestHolderRace decides from many goroutines while another swaps
// snapshots in; run with -race. Each snapshot version v gives the cashier a
// line limit of v bp, so a decision must be consistent with one whole
// snapshot: allowed exactly when the request is within that version.
func TestHolderRace(t *testing.T) {
	const versions = 200
	snaps := make([]*Snapshot, versions+1)
	for v := 1; v <= versions; v++ {
		snaps[v] = snapshotVersion(t, int64(v), int64(v))
	}
	h := NewHolder(snaps[1])
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := int64(0)
			for i := 0; !stop.Load(); i++ {
				s := h.Load()
				if s.Version() < last {
					errs <- "version went backwards"
					return
				}
				last = s.Version()
				req := int32((i + g) % (versions + 2))
				v := Decide(s, Principal{User: anna}, ActionDiscountLine, Args{Percent: req})
				if v.Allowed != (int64(req) <= s.Version()) {
					errs <- "decision inconsistent with its snapshot"
					return
				}
			}
		}()
	}
	for v := 2; v <= versions; v++ {
		h.Swap(snaps[v])
		h.Swap(snaps[v-1]) // a stale loader losing the race must not win
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if h.Load().Version() != versions {
		t.Errorf("final version %d, want %d", h.Load().Version(), versions)
	}
}
