package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/sale"
)

// openDialog shows d as a modal that owns the keyboard (modal.go), with
// sink on the input stack (nil: the readers' events are swallowed, so a
// scan cannot change the bill under a payment or a discount being typed);
// the barcode field gets the focus back when the last dialog closes. The
// last dialog is kept for tests.
func (s *saleArea) openDialog(d dialog.Dialog, sink InputSink) *modal {
	return s.openModal(d, modalKeys{sink: sink})
}

// openModal is openDialog with the dialog's keys: its default button, its
// cancel, the field focused on open.
func (s *saleArea) openModal(d dialog.Dialog, k modalKeys) *modal {
	closed := k.closed
	k.closed = func() {
		if closed != nil {
			closed()
		}
		if s.m.ctx.Err() == nil && s.app.topModal() == nil && s.app.screen == s.m {
			s.m.Focus()
		}
	}
	s.dialog = d
	return s.app.showModal(d, k)
}

// form is a small keyboard-first dialog: fields, Enter in the last one
// confirms, Escape cancels.
type form struct {
	d       dialog.Dialog
	entries []*shortcutEntry
	errLine errorLine
	confirm func()
}

// askForm opens a dialog with one entry per label; submit gets the texts
// and returns a message to show instead of closing ("not a number").
func (s *saleArea) askForm(title string, labels []string, initial []string, extra fyne.CanvasObject, submit func(texts []string) *Message) *form {
	f := &form{errLine: newErrorLine()}
	items := []fyne.CanvasObject{}
	for i, l := range labels {
		e := newShortcutEntry(s.m.shortcut)
		e.onKey = s.app.dialogKey
		e.selectOnFocus = true
		if i < len(initial) {
			e.SetText(initial[i])
		}
		f.entries = append(f.entries, e)
		items = append(items, widget.NewLabel(l), e)
	}
	if extra != nil {
		items = append(items, extra)
	}
	f.confirm = func() {
		texts := make([]string, len(f.entries))
		for i, e := range f.entries {
			texts[i] = e.Text
		}
		if m := submit(texts); m != nil {
			f.errLine.show(*m)
			return
		}
		f.d.Hide()
	}
	for i, e := range f.entries {
		if i < len(f.entries)-1 {
			next := f.entries[i+1]
			e.OnSubmitted = func(string) { s.app.focus(next) }
		} else {
			e.OnSubmitted = func(string) { f.confirm() }
		}
	}
	ok := newKeyButton(s.app, lang.X("ui.dlg.ok", "OK (Enter)"), nil, func() { f.confirm() })
	ok.Importance = widget.HighImportance
	cancel := newKeyButton(s.app, lang.X("ui.dlg.cancel", "Cancel (Esc)"), nil, func() { f.d.Hide() })
	items = append(items, f.errLine, container.NewGridWithColumns(2, cancel, ok))
	f.d = dialog.NewCustomWithoutButtons(title, fixedWidth(420, container.NewVBox(items...)), s.app.win)
	k := modalKeys{enter: f.confirm}
	if len(f.entries) > 0 {
		k.focus = f.entries[0]
	}
	s.form = f
	s.openModal(f.d, k)
	return f
}

// notNumber says a typed text is not a number — or, for a number with
// more digits than the till holds, that it is too large.
func notNumber(text string) *Message {
	if _, err := parseFixed(text, 3); errors.Is(err, errTooLarge) {
		return &Message{Key: "ui.dlg.too_large_plain", Fallback: "“{{.Text}}” is too large.", Args: map[string]any{"Text": strings.TrimSpace(text)}}
	}
	return &Message{Key: "ui.dlg.not_number", Fallback: "“{{.Text}}” is not a number.", Args: map[string]any{"Text": text}}
}

// ---- line actions ----

