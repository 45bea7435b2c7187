package events

import (
	"runtime"
	"testing"
	"time"

	"github.com/tillpos/till/device"
)

// 10^7 keys in one fast burst through the window's wedge: one "too long"
// read error, nothing typed, and the live heap stays flat.
func TestWedgeBurstOfTenMillionKeys(t *testing.T) {
	const n = 10_000_000
	w := NewWedge(WedgeConfig{LinuxScanCodes: true})
	at := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	runtime.GC()
	var before, mid runtime.MemStats
	runtime.ReadMemStats(&before)
	var typed int
	var errs []device.ReadError
	take := func(res Result) {
		typed += len(res.Typed)
		for _, ev := range res.Events {
			e, ok := ev.(device.ReadError)
			if !ok {
				t.Fatalf("event %T", ev)
			}
			errs = append(errs, e)
		}
	}
	for i := range n {
		at = at.Add(2 * time.Millisecond)
		res, ok := w.Key(KeyPress{At: at, Name: "1", ScanCode: 10})
		if !ok {
			t.Fatal("key not handled")
		}
		take(res)
		if i == n/2 {
			runtime.GC()
			runtime.ReadMemStats(&mid)
			if len(w.pending) > 8192 {
				t.Fatalf("wedge holds %d keys", len(w.pending))
			}
		}
	}
	// Allocation per dropped key: none (the heap stays flat, the GC idle).
	if a := testing.AllocsPerRun(1000, func() {
		at = at.Add(time.Millisecond)
		w.Key(KeyPress{At: at, Name: "1", ScanCode: 10})
	}); a > 0.1 {
		t.Errorf("%.2f allocations per key of a dropped burst", a)
	}
	take(w.Flush(at.Add(time.Second)))
	if typed != 0 || len(errs) != 1 || errs[0].Key != "input.scan.too_long" {
		t.Fatalf("typed %d, errors %+v", typed, errs)
	}
	if mid.HeapAlloc > before.HeapAlloc && mid.HeapAlloc-before.HeapAlloc > 4<<20 {
		t.Fatalf("live heap grew %d MiB", (mid.HeapAlloc-before.HeapAlloc)>>20)
	}
}
