package emu

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
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

// arrival is one scripted byte and when it crossed the wire.
type arrival struct {
	b  byte
	at time.Time
}

// stalledSource is a wire of scripted bytes. Once stalled it hands the
// device bytes only when the test pushes them, whatever deadline it asks
// for: the emulator paused by a loaded machine while the bytes arrived on
// time.
type stalledSource struct {
	ch      chan arrival
	stalled atomic.Bool
}

func (s *stalledSource) recv(ctx context.Context, until time.Time, _ bool) (byte, time.Time, bool, error) {
	select {
	case a := <-s.ch: // what has arrived comes first, as on a wire
		return a.b, a.at, true, nil
	default:
	}
	var timeout <-chan time.Time
	if !s.stalled.Load() {
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case a := <-s.ch:
		return a.b, a.at, true, nil
	case <-timeout:
		return 0, time.Time{}, false, nil
	case <-ctx.Done():
		return 0, time.Time{}, false, ctx.Err()
	}
}

// chanWriter passes on what the device writes; the first frame stalls src
// before the device can wait for the ACK.
type chanWriter struct {
	ch      chan []byte
	src     *stalledSource
	frameAt atomic.Int64 // when the frame was written, UnixNano
}

func (w *chanWriter) Write(b []byte) (int, error) {
	if b[0] == proto.STX {
		w.frameAt.Store(time.Now().UnixNano())
		w.src.stalled.Store(true)
	}
	w.ch <- append([]byte(nil), b...)
	return len(b), nil
}

// Whether a reply was ACKed in time is judged by when the ACK arrived, not
// by when the emulator got round to reading it.
func TestAckJudgedByArrival(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ackLate bool
		want    byte // the answer to the next ENQ
	}{
		{"ACK in time, read late", false, proto.NAK},
		{"ACK after the timeout", true, proto.ACK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fastCfg(newClock())
			cfg.AckTimeout = 200 * time.Millisecond
			cfg.CommandTime = -1
			e := New(cfg)
			src := &stalledSource{ch: make(chan arrival, 64)}
			out := &chanWriter{ch: make(chan []byte, 64), src: src}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			push := func(at time.Time, bs ...byte) {
				for _, b := range bs {
					src.ch <- arrival{b, at}
				}
			}
			push(time.Now(), frameOf(t, statusReq)...) // there before the emulator looks
			go func() { _ = e.serve(ctx, src, out, false) }()
			next := func() []byte {
				select {
				case b := <-out.ch:
					return b
				case <-time.After(5 * time.Second):
					t.Fatal("device did not answer")
					return nil
				}
			}
			if b := next(); b[0] != proto.ACK {
				t.Fatalf("frame answered % X", b)
			}
			reply := next()
			// The device's ACK deadline counts from the end of the frame
			// on the wire, at the latest when it was written.
			sent := time.Unix(0, out.frameAt.Load())
			if reply[0] != proto.STX {
				t.Fatalf("reply % X", reply)
			}
			time.Sleep(3 * cfg.AckTimeout) // the emulator sits in recv all along
			at := sent.Add(time.Millisecond)
			if tc.ackLate {
				at = sent.Add(2 * cfg.AckTimeout)
			}
			push(at, proto.ACK)
			push(time.Now(), proto.ENQ)
			if b := next(); b[0] != tc.want {
				t.Errorf("ENQ after the ACK answered %02X, want %02X", b[0], tc.want)
			}
		})
	}
}

// The device answers on the wire's clock: a frame that arrived a second ago
// (the emulator paused meanwhile) is ACKed one byte time after its last
// byte, and its reply starts CommandTime after that byte, however late the
// emulator got to it — the register is hardware, not a process on the
// till's machine.
func TestAnswerTimedFromArrival(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.Baud = 115200
	cfg.CommandTime = 20 * time.Millisecond
	e := New(cfg)
	bt := cfg.byteTime()
	src := &stalledSource{ch: make(chan arrival, 64)}
	out := newWire(bt)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The whole frame is there before the emulator looks: it arrived a
	// second ago.
	t0 := time.Now().Add(-time.Second)
	for _, b := range frameOf(t, statusReq) {
		src.ch <- arrival{b, t0}
	}
	go func() { _ = e.serve(ctx, src, wireWriter{out}, false) }()
	var got []byte
	var at []time.Time
	for len(got) < 1+19 {
		b, a := make([]byte, 64), make([]time.Time, 64)
		n, err := out.read(ctx, b, a, time.Now().Add(5*time.Second), false)
		if err != nil || n == 0 {
			t.Fatalf("read after % X: %d, %v", got, n, err)
		}
		got, at = append(got, b[:n]...), append(at, a[:n]...)
	}
	if got[0] != proto.ACK || got[1] != proto.STX {
		t.Fatalf("answer % X", got)
	}
	if want := t0.Add(bt); !at[0].Equal(want) {
		t.Errorf("ACK arrives %v after the frame, want %v", at[0].Sub(t0), bt)
	}
	if want := t0.Add(cfg.CommandTime + bt); !at[1].Equal(want) {
		t.Errorf("reply starts %v after the frame, want %v", at[1].Sub(t0), cfg.CommandTime+bt)
	}
	if d := at[len(at)-1].Sub(at[1]); d != 18*bt {
		t.Errorf("reply took %v on the wire, want %v", d, 18*bt)
	}
}