func (s *saleArea) askQuantity() {
	r, ok := s.needLine()
	if !ok {
		return
	}
	sep := s.m.sep
	label := lang.X("ui.dlg.qty", "Quantity (pieces, or kg for weighed goods)")
	s.askForm(lang.X("ui.act.qty", "Quantity")+": "+r.name, []string{label}, []string{quantityText(r.qty, r.weighed, sep)}, nil, func(t []string) *Message {
		q, m := s.readQty(t[0])
		if m == nil {
			m = s.lineFits(r.price, q)
		}
		if m != nil {
			return m
		}
		s.act(func(ctx context.Context) error { return s.d.SetQuantity(ctx, r.id, q) }, s.changed(r.id))
		return nil
	})
}

func (s *saleArea) askPrice() {
	r, ok := s.needLine()
	if !ok {
		return
	}
	s.askForm(lang.X("ui.act.price", "Price")+": "+r.name, []string{lang.X("ui.dlg.price", "Unit price")}, []string{s.m.money.Number(r.price)}, nil, func(t []string) *Message {
		p, m := s.readMoney(t[0], maxPrice, true)
		if m == nil {
			m = s.lineFits(p, r.qty)
		}
		if m != nil {
			return m
		}
		s.act(func(ctx context.Context) error { return s.d.ManualPrice(ctx, r.id, p) }, s.changed(r.id))
		return nil
	})
}

// discountForm asks a discount as a percentage or an amount.
func (s *saleArea) discountForm(title string, apply func(dc sale.Discount)) {
	kind := widget.NewRadioGroup([]string{lang.X("ui.dlg.percent", "%"), lang.X("ui.dlg.amount", "Amount")}, nil)
	kind.Horizontal = true
	kind.SetSelected(kind.Options[0])
	s.askForm(title, []string{lang.X("ui.dlg.discount", "Discount (0 removes it)")}, nil, kind, func(t []string) *Message {
		text := strings.TrimSpace(t[0])
		var dc sale.Discount
		var err error
		switch {
		case kind.Selected == kind.Options[1] && !strings.HasSuffix(text, "%"):
			dc.Kind = sale.DiscountAmount
			var m *Message
			if dc.Value, m = s.readMoney(text, maxAmount, true); m != nil {
				return m
			}
		default:
			dc.Kind = sale.DiscountPercent
			dc.Value, err = parsePercent(text)
			if err == nil && dc.Value > 10000 {
				return tooLarge(text, "100 %")
			}
		}
		if err != nil {
			return notNumber(text)
		}
		if dc.Value == 0 {
			dc = sale.Discount{}
		}
		apply(dc)
		return nil
	})
}

func (s *saleArea) askLineDiscount() {
	r, ok := s.needLine()
	if !ok {
		return
	}
	s.discountForm(lang.X("ui.act.line_discount", "Line discount")+": "+r.name, func(dc sale.Discount) {
		s.act(func(ctx context.Context) error { return s.d.LineDiscount(ctx, r.id, dc) }, s.changed(r.id))
	})
}

func (s *saleArea) askTotalDiscount() {
	if len(s.model.rows) == 0 {
		return
	}
	s.discountForm(lang.X("ui.act.total_discount", "Total discount"), func(dc sale.Discount) {
		s.act(func(ctx context.Context) error { return s.d.TotalDiscount(ctx, dc) }, s.applyReload)
	})
}

func (s *saleArea) voidLine() {
	r, ok := s.needLine()
	if !ok {
		return
	}
	s.act(func(ctx context.Context) error { return s.d.VoidLine(ctx, r.id) }, s.changed(r.id))
}

func (s *saleArea) cancelBill() {
	if len(s.model.rows) == 0 {
		return
	}
	d := dialog.NewConfirm(lang.X("ui.act.cancel", "Cancel bill"),
		lang.X("ui.dlg.cancel_bill", "Cancel the whole bill? Its lines stay in the journal as cancelled."),
		func(ok bool) {
			if ok {
				s.act(func(ctx context.Context) error { return s.d.CancelBill(ctx) }, s.applyReload)
			}
		}, s.app.win)
	s.openDialog(d, nil)
}

