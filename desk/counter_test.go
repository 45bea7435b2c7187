package desk_test

// Issue 14's rules on real parts (store file, sale core, Shtrih-M driver on
// the emulator): returns held to their receipt, one approval per return,
// refusals that name the action, a paid bill that can always be finished,
// a lost receipt that blocks the next sale, the shift checked at the first
// line. Each test reads the database file afterwards with its own
// connection: what the tables hold is what happened.

import (
	"context"
	"database/sql"
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

// query reads the till's database file on a connection of its own.
func (r *rig) query(t *testing.T, q string, args ...any) [][]int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+r.path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]int64
	for rows.Next() {
		vals := make([]sql.NullInt64, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]int64, len(cols))
		for i, v := range vals {
			row[i] = v.Int64
		}
		out = append(out, row)
	}
	return out
}

func (r *rig) one(t *testing.T, q string, args ...any) int64 {
	t.Helper()
	rows := r.query(t, q, args...)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("%s: %v, want one value", q, rows)
	}
	return rows[0][0]
}

// sell rings up qty of each item (pieces), pays cash (exact when paid is 0)
// and prints the receipt.
func (r *rig) sell(t *testing.T, paid int64, lines ...any) desk.Sold {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < len(lines); i += 2 {
		it := lines[i].(sale.Item)
		if _, err := r.d.AddByBarcode(ctx, it.Barcode, int64(lines[i+1].(int))*1000); err != nil {
			t.Fatalf("sell %s: %v", it.Name, err)
		}
	}
	_, tot, err := r.d.Bill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if paid == 0 {
		paid = tot.Due
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, paid); err != nil {
		t.Fatal(err)
	}
	sold, err := r.d.Checkout(ctx)
	if err != nil {
		t.Fatalf("checkout: %v", err)
	}
	return sold
}

