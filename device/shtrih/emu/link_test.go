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
	cfg := fastCfg(newClock())
	cfg.AckTimeout = 100 * time.Millisecond
	e := New(cfg)
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
	if d := time.Since(start); d < min || d > 2*time.Second { // upper bound only catches a runaway; the machine is shared
		t.Errorf("status exchange at 2400 baud took %v, want about %v", d, min)
	}
}

// Printing runs on after the reply, at PrintSpeed lines a second: an X
// report (30 lines) keeps the register in submode 4 and refuses print
// commands with 50h; receipt commands fit the print buffer and go on.
func TestPrintTime(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.PrintSpeed = 100
	cfg.StartShiftOpen = true
	e := New(cfg)
	h := newHost(t, e)
	start := time.Now()
	h.ok(pwdBody(proto.CmdXReport, 30))
	if d := h.ok(statusReq); d[4] != 4 {
		t.Fatalf("submode %d while the report prints, want 4", d[4])
	}
	line := append(pwdBody(proto.CmdPrintLine, 30), 2, 'x')
	if c := h.code(line); c != errPrinting {
		t.Fatalf("17h during the report: %02X, want 50", c)
	}
	for {
		d := h.ok(statusReq)
		if d[4] == 0 {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("still printing after %v", time.Since(start))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("30 lines printed in %v, want ≥ 300ms", d)
	}
	h.ok(line)
}

// Receipt commands fit the print buffer: no 50h, submode 5 meanwhile.
func TestPrintBuffer(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.PrintSpeed = 5 // slow enough that the test cannot outrun it
	cfg.StartShiftOpen = true
	e := New(cfg)
	h := newHost(t, e)
	h.ok(append(pwdBody(proto.CmdOpenReceipt, 30), 0))
	h.ok(saleLine(100))
	h.ok(saleLine(200))
	if d := h.ok(statusReq); d[4] != 5 {
		t.Fatalf("submode %d while the receipt prints, want 5", d[4])
	}
	h.ok(closeCash(300))
	// 16 lines queued still fit the 20-line buffer, so the X report is
	// taken; behind a report, print commands get 50h.
	if c := h.code(pwdBody(proto.CmdXReport, 30)); c != errOK {
		t.Fatalf("X report with 16 lines queued: %02X", c)
	}
	if c := h.code(append(pwdBody(proto.CmdPrintLine, 30), 2, 'x')); c != errPrinting {
		t.Fatalf("17h behind a report: %02X, want 50", c)
	}
}
