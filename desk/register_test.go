package desk_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// A receipt left open on the register (paper ran out as it closed, so the
// till's own cancel was refused too) is resolved from the desk: the cashier
// asks, the matrix wants a supervisor for fiscal.receipt.cancel, the
// register's state is named, paper must be loaded first, and the bill then
// reconciles as not printed and is printed once.
func TestCancelReceiptOnRegister(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	if _, err := r.d.AddByBarcode(ctx, store.DemoItems()[0].Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	_, tot, err := r.d.Bill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, tot.Due); err != nil {
		t.Fatal(err)
	}
	r.e.Inject(emu.Fault{Kind: emu.PaperOut, On: proto.CmdCloseV2})
	if _, err := r.d.Checkout(ctx); !errors.Is(err, device.ErrPaperOut) {
		t.Fatalf("checkout: %v, want paper out", err)
	}
	st, err := r.d.RegisterState(ctx)
	if err != nil || !desk.ReceiptOpen(st) || !st.PaperOut {
		t.Fatalf("register state %+v %v: want a receipt open, paper out", st, err)
	}
	if got := device.SubmodeMessage(st.Status).Key; got != "register.submode.paper_out_printing" {
		t.Errorf("submode named %q", got)
	}

	admin := desk.Credential{Mode: desk.ModeUserPassword, Login: "admin", Secret: demoUser(t, "admin").Password}
	cancelApproved := func() error {
		t.Helper()
		_, err := r.d.CancelRegisterReceipt(ctx)
		var den *desk.Denied
		if !errors.As(err, &den) || !den.Verdict.ApprovalPossible {
			t.Fatalf("cashier's cancel: %v, want denied with approval possible", err)
		}
		// The register's state goes to the approver as a message of its
		// own, translated with the request, not as English words.
		desc := den.Request.Describe()
		if st, ok := desc.Args["State"].(policy.Message); !ok || st.Key != "register.state" ||
			!strings.HasPrefix(desc.English(), "cancel the receipt open on the register (a receipt is open, paper ") {
			t.Fatalf("request %#v", desc)
		}
		return r.d.ApproveOnce(ctx, den.Request, admin)
	}
	err = cancelApproved()
	if !errors.Is(err, device.ErrPaperOut) || desk.MessageOf(err).Key != "register.paper_load" {
		t.Fatalf("cancel with no paper: %v (%s), want load paper first", err, desk.MessageOf(err).Key)
	}
	r.e.Clear() // paper loaded
	if err := cancelApproved(); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	if mode, sub, _, _ := r.e.State(); mode != 2 || sub != 0 {
		t.Fatalf("register mode %02X submode %d after the cancel", mode, sub)
	}
	if _, err := r.d.CancelRegisterReceipt(ctx); !errors.Is(err, desk.ErrNoRegisterReceipt) {
		t.Errorf("second cancel: %v, want nothing to cancel", err)
	}
	out, err := r.d.Reconcile(ctx)
	if err != nil || out != sale.OutcomeNotPrinted {
		t.Fatalf("reconcile: %v %v", out, err)
	}
	if _, err := r.d.Checkout(ctx); err != nil {
		t.Fatalf("checkout after the cancel: %v", err)
	}
	if n := len(r.receipts()); n != 1 {
		t.Fatalf("%d receipts in fiscal memory, want 1", n)
	}
	n := 0
	for _, a := range r.audit(t) {
		if a.Action == "fiscal.receipt.cancel" {
			n++
		}
	}
	if n < 2 {
		t.Errorf("%d audit rows for fiscal.receipt.cancel, want the denials and the approved runs", n)
	}
}
