package store

import (
	"context"
	"fmt"
	"time"

	"github.com/tillpos/till/policy"
)

// RefreshPolicy loads the matrix into h when the stored version is newer
// than h's snapshot, and reports whether it swapped. The version check is
// one row read, so calling this every second costs next to nothing; the
// full load happens only after a change.
func (d *DB) RefreshPolicy(ctx context.Context, h *policy.Holder) (bool, error) {
	v, err := d.MatrixVersion(ctx)
	if err != nil {
		return false, err
	}
	if cur := h.Load(); cur != nil && cur.Version() >= v {
		return false, nil
	}
	m, err := d.LoadMatrix(ctx)
	if err != nil {
		return false, err
	}
	s, err := policy.NewSnapshot(m)
	if err != nil {
		// A matrix the policy refuses stays out; the till keeps deciding on
		// the last good snapshot (or denies everything if there is none).
		return false, fmt.Errorf("matrix version %d: %w", m.Version, err)
	}
	return h.Swap(s), nil
}

// WatchPolicy calls RefreshPolicy every interval until ctx ends. Errors go
// to onErr (may be nil) and do not stop the watch: a busy database now is
// no reason to stop picking up permission changes later.
func (d *DB) WatchPolicy(ctx context.Context, h *policy.Holder, interval time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := d.RefreshPolicy(ctx, h); err != nil && onErr != nil && ctx.Err() == nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
