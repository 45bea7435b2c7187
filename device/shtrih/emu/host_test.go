package emu

import (
	"bytes"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// A byte-level host for tests: it speaks to the emulator exactly as the
// wire sees it, independent of the real driver (device/shtrih/link), so a
// bug shared by both cannot hide.

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fastCfg runs at memory speed with a fixed clock.
func fastCfg(clock *fakeClock) Config {
	return Config{
		Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, Clock: clock.Now,
		// AckTimeout well above the pauses a loaded 2-core machine gives a
		// test (400 ms seen at load 12): a test host that ACKs late would
		// find its reply held and an ENQ answered with ACK instead of NAK.
		// Tests of the timeout itself set a short one.
		ByteTimeout: 50 * time.Millisecond, AckTimeout: 2 * time.Second,
	}
}

// fakeClock is the register's calendar under the test's control; the serve
// goroutine reads it while the test moves it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)}
}

func pwdBody(cmd proto.Command, pwd uint32) []byte {
	return proto.PutUint(cmd.Append(nil), uint64(pwd), 4)
}

type host struct {
	t *testing.T
	p proto.Port
}

func newHost(t *testing.T, e *Emulator) *host {
	t.Helper()
	p := e.Pipe()
	t.Cleanup(func() { p.Close() })
	return &host{t: t, p: p}
}

func (h *host) write(b ...byte) {
	h.t.Helper()
	if _, err := h.p.Write(b); err != nil {
		h.t.Fatalf("write: %v", err)
	}
}

// readN reads exactly n bytes or fails after wait.
func (h *host) readN(n int, wait time.Duration) []byte {
	h.t.Helper()
	out := make([]byte, 0, n)
	deadline := time.Now().Add(wait)
	buf := make([]byte, n)
	for len(out) < n {
		d := time.Until(deadline)
		if d <= 0 {
			h.t.Fatalf("read: got % X, want %d bytes", out, n)
		}
		h.p.SetReadTimeout(d)
		k, err := h.p.Read(buf[:n-len(out)])
		if err != nil {
			h.t.Fatalf("read: %v", err)
		}
		out = append(out, buf[:k]...)
	}
	return out
}

// silent asserts nothing arrives within wait.
func (h *host) silent(wait time.Duration) {
	h.t.Helper()
	h.p.SetReadTimeout(wait)
	b := make([]byte, 64)
	if n, _ := h.p.Read(b); n > 0 {
		h.t.Fatalf("device spoke unasked: % X", b[:n])
	}
}

func (h *host) ctl(want byte) {
	h.t.Helper()
	if got := h.readN(1, 2*time.Second)[0]; got != want {
		h.t.Fatalf("control byte %02X, want %02X", got, want)
	}
}

// readFrame reads one whole frame (STX LEN body LRC) and returns it raw.
func (h *host) readFrame(wait time.Duration) []byte {
	h.t.Helper()
	head := h.readN(2, wait)
	if head[0] != proto.STX {
		h.t.Fatalf("frame starts % X", head)
	}
	return append(head, h.readN(int(head[1])+1, time.Second)...)
}

// send performs ENQ/NAK, the frame and its ACK.
func (h *host) send(body []byte) {
	h.t.Helper()
	h.write(proto.ENQ)
	h.ctl(proto.NAK)
	f, err := proto.AppendFrame(nil, body)
	if err != nil {
		h.t.Fatal(err)
	}
	h.write(f...)
	h.ctl(proto.ACK)
}

// do is one full exchange; it returns the reply frame raw.
func (h *host) do(body []byte) []byte {
	h.t.Helper()
	h.send(body)
	f := h.readFrame(5 * time.Second)
	h.write(proto.ACK)
	return f
}

// ok runs a command that must succeed and returns the reply data after
// CMD echo and ERR.
func (h *host) ok(body []byte) []byte {
	h.t.Helper()
	f := h.do(body)
	rb, err := proto.DecodeFrame(f)
	if err != nil {
		h.t.Fatalf("reply % X: %v", f, err)
	}
	cmd, _, _ := proto.SplitCommand(body)
	n := cmd.Len()
	if !bytes.Equal(rb[:n], body[:n]) || rb[n] != 0 {
		h.t.Fatalf("% X -> reply % X (error %02X)", body, rb, rb[n])
	}
	return rb[n+1:]
}

// code runs a command and returns its ERR byte.
func (h *host) code(body []byte) byte {
	h.t.Helper()
	f := h.do(body)
	rb, err := proto.DecodeFrame(f)
	if err != nil {
		h.t.Fatalf("reply % X: %v", f, err)
	}
	cmd, _, _ := proto.SplitCommand(body)
	return rb[cmd.Len()]
}