func (s *saleArea) park() {
	s.run(func(ctx context.Context) error { return s.d.Park(ctx) }, func() {
		s.reload()
		s.m.notice.show(widget.SuccessImportance, Message{Key: "ui.sale.parked", Fallback: "The bill is parked: F9 recalls it."})
	})
}

// openRecall lists the cashier's parked bills; choosing one brings it back.
func (s *saleArea) openRecall() {
	if s.d == nil {
		return
	}
	bills, err := s.d.Parked(s.m.ctxOrBackground())
	if err != nil {
		s.fail(err)
		return
	}
	if len(bills) == 0 {
		s.m.notice.show(widget.MediumImportance, Message{Key: "ui.sale.none_parked", Fallback: "No parked bills."})
		return
	}
	var d dialog.Dialog
	list := newKeyList(s.app, func() int { return len(bills) }, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			b := bills[i]
			o.(*widget.Label).SetText(lang.X("ui.recall.row", "Bill {{.Bill}} from {{.Time}}: {{.Lines}} lines",
				map[string]any{"Bill": int64(b.ID), "Time": b.ParkedAt.Local().Format("15:04"), "Lines": b.Lines}))
		})
	list.OnSelected = func(i widget.ListItemID) {
		id := bills[i].ID
		d.Hide()
		s.act(func(ctx context.Context) error { return s.d.Recall(ctx, id) }, s.applyReload)
	}
	s.recallList = &list.List
	hint := widget.NewLabel(lang.X("ui.recall.hint", "Arrows choose a bill, Enter recalls it, Esc closes."))
	d = dialog.NewCustom(lang.X("ui.act.recall", "Recall"), lang.X("ui.dlg.close_esc", "Close (Esc)"),
		container.NewBorder(hint, nil, nil, nil, fixedSize(520, 320, list)), s.app.win)
	s.openModal(d, modalKeys{focus: list, enter: func() { list.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace}) }})
}

// preBill allows the next pre-bill print (its counter against the limit)
// and shows it: the register prints fiscal documents only, so the
// pre-bill is shown for the customer.
func (s *saleArea) preBill() {
	var pb desk.PreBill
	s.run(func(ctx context.Context) (err error) {
		pb, err = s.d.PreBill(ctx)
		return err
	}, func() {
		if pb.Printed {
			s.m.notice.show(widget.SuccessImportance, Message{Key: "ui.prebill.printed", Fallback: "Pre-bill {{.N}} printed.", Args: map[string]any{"N": pb.Print}})
			return
		}
		title := lang.X("ui.prebill.title", "Pre-bill {{.N}}", map[string]any{"N": pb.Print})
		s.openDialog(dialog.NewCustom(title, lang.X("ui.dlg.close", "Close"), s.billText(pb.Bill, pb.Totals), s.app.win), nil)
	})
}

// billText lays a bill out as the customer's copy.
func (s *saleArea) billText(b sale.Bill, t sale.Totals) fyne.CanvasObject {
	f := s.m.money
	sep := s.m.sep
	var sb strings.Builder
	k := 0
	for _, l := range b.Lines {
		if l.Voided {
			continue
		}
		amount := int64(0)
		if k < len(t.Lines) {
			amount = t.Lines[k].Amount
			k++
		}
		fmt.Fprintf(&sb, "%s\n    %s × %s = %s\n", l.Name, quantityText(l.QtyMilli, l.QtyMilli%1000 != 0, sep), f.Format(l.UnitPrice), f.Format(amount))
	}
	if t.LineDiscounts+t.BillDiscount > 0 {
		sb.WriteString(lang.X("ui.bill.discount", "Discount: {{.Amount}}", map[string]any{"Amount": f.Format(t.LineDiscounts + t.BillDiscount)}) + "\n")
	}
	sb.WriteString(lang.X("ui.bill.total", "Total {{.Amount}}", map[string]any{"Amount": f.Format(t.Due)}))
	if b.Fiscal.Number != 0 {
		sb.WriteString("\n" + lang.X("ui.receipt.fiscal", "Receipt {{.Number}}, fiscal sign {{.Sign}}, shift {{.Shift}}",
			map[string]any{"Number": int64(b.Fiscal.Number), "Sign": int64(b.Fiscal.Sign), "Shift": int64(b.Fiscal.Shift)}))
	}
	l := widget.NewLabel(sb.String())
	l.TextStyle = fyne.TextStyle{Monospace: true}
	return container.NewVScroll(fixedWidth(520, l))
}

