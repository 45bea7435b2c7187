package shtrih_test

import (
	"context"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
)

// The alternative link level end to end: negotiated, a whole receipt, and
// a lost reply that is simply asked for again — answered from the
// register's memory, so the receipt is there once and the outcome is known.
func TestPacketsReceipt(t *testing.T) {
	e, r := newPair(t, quick(true))
	ctx := context.Background()
	if !r.NegotiatePackets(ctx) {
		t.Fatal("the emulator's numbered packets were not detected")
	}
	rc := receipt(device.Sale, 3)
	res, err := r.Fiscalise(ctx, rc)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(receiptsOf(e, total(rc))); n != 1 || res.Number != 1 {
		t.Fatalf("%d receipts, FD %d", n, res.Number)
	}
	// The close runs, its reply is lost for 400 ms: the same packet goes
	// again and the stored reply comes back; nothing runs twice.
	e.Inject(emu.Fault{Kind: emu.Disconnect, After: proto.CmdCloseV2, Duration: 400 * time.Millisecond})
	rc2 := receipt(device.Sale, 4)
	res, err = r.Fiscalise(ctx, rc2)
	if err != nil {
		t.Fatalf("lost reply on packets: %v", err)
	}
	if n := len(receiptsOf(e, total(rc2))); n != 1 || res.Number != 2 {
		t.Fatalf("%d receipts of the second, FD %d", n, res.Number)
	}
	if mode, _, _, _ := e.State(); mode != 2 {
		t.Errorf("mode %02X", mode)
	}
}

// A device on the standard level only (it ignores 8F) keeps the till on it.
func TestPacketsNotOffered(t *testing.T) {
	cfg := quick(true)
	cfg.StandardOnly = true
	_, r := newPair(t, cfg)
	if r.NegotiatePackets(context.Background()) {
		t.Fatal("packets chosen though the device did not answer them")
	}
	if _, err := r.Status(context.Background()); err != nil {
		t.Fatalf("standard level after the probe: %v", err)
	}
}
