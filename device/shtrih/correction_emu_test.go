package shtrih_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
)

func correction(kind device.ReceiptKind, cash, card int64) device.Correction {
	return device.Correction{
		Kind: kind, Cash: cash, Electronic: card, Cashier: cashier,
		Reason: "Касса не работала", DocNumber: "17/12", DocDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	}
}

// A correction receipt through the real driver: a type 31 document in
// fiscal memory that FF0Ah finds, with its basis tags, cashier and cash.
func TestCorrectionOverPipe(t *testing.T) {
	e, r := newPair(t, quick(true))
	ctx := context.Background()
	res, err := r.Correction(ctx, correction(device.Sale, 10000, 2550))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := r.FindDocument(ctx, res.Number)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Type != shtrih.DocCorrection || doc.Operation != device.Sale || doc.Amount != 12550 || doc.Sign != res.Sign || doc.Sign == 0 {
		t.Errorf("FF0Ah: %+v (result %+v)", doc, res)
	}
	docs := e.Documents()
	d := docs[len(docs)-1]
	if d.Cashier != cashier.Name || d.CashierINN != cashier.INN+"  " || d.ByOrder {
		t.Errorf("cashier %q INN %q by order %v", d.Cashier, d.CashierINN, d.ByOrder)
	}
	tags := map[uint16]string{}
	for _, tl := range d.Tags {
		tags[tl.Tag] = string(tl.Value)
	}
	if len(tags) != 3 || tags[1179] != "17/12" || tags[1178] != "\x00\x0e\x0e\x6b" || len(tags[1177]) != len([]rune("Касса не работала")) {
		t.Errorf("basis tags %v", tags)
	}
	if cash := e.CashInDrawer(); cash != 10000 {
		t.Errorf("cash in drawer %d, want 10000", cash)
	}
	// A refund corrected: money paid out, operation 3.
	res, err = r.Correction(ctx, correction(device.SaleReturn, 4000, 0))
	if err != nil {
		t.Fatal(err)
	}
	if doc, err := r.FindDocument(ctx, res.Number); err != nil || doc.Operation != device.SaleReturn || doc.Amount != 4000 {
		t.Errorf("refund correction: %+v %v", doc, err)
	}
	if _, open, err := r.LastDocument(ctx); err != nil || open != 0 {
		t.Errorf("FN document left open: %02X %v", open, err)
	}
}

func TestCorrectionRefusals(t *testing.T) {
	e, r := newPair(t, quick(false))
	ctx := context.Background()
	if _, err := r.Correction(ctx, correction(device.Sale, 100, 0)); !errors.Is(err, device.ErrShiftClosed) {
		t.Errorf("shift closed: %v", err)
	}
	bad := correction(device.Sale, 100, 0)
	bad.Reason = ""
	var re *shtrih.ReceiptError
	if _, err := r.Correction(ctx, bad); !errors.As(err, &re) {
		t.Errorf("no reason: %v", err)
	}
	if _, err := r.OpenShift(ctx, cashier); err != nil {
		t.Fatal(err)
	}
	// Paper runs out as the correction arrives: not made, and the FN
	// document the driver opened is cancelled, so the next one works.
	e.Inject(emu.Fault{Kind: emu.PaperOut, On: proto.CmdFNCorrV2})
	if _, err := r.Correction(ctx, correction(device.Sale, 100, 0)); !errors.Is(err, device.ErrPaperOut) {
		t.Errorf("paper out: %v", err)
	}
	if _, open, err := r.LastDocument(ctx); err != nil || open != 0 {
		t.Errorf("FN document left open: %02X %v", open, err)
	}
	e.Clear()
	if _, err := r.Correction(ctx, correction(device.Sale, 100, 0)); err != nil {
		t.Errorf("after paper: %v", err)
	}
	// Paper runs out while the correction prints, after the FN wrote it:
	// it is made (one document), and the printing is pending.
	e.Inject(emu.Fault{Kind: emu.PaperAfter, On: proto.CmdFNCorrV2})
	res, err := r.Correction(ctx, correction(device.Sale, 300, 0))
	if err != nil {
		t.Fatalf("paper out after the FN write: %v", err)
	}
	if !r.PrintPending() {
		t.Error("printing not pending")
	}
	n := 0
	for _, d := range e.Documents() {
		if d.Type == shtrih.DocCorrection && d.Amount == 300 {
			n++
			if d.Number != res.Number {
				t.Errorf("FD %d, result %d", d.Number, res.Number)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d corrections of 3.00, want 1", n)
	}
}

// The reply to FF4Ah is lost: the driver waits for the register and
// fiscal storage proves the correction was made — one document, no resend.
func TestCorrectionLostReply(t *testing.T) {
	e, r := newPair(t, quick(true))
	ctx := context.Background()
	e.Inject(emu.Fault{Kind: emu.Disconnect, After: proto.CmdFNCorrV2, Duration: 300 * time.Millisecond})
	res, err := r.Correction(ctx, correction(device.Sale, 5000, 0))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range e.Documents() {
		if d.Type == shtrih.DocCorrection {
			n++
			if d.Number != res.Number {
				t.Errorf("FD %d, result %d", d.Number, res.Number)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d correction documents, want 1", n)
	}
}
