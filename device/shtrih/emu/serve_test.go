package emu

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// connPort gives a net.Conn serial read-timeout semantics.
type connPort struct {
	net.Conn
	timeout time.Duration
}

func (p *connPort) Read(b []byte) (int, error) {
	if p.timeout >= 0 {
		p.SetReadDeadline(time.Now().Add(p.timeout))
	}
	n, err := p.Conn.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}
func (p *connPort) SetReadTimeout(d time.Duration) error { p.timeout = d; return nil }
func (p *connPort) ResetInputBuffer() error              { return nil }

// Serve works on any byte stream, and ends with the context.
func TestServeOnStream(t *testing.T) {
	hostEnd, devEnd := net.Pipe()
	e := New(fastCfg(newClock()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Serve(ctx, devEnd) }()
	h := &host{t: t, p: &connPort{Conn: hostEnd, timeout: -1}}
	h.ok(pwdBody(proto.CmdOpenShift, 30))
	if d := h.ok(statusReq); d[3] != 2 {
		t.Fatalf("mode %d after E0h over a stream", d[3])
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Serve ended with %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve did not end with its context")
	}
	devEnd.Close()
	hostEnd.Close()
}

// One port at a time: a second Pipe waits for the line, and closing it
// while it waits does not hang.
func TestSecondPipeWaitsForTheLine(t *testing.T) {
	e := New(fastCfg(newClock()))
	first := e.Pipe()
	h1 := &host{t: t, p: first}
	h1.ok(statusReq)
	second := e.Pipe()
	h2 := &host{t: t, p: second}
	h2.write(proto.ENQ)
	h2.silent(100 * time.Millisecond)
	closed := make(chan struct{})
	go func() { second.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("closing a waiting pipe hung")
	}
	third := e.Pipe()
	defer third.Close()
	first.Close()
	(&host{t: t, p: third}).ok(statusReq)
}
