package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// sellItem rings item i up and pays cash: one fiscal receipt.
func (r *rig) sellItem(i int) sale.Bill {
	r.t.Helper()
	m := r.main()
	r.scan(r.item(i).Barcode)
	b, _ := r.bill()
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF12}) // F12 pays
	m.sale.pay.tender(sale.PayCash)
	got, err := r.db.Bills().Get(context.Background(), b.ID)
	if err != nil || got.State != sale.StateFiscalised {
		r.t.Fatalf("sale of item %d: %s %v (notice %q)", i, got.State, err, r.notice())
	}
	return got
}

// typeKeys types text into whatever has the focus, key by key, as a person
// does.
func (r *rig) typeKeys(text string) {
	r.t.Helper()
	f := r.w.Canvas().Focused()
	if f == nil {
		r.t.Fatal("nothing has the focus")
	}
	test.Type(f, text)
}

func (r *rig) key(name fyne.KeyName) {
	r.t.Helper()
	f := r.w.Canvas().Focused()
	if f == nil {
		r.t.Fatalf("nothing has the focus for %s", name)
	}
	f.TypedKey(&fyne.KeyEvent{Name: name})
}

// F11, the receipt's number typed key by key, Enter finds it, Enter again
// starts its return: the return bill in the database is of that receipt
// and carries its line.
func TestReturnFromReceiptNumberTyped(t *testing.T) {
	r := newRig(t, "en")
	r.signIn("cashier")
	first := r.sellItem(5)
	r.sellItem(6)
	r.a.Logout()
	m := r.signIn("supervisor")

	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF11})
	j := m.sale.journal
	if j == nil || r.w.Canvas().Focused() != j.number {
		t.Fatalf("F11 does not open the journal with the focus in the number (focus %T)", r.w.Canvas().Focused())
	}
	r.typeKeys(fmt.Sprint(first.Fiscal.Number))
	r.key(fyne.KeyReturn)
	if len(j.bills) != 1 || j.bills[0].ID != first.ID {
		t.Fatalf("lookup shows %d bills (status %q, error %q)", len(j.bills), j.status.Text, j.errLine.text())
	}
	if b, _ := r.bill(); b.ID != 0 {
		t.Fatalf("a bill was opened before the second Enter: %+v", b)
	}
	r.key(fyne.KeyReturn)
	b, _ := r.bill()
	ret, err := r.db.Bills().Get(context.Background(), b.ID)
	if err != nil || ret.Kind != sale.KindReturn || ret.ReturnOf != first.ID || len(ret.Lines) != 1 || ret.Lines[0].Name != r.item(5).Name {
		t.Fatalf("return bill %+v %v (notice %q)", ret, err, r.notice())
	}
	if r.w.Canvas().Overlays().Top() != nil {
		t.Error("the journal stays open over the return bill")
	}
	r.mustContain("return bill", r.item(5).Name)
}

// With the date printed on the receipt (Tab to the date field), and a
// wrong date finds nothing; Escape closes.
func TestReceiptLookupWithDateAndEscape(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("supervisor")
	sold := r.sellItem(2)
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF11})
	j := m.sale.journal
	r.typeKeys(fmt.Sprint(sold.Fiscal.Number))
	r.w.Canvas().FocusNext()
	if r.w.Canvas().Focused() != j.date {
		t.Fatalf("Tab goes to %T, not the date", r.w.Canvas().Focused())
	}
	r.typeKeys(sold.Fiscal.Time.Local().AddDate(0, 0, -1).Format("02.01.2006"))
	r.key(fyne.KeyReturn)
	if len(j.bills) != 0 || !strings.Contains(j.status.Text, "No receipt") {
		t.Fatalf("the day before: %d bills, %q", len(j.bills), j.status.Text)
	}
	j.date.SetText("")
	r.typeKeys(sold.Fiscal.Time.Local().Format("02.01.2006"))
	r.key(fyne.KeyReturn)
	if len(j.bills) != 1 || j.bills[0].ID != sold.ID || j.copy.Disabled() {
		t.Fatalf("with its date: %d bills, %q", len(j.bills), j.status.Text)
	}
	r.key(fyne.KeyEscape)
	if r.w.Canvas().Overlays().Top() != nil {
		t.Fatal("Escape does not close the journal")
	}
	if b, _ := r.bill(); b.ID != 0 {
		t.Fatalf("Escape opened a bill %d", b.ID)
	}
}

// A receipt's QR code scanned while the journal is open finds it (number
// and fiscal sign); Enter starts its return.
func TestReturnFromScannedQR(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("supervisor")
	r.sellItem(1)
	sold := r.sellItem(3)
	r.press("return")
	j := m.sale.journal
	qr := fmt.Sprintf("t=%s&s=%d.00&fn=9999078900001234&i=%d&fp=%d&n=1",
		sold.Fiscal.Time.Local().Format("20060102T1504"), r.item(3).Price/100, sold.Fiscal.Number, sold.Fiscal.Sign)
	if !r.a.HandleInput(device.Scan{Raw: qr, Kind: device.ScanOther, At: time.Now()}) {
		t.Fatal("the scan was not taken")
	}
	if len(j.bills) != 1 || j.bills[0].ID != sold.ID {
		t.Fatalf("QR lookup: %d bills, %q %q", len(j.bills), j.status.Text, j.errLine.text())
	}
	r.key(fyne.KeyReturn)
	b, _ := r.bill()
	if b.Kind != sale.KindReturn || b.ReturnOf != sold.ID {
		t.Fatalf("return %+v (notice %q)", b, r.notice())
	}
}

