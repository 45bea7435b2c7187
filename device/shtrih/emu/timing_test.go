package emu

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// waitUntil never returns before its deadline, returns at once when woken,
// and ends with the context.
func TestWaitUntil(t *testing.T) {
	ctx := context.Background()
	for _, d := range []time.Duration{0, 50 * time.Microsecond, 900 * time.Microsecond, 3 * time.Millisecond} {
		at := time.Now().Add(d)
		if err := waitUntil(ctx, at, nil); err != nil {
			t.Fatal(err)
		}
		if early := time.Until(at); early > 0 {
			t.Errorf("wait of %v returned %v early", d, early)
		}
	}
	wake := make(chan struct{})
	close(wake)
	start := time.Now()
	if err := waitUntil(ctx, start.Add(time.Hour), wake); err != nil || time.Since(start) > time.Second {
		t.Errorf("woken wait: %v after %v", err, time.Since(start))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := waitUntil(cctx, time.Now().Add(time.Hour), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
	if err := blockUntil(cctx, time.Now().Add(time.Hour), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled block: %v", err)
	}
	start = time.Now()
	if err := blockUntil(ctx, start.Add(2*time.Millisecond), nil); err != nil || time.Since(start) < 2*time.Millisecond {
		t.Errorf("block: %v after %v", err, time.Since(start))
	}
}

// CommandTime delays every reply: a status exchange at memory-speed wire
// takes at least that long, and none of it when switched off.
func TestCommandTime(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.CommandTime = 60 * time.Millisecond
	h := newHost(t, New(cfg))
	start := time.Now()
	h.ok(statusReq)
	if d := time.Since(start); d < cfg.CommandTime {
		t.Errorf("status with CommandTime %v answered in %v", cfg.CommandTime, d)
	}
	if got := New(Config{}).cfg.CommandTime; got != defaultCommandTime {
		t.Errorf("default CommandTime %v, want %v", got, defaultCommandTime)
	}
}

// Serve on a stream that delivers at memory speed (a pty, a socket) still
// charges wire time for the bytes it receives, not only for those it sends:
// the ACK of a frame cannot come before the frame could have crossed the
// line.
func TestServeChargesReceivedBytes(t *testing.T) {
	hostEnd, devEnd := net.Pipe()
	defer hostEnd.Close()
	defer devEnd.Close()
	cfg := fastCfg(newClock())
	cfg.Baud = 2400 // 4.17 ms a byte
	cfg.CommandTime = -1
	e := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.Serve(ctx, devEnd) }()
	req := frameOf(t, statusReq)
	start := time.Now()
	if _, err := hostEnd.Write(req); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := hostEnd.Read(b[:]); err != nil || b[0] != proto.ACK {
		t.Fatalf("got %02X %v, want ACK", b[0], err)
	}
	// The frame's bytes, then the ACK's own byte.
	if want := time.Duration(len(req)+1) * cfg.byteTime(); time.Since(start) < want {
		t.Errorf("ACK after %v, want ≥ %v", time.Since(start), want)
	}
}
