package emu

import (
	"math/bits"

	"github.com/tillpos/till/device/shtrih/proto"
)

// Correction receipts (FFD 1.05): FF35h opens the FN document (FF01h shows
// 14h), FF0Ch takes its basis tags, FF4Ah (or FF36h, FFD 1.0) makes it a
// fiscal document of type 31 that FF0Ah finds like a receipt.

func (e *Emulator) cmdBeginCorrection(r *req, c *call) ([]byte, byte) {
	switch {
	case e.mem.Receipt != nil:
		return nil, errReceiptOpen
	case !e.mem.ShiftOpen:
		return nil, errShiftClosed
	case e.over24hLocked():
		return nil, errFNShift24h
	case e.mem.FNDoc != fnNone:
		return nil, errFNState
	}
	e.mem.clearDocTags()
	e.mem.FNDoc = fnCorrection
	c.dirty = true
	return nil, errOK
}

// cmdCorrectionV2 is FF4Ah: correction type (1173), operation (1 income,
// 3 expense), total, cash, electronic, prepayment, postpayment,
// counter-provision, six tax sums, tax system.
func (e *Emulator) cmdCorrectionV2(r *req, c *call) ([]byte, byte) {
	typ := byte(r.u(1))
	op := byte(r.u(1))
	total := int64(r.u(5))
	pays := make([]int64, 5)
	for i := range pays {
		pays[i] = int64(r.u(5))
	}
	taxes := make([]int64, 6)
	for i := range taxes {
		taxes[i] = int64(r.u(5))
	}
	taxSystem := byte(r.u(1))
	if r.bad || typ > 1 || bits.OnesCount8(taxSystem) != 1 || taxSystem > 0x20 {
		return nil, errBadParams
	}
	var paid int64
	for _, p := range pays {
		paid += p
	}
	switch {
	case total == 0:
		return nil, errZeroTotal
	case paid < total:
		return nil, errPayments
	case paid > total:
		return nil, errBadParams
	}
	return e.correctionLocked(c, Document{
		Operation: op, Amount: total, ByOrder: typ == 1, Payments: pays, Taxes: taxes, TaxSystem: taxSystem,
	})
}

// cmdCorrectionV1 is FF36h: total and operation, paid in cash.
func (e *Emulator) cmdCorrectionV1(r *req, c *call) ([]byte, byte) {
	total := int64(r.u(5))
	op := byte(r.u(1))
	if r.bad {
		return nil, errBadParams
	}
	if total == 0 {
		return nil, errZeroTotal
	}
	return e.correctionLocked(c, Document{
		Operation: op, Amount: total, Payments: []int64{total, 0, 0, 0, 0}, Taxes: make([]int64, 6), TaxSystem: 1,
	})
}

func (e *Emulator) correctionLocked(c *call, d Document) ([]byte, byte) {
	switch {
	case d.Operation != OpSale && d.Operation != OpPurchase:
		return nil, errBadParams // FFD 1.05: only income (1) and expense (3)
	case e.mem.FNDoc != fnCorrection:
		return nil, errFNState
	case !e.mem.ShiftOpen:
		return nil, errShiftClosed
	case e.over24hLocked():
		return nil, errFNShift24h
	}
	cash := d.Payments[0]
	if d.Operation == OpPurchase {
		if cash > e.mem.Cash {
			return nil, errNoCash
		}
		cash = -cash
	}
	e.mem.Cash += cash
	e.mem.ShiftReceipts++
	d.Type, d.Shift = DocCorrection, e.mem.Shift
	d = e.addDoc(c, d)
	e.print(c, 10)
	out := proto.PutUint(nil, uint64(e.mem.ShiftReceipts), 2)
	out = proto.PutUint(out, uint64(d.Number), 4)
	return proto.PutUint(out, uint64(d.Sign), 4), errOK
}
