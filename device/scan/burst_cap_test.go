package scan

import (
	"runtime"
	"testing"
	"time"
)

// heapAfterGC is the live heap once the garbage is collected.
func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A device posing as a keyboard sends 10^7 keys in one fast burst with no
// terminator (issue 15 measured 1.17 GB for it): the detector reports it
// once as too long, drops the rest, accounts for every key, and holds no
// more than MaxLen keys at any time.
func TestBurstOfTenMillionKeysIsCapped(t *testing.T) {
	const n = 10_000_000
	d := NewDetector(BurstConfig{})
	at := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	var out []BurstOutput
	var keys, tooLong, typed int
	count := func() {
		for _, o := range out {
			keys += o.Keys
			switch o.Kind {
			case TooLong:
				tooLong++
				if o.Text != "" {
					t.Fatalf("too-long output carries what arrived (%d bytes)", len(o.Text))
				}
			case Typed, Scanned, Incomplete:
				typed++
			}
		}
	}
	base := heapAfterGC()
	var peak uint64
	for i := range n {
		at = at.Add(2 * time.Millisecond)
		out = d.Feed(out[:0], at, rune('0'+i%10))
		count()
		if i == n/2 {
			peak = heapAfterGC()
			if len(d.buf) > DefaultMaxLen {
				t.Fatalf("detector holds %d keys", len(d.buf))
			}
		}
	}
	out = d.Flush(out[:0], at.Add(time.Second))
	count()
	// One more burst after a pause is read normally.
	for _, r := range "4600000000008" {
		at = at.Add(2 * time.Second)
		out = d.Feed(out[:0], at, r)
		count()
	}
	out = d.Flush(out[:0], at.Add(time.Minute))
	count()
	if tooLong != 1 || typed != 13 || keys != n+13 {
		t.Fatalf("too long %d, other outputs %d, keys %d; want 1, 13 typed, %d", tooLong, typed, keys, n+13)
	}
	if peak > base && peak-base > 4<<20 {
		t.Fatalf("live heap grew %d MiB in the burst", (peak-base)>>20)
	}
}

func TestBurstCapReleasesSlowTypingAndEndsOnTerminator(t *testing.T) {
	d := NewDetector(BurstConfig{MaxLen: 100})
	at := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	var out []BurstOutput
	// A held key's auto-repeat, 40 ms apart (slower than a scanner): typing.
	for range 100 {
		at = at.Add(40 * time.Millisecond)
		out = d.Feed(out, at, 'a')
	}
	if len(out) != 100 || out[0].Kind != Typed || len(d.buf) != 0 {
		t.Fatalf("slow run at the cap: %d outputs (%v), %d held", len(out), out[0].Kind, len(d.buf))
	}
	// A fast burst past the cap, then its terminator, then a real scan.
	out = out[:0]
	for range 150 {
		at = at.Add(3 * time.Millisecond)
		out = d.Feed(out, at, '1')
	}
	at = at.Add(3 * time.Millisecond)
	out = d.Feed(out, at, Enter)
	for _, r := range "4600000000008\r" {
		at = at.Add(3 * time.Millisecond)
		out = d.Feed(out, at, r)
	}
	var kinds []BurstKind
	keys := 0
	for _, o := range out {
		keys += o.Keys
		if o.Kind != Dropped {
			kinds = append(kinds, o.Kind)
		}
	}
	if len(kinds) != 2 || kinds[0] != TooLong || kinds[1] != Scanned || out[len(out)-1].Text != "4600000000008" || keys != 151+14 {
		t.Fatalf("outputs %v, keys %d", kinds, keys)
	}
}
