package shtrih

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/proto"
)

// DocCorrection is the FN document type of a correction receipt (FF0Ah).
const DocCorrection byte = 31

// Correction makes a correction receipt: FF35h opens the FN document, the
// cashier and the basis (tags 1177 reason, 1178 date, 1179 number) go in by
// FF0Ch, FF4Ah closes it with the payments. A definite refusal cancels the
// open FN document (FF08h). An unknown outcome waits for the register
// (Settle) and lets fiscal storage decide: the next FD is this correction →
// done; nothing new → the FN document is cancelled and the error says not
// done (the person runs it again; never a blind resend).
func (r *Register) Correction(ctx context.Context, c device.Correction) (device.FiscalResult, error) {
	op, err := checkCorrection(c)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("correction: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.ready(ctx)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("correction: %w", err)
	}
	switch device.Mode(s.Mode & 0x0F) {
	case device.ModeReceiptOpen:
		return device.FiscalResult{}, fmt.Errorf("correction: %w", ErrReceiptOpen)
	case device.ModeShiftExpired:
		return device.FiscalResult{}, fmt.Errorf("correction: %w", device.ErrShiftOver24h)
	case device.ModeShiftClosed:
		return device.FiscalResult{}, fmt.Errorf("correction: %w", device.ErrShiftClosed)
	}
	before, err := r.fnStatus(ctx)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("correction: %w", err)
	}
	if before.CurrentDoc != FNDocNone {
		return device.FiscalResult{}, fmt.Errorf("correction: FN document %02Xh open: %w", before.CurrentDoc, ErrReceiptOpen)
	}
	res, err := r.correction(ctx, c, op)
	if err == nil {
		return res, nil
	}
	if !errors.Is(err, device.ErrOutcomeUnknown) {
		if definite(err) {
			// A refusal may still follow the FN write (the paper ran
			// out while it printed, §6): look before cancelling.
			if got, ok := r.correctionMade(ctx, before.LastFD, op, c.Total()); ok {
				r.logf("shtrih: correction refused (%v) but FD %d is in the FN", err, got.Number)
				if errors.Is(err, device.ErrPaperOut) {
					r.pending.Store(true)
				}
				return got, nil
			}
			r.cancelCorrection(ctx)
		}
		return device.FiscalResult{}, fmt.Errorf("correction: %w", err)
	}
	if _, serr := r.settle(ctx, 0); serr != nil {
		return device.FiscalResult{}, fmt.Errorf("correction: %w", errors.Join(err, serr))
	}
	fs, ferr := r.fnStatus(ctx)
	if ferr != nil {
		return device.FiscalResult{}, fmt.Errorf("correction: %w", errors.Join(err, ferr))
	}
	if fs.LastFD == before.LastFD+1 && fs.CurrentDoc == FNDocNone {
		if got, ok := r.correctionMade(ctx, before.LastFD, op, c.Total()); ok {
			r.logf("shtrih: correction (%v) proved done: FD %d", err, got.Number)
			return got, nil
		}
		return device.FiscalResult{}, fmt.Errorf("correction: FD %d is not this correction: %w", fs.LastFD, ErrForeignDocument)
	}
	if fs.LastFD != before.LastFD {
		return device.FiscalResult{}, fmt.Errorf("correction: last FD %d, expected %d or %d: %w", fs.LastFD, before.LastFD, before.LastFD+1, ErrForeignDocument)
	}
	r.logf("shtrih: correction (%v) proved not done", err)
	r.cancelCorrection(ctx)
	return device.FiscalResult{}, fmt.Errorf("correction: not made, nothing in fiscal storage: %w", errors.Join(err, device.ErrNotDone))
}

