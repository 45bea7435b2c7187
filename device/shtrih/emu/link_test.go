package emu

import (
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

var statusReq = []byte{0x10, 0x1E, 0, 0, 0}

func frameOf(t *testing.T, body []byte) []byte {
	t.Helper()
	f, err := proto.AppendFrame(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestLinkIdleENQAndNoUnaskedSpeech(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	h.silent(50 * time.Millisecond)
	for range 3 {
		h.write(proto.ENQ)
		h.ctl(proto.NAK)
	}
	h.write(0xFF, 0x00, 0x42) // noise and TCP 0xFF are ignored
	h.silent(50 * time.Millisecond)
	h.ok(statusReq)
	h.silent(150 * time.Millisecond) // after the ACK: nothing more
}

func TestLinkBadFramesAreNAKedNotExecuted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		bytes func(t *testing.T) []byte
	}{
		{"bad LRC", func(t *testing.T) []byte {
			f := frameOf(t, pwdBody(proto.CmdOpenShift, 30))
			f[len(f)-1] ^= 0x55
			return f
		}},
		{"stalls mid-frame", func(t *testing.T) []byte {
			f := frameOf(t, pwdBody(proto.CmdOpenShift, 30))
			return f[:4]
		}},
		{"LEN 0", func(*testing.T) []byte { return []byte{proto.STX, 0x00} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := New(fastCfg(newClock()))
			h := newHost(t, e)
			h.write(tc.bytes(t)...)
			h.ctl(proto.NAK)
			if m, _, _, fd := e.State(); m != 4 || fd != 0 {
				t.Fatalf("garbled frame executed: mode %d FD %d", m, fd)
			}
			h.ok(statusReq) // the line recovers
		})
	}
}

func TestLinkReplyNAKedIsResentOnlyAfterENQ(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	h.send(pwdBody(proto.CmdOpenShift, 30))
	first := h.readFrame(time.Second)
	h.write(proto.NAK)
	h.silent(150 * time.Millisecond) // waits for ENQ, never resends by itself
	h.write(proto.ENQ)
	h.ctl(proto.ACK)
	again := h.readFrame(time.Second)
	if string(first) != string(again) {
		t.Fatalf("resent % X, first % X", again, first)
	}
	h.write(proto.ACK)
	h.write(proto.ENQ)
	h.ctl(proto.NAK) // delivered: nothing held any more
	if _, _, shift, fd := e.State(); shift != 1 || fd != 1 {
		t.Fatalf("shift %d FD %d: E0h must run exactly once", shift, fd)
	}
}

func TestLinkUnacknowledgedReplyIsHeld(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	h.send(pwdBody(proto.CmdOpenShift, 30))
	first := h.readFrame(time.Second)
	time.Sleep(200 * time.Millisecond) // host never ACKs (it crashed)
	h.write(proto.ENQ)
	h.ctl(proto.ACK)
	if again := h.readFrame(time.Second); string(again) != string(first) {
		t.Fatalf("held reply % X, want % X", again, first)
	}
	h.write(proto.ACK)
	// Collected: nothing is held any more.
	h.write(proto.ENQ)
	h.ctl(proto.NAK)
}

func TestLinkBusyAnswersENQWithACK(t *testing.T) {
	e := New(fastCfg(newClock()))
	e.Inject(Fault{Kind: SlowZ, Duration: 400 * time.Millisecond})
	h := newHost(t, e)
	openShift(e, h)
	start := time.Now()
	h.send(pwdBody(proto.CmdZReport, 30))
	time.Sleep(100 * time.Millisecond)
	h.write(proto.ENQ)
	h.ctl(proto.ACK) // still executing
	f := h.readFrame(2 * time.Second)
	h.write(proto.ACK)
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("slow Z answered after %v, want ≥ 400ms", d)
	}
	if b, err := proto.DecodeFrame(f); err != nil || b[1] != 0 {
		t.Fatalf("Z reply % X: %v", f, err)
	}
	// A frame sent while busy is refused with NAK, not queued.
	openShift(e, h)
	e.Inject(Fault{Kind: SlowZ, Duration: 300 * time.Millisecond})
	h.send(pwdBody(proto.CmdZReport, 30))
	h.write(frameOf(t, statusReq)...)
	h.ctl(proto.NAK)
	h.readFrame(2 * time.Second)
	h.write(proto.ACK)
}

// Wire time: every byte costs 10 bits at the configured baud, both ways.
func TestWireTime(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.Baud = 2400 // 4.17 ms a byte
	e := New(cfg)
	h := newHost(t, e)
	start := time.Now()
	h.ok(statusReq) // ENQ, NAK, 8-byte frame, ACK, 19-byte reply, ACK
	bytes := 1 + 1 + 8 + 1 + 19
	min := time.Duration(bytes) * cfg.byteTime()
	if d := time.Since(start); d < min || d > 4*min {
		t.Errorf("status exchange at 2400 baud took %v, want about %v", d, min)
	}
}

// Printing time: an X report is 30 lines at PrintSpeed lines a second.
func TestPrintTime(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.PrintSpeed = 100
	e := New(cfg)
	h := newHost(t, e)
	start := time.Now()
	h.ok(pwdBody(proto.CmdXReport, 30))
	if d := time.Since(start); d < 300*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("X report took %v, want about 300ms", d)
	}
}
