// Package shtrihtest connects the Shtrih-M driver to an in-process
// emulator for the tests of the packages above it (the desk, the sale core,
// the window, the wiring), the way httptest serves net/http: the real
// driver, the real frames, short link timeouts so a fault costs
// milliseconds. It is imported by tests only.
package shtrihtest

import (
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/link"
)

// Link is the link configuration of tests: an answer missing for 150 ms
// is a lost one.
var Link = link.Config{CtlTimeout: 150 * time.Millisecond, ProbeEvery: 150 * time.Millisecond, ByteTimeout: 150 * time.Millisecond}

// Patience is how long tests wait for a register that does not answer or
// keeps refusing (the till waits minutes).
const Patience = 2 * time.Second

// Config is the driver's configuration of tests: Link, a busy printer
// polled every 20 ms for at most 2 s, Patience, a retry every 50 ms.
func Config() shtrih.Config {
	return shtrih.Config{
		Link: Link, PollEvery: 20 * time.Millisecond, BusyWait: 2 * time.Second,
		Patience: Patience, SettleEvery: 50 * time.Millisecond,
	}
}

// Register drives e through the real driver over the emulator's
// in-process line with Config, and closes it when the test ends.
func Register(t testing.TB, e *emu.Emulator) *shtrih.Register {
	r := shtrih.New(e.Pipe(), Config())
	t.Cleanup(func() { r.Close() })
	return r
}