func (s *saleArea) reprint() {
	var b sale.Bill
	s.run(func(ctx context.Context) (err error) {
		b, err = s.d.ReprintLast(ctx)
		return err
	}, func() {
		if s.d.PrintsText() {
			s.m.notice.show(widget.SuccessImportance, Message{Key: "ui.reprint.printed", Fallback: "Copy of receipt {{.N}} printed.", Args: map[string]any{"N": b.Fiscal.Number}})
			return
		}
		t, _ := sale.Compute(&b, s.vat())
		s.openDialog(dialog.NewCustom(lang.X("ui.reprint.title", "Copy of the last receipt"), lang.X("ui.dlg.close", "Close"), s.billText(b, t), s.app.win), nil)
	})
}

func (s *saleArea) vat() *sale.VATTable {
	c := s.app.deps.Country
	if c == "" {
		c = "RU"
	}
	t, err := sale.VATTableFor(c)
	if err != nil {
		t, _ = sale.VATTableFor("RU")
	}
	return t
}

// openHistory opens the journal (ui/journal.go): Bill history, or with
// returns the F11 return that starts from a receipt.
func (s *saleArea) openHistory(returns bool) { s.openJournal(returns) }

// startReturn opens a return bill: from a journal receipt (its lines are
// copied) or free (0).
func (s *saleArea) startReturn(from sale.BillID) {
	s.act(func(ctx context.Context) error {
		_, err := s.d.Return(ctx, from)
		return err
	}, s.applyReload)
}

// askGeneric sells an item without a card at a typed price.
func (s *saleArea) askGeneric() {
	codes := s.vat().Codes()
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = string(c)
	}
	vat := widget.NewSelect(names, nil)
	if len(names) > 0 {
		vat.SetSelectedIndex(0)
	}
	extra := container.NewVBox(widget.NewLabel(lang.X("ui.dlg.vat", "VAT rate")), vat)
	s.askForm(lang.X("ui.act.generic", "Generic item"),
		[]string{lang.X("ui.dlg.name", "Name"), lang.X("ui.dlg.price", "Unit price"), lang.X("ui.dlg.qty", "Quantity (pieces, or kg for weighed goods)")},
		[]string{lang.X("ui.dlg.generic_name", "Goods"), "", "1"}, extra, func(t []string) *Message {
			price, m := s.readMoney(t[1], maxPrice, false)
			if m != nil {
				return m
			}
			qty, m := s.readQty(t[2])
			if m == nil {
				m = s.lineFits(price, qty)
			}
			if m != nil {
				return m
			}
			name := strings.TrimSpace(t[0])
			code := sale.VATCode(vat.Selected)
			var lid sale.LineID
			s.act(func(ctx context.Context) (err error) {
				lid, err = s.d.AddGeneric(ctx, name, price, qty, code, 1)
				return err
			}, func(b *sale.Bill, t *sale.Totals) { s.applyAdded(b, t, lid) })
			return nil
		})
}

// ---- item search ----

func (s *saleArea) openSearch() { s.openSearchWith("") }

