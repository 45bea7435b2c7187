package shtrih

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/link"
	"github.com/tillpos/till/device/shtrih/proto"
)

var _ device.Settler = (*Register)(nil)

// Settle waits for the register after an unknown outcome (fiscal sheet §6
// steps 1–3) and returns its state: it asks 10h again and again — each
// exchange starts with ENQ, which collects a reply the register still holds
// — through silence, garbled replies and NAKs, waits while the head prints,
// sends B0h after a paper change, then reads FF01h (last FD, open FN
// document) and 11h (document counter). It reports each stage to the
// progress callback of ctx and gives up after patience (0 = Config.Patience)
// or when ctx ends (device.ErrWaitCancelled). Paper out does not stop it:
// fiscal memory can be read without paper; the state says PaperOut.
func (r *Register) Settle(ctx context.Context, patience time.Duration) (device.RegisterState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.settle(ctx, patience)
}

func (r *Register) settle(ctx context.Context, patience time.Duration) (device.RegisterState, error) {
	if patience <= 0 {
		patience = r.cfg.Patience
	}
	report := device.ProgressOf(ctx)
	start := time.Now()
	stage := device.StageWaitState
	var lastErr error
	for {
		elapsed := time.Since(start)
		report(device.Progress{Stage: stage, Percent: percentOf(elapsed, patience), Elapsed: elapsed, Patience: patience})
		st, err := r.readState(ctx)
		switch {
		case err == nil && (st.Submode == 4 || st.Submode == 5):
			stage, lastErr = device.StageWaitPrinting, fmt.Errorf("printing: %w", device.ErrBusy)
		case err == nil && st.Submode == 3:
			// Paper is back after running out mid-document: B0h prints
			// the interrupted document again.
			if _, err := r.exec(ctx, Simple(proto.CmdContinuePrint, r.cfg.Password), nil); err != nil {
				lastErr = fmt.Errorf("continue printing: %w", err)
				stage = stageOf(err)
			} else {
				continue
			}
		case err == nil:
			report(device.Progress{Stage: device.StageWaitState, Percent: 100, Elapsed: time.Since(start), Patience: patience})
			return st, nil
		default:
			lastErr, stage = err, stageOf(err)
		}
		if ctx.Err() != nil {
			return st, fmt.Errorf("waiting for the register: %w: %w (%v)", device.ErrWaitCancelled, ctx.Err(), lastErr)
		}
		if time.Since(start) >= patience {
			return st, fmt.Errorf("the register did not settle in %v: %w", patience, lastErr)
		}
		if err := sleepCtx(ctx, min(r.cfg.SettleEvery, patience-time.Since(start))); err != nil {
			return st, fmt.Errorf("waiting for the register: %w: %w (%v)", device.ErrWaitCancelled, err, lastErr)
		}
	}
}

// readState is one look at the register: 10h, FF01h, 11h.
func (r *Register) readState(ctx context.Context) (device.RegisterState, error) {
	s, err := r.shortStatus(ctx)
	if err != nil {
		return device.RegisterState{}, err
	}
	st := device.RegisterState{Status: statusOf(s, r.serial)}
	if s.Submode == 4 || s.Submode == 5 {
		return st, nil
	}
	fs, err := r.fnStatus(ctx)
	if err != nil {
		return st, err
	}
	st.Serial = r.serial
	st.LastFD, st.OpenDoc = fs.LastFD, fs.CurrentDoc
	if d, err := r.do(ctx, Simple(proto.CmdFullStatus, r.cfg.Password), nil); err == nil {
		if f, err := DecodeFullStatus(d); err == nil {
			st.DocNo = f.DocNumber
		}
	}
	return st, nil
}

// stageOf names what the line is doing for the waiting dialog.
func stageOf(err error) string {
	switch {
	case errors.Is(err, link.ErrGarbled):
		return device.StageWaitGarbled
	case errors.Is(err, link.ErrRejected):
		return device.StageWaitRejected
	case errors.Is(err, device.ErrBusy):
		return device.StageWaitPrinting
	case errors.Is(err, device.ErrPaperOut):
		return device.StageWaitPaper
	}
	return device.StageWaitLink
}

// percentOf is time spent against patience, never 100 before the end.
func percentOf(elapsed, patience time.Duration) int {
	if patience <= 0 {
		return 0
	}
	return min(99, int(100*elapsed/patience))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
