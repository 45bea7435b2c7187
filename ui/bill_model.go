package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/sale"
)

// billModel is the bill as the list shows it: one row per line, voided
// lines included (the journal shows what was rung up and taken back).
// It is updated in place — a new line is appended, a changed line is
// replaced — so a 1,000-line bill costs the same per scan as a 10-line one.
type billModel struct {
	rows  []lineRow
	index map[sale.LineID]int
}

// lineRow is what one row of the bill shows.
type lineRow struct {
	id       sale.LineID
	name     string
	qty      int64 // milli-units
	price    int64 // unit price
	amount   int64 // after the line's own discount (the total discount is in the totals)
	weighed  bool
	discount sale.Discount
	manual   bool
	voided   bool
}

func (m *billModel) length() int { return len(m.rows) }

func rowOf(l *sale.Line, lt *sale.LineTotal) lineRow {
	r := lineRow{
		id: l.ID, name: l.Name, qty: l.QtyMilli, price: l.UnitPrice, weighed: l.QtyMilli%1000 != 0,
		discount: l.Discount, manual: l.ManualPrice, voided: l.Voided,
	}
	if lt != nil {
		r.amount = lt.Gross - lt.LineDiscount
	}
	return r
}

// reset rebuilds the model from a whole bill.
func (m *billModel) reset(b *sale.Bill, t *sale.Totals) {
	m.rows = m.rows[:0]
	m.index = make(map[sale.LineID]int, len(b.Lines))
	k := 0
	for i := range b.Lines {
		l := &b.Lines[i]
		var lt *sale.LineTotal
		if !l.Voided && k < len(t.Lines) && t.Lines[k].Line == l.ID {
			lt = &t.Lines[k]
			k++
		}
		m.index[l.ID] = len(m.rows)
		m.rows = append(m.rows, rowOf(l, lt))
	}
}

// add appends the bill's newest line, lid; false when the bill is not
// the model plus that line (then reset).
func (m *billModel) add(b *sale.Bill, t *sale.Totals, lid sale.LineID) bool {
	n := len(b.Lines)
	if n != len(m.rows)+1 || b.Lines[n-1].ID != lid || len(t.Lines) == 0 || t.Lines[len(t.Lines)-1].Line != lid {
		return false
	}
	if m.index == nil {
		m.index = map[sale.LineID]int{}
	}
	m.index[lid] = len(m.rows)
	m.rows = append(m.rows, rowOf(&b.Lines[n-1], &t.Lines[len(t.Lines)-1]))
	return true
}

// update replaces line lid's row; it returns the row's index.
func (m *billModel) update(b *sale.Bill, t *sale.Totals, lid sale.LineID) (int, bool) {
	i, ok := m.index[lid]
	if !ok || i >= len(b.Lines) || b.Lines[i].ID != lid || len(b.Lines) != len(m.rows) {
		return 0, false
	}
	var lt *sale.LineTotal
	for k := range t.Lines {
		if t.Lines[k].Line == lid {
			lt = &t.Lines[k]
			break
		}
	}
	m.rows[i] = rowOf(&b.Lines[i], lt)
	return i, true
}

// newLineRow is one row of the bill: name (with its discount), quantity ×
// price, amount.
func newLineRow() fyne.CanvasObject {
	name := widget.NewLabel("")
	name.Truncation = fyne.TextTruncateEllipsis
	qty := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{})
	disc := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Italic: true})
	price := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{})
	amount := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	return &fyne.Container{Layout: columns{qtyWidth, discWidth, priceWidthBill, amountWidth}, Objects: []fyne.CanvasObject{name, qty, disc, price, amount}}
}

func (r *lineRow) show(o fyne.CanvasObject, f *sale.Formatter, sep string) {
	objs := o.(*fyne.Container).Objects
	name, qty, disc, price, amount := objs[0].(*widget.Label), objs[1].(*widget.Label), objs[2].(*widget.Label), objs[3].(*widget.Label), objs[4].(*widget.Label)
	text := r.name
	if r.manual {
		text += "  " + lang.X("ui.bill.manual", "(manual price)")
	}
	imp := widget.MediumImportance
	if r.voided {
		text = lang.X("ui.bill.voided", "VOID") + "  " + text
		imp = widget.LowImportance
	}
	q := quantityText(r.qty, r.weighed, sep)
	if r.weighed {
		q += " " + lang.X("ui.bill.kg", "kg")
	}
	a := "—"
	if !r.voided {
		a = f.Format(r.amount)
	}
	d := ""
	switch r.discount.Kind {
	case sale.DiscountPercent:
		d = "−" + percentText(r.discount.Value, sep) + " %"
	case sale.DiscountAmount:
		d = "−" + f.Number(r.discount.Value)
	}
	// A list refresh calls this for every row in view; a label whose text
	// and look did not change is left alone, so only the new or changed
	// row is shaped and drawn again.
	setLabel(name, text, imp)
	setLabel(qty, q, imp)
	setLabel(disc, d, imp)
	setLabel(price, f.Format(r.price), imp)
	setLabel(amount, a, imp)
}

func setLabel(l *widget.Label, text string, imp widget.Importance) {
	if l.Text == text && l.Importance == imp {
		return
	}
	l.Importance = imp
	l.SetText(text)
}
