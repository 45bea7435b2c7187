package desk_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// sellOne rings up one item, pays cash and fiscalises: a receipt.
func sellOne(t *testing.T, r *rig, item int) sale.Bill {
	t.Helper()
	ctx := context.Background()
	if _, err := r.d.AddByBarcode(ctx, store.DemoItems()[item].Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	_, tot, err := r.d.Bill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, tot.Due); err != nil {
		t.Fatal(err)
	}
	sold, err := r.d.Checkout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return sold.Bill
}

// A return starts from what the customer holds: the receipt's number (and
// date) or its QR code, whoever sold it and however old; the lookup is
// audited; a wrong sign or number finds nothing.
func TestDeskReturnFromReceiptNumberAndQR(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	first := sellOne(t, r, 1)
	second := sellOne(t, r, 2)
	if err := r.d.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	r.signIn(t, "supervisor")

	got, err := r.d.FindReceipt(ctx, fmt.Sprint(first.Fiscal.Number), time.Time{})
	if err != nil || len(got) != 1 || got[0].ID != first.ID || len(got[0].Lines) != 1 {
		t.Fatalf("by number: %+v %v", got, err)
	}
	day := first.Fiscal.Time.Local()
	if got, err = r.d.FindReceipt(ctx, fmt.Sprint(first.Fiscal.Number), day); err != nil || len(got) != 1 {
		t.Fatalf("by number and date: %+v %v", got, err)
	}
	if got, err = r.d.FindReceipt(ctx, fmt.Sprint(first.Fiscal.Number), day.AddDate(0, 0, -1)); err != nil || len(got) != 0 {
		t.Fatalf("by number and the day before: %+v %v", got, err)
	}
	qr := fmt.Sprintf("t=%s&s=1.00&fn=9999078900001234&i=%d&fp=%d&n=1", second.Fiscal.Time.Local().Format("20060102T1504"), second.Fiscal.Number, second.Fiscal.Sign)
	if got, err = r.d.FindReceipt(ctx, qr, time.Time{}); err != nil || len(got) != 1 || got[0].ID != second.ID {
		t.Fatalf("by QR: %+v %v", got, err)
	}
	forged := fmt.Sprintf("t=20260101T1200&s=1.00&fn=1&i=%d&fp=%d&n=1", second.Fiscal.Number, second.Fiscal.Sign+1)
	if got, err = r.d.FindReceipt(ctx, forged, time.Time{}); err != nil || len(got) != 0 {
		t.Fatalf("QR with another sign: %+v %v", got, err)
	}
	if _, err = r.d.FindReceipt(ctx, "milk", time.Time{}); !errors.Is(err, desk.ErrNotReceipt) {
		t.Fatalf("not a number: %v", err)
	}

	id, err := r.d.Return(ctx, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	ret, err := r.db.Bills().Get(ctx, id)
	if err != nil || ret.Kind != sale.KindReturn || ret.ReturnOf != second.ID || len(ret.Lines) != 1 || ret.Lines[0].Name != second.Lines[0].Name {
		t.Fatalf("return bill: %+v %v", ret, err)
	}
	n := 0
	for _, e := range r.audit(t) {
		if e.Action == "journal.find_receipt" && e.Outcome == store.OutcomeOK {
			n++
		}
	}
	if n != 5 {
		t.Fatalf("%d lookups audited, want 5", n)
	}
}

// The history pages back to the journal depth and no further; a copy of
// an older receipt is printed on the tape.
func TestDeskJournalPagesAndReprint(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	var sold []sale.Bill
	for i := range 5 {
		sold = append(sold, sellOne(t, r, i))
	}
	p, err := r.d.Journal(ctx, desk.JournalRequest{Limit: 2})
	if err != nil || len(p.Bills) != 2 || !p.Older || p.Newer || p.Bills[0].ID != sold[4].ID {
		t.Fatalf("first page: %+v %v", p, err)
	}
	var seen []sale.BillID
	for {
		for _, b := range p.Bills {
			seen = append(seen, b.ID)
		}
		if !p.Older {
			break
		}
		if p, err = r.d.Journal(ctx, desk.JournalRequest{Limit: 2, Before: desk.CursorOf(p.Bills[len(p.Bills)-1])}); err != nil {
			t.Fatal(err)
		}
	}
	if len(seen) != 5 || seen[4] != sold[0].ID {
		t.Fatalf("paged %v", seen)
	}
	// The journal depth (7 days for the demo users) bounds the history.
	r.clk.Add(6 * 24 * time.Hour)
	if p, err = r.d.Journal(ctx, desk.JournalRequest{}); err != nil || len(p.Bills) != 5 {
		t.Fatalf("six days later: %d bills, %v", len(p.Bills), err)
	}
	r.clk.Add(25 * time.Hour)
	if p, err = r.d.Journal(ctx, desk.JournalRequest{}); err != nil || len(p.Bills) != 0 {
		t.Fatalf("seven days later: %d bills, %v", len(p.Bills), err)
	}
	if err := r.d.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	r.signIn(t, "supervisor")
	b, err := r.d.Reprint(ctx, sold[1].ID)
	if err != nil || b.ID != sold[1].ID {
		t.Fatalf("reprint: %v", err)
	}
	if !tapeHas(r, fmt.Sprintf("КОПИЯ ЧЕКА %d", sold[1].Fiscal.Number)) {
		t.Fatalf("no copy on the tape:\n%v", r.e.Tape())
	}
	// An older receipt is not the register's last document: the text copy,
	// not the register's repeat (which would print the last receipt).
	if tapeHas(r, "ПОВТОР ДОКУМЕНТА") {
		t.Fatalf("8Ch used for an older receipt:\n%v", r.e.Tape())
	}
	// The newest is: the register prints its own copy.
	if _, err := r.d.Reprint(ctx, sold[4].ID); err != nil {
		t.Fatal(err)
	}
	if !tapeHas(r, fmt.Sprintf("ПОВТОР ДОКУМЕНТА ФД %d", sold[4].Fiscal.Number)) || tapeHas(r, fmt.Sprintf("КОПИЯ ЧЕКА %d", sold[4].Fiscal.Number)) {
		t.Fatalf("copy of the last receipt:\n%v", r.e.Tape())
	}
}

// Parked bills of a shift that has closed are offered at sign-in and
// cancelled with an audit row; newer ones are not offered; the cashier's
// own only.
func TestDeskStaleParkedBills(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "supervisor")
	items := store.DemoItems()
	park := func() sale.BillID {
		if _, err := r.d.AddByBarcode(ctx, items[0].Barcode, 1000); err != nil {
			t.Fatal(err)
		}
		b, _, _ := r.d.Bill(ctx)
		if err := r.d.Park(ctx); err != nil {
			t.Fatal(err)
		}
		return b.ID
	}
	old := park()
	if _, err := r.db.OpenShift(ctx, 1, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := r.db.CloseShift(ctx, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	fresh := park()
	if err := r.d.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	r.signIn(t, "cashier")
	if s, err := r.d.StaleParked(ctx); err != nil || len(s) != 0 {
		t.Fatalf("the cashier is offered someone else's bills: %+v %v", s, err)
	}
	if err := r.d.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	r.signIn(t, "supervisor")
	stale, err := r.d.StaleParked(ctx)
	if err != nil || len(stale) != 1 || stale[0].ID != old || stale[0].Lines != 1 {
		t.Fatalf("stale: %+v %v", stale, err)
	}
	if all, err := r.d.Parked(ctx); err != nil || len(all) != 2 {
		t.Fatalf("parked: %+v %v", all, err)
	}
	if err := r.d.CancelParked(ctx, old); err != nil {
		t.Fatal(err)
	}
	if b, err := r.db.Bills().Get(ctx, old); err != nil || b.State != sale.StateCancelled {
		t.Fatalf("cancelled: %s %v", b.State, err)
	}
	if b, err := r.db.Bills().Get(ctx, fresh); err != nil || b.State != sale.StateParked {
		t.Fatalf("the fresh one: %s %v", b.State, err)
	}
	var row *store.AuditEntry
	for _, e := range r.audit(t) {
		if e.Action == "bill.cancel" {
			row = &e
		}
	}
	if row == nil || row.Outcome != store.OutcomeOK || !contains(string(row.Args), fmt.Sprintf(`"bill":%d`, old), `"stale":true`) {
		t.Fatalf("audit: %+v", row)
	}
	if s, err := r.d.StaleParked(ctx); err != nil || len(s) != 0 {
		t.Fatalf("after cancelling: %+v %v", s, err)
	}
	// A setting of one hour: the fresh one is not an hour old yet.
	r.setting(t, desk.SettingParkedStale, "1h")
	if s, err := r.d.StaleParked(ctx); err != nil || len(s) != 0 {
		t.Fatalf("1h: %+v %v", s, err)
	}
	r.clk.Add(2 * time.Hour)
	if s, err := r.d.StaleParked(ctx); err != nil || len(s) != 1 || s[0].ID != fresh {
		t.Fatalf("1h, two hours later: %+v %v", s, err)
	}
}

func tapeHas(r *rig, s string) bool {
	for _, l := range r.e.Tape() {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
