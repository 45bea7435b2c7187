package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// The story of issue 6 on the real store and the emulated register: two
// items (one of them ×2), paid in cash with a quick-tender button, the
// receipt printed with the cashier's name, the change shown, the drawer
// opened, the screen ready for the next customer.
func TestSalePaidInCashWithChange(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	if !r.a.start.done {
		t.Fatalf("start-up did not finish: %+v", r.a.start)
	}
	it0, it1 := r.item(0), r.item(1)
	r.scan("2*" + it0.Barcode)
	r.scan(it1.Barcode)
	if n := len(m.sale.model.rows); n != 2 {
		t.Fatalf("bill shows %d lines, want 2 (notice %q)", n, r.notice())
	}
	due := 2*it0.Price + it1.Price
	r.mustContain("bill", it0.Name, it1.Name, m.money.Format(due))

	// Enter in the empty barcode field pays.
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF12}) // F12 pays
	p := m.sale.pay
	if p == nil {
		t.Fatal("Enter did not open the payment")
	}
	quick := quickTenders(due)
	if len(quick) < 2 {
		t.Fatalf("quick tenders %v", quick)
	}
	tendered := quick[1]
	test.Tap(findButton(p.quick, m.money.Format(tendered)))

	rec := r.receipts()
	if len(rec) != 1 {
		t.Fatalf("%d receipts on the register, want 1 (notice %q)", len(rec), r.notice())
	}
	if rec[0].Amount != due || rec[0].Change != tendered-due {
		t.Errorf("receipt amount %d change %d, want %d and %d", rec[0].Amount, rec[0].Change, due, tendered-due)
	}
	if !strings.Contains(rec[0].Cashier, "Иванова") {
		t.Errorf("receipt cashier %q", rec[0].Cashier)
	}
	if want := m.money.Format(tendered - due); !strings.Contains(r.notice(), want) {
		t.Errorf("notice %q does not show the change %s", r.notice(), want)
	}
	if len(m.sale.model.rows) != 0 {
		t.Errorf("bill still shows %d lines after the receipt", len(m.sale.model.rows))
	}
	if got := r.e.CashInDrawer(); got < due {
		t.Errorf("register's cash %d, want at least %d", got, due)
	}
}

// A 15 % line discount is over the cashier's 5 % limit: refused with the
// reason and the limit in the cashier's language, and "Ask supervisor"
// offered.
func TestDiscountOverLimitDenied(t *testing.T) {
	for _, tag := range []string{"en", "ru"} {
		t.Run(tag, func(t *testing.T) {
			r := newRig(t, tag)
			r.deps.Approve = nil
			m := r.signIn("cashier")
			r.scan(r.item(0).Barcode)
			r.press("line_discount")
			r.formSubmit("15")
			got := r.notice()
			if !strings.Contains(got, "15") || !strings.Contains(got, "5") {
				t.Errorf("notice %q does not name 15 %% and the 5 %% limit", got)
			}
			if tag == "ru" && !strings.Contains(strings.ToLower(got), "скидк") {
				t.Errorf("notice %q is not in Russian", got)
			}
			ask := m.notice.button(translation(t, tag, "ui.deny.ask"))
			if ask == nil {
				t.Fatal("no Ask supervisor button")
			}
			if !ask.Disabled() {
				t.Error("Ask supervisor is enabled without a supervisor dialog wired")
			}
			b, _ := r.bill()
			if b.Lines[0].Discount.Kind != sale.DiscountNone {
				t.Errorf("discount applied: %+v", b.Lines[0].Discount)
			}
			// Within the limit it goes through.
			r.press("line_discount")
			r.formSubmit("5")
			if b, _ = r.bill(); b.Lines[0].Discount != (sale.Discount{Kind: sale.DiscountPercent, Value: 500}) {
				t.Errorf("5 %% discount: %+v (notice %q)", b.Lines[0].Discount, r.notice())
			}
		})
	}
}

