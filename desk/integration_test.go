package desk_test

// Integration: the desk with the real store (SQLite in t.TempDir(), demo
// data), the real sale services, and the real Shtrih-M driver talking to the
// emulator, whose fiscal memory is the judge of what was printed and for
// whom. The unit tests beside it use fakes.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/desk/deskstore"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type rig struct {
	e    *emu.Emulator
	reg  device.Register
	db   *store.DB
	path string
	d    *desk.Desk
	clk  *clock
}

func demoUser(t *testing.T, login string) store.DemoUser {
	t.Helper()
	for _, u := range store.DemoUsers {
		if u.Login == login {
			return u
		}
	}
	t.Fatalf("no demo user %s", login)
	return store.DemoUser{}
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	r := &rig{
		e:    emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true}),
		path: filepath.Join(dir, "till.db"),
		clk:  &clock{t: time.Now()},
	}
	r.build(t, true)
	return r
}

// build opens the store (seeding the demo when asked), the register on the
// emulator and the desk, and runs the start-up.
func (r *rig) build(t *testing.T, seed bool) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, r.path, store.Options{KeyPath: filepath.Join(filepath.Dir(r.path), "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	r.db = db
	t.Cleanup(func() { db.Close() })
	if seed {
		if err := db.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
	}
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	reg := shtrihtest.Register(t, r.e)
	r.reg = reg
	r.d, err = desk.New(desk.Config{
		Holder:   policy.NewHolder(nil),
		Store:    deskstore.New(db),
		Bills:    db.Bills(),
		Sales:    sale.NewSales(db.Bills(), vat, nil, r.clk.Now),
		Checkout: sale.NewCheckout(db.Bills(), db.Bills(), reg, vat, r.clk.Now),
		Register: reg,
		Tape:     sale.NewTape(language.Russian, sale.NewFormatter(language.Russian, currency.RUB)),
		Terminal: "till-1",
		Now:      r.clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Start(ctx); err != nil {
		t.Fatal(err)
	}
}

// restart is a crash and a new start on the same database file and
// register memory: nothing is signed out or closed in order.
func (r *rig) restart(t *testing.T) *rig {
	t.Helper()
	r.reg.Close()
	r.db.Close()
	r.build(t, false)
	return r
}

func (r *rig) signIn(t *testing.T, login string) desk.User {
	t.Helper()
	u, err := r.d.SignIn(context.Background(), login, demoUser(t, login).Password)
	if err != nil {
		t.Fatalf("sign in %s: %v", login, err)
	}
	return u
}

func (r *rig) setting(t *testing.T, key, value string) {
	t.Helper()
	if err := r.db.SetSetting(context.Background(), key, value, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) audit(t *testing.T) []store.AuditEntry {
	t.Helper()
	rows, err := r.db.AuditEntries(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (r *rig) receipts() []emu.Document {
	var out []emu.Document
	for _, d := range r.e.Documents() {
		if d.Type == emu.DocReceipt {
			out = append(out, d)
		}
	}
	return out
}

func supervisorBadge(t *testing.T) desk.Credential {
	return desk.Credential{Mode: desk.ModeCard, Badge: device.NewBadgeID(demoUser(t, "supervisor").Badge)}
}

func pct(bp int64) sale.Discount { return sale.Discount{Kind: sale.DiscountPercent, Value: bp} }

// TestDeskShiftOfACashier is the story on real parts: a 15 % line
// discount is denied with its reason and limit, the supervisor's badge
// approves it once, the next one is denied again, the cash sale with change
// is fiscalised with the cashier's name and INN, and the database says who
// did what.
func TestDeskShiftOfACashier(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	cashier := r.signIn(t, "cashier")
	sup, err := r.db.UserByLogin(ctx, "supervisor")
	if err != nil {
		t.Fatal(err)
	}
	r.setting(t, desk.SettingApprovalMode, string(desk.ModeCard))
	items := store.DemoItems()

	l1, err := r.d.AddByBarcode(ctx, items[0].Barcode, 2000)
	if err != nil {
		t.Fatal(err)
	}
	err = r.d.LineDiscount(ctx, l1, pct(1500))
	var den *desk.Denied
	if !errors.As(err, &den) || !errors.Is(err, desk.ErrDenied) {
		t.Fatalf("15 %% discount: got %v, want *Denied", err)
	}
	v := den.Verdict
	if v.Reason != policy.ReasonOverLimit || v.LimitValue != 500 || v.Requested != 1500 || !v.ApprovalPossible {
		t.Fatalf("verdict %v", v)
	}
	if got := den.Reason.English(); !strings.Contains(got, "15 %") || !strings.Contains(got, "5 %") {
		t.Errorf("reason %q does not name the request and the limit", got)
	}
	if got := den.Request.Describe().English(); !strings.Contains(got, "15 %") || !strings.Contains(got, items[0].Name) {
		t.Errorf("request %q does not name the discount and the item", got)
	}

	if err := r.d.ApproveOnce(ctx, den.Request, supervisorBadge(t)); err != nil {
		t.Fatalf("approve: %v", err)
	}
	b, _, err := r.d.Bill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Lines[0].Discount != pct(1500) {
		t.Fatalf("line discount after approval: %+v", b.Lines[0].Discount)
	}
	// The same pending request cannot be replayed.
	if err := r.d.ApproveOnce(ctx, den.Request, supervisorBadge(t)); !errors.Is(err, desk.ErrPendingUsed) {
		t.Fatalf("second use of one approval: %v", err)
	}
	// The next discount is checked afresh.
	l2, err := r.d.AddByBarcode(ctx, items[1].Barcode, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.d.LineDiscount(ctx, l2, pct(1500)); !errors.Is(err, desk.ErrDenied) {
		t.Fatalf("second 15 %% discount: %v, want denied", err)
	}
	if err := r.d.LineDiscount(ctx, l2, pct(500)); err != nil {
		t.Fatalf("5 %% is within the cashier's limit: %v", err)
	}
	// A void is not the cashier's right.
	if err := r.d.VoidLine(ctx, l2); !errors.Is(err, desk.ErrDenied) {
		t.Fatalf("void by a cashier: %v, want denied", err)
	}

	_, tot, err := r.d.Bill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Pay(ctx, sale.PayCash, tot.Due+5000); err != nil {
		t.Fatal(err)
	}
	sold, err := r.d.Checkout(ctx)
	if err != nil {
		t.Fatalf("checkout: %v", err)
	}
	if sold.Change != 5000 || sold.Bill.State != sale.StateFiscalised {
		t.Fatalf("sold: change %d state %s", sold.Change, sold.Bill.State)
	}
	// The demo cashier takes cash, so the drawer opens for it (drawer on a
	// payment); opening it without a sale is still the supervisor's.
	if sold.DrawerDenied != nil || !sold.DrawerOpened {
		t.Errorf("the demo cashier's drawer stayed shut on a cash payment: %+v", sold)
	}
	if err := r.d.OpenDrawer(ctx); !errors.As(err, &den) || den.Verdict.Action != policy.ActionDrawerOpen {
		t.Errorf("the demo cashier opened the drawer without a sale: %v", err)
	}
	rc := r.receipts()
	if len(rc) != 1 {
		t.Fatalf("%d receipts in fiscal memory, want 1", len(rc))
	}
	cu := demoUser(t, "cashier")
	if rc[0].Amount != tot.Due || rc[0].Change != 5000 || rc[0].Cashier != cu.ReceiptName || rc[0].CashierINN != cu.INN {
		t.Fatalf("receipt %+v: want amount %d, change 50.00, cashier %q INN %s", rc[0], tot.Due, cu.ReceiptName, cu.INN)
	}
	stored, err := r.db.Bills().Get(ctx, sold.Bill.ID)
	if err != nil {
		t.Fatal(err)
	}
	if policy.UserID(stored.CashierID) != cashier.ID || stored.Fiscal.Number != rc[0].Number {
		t.Fatalf("stored bill cashier %d fiscal %d", stored.CashierID, stored.Fiscal.Number)
	}

	// The audit names both: the denial (cashier only), the approval and the
	// action done with the supervisor's rights (cashier + supervisor).
	var denied, approved, done int
	for _, e := range r.audit(t) {
		switch {
		case e.Action == "bill.discount.line" && e.Outcome == store.OutcomeDenied:
			denied++
			if e.Actor != cashier.ID || e.Approver != 0 || !strings.Contains(e.Reason, "over_limit") {
				t.Errorf("denial row %+v", e)
			}
		case e.Action == "session.approve" && e.Outcome == store.OutcomeApproved:
			approved++
			if e.Actor != cashier.ID || e.Approver != sup.ID || e.Terminal != "till-1" {
				t.Errorf("approval row %+v", e)
			}
		case e.Action == "bill.discount.line" && e.Outcome == store.OutcomeOK && e.Approver != 0:
			done++
			if e.Actor != cashier.ID || e.Approver != sup.ID {
				t.Errorf("approved action row %+v", e)
			}
		}
		if bytes.Contains(e.Args, []byte(demoUser(t, "supervisor").Badge)) {
			t.Errorf("raw badge in audit args: %s", e.Args)
		}
	}
	if denied != 2 || approved != 1 || done != 1 {
		t.Errorf("audit: %d denials, %d approvals, %d approved actions; want 2, 1, 1", denied, approved, done)
	}
	if rep, err := r.db.VerifyAudit(ctx); err != nil || rep.Break != nil {
		t.Errorf("audit chain: %+v %v", rep, err)
	}

	// Return of that receipt: not the cashier's right, approved once.
	_, err = r.d.Return(ctx, sold.Bill.ID)
	if !errors.As(err, &den) {
		t.Fatalf("return by cashier: %v, want denied", err)
	}
	if err := r.d.ApproveOnce(ctx, den.Request, supervisorBadge(t)); err != nil {
		t.Fatalf("approve return: %v", err)
	}
	rb, rt, err := r.d.Bill(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rb.Kind != sale.KindReturn || rb.ReturnOf != sold.Bill.ID || rt.Due != tot.Due || policy.UserID(rb.CashierID) != cashier.ID {
		t.Fatalf("return bill %+v due %d", rb, rt.Due)
	}
	// One approval covers the whole return (issue 14): paying the refund
	// out and printing it ask nothing again.
	if _, err = r.d.Pay(ctx, sale.PayCash, rt.Due); err != nil {
		t.Fatalf("refund payout under the return's approval: %v", err)
	}
	if _, err := r.d.Checkout(ctx); err != nil {
		t.Fatalf("return checkout under the return's approval: %v", err)
	}
	rc = r.receipts()
	if len(rc) != 2 || rc[1].Operation != emu.OpSaleReturn || rc[1].Amount != tot.Due || rc[1].Cashier != cu.ReceiptName {
		t.Fatalf("return receipt %+v", rc[len(rc)-1])
	}

	// No raw badge anywhere in the database files.
	r.db.Close()
	for _, suffix := range []string{"", "-wal"} {
		raw, err := os.ReadFile(r.path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(demoUser(t, "supervisor").Badge)) {
			t.Errorf("raw badge ID in %s", filepath.Base(r.path+suffix))
		}
	}
}

// TestDeskParkRecallAndRestart: a parked bill comes back by Recall, and an
// open bill comes back when the cashier signs in again.
func TestDeskParkRecallAndRestart(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	items := store.DemoItems()
	if _, err := r.d.AddByBarcode(ctx, items[2].Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	first, _, _ := r.d.Bill(ctx)
	if err := r.d.Park(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.d.Bill(ctx); !errors.Is(err, desk.ErrNoBill) {
		t.Fatalf("after park: %v", err)
	}
	if _, err := r.d.AddByBarcode(ctx, items[3].Barcode, 1000); err != nil {
		t.Fatal(err)
	}
	if err := r.d.Recall(ctx, first.ID); !errors.Is(err, desk.ErrBillOpen) {
		t.Fatalf("recall over a bill with lines: %v", err)
	}
	second, _, _ := r.d.Bill(ctx)
	if err := r.d.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	r.signIn(t, "cashier")
	if b, _, err := r.d.Bill(ctx); err != nil || b.ID != second.ID {
		t.Fatalf("open bill after sign-in: %v %v, want %d", b.ID, err, second.ID)
	}
	if err := r.d.Park(ctx); err != nil {
		t.Fatal(err)
	}
	parked, err := r.d.Parked(ctx)
	if err != nil || len(parked) != 2 {
		t.Fatalf("parked: %d %v", len(parked), err)
	}
	if err := r.d.Recall(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if b, _, err := r.d.Bill(ctx); err != nil || b.ID != first.ID || len(b.Lines) != 1 {
		t.Fatalf("recalled %v %v", b, err)
	}
}

// TestDeskApproverRules: self-approval, an approver without the right, and
// one over their own limit are refused with their reasons, and audited.
func TestDeskApproverRules(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "cashier")
	items := store.DemoItems()
	lid, err := r.d.AddByBarcode(ctx, items[0].Barcode, 1000)
	if err != nil {
		t.Fatal(err)
	}
	discount := func(dc sale.Discount) func() error {
		return func() error { return r.d.LineDiscount(ctx, lid, dc) }
	}
	pw := func(login string) desk.Credential {
		return desk.Credential{Mode: desk.ModeUserPassword, Login: login, Secret: demoUser(t, login).Password}
	}
	for _, tc := range []struct {
		name   string
		action func() error
		cred   desk.Credential
		reason policy.Reason
	}{
		{"self", discount(pct(1500)), pw("cashier"), policy.ReasonSelfApproval},
		{"approver lacks the right", func() error { return r.d.VoidLine(ctx, lid) }, pw("newbie"), policy.ReasonApproverNoPermission},
		{"approver's own limit", discount(pct(4000)), pw("supervisor"), policy.ReasonApproverOverLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var den *desk.Denied
			if err := tc.action(); !errors.As(err, &den) {
				t.Fatalf("%v, want denied", err)
			}
			err := r.d.ApproveOnce(ctx, den.Request, tc.cred)
			var ref *desk.Refused
			if !errors.As(err, &ref) || !errors.Is(err, desk.ErrApproval) || ref.Verdict.Reason != tc.reason {
				t.Fatalf("got %v (%+v), want refused with %s", err, ref, tc.reason)
			}
			if den.Request.Used() {
				t.Error("a refused approval consumed the request")
			}
		})
	}
	rows := r.audit(t)
	failed := 0
	for _, e := range rows {
		if e.Action == "session.approve" && e.Outcome == store.OutcomeFailed {
			failed++
		}
	}
	if failed != 3 {
		t.Errorf("%d failed approval rows, want 3", failed)
	}
}

// The pre-bill and the copy of the last receipt are printed on the
// register's tape in the store's language. A pre-bill the register could
// not print (paper out) is not counted: the next one is still print 1.
func TestPreBillAndCopyOnTheTape(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "admin") // the demo's only group that may reprint a receipt
	item := store.DemoItems()[0]
	if _, err := r.d.AddByBarcode(ctx, item.Barcode, 2000); err != nil {
		t.Fatal(err)
	}
	r.e.Inject(emu.Fault{Kind: emu.PaperOut})
	if _, err := r.d.PreBill(ctx); !errors.Is(err, device.ErrPaperOut) {
		t.Fatalf("pre-bill on paper out: %v", err)
	}
	r.e.Clear(emu.PaperOut)
	pb, err := r.d.PreBill(ctx)
	if err != nil || !pb.Printed || pb.Print != 1 {
		t.Fatalf("pre-bill: %+v, %v", pb, err)
	}
	tape := strings.Join(r.e.Tape(), "\n")
	if !strings.Contains(tape, "ПРЕДЧЕК 1") || !strings.Contains(tape, item.Name) {
		t.Fatalf("tape:\n%s", tape)
	}
	_, tot, _ := r.d.Bill(ctx)
	if _, err := r.d.Pay(ctx, sale.PayCash, tot.Due); err != nil {
		t.Fatal(err)
	}
	sold, err := r.d.Checkout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.ReprintLast(ctx); err != nil {
		t.Fatalf("reprint: %v", err)
	}
	// The receipt is the register's last document: the register prints its
	// own copy (8Ch), not the till's text.
	tape = strings.Join(r.e.Tape(), "\n")
	if want := fmt.Sprintf("ПОВТОР ДОКУМЕНТА ФД %d", sold.Bill.Fiscal.Number); !strings.Contains(tape, want) {
		t.Errorf("no %q on the tape:\n%s", want, tape)
	}
	if strings.Contains(tape, "КОПИЯ ЧЕКА") {
		t.Errorf("the till's text copy printed as well:\n%s", tape)
	}
	// Firmware without 8Ch: the till's text copy.
	r.e.Inject(emu.Fault{Kind: emu.Missing, On: proto.CmdRepeatDoc})
	if _, err := r.d.ReprintLast(ctx); err != nil {
		t.Fatalf("reprint without 8Ch: %v", err)
	}
	if want := fmt.Sprintf("КОПИЯ ЧЕКА %d", sold.Bill.Fiscal.Number); !strings.Contains(strings.Join(r.e.Tape(), "\n"), want) {
		t.Errorf("no %q on the tape:\n%s", want, r.e.Tape())
	}
	if n := len(r.receipts()); n != 1 {
		t.Errorf("%d fiscal receipts: the copy must not be one", n)
	}
}
