package emu

import (
	"bytes"
	"context"
	"testing"

	"github.com/tillpos/till/device/shtrih/proto"
	"go.bug.st/serial"
)

// The pty is opened exactly as the till opens a real port, closed and opened
// again: the emulator must survive the client going away.
func TestPTYRoundTrip(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.Baud = 115200
	cfg.StartShiftOpen = true
	e := New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path, err := e.ServePTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, "02 10 10 00 1E 92 02 02 00 00 9F E5 18 01 00 92 08 00 75")
	for round := range 2 {
		port, err := serial.Open(path, &serial.Mode{BaudRate: 115200})
		if err != nil {
			t.Fatalf("round %d: open %s: %v", round, path, err)
		}
		h := &host{t: t, p: port}
		got := h.do(unhex(t, "10 1E 00 00 00"))
		if !bytes.Equal(got, want) {
			t.Errorf("round %d: 10h reply % X, want % X", round, got, want)
		}
		if err := port.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Err(); err != nil {
		t.Fatalf("serve: %v", err)
	}
}

var _ proto.Port = serial.Port(nil)
