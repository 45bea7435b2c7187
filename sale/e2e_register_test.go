package sale_test

// The faults issue 13 lists, each reproduced with the emulator's fault
// injection and taken through the real driver, the real checkout and the
// real store, the way a cashier meets them: the first checkout, the message
// the window shows for its error, the way out the message names, then the
// final state — exactly one receipt in fiscal memory for the paid bill, the
// journal holding it, no receipt left open on the register.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
	"github.com/tillpos/till/sale"
)

func TestRegisterFaultsEndToEnd(t *testing.T) {
	type way int
	const (
		none      way = iota // the first checkout settled it
		payAgain             // the bill is open again: the cashier presses Pay
		retry                // the cashier fixes the cause and presses Retry
		reconcile            // the cashier presses Reconcile
	)
	tests := []struct {
		name   string
		faults []emu.Fault
		// cancelAfter: the cashier presses Cancel in the waiting dialog.
		cancelAfter time.Duration
		want        error          // errors.Is on the first checkout's error; nil = success
		key         string         // the window's message for it (desk.MessageOf)
		state       sale.BillState // after the first checkout
		fix         func(e *emu.Emulator)
		way         way
		paperOut    bool // the register is left out of paper with the receipt fiscalised
		check       func(t *testing.T, r *rig)
	}{
		{
			name:   "NAK storm on close (25 NAKs)",
			faults: []emu.Fault{{Kind: emu.NAK, Count: 25, On: proto.CmdCloseV2}},
			state:  sale.StateFiscalised,
		},
		{
			name:   "garbled replies after close (30 bad LRC), fiscalised",
			faults: []emu.Fault{{Kind: emu.CorruptReply, Count: 30, On: proto.CmdCloseV2}},
			state:  sale.StateFiscalised,
		},
		{
			name:   "garbled replies before the receipt",
			faults: []emu.Fault{{Kind: emu.CorruptReply, Count: 1000}},
			want:   device.ErrNoLink, key: "register.garbled", state: sale.StateOpen, way: payAgain,
		},
		{
			name:   "paper out on close, not executed; cancel refused too",
			faults: []emu.Fault{{Kind: emu.PaperOut, On: proto.CmdCloseV2}},
			want:   device.ErrPaperOut, key: "register.paper_load", state: sale.StateFiscalising,
			fix: func(e *emu.Emulator) { e.Clear(emu.PaperOut) }, way: retry, paperOut: true,
		},
		{
			name:   "paper out after the fiscal write",
			faults: []emu.Fault{{Kind: emu.PaperAfter, On: proto.CmdCloseV2}},
			state:  sale.StateFiscalised, paperOut: true,
		},
		{
			name:   "close not ACKed: silent 700 ms before the ACK",
			faults: []emu.Fault{{Kind: emu.Silence, On: proto.CmdCloseV2, Duration: 700 * time.Millisecond}},
			want:   device.ErrNotDone, key: "register.not_done", state: sale.StateOpen, way: payAgain,
		},
		{
			name:   "close ACKed, then silent 700 ms",
			faults: []emu.Fault{{Kind: emu.Disconnect, After: proto.CmdCloseV2, Duration: 700 * time.Millisecond}},
			state:  sale.StateFiscalised,
		},
		{
			name:   "silent after the close for longer than the till's patience",
			faults: []emu.Fault{{Kind: emu.Disconnect, After: proto.CmdCloseV2}},
			want:   device.ErrOutcomeUnknown, key: "desk.register.unknown", state: sale.StateFiscalising,
			fix: func(e *emu.Emulator) { e.Clear(emu.Disconnect) }, way: reconcile,
		},
		{
			name:        "the cashier stops waiting",
			faults:      []emu.Fault{{Kind: emu.Disconnect, After: proto.CmdCloseV2}},
			cancelAfter: 400 * time.Millisecond,
			want:        device.ErrWaitCancelled, key: "register.wait_cancelled", state: sale.StateFiscalising,
			fix: func(e *emu.Emulator) { e.Clear(emu.Disconnect) }, way: reconcile,
		},
		{
			name:   "firmware without FF0Ch (tag 1021)",
			faults: []emu.Fault{{Kind: emu.Missing, On: proto.CmdFNWriteTLV}},
			state:  sale.StateFiscalised,
			check: func(t *testing.T, r *rig) {
				// The cashier went by table 2 instead.
				docs := r.e.Documents()
				if got := docs[len(docs)-1].Cashier; got == "" || !strings.HasPrefix(r.cashier.ReceiptName, got) {
					t.Errorf("receipt cashier %q, want %q", got, r.cashier.ReceiptName)
				}
			},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			id, due := r.bill(t, int64(30000+i))
			for _, f := range tt.faults {
				r.e.Inject(f)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stages []string
			ctx = device.WithProgress(ctx, func(p device.Progress) { stages = append(stages, p.Stage) })
			if tt.cancelAfter > 0 {
				time.AfterFunc(tt.cancelAfter, cancel)
			}
			b, err := r.co.Checkout(ctx, id, r.who())
			if tt.want == nil && err != nil {
				t.Fatalf("first checkout: %v", err)
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("first checkout: %v, want %v", err, tt.want)
			}
			if err != nil {
				if m := desk.MessageOf(err); m.Key != tt.key {
					t.Errorf("message %q (%s), want %q; error: %v", m.Key, m.English(), tt.key, err)
				}
				if m := desk.MessageOf(err); m.Key == "desk.register.no_link" && !errors.Is(err, device.ErrNoLink) {
					t.Errorf("\"does not answer\" for %v", err)
				}
			}
			if b.State != tt.state {
				t.Fatalf("after first checkout: %s, want %s", b.State, tt.state)
			}
			if st, err := r.reg.Status(context.Background()); (err == nil || tt.paperOut) && st.PaperOut != tt.paperOut {
				t.Errorf("register paper out = %v (%v), want %v", st.PaperOut, err, tt.paperOut)
			}
			t.Logf("first checkout: %s; message %q; stages %v", b.State, desk.MessageOf(err).English(), compact(stages))

			if tt.fix != nil {
				tt.fix(r.e)
			} else {
				r.e.Clear()
			}
			bg := context.Background()
			switch tt.way {
			case payAgain:
				if _, err := r.co.Checkout(bg, id, r.who()); err != nil {
					t.Fatalf("pay again: %v", err)
				}
			case retry:
				if _, err := r.co.Retry(bg, id, r.who()); err != nil {
					t.Fatalf("retry: %v", err)
				}
			case reconcile:
				out, err := r.co.Reconcile(bg, id)
				if err != nil {
					t.Fatalf("reconcile: %v", err)
				}
				if out == sale.OutcomeNotPrinted {
					if _, err := r.co.Checkout(bg, id, r.who()); err != nil {
						t.Fatalf("pay again: %v", err)
					}
				}
			}
			if tt.paperOut {
				// Paper loaded: the next thing the till asks of the register
				// continues printing (B0h), so the customer gets the receipt.
				if _, err := r.reg.Settle(bg, time.Second); err != nil {
					t.Fatal(err)
				}
				if _, sub, _, _ := r.e.State(); sub != 0 {
					t.Errorf("submode %d after paper was loaded, want 0 (printed)", sub)
				}
			}
			r.assertOnce(t, id, due)
			if tt.check != nil {
				tt.check(t, r)
			}
			id2, due2 := r.bill(t, int64(40000+i))
			if _, err := r.co.Checkout(bg, id2, r.who()); err != nil {
				t.Fatalf("next bill: %v", err)
			}
			r.assertOnce(t, id2, due2)
		})
	}
}

// compact drops repeated stages, for the log.
func compact(s []string) []string {
	var out []string
	for _, v := range s {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}
