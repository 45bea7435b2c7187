package policy

import "sync/atomic"

// Holder keeps the snapshot every Decide reads. The store loads a new
// matrix and swaps it in; deciders never lock, they Load the pointer once
// per decision and read an immutable Snapshot.
type Holder struct {
	p atomic.Pointer[Snapshot]
}

// NewHolder returns a Holder with s (which may be nil: Decide then denies
// everything with ReasonNoSnapshot until the first Swap).
func NewHolder(s *Snapshot) *Holder {
	h := &Holder{}
	h.p.Store(s)
	return h
}

// Load returns the current snapshot, possibly nil.
func (h *Holder) Load() *Snapshot { return h.p.Load() }

// Swap installs next if its version is newer than the current one and
// reports whether it did. Only newer wins so that two loaders racing (a
// poll and a bundle import) can never put an older matrix back; a store
// that restarts numbering (data reset) restarts the till.
func (h *Holder) Swap(next *Snapshot) bool {
	if next == nil {
		return false
	}
	for {
		cur := h.p.Load()
		if cur != nil && next.version <= cur.version {
			return false
		}
		if h.p.CompareAndSwap(cur, next) {
			return true
		}
	}
}

// Decide is Decide over the current snapshot.
func (h *Holder) Decide(p Principal, a Action, args Args) Verdict {
	return Decide(h.Load(), p, a, args)
}