// A cashier may not void a line in the demo matrix; the supervisor
// approves it through the hook, and the line is voided.
func TestVoidDeniedForCashierThenApproved(t *testing.T) {
	r := newRig(t, "en")
	var asked *desk.Pending
	r.deps.Approve = func(_ fyne.Window, p *desk.Pending, done func(error)) InputSink {
		asked = p
		sup := store.DemoUsers[1]
		done(r.d.ApproveOnce(context.Background(), p, desk.Credential{Mode: desk.ModeUserPassword, Login: sup.Login, Secret: sup.Password}))
		return nil
	}
	r.startApp()
	m := r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	r.scan(r.item(1).Barcode)
	m.sale.list.Select(0)
	r.press("void")
	if _, _, err := r.d.Bill(context.Background()); err != nil || r.notice() == "" {
		t.Errorf("no notice explains the void denial (%v)", err)
	}
	b, _ := r.bill()
	if b.Lines[0].Voided {
		t.Fatal("the line was voided without the right")
	}
	ask := m.notice.button(translation(t, "en", "ui.deny.ask"))
	if ask == nil || ask.Disabled() {
		t.Fatal("Ask supervisor not offered")
	}
	test.Tap(ask)
	if asked == nil || asked.Action() != "bill.void_line" {
		t.Fatalf("dialog asked for %v", asked)
	}
	b, _ = r.bill()
	if !b.Lines[0].Voided {
		t.Fatalf("line not voided after approval (notice %q)", r.notice())
	}
	if !m.sale.model.rows[0].voided {
		t.Error("the screen does not show the line voided")
	}
	// The next void is checked afresh.
	m.sale.list.Select(1)
	r.press("void")
	if b, _ = r.bill(); b.Lines[1].Voided {
		t.Error("one approval voided a second line")
	}
}

func TestParkAndRecall(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	r.scan(r.item(3).Barcode)
	first, _ := r.bill()
	r.press("park")
	if len(m.sale.model.rows) != 0 {
		t.Fatal("parked bill still on screen")
	}
	r.scan(r.item(4).Barcode)
	second, _ := r.bill()
	if second.ID == first.ID {
		t.Fatal("new bill is the parked one")
	}
	r.press("park")
	r.press("recall")
	l := m.sale.recallList
	if l == nil || l.Length() != 2 {
		t.Fatalf("recall lists %v bills, want 2", l)
	}
	l.Select(0)
	b, _ := r.bill()
	if b.ID != first.ID || len(m.sale.model.rows) != 1 || m.sale.model.rows[0].name != r.item(3).Name {
		t.Errorf("recalled bill %d with %v, want %d", b.ID, m.sale.model.rows, first.ID)
	}
}

// A supervisor returns a receipt from the journal: its lines come back on
// a return bill, paid out in cash, and the register records a return.
func TestReturnFromJournal(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("supervisor")
	it := r.item(5)
	r.scan(it.Barcode)
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF12}) // F12 pays
	m.sale.pay.tender(sale.PayCash)
	if len(r.receipts()) != 1 {
		t.Fatalf("sale not printed: %q", r.notice())
	}
	r.press("return")
	if m.sale.historyList == nil || len(m.sale.historyBills) == 0 {
		t.Fatalf("history is empty: %q", r.notice())
	}
	m.sale.historyList.Select(0)
	b, _ := r.bill()
	if b.Kind != sale.KindReturn || b.ReturnOf == 0 || len(b.Lines) != 1 {
		t.Fatalf("return bill %+v (notice %q)", b, r.notice())
	}
	r.mustContain("return bill", it.Name)
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF12}) // F12 pays
	// The money goes back: the button and the dialog say so, and the
	// dialog offers the exact sum only.
	if got := m.sale.action("pay").button.Text; !strings.Contains(got, translation(t, "en", "ui.act.refund")) {
		t.Errorf("pay button on a return: %q", got)
	}
	if p := m.sale.pay; !p.refund || !strings.Contains(p.due.Text, strings.TrimSuffix(translation(t, "en", "ui.refund.due"), "{{.Amount}}")) || len(p.quick.Objects) != 1 {
		t.Fatalf("refund dialog: %q, %d quick tenders", p.due.Text, len(p.quick.Objects))
	}
	m.sale.pay.tender(sale.PayCash)
	rec := r.receipts()
	if len(rec) != 2 || rec[1].Operation == rec[0].Operation || rec[1].Amount != it.Price {
		t.Fatalf("receipts %+v, want a sale and its return (notice %q)", rec, r.notice())
	}
}

