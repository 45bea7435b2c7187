package desk

import (
	"context"
	"errors"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// The way out of a receipt left open on the register (issue 13): the window
// offers "Cancel receipt on register" when the register says a receipt is
// open, behind fiscal.receipt.cancel with the matrix's approval.

// ErrNoRegisterReceipt: the register has no receipt open, nothing to cancel.
var ErrNoRegisterReceipt = errors.New("desk: no receipt is open on the register")

func init() {
	messages["desk.request.register_cancel"] = "cancel the receipt open on the register ({{.State}})"
	messages["desk.error.no_register_receipt"] = "No receipt is open on the register: there is nothing to cancel."
}

// RegisterState reads what the register says about itself: mode, submode,
// last fiscal document and the FN document open. Reading asks no right.
func (d *Desk) RegisterState(ctx context.Context) (device.RegisterState, error) {
	st, err := d.cfg.Register.Status(ctx)
	if err != nil {
		return device.RegisterState{}, registerErr("register status", err)
	}
	last, open, err := d.cfg.Register.LastDocument(ctx)
	if err != nil {
		return device.RegisterState{Status: st}, registerErr("register last document", err)
	}
	return device.RegisterState{Status: st, LastFD: last, OpenDoc: open}, nil
}

// ReceiptOpen reports a receipt open on the register: in its mode, or as
// an FN receipt document it lost track of.
func ReceiptOpen(st device.RegisterState) bool { return st.ReceiptOpen || st.OpenDoc == 4 }

// CancelRegisterReceipt cancels the receipt open on the register
// (fiscal.receipt.cancel; always audited, with the register's state in
// the audit row). An open receipt is not in fiscal storage, so nothing
// fiscal is lost; a bill whose receipt it was stays as the journal has it
// until Reconcile proves it not printed. With paper out the register
// refuses (it prints "cancelled"): the error says to load paper first.
func (d *Desk) CancelRegisterReceipt(ctx context.Context) (before device.RegisterState, err error) {
	before, err = d.RegisterState(ctx)
	if err != nil {
		return before, err
	}
	if !ReceiptOpen(before) {
		return before, newErr(ErrNoRegisterReceipt, "desk.error.no_register_receipt", nil, nil)
	}
	// The register's words, translated with the request (not English in
	// every language): a message inside the message.
	state := messageOf(device.StateMessage(before.Status))
	err = d.do(ctx, func(ctx context.Context) (*request, error) {
		return &request{
			checks: []check{{action: policy.ActionCancelReceipt}},
			desc:   Text("desk.request.register_cancel", map[string]any{"State": state}),
			args: map[string]any{
				"mode": int(before.Mode), "submode": int(before.Submode),
				"last_fd": int64(before.LastFD), "fn_doc": int(before.OpenDoc),
			},
			always: true,
			run: func(ctx context.Context) error {
				if err := d.cfg.Register.CancelReceipt(ctx); err != nil {
					return registerErr("cancel receipt on register", err)
				}
				return nil
			},
		}, nil
	})
	return before, err
}

// PrintPending reports a receipt fiscalised while the paper ran out: it
// is in fiscal memory but the customer has no paper yet. The window says
// so and offers ContinuePrinting.
func (d *Desk) PrintPending() bool {
	p, ok := d.cfg.Register.(device.PrintPender)
	return ok && p.PrintPending()
}

// ContinuePrinting prints what the paper cut short, once paper is loaded:
// the register is waited for and told to continue (B0h). It needs no
// right: the document is fiscalised already, this only puts it on paper.
// With the paper still out it does nothing and PrintPending stays true.
func (d *Desk) ContinuePrinting(ctx context.Context) error {
	s, ok := d.cfg.Register.(device.Settler)
	if !ok {
		return nil
	}
	if _, err := s.Settle(ctx, 0); err != nil {
		return registerErr("continue printing", err)
	}
	return nil
}

// messageOf turns a device message into the policy message requests carry,
// messages among its arguments included.
func messageOf(m device.Message) policy.Message {
	out := policy.Message{Key: m.Key, Fallback: m.Fallback, Args: map[string]any{}}
	for k, v := range m.Args {
		if dm, ok := v.(device.Message); ok {
			v = messageOf(dm)
		}
		out.Args[k] = v
	}
	return out
}