func pieceItems(t *testing.T, n int) []sale.Item {
	t.Helper()
	var out []sale.Item
	for _, it := range store.DemoItems() {
		if !it.Weighed && it.Price > 0 && it.Barcode != "" {
			out = append(out, it)
		}
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("fewer than %d piece items in the demo", n)
	return nil
}

// A return by receipt holds the receipt's lines at what was paid for them
// (line and total discounts allocated as on the receipt); partial returns
// add up to the receipt exactly; goods the receipt does not hold, more
// than is left, a changed price and a second full return are refused, the
// last naming the receipt.
func TestReturnHeldToItsReceipt(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "supervisor") // may discount and return
	its := pieceItems(t, 3)
	bread, milk, other := its[0], its[1], its[2]

	l1, err := r.d.AddByBarcode(ctx, bread.Barcode, 3000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.AddByBarcode(ctx, milk.Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	if err := r.d.LineDiscount(ctx, l1, pct(1000)); err != nil {
		t.Fatal(err)
	}
	if err := r.d.TotalDiscount(ctx, pct(700)); err != nil {
		t.Fatal(err)
	}
	_, st, _ := r.d.Bill(ctx)
	if _, err := r.d.Pay(ctx, sale.PayCash, st.Due); err != nil {
		t.Fatal(err)
	}
	sold, err := r.d.Checkout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	paidFor := map[string]int64{}
	for _, lt := range sold.Totals.Lines {
		paidFor[sold.Bill.Lines[lt.Index].Barcode] = lt.Amount
	}

	// The first return: every line at what was paid for it.
	if _, err := r.d.Return(ctx, sold.Bill.ID); err != nil {
		t.Fatalf("return: %v", err)
	}
	rb, rt, err := r.d.Bill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rt.Due != sold.Totals.Due {
		t.Fatalf("return of the whole receipt refunds %d, the customer paid %d", rt.Due, sold.Totals.Due)
	}
	for _, lt := range rt.Lines {
		l := rb.Lines[lt.Index]
		if lt.Amount != paidFor[l.Barcode] || l.ReturnOf == 0 {
			t.Errorf("return line %s: %d (of sold line %d), paid %d", l.Name, lt.Amount, l.ReturnOf, paidFor[l.Barcode])
		}
	}
	// Goods that are not on the receipt.
	_, err = r.d.AddByBarcode(ctx, other.Barcode, 1000)
	if !errors.Is(err, sale.ErrNotOnReceipt) {
		t.Fatalf("scanning %s on a return of a receipt without it: %v", other.Name, err)
	}
	if msg := desk.MessageOf(err).English(); !strings.Contains(msg, other.Name) || !strings.Contains(msg, "without a receipt") {
		t.Errorf("message %q", msg)
	}
	// More than was sold.
	var breadLine, milkLine sale.LineID
	for _, l := range rb.Lines {
		switch l.Barcode {
		case bread.Barcode:
			breadLine = l.ID
		case milk.Barcode:
			milkLine = l.ID
		}
	}
	if err := r.d.SetQuantity(ctx, breadLine, 4000); !errors.Is(err, sale.ErrReturnQuantity) {
		t.Fatalf("4 of 3 sold: %v", err)
	}
	if _, err := r.d.AddByBarcode(ctx, bread.Barcode, 1000); !errors.Is(err, sale.ErrReturnQuantity) {
		t.Fatalf("a fourth bread scanned: %v", err)
	}
	// The price is what was paid.
	if err := r.d.ManualPrice(ctx, breadLine, 1); !errors.Is(err, sale.ErrReturnPriceFixed) {
		t.Fatalf("price on a return by receipt: %v", err)
	}
	// Two of three breads now, the milk later.
	if err := r.d.SetQuantity(ctx, breadLine, 2000); err != nil {
		t.Fatal(err)
	}
	if err := r.d.VoidLine(ctx, milkLine); err != nil {
		t.Fatal(err)
	}
	_, rt, _ = r.d.Bill(ctx)
	want2, _ := sale.MulDiv(paidFor[bread.Barcode], 2, 3)
	if rt.Due != want2 {
		t.Fatalf("2 of 3 breads refund %d, want %d", rt.Due, want2)
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, rt.Due); err != nil {
		t.Fatal(err)
	}
	first, err := r.d.Checkout(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The second return holds what is left: one bread and the milk.
	if _, err := r.d.Return(ctx, sold.Bill.ID); err != nil {
		t.Fatalf("second return: %v", err)
	}
	rb, rt, _ = r.d.Bill(ctx)
	if len(rt.Lines) != 2 || rt.Due != sold.Totals.Due-first.Totals.Due {
		t.Fatalf("second return: %d lines, %d; want 2 lines, %d", len(rt.Lines), rt.Due, sold.Totals.Due-first.Totals.Due)
	}
	for _, l := range rb.Lines {
		if l.Barcode == bread.Barcode {
			if err := r.d.SetQuantity(ctx, l.ID, 2000); !errors.Is(err, sale.ErrReturnQuantity) {
				t.Fatalf("2 breads after 2 of 3 were returned: %v", err)
			}
		}
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, rt.Due); err != nil {
		t.Fatal(err)
	}
	second, err := r.d.Checkout(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A third return of a receipt returned in full is refused, by number.
	_, err = r.d.Return(ctx, sold.Bill.ID)
	if !errors.Is(err, sale.ErrReturnedInFull) {
		t.Fatalf("third return: %v", err)
	}
	msg := desk.MessageOf(err).English()
	for _, n := range []uint32{sold.Bill.Fiscal.Number, first.Bill.Fiscal.Number, second.Bill.Fiscal.Number} {
		if !strings.Contains(msg, itoa(n)) {
			t.Errorf("refusal %q does not name receipt %d", msg, n)
		}
	}

	// The database: two return bills, both fiscalised, every line linked
	// to a line of the sale, refunds adding up to the sale exactly, and
	// the register's memory agreeing.
	r.db.Close()
	if n := r.one(t, `SELECT count(*) FROM bills WHERE kind = 2`); n != 2 {
		t.Errorf("%d return bills, want 2", n)
	}
	if n := r.one(t, `SELECT count(*) FROM bill_lines l JOIN bills b ON b.id = l.bill_id
		WHERE b.kind = 2 AND (l.return_of_line IS NULL OR l.return_of_line NOT IN (SELECT id FROM bill_lines WHERE bill_id = ?))`, int64(sold.Bill.ID)); n != 0 {
		t.Errorf("%d return lines not linked to a line of the sale", n)
	}
	if n := r.one(t, `SELECT sum(l.qty_milli) FROM bill_lines l JOIN bills b ON b.id = l.bill_id
		WHERE b.kind = 2 AND l.voided = 0 AND l.barcode = ?`, bread.Barcode); n != 3000 {
		t.Errorf("%d breads returned, 3 were sold", n)
	}
	if got := r.one(t, `SELECT sum(b.fiscal_total) FROM bills b JOIN fiscal_docs f ON f.bill_id = b.id WHERE b.kind = 2`); got != sold.Totals.Due {
		t.Errorf("refunds add up to %d, the sale was %d", got, sold.Totals.Due)
	}
	if got := r.one(t, `SELECT sum(amount) FROM payments p JOIN bills b ON b.id = p.bill_id WHERE b.kind = 2`); got != sold.Totals.Due {
		t.Errorf("payouts add up to %d, the sale was %d", got, sold.Totals.Due)
	}
	var refunded int64
	for _, d := range r.receipts() {
		if d.Operation == emu.OpSaleReturn {
			refunded += d.Amount
		}
	}
	if refunded != sold.Totals.Due {
		t.Errorf("the register refunded %d, the sale was %d", refunded, sold.Totals.Due)
	}
}

func itoa(n uint32) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

// One approval covers one whole return: the cashier, who may not return,
// asks once; paying the refund out and printing it ask nothing more; the
// audit has one approval and the payout under the same supervisor.
func TestRefundNeedsOneApproval(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	r.setting(t, desk.SettingApprovalMode, string(desk.ModeCard))
	it := pieceItems(t, 1)[0]
	sold := r.sell(t, 0, it, 2)

	_, err := r.d.Return(ctx, sold.Bill.ID)
	var den *desk.Denied
	if !errors.As(err, &den) {
		t.Fatalf("return by a cashier: %v, want denied", err)
	}
	if err := r.d.ApproveOnce(ctx, den.Request, supervisorBadge(t)); err != nil {
		t.Fatal(err)
	}
	_, rt, _ := r.d.Bill(ctx)
	if _, err := r.d.Pay(ctx, sale.PayCash, rt.Due); err != nil {
		t.Fatalf("payout after the return was approved: %v", err)
	}
	// Taking the payout back and paying again is still the same return.
	if err := r.d.ClearPayments(ctx); err != nil {
		t.Fatalf("take the payout back: %v", err)
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, rt.Due); err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Checkout(ctx); err != nil {
		t.Fatalf("refund receipt after the return was approved: %v", err)
	}
	// The next return is a new one: asked again.
	if _, err := r.d.Return(ctx, r.sell2(t, it).Bill.ID); !errors.As(err, &den) {
		t.Fatalf("next return: %v, want denied", err)
	}

	sup, _ := r.db.UserByLogin(ctx, "supervisor")
	approvals, payouts := 0, 0
	for _, e := range r.audit(t) {
		if e.Action == "session.approve" && e.Outcome == store.OutcomeApproved {
			approvals++
		}
		if e.Action == string(policy.ActionReturn) && strings.Contains(string(e.Args), "payment of") && e.Approver == sup.ID {
			payouts++
		}
	}
	if approvals != 1 || payouts != 2 {
		t.Errorf("audit: %d approvals, %d payouts under the supervisor; want 1 and 2", approvals, payouts)
	}
	r.db.Close()
	if n := r.one(t, `SELECT count(*) FROM bills b JOIN fiscal_docs f ON f.bill_id = b.id WHERE b.kind = 2 AND b.approved_by = ?`, int64(sup.ID)); n != 1 {
		t.Errorf("%d fiscalised returns covered by the supervisor, want 1", n)
	}
}

// sell2 sells one more piece of it as the signed-in cashier.
func (r *rig) sell2(t *testing.T, it sale.Item) desk.Sold { return r.sell(t, 0, it, 1) }

// Every refusal names the action refused, never "You do not have the right
// to do this."
func TestRefusalsNameTheAction(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	it := pieceItems(t, 1)[0]
	lid, err := r.d.AddByBarcode(ctx, it.Barcode, 1000)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		what string
		call func() error
		want string
	}{
		{"void", func() error { return r.d.VoidLine(ctx, lid) }, "You may not void a line."},
		{"price", func() error { return r.d.ManualPrice(ctx, lid, 100) }, "You may not change prices by hand."},
		{"cancel", func() error { return r.d.CancelBill(ctx) }, "You may not cancel a bill."},
		{"total discount", func() error { return r.d.TotalDiscount(ctx, pct(100)) }, "You may not give a discount on the whole bill."},
		{"drawer", func() error { return r.d.OpenDrawer(ctx) }, "You may not open the cash drawer without a sale."},
		{"X report", func() error { return r.d.XReport(ctx) }, "You may not print the X report."},
	}
	for _, c := range cases {
		err := c.call()
		var den *desk.Denied
		if !errors.As(err, &den) {
			t.Errorf("%s: %v, want denied", c.what, err)
			continue
		}
		if got := den.Reason.English(); got != c.want {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
	}
}

// A paid bill the register did not print has one way forward that needs
// nobody: print it, or take the payments back. It survives a restart.
func TestPaidNotPrintedSurvivesRestart(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	it := pieceItems(t, 1)[0]
	if _, err := r.d.AddByBarcode(ctx, it.Barcode, 2000); err != nil {
		t.Fatal(err)
	}
	_, tot, _ := r.d.Bill(ctx)
	if _, err := r.d.Pay(ctx, sale.PayCash, tot.Due+5000); err != nil {
		t.Fatal(err)
	}
	r.e.Inject(emu.Fault{Kind: emu.PaperOut})
	if _, err := r.d.Checkout(ctx); !errors.Is(err, device.ErrPaperOut) {
		t.Fatalf("checkout on paper out: %v", err)
	}
	r = r.restart(t)
	r.signIn(t, "cashier")
	b, bt, err := r.d.Bill(ctx)
	if err != nil || !desk.PaidNotPrinted(&b, &bt) {
		t.Fatalf("after a restart the paid bill is %+v (paid %d of %d), %v", b.State, bt.Paid, bt.Due, err)
	}
	// Taking the payments back needs no approval and leaves the bill to pay.
	if err := r.d.ClearPayments(ctx); err != nil {
		t.Fatalf("take payments back: %v", err)
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, bt.Due+5000); err != nil {
		t.Fatal(err)
	}
	r.e.Clear(emu.PaperOut)
	sold, err := r.d.Checkout(ctx)
	if err != nil {
		t.Fatalf("print the paid bill: %v", err)
	}
	if sold.Change != 5000 {
		t.Errorf("change %d, want 5000", sold.Change)
	}
	rc := r.receipts()
	if len(rc) != 1 || rc[0].Amount != tot.Due || rc[0].Change != 5000 {
		t.Fatalf("receipts %+v", rc)
	}

	// A refund paid out under the return's one approval and not printed:
	// after a restart it is taken back and printed without asking again.
	r.setting(t, desk.SettingApprovalMode, string(desk.ModeCard))
	_, err = r.d.Return(ctx, sold.Bill.ID)
	var den *desk.Denied
	if !errors.As(err, &den) {
		t.Fatalf("return by a cashier: %v", err)
	}
	if err := r.d.ApproveOnce(ctx, den.Request, supervisorBadge(t)); err != nil {
		t.Fatal(err)
	}
	rb, rt, _ := r.d.Bill(ctx)
	if _, err := r.d.Pay(ctx, sale.PayCash, rt.Due); err != nil {
		t.Fatalf("payout: %v", err)
	}
	r.e.Inject(emu.Fault{Kind: emu.PaperOut})
	if _, err := r.d.Checkout(ctx); !errors.Is(err, device.ErrPaperOut) {
		t.Fatalf("refund on paper out: %v", err)
	}
	r.e.Clear(emu.PaperOut)
	r = r.restart(t)
	r.signIn(t, "cashier")
	if b, bt, _ := r.d.Bill(ctx); b.ID != rb.ID || !desk.PaidNotPrinted(&b, &bt) {
		t.Fatalf("after a restart: bill %d %s, paid %d", b.ID, b.State, bt.Paid)
	}
	if err := r.d.ClearPayments(ctx); err != nil {
		t.Fatalf("take the payout back after a restart: %v", err)
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, rt.Due); err != nil {
		t.Fatalf("payout after a restart: %v", err)
	}
	if _, err := r.d.Checkout(ctx); err != nil {
		t.Fatalf("refund receipt after a restart: %v", err)
	}

	r.db.Close()
	if rows := r.query(t, `SELECT count(*), sum(amount) FROM payments WHERE bill_id = ?`, int64(b.ID)); rows[0][0] != 1 || rows[0][1] != tot.Due+5000 {
		t.Errorf("payments in the journal: %v, want one of %d", rows, tot.Due+5000)
	}
	if rows := r.query(t, `SELECT count(*), sum(amount) FROM payments WHERE bill_id = ?`, int64(rb.ID)); rows[0][0] != 1 || rows[0][1] != rt.Due {
		t.Errorf("payouts in the journal: %v, want one of %d", rows, rt.Due)
	}
	if n := r.one(t, `SELECT count(*) FROM audit WHERE action = 'session.approve' AND outcome = 'approved'`); n != 1 {
		t.Errorf("%d approvals, want 1", n)
	}
	if n := r.one(t, `SELECT count(*) FROM fiscal_docs`); n != 2 || len(r.receipts()) != 2 {
		t.Errorf("%d fiscal documents, %d receipts; want the sale and its refund", n, len(r.receipts()))
	}
}

// After a lost reply the bill waits for the register: the next scan and a
// payment are refused with the way forward (Retry or Reconcile) and the
// bill's number; nothing reaches the journal; Reconcile records the sale
// and its change is the one the desk reports last.
func TestLostReplyBlocksTheNextSale(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	its := pieceItems(t, 2)
	if _, err := r.d.AddByBarcode(ctx, its[0].Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	_, tot, _ := r.d.Bill(ctx)
	if _, err := r.d.Pay(ctx, sale.PayCash, tot.Due+10000); err != nil {
		t.Fatal(err)
	}
	r.e.Inject(emu.Fault{Kind: emu.Disconnect, After: proto.CmdCloseV2})
	if _, err := r.d.Checkout(ctx); err == nil {
		t.Fatal("checkout with a lost reply succeeded")
	}
	b, _, _ := r.d.Bill(ctx)
	if b.State != sale.StateFiscalising {
		t.Fatalf("bill %s after a lost reply", b.State)
	}
	for what, call := range map[string]func() error{
		"scan":    func() error { _, err := r.d.AddByBarcode(ctx, its[1].Barcode, 1000); return err },
		"payment": func() error { _, err := r.d.Pay(ctx, sale.PayCash, 100); return err },
		"park":    func() error { return r.d.Park(ctx) },
		"return":  func() error { _, err := r.d.Return(ctx, 0); return err },
		"cancel":  func() error { return r.d.CancelBill(ctx) },
	} {
		err := call()
		msg := desk.MessageOf(err).English()
		if err == nil || !strings.Contains(msg, "Retry or Reconcile") || !strings.Contains(msg, itoa(uint32(b.ID))) {
			t.Errorf("%s while the bill waits: %v (%q)", what, err, msg)
		}
	}
	r.e.Clear(emu.Disconnect)
	out, err := r.d.Reconcile(ctx)
	if err != nil || out != sale.OutcomeFiscalised {
		t.Fatalf("reconcile: %v %v", out, err)
	}
	last, err := r.d.LastSold(ctx)
	if err != nil || last.Bill.ID != b.ID || last.Change != 10000 {
		t.Errorf("last sold after reconcile: bill %d change %d, %v; want bill %d change 10000", last.Bill.ID, last.Change, err, b.ID)
	}
	r.db.Close()
	if n := r.one(t, `SELECT count(*) FROM bill_lines`); n != 1 {
		t.Errorf("%d lines in the journal, want 1: the scan went somewhere", n)
	}
	if n := r.one(t, `SELECT count(*) FROM payments`); n != 1 {
		t.Errorf("%d payments in the journal, want 1", n)
	}
	if n := r.one(t, `SELECT count(*) FROM fiscal_docs WHERE bill_id = ?`, int64(b.ID)); n != 1 {
		t.Errorf("the sale has %d fiscal documents, want 1", n)
	}
}

// The shift is checked at the first line of a bill: with the register's
// shift closed the first scan is refused (no bill is opened, no money
// taken); after Open shift it rings up. A shift over 24 hours is refused at
// the first scan of the next bill.
func TestShiftCheckedAtTheFirstLine(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "admin")
	if _, err := r.d.ZReport(ctx, nil); err != nil {
		t.Fatal(err)
	}
	r.d.SignOut(ctx)
	r.signIn(t, "cashier")
	it := pieceItems(t, 1)[0]
	_, err := r.d.AddByBarcode(ctx, it.Barcode, 1000)
	if !errors.Is(err, device.ErrShiftClosed) || !strings.Contains(desk.MessageOf(err).English(), "open the shift") {
		t.Fatalf("first scan without a shift: %v (%q)", err, desk.MessageOf(err).English())
	}
	if _, err := r.d.OpenShift(ctx); err != nil {
		t.Fatal(err)
	}
	r.sell(t, 0, it, 1)
	r.e.Inject(emu.Fault{Kind: emu.Shift24h})
	if _, err := r.d.AddByBarcode(ctx, it.Barcode, 1000); !errors.Is(err, device.ErrShiftOver24h) {
		t.Fatalf("first scan on a shift over 24 h: %v", err)
	}
	r.db.Close()
	if n := r.one(t, `SELECT count(*) FROM bills`); n != 1 {
		t.Errorf("%d bills, want only the one sold after opening the shift", n)
	}
}
