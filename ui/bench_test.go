package ui

import (
	"fmt"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/sale"
)

// Issue 6's benchmark: adding a line to a bill of 1,000 lines (the
// screen's model and the list widget) must cost about what it costs on a
// bill of 10 — the screen must not rebuild the list per line. The desk's
// own work (the store commits the line and reads the bill back) is outside:
// it is the store's and the sale core's, measured in their packages.
func BenchmarkAddLine(b *testing.B)         { benchAddLine(b, 1000) }
func BenchmarkAddLineBaseline(b *testing.B) { benchAddLine(b, 10) }

func benchAddLine(b *testing.B, n int) {
	test.NewTempApp(b)
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		b.Fatal(err)
	}
	bill := sale.Bill{ID: 1, Kind: sale.KindSale, State: sale.StateOpen}
	for i := 0; i <= n; i++ {
		bill.Lines = append(bill.Lines, sale.Line{
			ID: sale.LineID(i + 1), Item: sale.ItemID(i + 1), Name: fmt.Sprintf("Item %d", i),
			QtyMilli: 1000, UnitPrice: int64(1000 + i), VAT: "20", Dept: 1,
		})
	}
	full, err := sale.Compute(&bill, vat)
	if err != nil {
		b.Fatal(err)
	}
	// The screen shows the first n lines; each iteration adds line n+1.
	before := bill
	before.Lines = bill.Lines[:n]
	beforeT := full
	beforeT.Lines = full.Lines[:n]

	w := test.NewTempWindow(b, widget.NewLabel(""))
	w.Resize(fyne.NewSize(1024, 768))
	a := New(w, Deps{Auth: newFakeAuth(), Settings: newMemSettings()})
	a.async = func(f func()) { f() }
	a.do = func(f func()) { f() }
	a.pollStatus = false
	a.Start()
	a.SignedIn(User{ID: 1, Login: "cashier", FullName: "Ivan Petrov"}, "")
	s := a.screen.(*MainScreen).sale
	s.model.reset(&before, &beforeT)
	s.list.Refresh()
	lid := bill.Lines[n].ID
	b.ResetTimer()
	for b.Loop() {
		s.applyAdded(&bill, &full, lid)
		// Take the line off again (O(1)) so every iteration adds to a
		// bill of exactly n lines.
		s.model.rows = s.model.rows[:n]
		delete(s.model.index, lid)
	}
}