// checkCorrection refuses, before anything is sent, what the register
// would refuse midway.
func checkCorrection(c device.Correction) (byte, error) {
	op := CorrIncome
	switch c.Kind {
	case device.Sale:
	case device.SaleReturn:
		op = CorrExpense
	default:
		return 0, &ReceiptError{Why: fmt.Sprintf("correction kind %d", c.Kind)}
	}
	switch {
	case c.Cash < 0 || c.Electronic < 0:
		return 0, &ReceiptError{Why: "negative payment"}
	case c.Total() <= 0:
		return 0, &ReceiptError{Why: "the correction is for nothing"}
	case c.Reason == "":
		return 0, &ReceiptError{Why: "no reason (tag 1177)"}
	case utf8.RuneCountInString(c.Reason) > CorrectionReasonMax:
		return 0, &ReceiptError{Why: fmt.Sprintf("reason longer than %d characters", CorrectionReasonMax)}
	case c.DocNumber == "":
		return 0, &ReceiptError{Why: "no basis document number (tag 1179)"}
	case utf8.RuneCountInString(c.DocNumber) > CorrectionDocNoMax:
		return 0, &ReceiptError{Why: fmt.Sprintf("basis document number longer than %d characters", CorrectionDocNoMax)}
	case c.DocDate.IsZero():
		return 0, &ReceiptError{Why: "no basis document date (tag 1178)"}
	}
	return op, nil
}

func (r *Register) correction(ctx context.Context, c device.Correction, op byte) (device.FiscalResult, error) {
	if r.cashierInTable() {
		if err := r.writeTableName(ctx, c.Cashier.Name); err != nil {
			return device.FiscalResult{}, err
		}
	}
	if _, err := r.exec(ctx, Simple(proto.CmdFNBeginCorr, r.cfg.AdminPassword), nil); err != nil {
		return device.FiscalResult{}, fmt.Errorf("begin correction: %w", err)
	}
	if !r.cashierInTable() {
		if err := r.writeTLVName(ctx, c.Cashier.Name); err != nil {
			return device.FiscalResult{}, err
		}
	}
	if err := r.writeINN(ctx, c.Cashier.INN); err != nil {
		return device.FiscalResult{}, err
	}
	// The basis, one FF0Ch per tag as the vendor's driver sends them.
	for _, tlv := range [][]byte{
		TLVString(nil, TagCorrectionReason, c.Reason, CorrectionReasonMax),
		TLVUnixTime(nil, TagCorrectionDate, c.DocDate),
		TLVString(nil, TagCorrectionDocNo, c.DocNumber, CorrectionDocNoMax),
	} {
		body, err := WriteTLV(r.cfg.AdminPassword, tlv)
		if err != nil {
			return device.FiscalResult{}, err
		}
		if _, err := r.exec(ctx, body, nil); err != nil {
			return device.FiscalResult{}, fmt.Errorf("correction basis: %w", err)
		}
	}
	body, err := CorrectionV2(r.cfg.AdminPassword, CorrectionV2Req{
		ByOrder: c.ByOrder, Operation: op, Total: c.Total(),
		Payments: [5]int64{c.Cash, c.Electronic}, TaxSystem: r.cfg.TaxSystem,
	})
	if err != nil {
		return device.FiscalResult{}, err
	}
	d, err := r.exec(ctx, body, nil)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("correction receipt: %w", err)
	}
	rep, err := DecodeCorrection(d)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
	}
	res := device.FiscalResult{Number: rep.FD, Sign: rep.Sign}
	if f, err := r.findDocument(ctx, rep.FD); err == nil {
		res.Time = f.Time
	}
	return res, nil
}

// correctionMade checks whether the document after lastFD is this
// correction: type 31, the operation and the total.
func (r *Register) correctionMade(ctx context.Context, lastFD uint32, op byte, total int64) (device.FiscalResult, bool) {
	fs, err := r.fnStatus(ctx)
	if err != nil || fs.LastFD != lastFD+1 || fs.CurrentDoc != FNDocNone {
		return device.FiscalResult{}, false
	}
	f, err := r.findDocument(ctx, fs.LastFD)
	if err != nil || f.Type != DocCorrection || f.Operation != op || f.Amount != total {
		return device.FiscalResult{}, false
	}
	return device.FiscalResult{Number: f.FD, Sign: f.Sign, Time: f.Time}, true
}

// cancelCorrection cancels a correction document left open in the FN.
func (r *Register) cancelCorrection(ctx context.Context) {
	fs, err := r.fnStatus(ctx)
	if err != nil || fs.CurrentDoc != FNDocCorrection {
		return
	}
	if _, err := r.exec(ctx, Simple(proto.CmdFNCancelDoc, r.cfg.AdminPassword), nil); err != nil {
		r.logf("shtrih: cancelling the correction document: %v", err)
	}
}
