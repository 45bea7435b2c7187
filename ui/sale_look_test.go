package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The sale screen with a real bill (the demo store, the emulated
// register) at the smallest supported size, in English, Russian and Italian: three
// lines, one weighed, one with the cashier's 5 % discount, the second
// selected. When a change is meant, look at testdata/failed/ and copy.
func TestSaleScreenLooks(t *testing.T) {
	for _, tag := range []string{"en", "ru", "it"} {
		t.Run(tag, func(t *testing.T) {
			r := newRig(t, tag)
			m := r.signIn("cashier")
			r.w.Resize(fyne.NewSize(1024, 768))
			r.scan("2*" + r.item(0).Barcode)
			r.scan(r.item(7).Barcode)
			r.scan("2200101004558") // a 455 g weight label of the demo apples
			m.sale.list.Select(1)
			r.press("line_discount")
			r.formSubmit("5")
			m.sale.list.Select(1)
			m.pollDesk() // the register's status (no time in it: the shift was opened on the register)
			test.AssertRendersToImage(t, "sale_"+tag+".png", r.w.Canvas())
		})
	}
}
