package emu

import (
	"context"
	"runtime"
	"time"
)

// spinWindow is the tail of a precise wait that yields the processor in a
// loop instead of sleeping. Go's timers fire up to about a millisecond late
// on Linux (the runtime's poller sleeps in whole milliseconds:
// time.Sleep(87µs) takes 1.1 ms), which is twelve byte times at 115200
// baud; a real serial port waits in select(2) and has no such floor. A
// timer set spinWindow early always fires before the deadline, so at most
// this much of a wait is spent spinning.
const spinWindow = 2 * time.Millisecond

// waitUntil waits precisely until t. It returns early, with nil, when wake
// is closed (something changed: the caller looks again), and with the
// context's error when ctx is done. Only the last spinWindow is spun; use it
// only for a deadline where something is expected to happen (a byte
// arriving, a reply becoming ready), never for a timeout that usually
// passes unnoticed.
func waitUntil(ctx context.Context, t time.Time, wake <-chan struct{}) error {
	if d := time.Until(t) - spinWindow; d > 0 {
		timer := time.NewTimer(d)
		select {
		case <-timer.C:
		case <-wake:
			timer.Stop()
			return nil
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
	}
	for time.Now().Before(t) {
		select {
		case <-wake:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		runtime.Gosched()
	}
	return nil
}

// blockUntil waits for wake, ctx or the deadline t (zero t: no deadline)
// without spinning: a timeout may end a millisecond late, which costs
// nothing because nothing was expected before it.
func blockUntil(ctx context.Context, t time.Time, wake <-chan struct{}) error {
	var expire <-chan time.Time
	if !t.IsZero() {
		d := time.Until(t)
		if d <= 0 {
			return nil
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		expire = timer.C
	}
	select {
	case <-wake:
	case <-expire:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// sleepCtx waits precisely for d (the emulator's own bytes on a pty, its
// processing time) or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	return waitUntil(ctx, time.Now().Add(d), nil)
}