// The history pages back and forth with PageDown and PageUp: every bill
// once, newest first.
func TestJournalPagesInTheWindow(t *testing.T) {
	old := journalRows
	journalRows = 2
	t.Cleanup(func() { journalRows = old })
	r := newRig(t, "en")
	m := r.signIn("supervisor")
	var sold []sale.BillID
	for i := range 5 {
		sold = append(sold, r.sellItem(i).ID)
	}
	r.press("history")
	j := m.sale.journal
	var seen []sale.BillID
	for k := 0; ; k++ {
		for _, b := range j.bills {
			seen = append(seen, b.ID)
		}
		if j.older.Disabled() {
			break
		}
		if k > 5 {
			t.Fatal("no end of paging")
		}
		r.key(fyne.KeyPageDown)
	}
	want := []sale.BillID{sold[4], sold[3], sold[2], sold[1], sold[0]}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Fatalf("paged %v, want %v", seen, want)
	}
	r.key(fyne.KeyPageUp)
	if len(j.bills) != 2 || j.bills[0].ID != sold[2] || j.newer.Disabled() {
		t.Fatalf("back a page: %v", j.bills)
	}
}

// Parked bills of a shift that has ended are offered at sign-in; "Cancel
// them" cancels them, audited.
func TestStaleParkedOfferedAtSignIn(t *testing.T) {
	r := newRig(t, "en")
	ctx := context.Background()
	r.signIn("supervisor")
	r.scan(r.item(0).Barcode)
	parked, _ := r.bill()
	r.press("park")
	if _, err := r.db.OpenShift(ctx, 1, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	if _, err := r.db.CloseShift(ctx, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	r.a.Logout()
	m := r.signIn("supervisor")
	if m.sale.staleDialog == nil || r.w.Canvas().Overlays().Top() == nil {
		t.Fatal("no offer to cancel the old parked bill")
	}
	r.mustContain("offer", fmt.Sprintf("Bill %d", parked.ID))
	// "Keep them" keeps them: offered again at the next sign-in.
	test.Tap(findButton(r.w.Canvas().Overlays().Top(), translation(t, "en", "ui.stale.keep")))
	if got, _ := r.db.Bills().Get(ctx, parked.ID); got.State != sale.StateParked {
		t.Fatalf("kept bill is %s", got.State)
	}
	r.a.Logout()
	if m = r.signIn("supervisor"); m.sale.staleDialog == nil {
		t.Fatal("not offered again")
	}
	b := findButton(r.w.Canvas().Overlays().Top(), translation(t, "en", "ui.stale.cancel"))
	if b == nil {
		t.Fatal("no Cancel them button")
	}
	test.Tap(b)
	got, err := r.db.Bills().Get(ctx, parked.ID)
	if err != nil || got.State != sale.StateCancelled {
		t.Fatalf("parked bill is %s %v (notice %q)", got.State, err, r.notice())
	}
	rows, err := r.db.SearchAudit(ctx, store.AuditQuery{Action: "bill.cancel"})
	if err != nil || len(rows) != 1 || !strings.Contains(string(rows[0].Args), `"stale":true`) {
		t.Fatalf("audit %+v %v", rows, err)
	}
	r.a.Logout()
	if m = r.signIn("supervisor"); m.sale.staleDialog != nil {
		t.Fatal("offered again after cancelling")
	}
}

// A copy of an older receipt starts from the receipt too: found by its
// number, "Copy of the receipt" shows it (this register prints no text)
// and the copy is audited as bill.reprint.
func TestCopyOfAFoundReceipt(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("supervisor")
	sold := r.sellItem(4)
	r.sellItem(5)
	r.press("history")
	j := m.sale.journal
	r.typeKeys(fmt.Sprint(sold.Fiscal.Number))
	r.key(fyne.KeyReturn)
	if len(j.bills) != 1 || j.copy.Disabled() {
		t.Fatalf("found %d, copy disabled %v", len(j.bills), j.copy.Disabled())
	}
	r.key(fyne.KeyReturn) // Enter again in Bill history starts no return
	if b, _ := r.bill(); b.ID != 0 {
		t.Fatalf("Enter in the history opened bill %d", b.ID)
	}
	test.Tap(j.copy)
	r.mustContain("copy", r.item(4).Name, fmt.Sprintf("Receipt %d", sold.Fiscal.Number))
	rows, err := r.db.SearchAudit(context.Background(), store.AuditQuery{Action: "bill.reprint"})
	if err != nil || len(rows) != 1 || rows[0].Outcome != store.OutcomeOK {
		t.Fatalf("audit %+v %v", rows, err)
	}
}