// openSearchWith opens the search by name; Enter or a tap adds the item.
func (s *saleArea) openSearchWith(prefix string) {
	m := s.m
	m.search = newShortcutEntry(m.shortcut)
	m.search.onKey = s.app.dialogKey
	m.search.SetPlaceHolder(lang.X("ui.sale.search", "Search items by name"))
	m.found = widget.NewLabel("")
	m.items = nil
	var d dialog.Dialog
	add := func(it sale.Item) {
		d.Hide()
		s.addItem(it)
	}
	m.results = widget.NewList(
		func() int { return len(m.items) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			barcode := widget.NewLabel("")
			price := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{})
			return &fyne.Container{Layout: columns{barcodeWidth, priceWidth}, Objects: []fyne.CanvasObject{name, barcode, price}}
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(m.items) {
				return
			}
			it := m.items[id]
			row := o.(*fyne.Container).Objects
			row[0].(*widget.Label).SetText(it.Name)
			row[1].(*widget.Label).SetText(it.Barcode)
			row[2].(*widget.Label).SetText(priceText(it, m.money))
		},
	)
	m.results.OnSelected = func(id widget.ListItemID) {
		if id < len(m.items) {
			add(m.items[id])
		}
	}
	m.search.OnChanged = m.runSearch
	m.search.OnSubmitted = func(string) {
		if len(m.items) > 0 {
			add(m.items[0])
		}
	}
	if s.app.deps.Items == nil {
		m.search.Disable()
		m.found.SetText(lang.X("ui.sale.no_catalogue", "The item catalogue is not connected."))
	}
	body := container.NewBorder(container.NewVBox(m.search, m.found), nil, nil, nil, fixedSize(760, 400, m.results))
	d = dialog.NewCustom(lang.X("ui.sale.search_title", "Find an item"), lang.X("ui.dlg.close_esc", "Close (Esc)"), body, s.app.win)
	m.search.SetText(prefix)
	m.runSearch(prefix)
	s.openModal(d, modalKeys{focus: m.search, enter: func() { m.search.OnSubmitted(m.search.Text) }})
	m.search.CursorColumn = len([]rune(prefix)) // typed letters go on after the prefix
	m.search.Refresh()
}

// addItem rings up a found item (the quantity typed before, or one piece;
// a weighed item asks its weight).
func (s *saleArea) addItem(it sale.Item) {
	qty := s.qtyNext
	if qty == 0 && it.Weighed {
		s.askForm(it.Name, []string{lang.X("ui.dlg.weight", "Weight, kg")}, nil, nil, func(t []string) *Message {
			q, m := s.readQty(t[0])
			if m == nil {
				m = s.lineFits(it.Price, q)
			}
			if m != nil {
				return m
			}
			s.setQtyNext(q)
			s.addItem(it)
			return nil
		})
		return
	}
	if qty == 0 {
		qty = 1000
	}
	var lid sale.LineID
	s.act(func(ctx context.Context) (err error) {
		lid, err = s.d.AddItem(ctx, it, qty)
		return err
	}, func(b *sale.Bill, t *sale.Totals) {
		s.setQtyNext(0)
		s.applyAdded(b, t, lid)
	})
}

// runSearch looks items up in the background; only the newest search's
// answer is shown.
func (m *MainScreen) runSearch(prefix string) {
	items := m.app.deps.Items
	if items == nil {
		return
	}
	m.seq++
	seq := m.seq
	ctx := m.ctx
	m.app.async(func() {
		found, err := items.SearchItems(ctx, prefix, searchLimit)
		m.app.do(func() {
			if seq != m.seq || ctx.Err() != nil {
				return
			}
			if err != nil {
				fyne.LogError("search items", err)
				m.found.Importance = widget.DangerImportance
				m.found.SetText(tr(errorMessage(fmt.Errorf("search items: %w", err))))
				return
			}
			m.items = found
			m.found.Importance = widget.MediumImportance
			switch {
			case len(found) == 0:
				m.found.SetText(lang.X("ui.sale.none", "No items found."))
			case len(found) >= searchLimit:
				m.found.SetText(lang.X("ui.sale.first_n", "First {{.N}} items; type more of the name to narrow.", map[string]any{"N": len(found)}))
			default:
				m.found.SetText(lang.X("ui.sale.found", "Items found: {{.N}}", map[string]any{"N": len(found)}))
			}
			m.results.Refresh()
		})
	})
}