// A free return (no receipt) needs return.no_receipt: denied for a
// cashier with the reason.
func TestFreeReturnDeniedForCashier(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	a := m.sale.action("return")
	if a.button.Disabled() {
		t.Fatal("Return greyed out although a supervisor could approve it")
	}
	m.sale.startReturn(0)
	var den *desk.Denied
	_, err := r.d.Return(context.Background(), 0)
	if !errors.As(err, &den) {
		t.Fatalf("free return by a cashier: %v", err)
	}
	if r.notice() == "" {
		t.Error("no notice for the denied return")
	}
}

// A restart mid-bill brings the bill back at sign-in.
func TestRestartMidBill(t *testing.T) {
	r := newRig(t, "en")
	r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	r.scan("3*" + r.item(2).Barcode)
	r.restart()
	m := r.signIn("cashier")
	if n := len(m.sale.model.rows); n != 2 || m.sale.model.rows[1].qty != 3000 {
		t.Fatalf("after restart the bill shows %+v", m.sale.model.rows)
	}
	r.mustContain("restored bill", r.item(0).Name, r.item(2).Name)
}

// The register prints the receipt but its reply is lost (the line goes
// dead after the close command): the bill stays intact, waiting, with
// Retry and Reconcile; after a restart the start-up reconciliation proves
// the receipt was printed before anything else, and records it once.
func TestRestartMidFiscalisation(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	r.e.Inject(emu.Fault{Kind: emu.Disconnect, After: proto.CmdCloseV2})
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF12}) // F12 pays
	m.sale.pay.tender(sale.PayCash)
	b, _ := r.bill()
	if b.State != sale.StateFiscalising {
		t.Fatalf("bill %s after a lost reply (notice %q)", b.State, r.notice())
	}
	for _, key := range []string{"ui.reg.retry", "ui.reg.reconcile"} {
		if m.notice.button(translation(t, "en", key)) == nil {
			t.Errorf("no %s button on %q", key, r.notice())
		}
	}
	if len(m.sale.model.rows) != 1 {
		t.Error("the bill left the screen")
	}
	r.e.Clear(emu.Disconnect)
	r.restart()
	if !r.a.start.done || len(r.a.start.results) != 1 || r.a.start.results[0].Outcome != sale.OutcomeFiscalised {
		t.Fatalf("start-up: %+v", r.a.start)
	}
	m = r.signIn("cashier")
	want := strings.ReplaceAll(translation(t, "en", "ui.start.bill_fiscalised"), "{{.Bill}}", "1")
	r.mustContain("start-up banner", want)
	if len(m.sale.model.rows) != 0 {
		t.Error("the fiscalised bill is still open on screen")
	}
	if n := len(r.receipts()); n != 1 {
		t.Errorf("%d receipts, want exactly 1", n)
	}
}

// Sales wait for the start-up: until it succeeded the desk refuses, and
// the screen says so with "Check again".
func TestSalesWaitForStart(t *testing.T) {
	r := newRig(t, "en")
	r.e.Inject(emu.Fault{Kind: emu.Silence})
	// A bill stuck in Fiscalising makes the start-up ask the register.
	ctx := context.Background()
	r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	b, _ := r.bill()
	if _, err := r.d.Pay(ctx, sale.PayCash, 1_000_000); err != nil {
		t.Fatal(err)
	}
	if err := r.db.Bills().MarkFiscalising(ctx, b.ID, sale.Fiscal{Expected: 99, Kind: device.Sale, Total: 1}); err != nil {
		t.Fatal(err)
	}
	r.restart()
	if r.a.start.err == nil {
		t.Fatal("start-up succeeded without the register")
	}
	m := r.signIn("cashier")
	r.mustContain("start failed", translation(t, "en", "ui.start.retry"))
	r.scan(r.item(1).Barcode)
	if len(m.sale.model.rows) != 0 || r.notice() == "" {
		t.Errorf("a sale went through before the start-up: rows %d, notice %q", len(m.sale.model.rows), r.notice())
	}
	r.e.Clear(emu.Silence)
	test.Tap(findButton(m.startBox, translation(t, "en", "ui.start.retry")))
	if !r.a.start.done {
		t.Fatalf("start-up again: %+v", r.a.start)
	}
}
