package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// journalDialog is Bill history and F11 Return: the journal paged back to
// the user's journal depth ("Older", "Newer", PageDown, PageUp), and a
// receipt found from what the customer holds: its number typed (with the
// date printed on it when the number alone is not enough) or its QR code
// scanned. Enter in the number field looks the receipt up; Enter again
// starts the return (F11) on the receipt found. Escape closes.
type journalDialog struct {
	s       *saleArea
	returns bool // opened by F11: choosing a sale starts its return
	all     bool // every cashier's bills (journal.view_all)

	d       dialog.Dialog
	number  *shortcutEntry
	date    *shortcutEntry
	list    *widget.List
	keys    *keyList // the list as it takes keys (list is its widget.List)
	status  *widget.Label
	errLine errorLine
	older   *widget.Button
	newer   *widget.Button
	ret     *widget.Button
	copy    *widget.Button

	page     desk.JournalPage
	bills    []sale.Bill // what the list shows: a history page or the receipts found
	found    string      // the lookup text the list shows the receipts of; "" for history
	selected int         // the row the buttons act on, -1 for none
	busy     bool
}

// journalRows is the page size of the history on screen (a variable for
// the tests).
var journalRows = 50

// openJournal opens the journal (returns: for F11) on the newest page.
func (s *saleArea) openJournal(returns bool) {
	if s.d == nil {
		return
	}
	j := &journalDialog{s: s, returns: returns, selected: -1, errLine: newErrorLine()}
	j.build()
	s.journal = j
	// It owns the keyboard like every dialog: the number field has the
	// focus, Enter looks up (again: starts the return), Escape closes.
	s.openModal(j.d, modalKeys{sink: j, focus: j.number, enter: j.submit})
	j.load(desk.JournalRequest{})
}

func (j *journalDialog) build() {
	s := j.s
	j.number = newShortcutEntry(s.m.shortcut)
	j.number.SetPlaceHolder(lang.X("ui.journal.number", "Receipt number, or scan the receipt's QR code"))
	j.number.onKey = j.key
	j.number.OnSubmitted = func(string) { j.submit() }
	j.date = newShortcutEntry(s.m.shortcut)
	j.date.SetPlaceHolder(lang.X("ui.journal.date", "Date on the receipt, DD.MM.YYYY (optional)"))
	j.date.onKey = j.key
	j.date.OnSubmitted = func(string) { j.submit() }
	j.status = widget.NewLabel("")
	j.status.Wrapping = fyne.TextWrapWord

	f := s.m.money
	vat := s.vat()
	// A keyList: Down from the number field reaches it, arrows move,
	// Enter takes the row (F11: starts its return), PgDn/PgUp page.
	kl := newKeyList(s.app, func() int { return len(j.bills) }, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(j.bills) {
				return
			}
			b := j.bills[i]
			t, _ := sale.Compute(&b, vat)
			args := map[string]any{
				"Time": b.Opened.Local().Format("02.01.06 15:04"), "Bill": int64(b.ID),
				"Kind": lang.X(b.Kind.Key(), b.Kind.Key()), "State": lang.X(b.State.Key(), b.State.String()),
				"Total": f.Format(t.Due), "Number": int64(b.Fiscal.Number),
			}
			if b.Fiscal.Number == 0 {
				// No receipt yet (open, parked, cancelled): not "receipt 0".
				o.(*widget.Label).SetText(lang.X("ui.history.row_no_receipt", "{{.Time}}  bill {{.Bill}}  {{.Kind}}  {{.State}}  {{.Total}}", args))
				return
			}
			o.(*widget.Label).SetText(lang.X("ui.history.row", "{{.Time}}  bill {{.Bill}}  {{.Kind}}  {{.State}}  {{.Total}}  receipt {{.Number}}", args))
		})
	kl.onKey = j.key
	j.keys, j.list = kl, &kl.List
	j.list.OnSelected = func(i widget.ListItemID) {
		if i >= len(j.bills) {
			return
		}
		j.selected = i
		j.refreshButtons()
		if j.returns && returnable(j.bills[i]) {
			j.startReturn(j.bills[i].ID)
		}
	}
	// keyButtons: Tab reaches them, Enter or Space presses, Escape closes.
	older := newKeyButton(s.app, lang.X("ui.journal.older", "Older (PgDn)"), nil, j.pageOlder)
	newer := newKeyButton(s.app, lang.X("ui.journal.newer", "Newer (PgUp)"), nil, j.pageNewer)
	ret := newKeyButton(s.app, lang.X("ui.journal.return", "Return this receipt"), nil, func() {
		if b, ok := j.current(); ok {
			j.startReturn(b.ID)
		}
	})
	cp := newKeyButton(s.app, lang.X("ui.journal.copy", "Copy of the receipt"), nil, func() {
		if b, ok := j.current(); ok {
			j.reprint(b.ID)
		}
	})
	j.older, j.newer, j.ret, j.copy = &older.Button, &newer.Button, &ret.Button, &cp.Button

	days := max(s.m.user.JournalDays, 1)
	top := []fyne.CanvasObject{
		container.NewGridWithColumns(2, j.number, j.date),
		widget.NewLabel(lang.X("ui.history.depth", "Bills of the last {{.Days}} days (your journal depth).", map[string]any{"Days": days})),
	}
	if s.d.Visible(policy.ActionViewAllBills) {
		every := widget.NewCheck(lang.X("ui.history.all", "Every cashier's bills"), nil)
		if v := s.d.Verdict(policy.ActionViewAllBills); !v.Allowed && !v.ApprovalPossible {
			every.Disable()
		}
		every.OnChanged = func(on bool) {
			j.all = on
			j.load(desk.JournalRequest{})
		}
		top = append(top, every)
	}
	if j.returns {
		top = append(top, widget.NewLabel(lang.X("ui.journal.pick_return", "Type the receipt's number or scan its QR code, or choose the sale below.")))
	}
	top = append(top, j.status, j.errLine)
	buttons := []fyne.CanvasObject{newer, older, ret, cp}
	if j.returns {
		buttons = append(buttons, newKeyButton(s.app, lang.X("ui.history.free_return", "Return without a receipt"), nil, func() {
			j.d.Hide()
			s.startReturn(0)
		}))
	}
	closeBtn := newKeyButton(s.app, lang.X("ui.dlg.close_esc", "Close (Esc)"), nil, func() { j.d.Hide() })
	buttons = append(buttons, closeBtn)
	body := container.NewBorder(container.NewVBox(top...), container.NewHBox(buttons...), nil, nil,
		container.NewGridWrap(fyne.NewSize(760, 360), kl))
	title := lang.X("ui.act.history", "Bill history")
	if j.returns {
		title = lang.X("ui.act.return", "Return")
	}
	j.d = dialog.NewCustomWithoutButtons(title, body, s.app.win)
	j.refreshButtons()
}

func returnable(b sale.Bill) bool { return b.Kind == sale.KindSale && b.State == sale.StateFiscalised }

// key: Escape closes, PageDown/PageUp page.
func (j *journalDialog) key(ev *fyne.KeyEvent) bool {
	switch ev.Name {
	case fyne.KeyEscape:
		j.d.Hide()
	case fyne.KeyPageDown:
		j.pageOlder()
	case fyne.KeyPageUp:
		j.pageNewer()
	case fyne.KeyDown:
		// From the number or date field down to the bills: the cursor
		// on the newest, Enter takes it.
		if j.s.app.win.Canvas().Focused() == fyne.Focusable(j.keys) || len(j.bills) == 0 {
			return false
		}
		j.s.app.focus(j.keys)
	default:
		return false
	}
	return true
}

// HandleInput takes a scan while the dialog is open: a receipt's QR code
// (or a number barcode) is looked up; nothing reaches the bill.
func (j *journalDialog) HandleInput(ev device.InputEvent) bool {
	if sc, ok := ev.(device.Scan); ok && sc.Raw != "" {
		j.number.SetText(sc.Raw)
		j.date.SetText("")
		j.submit()
	}
	return true
}

func (j *journalDialog) current() (sale.Bill, bool) {
	if j.selected < 0 || j.selected >= len(j.bills) {
		return sale.Bill{}, false
	}
	return j.bills[j.selected], true
}

func (j *journalDialog) refreshButtons() {
	enable := func(b *widget.Button, on bool) {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	b, ok := j.current()
	ok = ok && returnable(b)
	enable(j.ret, ok && j.s.d.Visible(policy.ActionReturn))
	enable(j.copy, ok && j.s.d.Visible(policy.ActionReprintBill))
	enable(j.older, j.found == "" && j.page.Older)
	enable(j.newer, j.found == "" && j.page.Newer)
}

// call runs a desk call off the UI goroutine; a denial closes the dialog
// and shows the notice with "Ask supervisor", any other error stays in the
// dialog.
func (j *journalDialog) call(fn func(ctx context.Context) error, ok func()) {
	if j.busy {
		return
	}
	j.busy = true
	ctx := j.s.m.ctx
	j.s.app.async(func() {
		err := fn(ctx)
		j.s.app.do(func() {
			j.busy = false
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				if errors.Is(err, desk.ErrDenied) {
					j.d.Hide()
					j.s.fail(err)
					return
				}
				fyne.LogError("journal", err)
				j.errLine.show(desk.MessageOf(err))
				return
			}
			j.errLine.Hide()
			ok()
		})
	})
}

func (j *journalDialog) load(q desk.JournalRequest) {
	q.All, q.Limit = j.all, journalRows
	var p desk.JournalPage
	j.call(func(ctx context.Context) (err error) {
		p, err = j.s.d.Journal(ctx, q)
		return err
	}, func() {
		j.page, j.found = p, ""
		j.show(p.Bills)
		if len(p.Bills) == 0 {
			j.status.SetText(lang.X("ui.journal.empty", "No bills in your journal depth."))
			return
		}
		first, last := p.Bills[0].Opened.Local(), p.Bills[len(p.Bills)-1].Opened.Local()
		j.status.SetText(lang.X("ui.journal.page", "Bills from {{.From}} to {{.To}}.",
			map[string]any{"From": last.Format("02.01.2006 15:04"), "To": first.Format("02.01.2006 15:04")}))
	})
}

func (j *journalDialog) show(bills []sale.Bill) {
	j.bills, j.selected = bills, -1
	j.list.UnselectAll()
	j.list.ScrollToTop()
	j.list.Refresh()
	j.s.historyList, j.s.historyBills = j.list, bills
	j.refreshButtons()
}

func (j *journalDialog) pageOlder() {
	if j.found != "" || !j.page.Older || len(j.page.Bills) == 0 {
		return
	}
	j.load(desk.JournalRequest{Before: desk.CursorOf(j.page.Bills[len(j.page.Bills)-1])})
}

func (j *journalDialog) pageNewer() {
	if j.found != "" || !j.page.Newer || len(j.page.Bills) == 0 {
		return
	}
	j.load(desk.JournalRequest{After: desk.CursorOf(j.page.Bills[0])})
}

// submit looks the receipt up; Enter again on the same text acts on the
// receipt found (F11: starts its return). An empty number goes back to the
// history.
func (j *journalDialog) submit() {
	text := strings.TrimSpace(j.number.Text)
	dateText := strings.TrimSpace(j.date.Text)
	if text == "" {
		if j.found != "" {
			j.load(desk.JournalRequest{})
		}
		return
	}
	day, err := parseReceiptDate(dateText, time.Now())
	if err != nil {
		j.errLine.show(Message{Key: "ui.journal.bad_date", Fallback: "“{{.Text}}” is not a date: type it as on the receipt, DD.MM.YYYY.", Args: map[string]any{"Text": dateText}})
		return
	}
	key := text + "\x00" + dateText
	if j.found == key && j.returns {
		if b, ok := j.current(); ok && returnable(b) {
			j.startReturn(b.ID)
		}
		return
	}
	var bills []sale.Bill
	j.call(func(ctx context.Context) (err error) {
		bills, err = j.s.d.FindReceipt(ctx, text, day)
		return err
	}, func() {
		j.found = key
		j.show(bills)
		switch {
		case len(bills) == 0:
			j.status.SetText(lang.X("ui.journal.none", "No receipt {{.Text}} in the journal: check the number and the date.", map[string]any{"Text": text}))
			return
		case len(bills) > 1:
			j.status.SetText(lang.X("ui.journal.several", "{{.Count}} receipts have this number: type the date on the receipt, or choose one.", map[string]any{"Count": len(bills)}))
			return
		}
		j.selected = 0
		j.refreshButtons()
		b := bills[0]
		t, _ := sale.Compute(&b, j.s.vat())
		msg := lang.X("ui.journal.found", "Receipt {{.Number}} of {{.Time}}, {{.Total}}.", map[string]any{
			"Number": int64(b.Fiscal.Number), "Time": b.Fiscal.Time.Local().Format("02.01.2006 15:04"), "Total": j.s.m.money.Format(t.Due),
		})
		if j.returns && returnable(b) {
			msg += " " + lang.X("ui.journal.enter_returns", "Enter starts its return.")
		}
		j.status.SetText(msg)
	})
}

func (j *journalDialog) startReturn(id sale.BillID) {
	j.d.Hide()
	j.s.startReturn(id)
}

func (j *journalDialog) reprint(id sale.BillID) {
	var b sale.Bill
	s := j.s
	j.call(func(ctx context.Context) (err error) {
		b, err = s.d.Reprint(ctx, id)
		return err
	}, func() {
		j.d.Hide()
		if s.d.PrintsText() {
			s.m.notice.show(widget.SuccessImportance, Message{Key: "ui.reprint.printed", Fallback: "Copy of receipt {{.N}} printed.", Args: map[string]any{"N": b.Fiscal.Number}})
			return
		}
		t, _ := sale.Compute(&b, s.vat())
		s.openDialog(dialog.NewCustom(lang.X("ui.journal.copy", "Copy of the receipt"), lang.X("ui.dlg.close", "Close"), s.billText(b, t), s.app.win), nil)
	})
}

// parseReceiptDate reads the date printed on a receipt: DD.MM.YYYY,
// DD.MM.YY, DD.MM (this year) or YYYY-MM-DD; "" is no date.
func parseReceiptDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"02.01.2006", "2.1.2006", "02.01.06", "2.1.06", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"02.01", "2.1"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return time.Date(now.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.Local), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// offerStaleParked asks, after sign-in, about the cashier's parked bills
// older than the setting (by default: parked in a shift that has closed):
// cancel them (each audited, with the policy's bill.cancel) or keep them.
func (s *saleArea) offerStaleParked() {
	if s.d == nil {
		return
	}
	var stale []desk.ParkedBill
	s.app.async(func() {
		var err error
		stale, err = s.d.StaleParked(s.m.ctxOrBackground())
		s.app.do(func() {
			if err != nil {
				fyne.LogError("stale parked bills", err)
				return
			}
			if len(stale) == 0 || s.m.ctx.Err() != nil {
				return
			}
			var lines []string
			for _, p := range stale {
				lines = append(lines, lang.X("ui.recall.row", "Bill {{.Bill}} from {{.Time}}: {{.Lines}} lines",
					map[string]any{"Bill": int64(p.ID), "Time": p.ParkedAt.Local().Format("02.01 15:04"), "Lines": p.Lines}))
			}
			text := lang.X("ui.stale.text", "You have {{.Count}} parked bills from a shift that has ended. Nobody will come back for them: cancel them? They stay in the journal as cancelled.",
				map[string]any{"Count": len(stale)}) + "\n\n" + strings.Join(lines, "\n")
			// Not a confirm dialog: Enter or Escape pressed out of habit
			// right after sign-in keeps the bills; cancelling takes a tap.
			var d dialog.Dialog
			label := widget.NewLabel(text)
			label.Wrapping = fyne.TextWrapWord
			keep := widget.NewButton(lang.X("ui.stale.keep", "Keep them"), func() { d.Hide() })
			cancel := widget.NewButton(lang.X("ui.stale.cancel", "Cancel them"), func() {
				d.Hide()
				s.cancelParked(stale)
			})
			cancel.Importance = widget.DangerImportance
			d = dialog.NewCustomWithoutButtons(lang.X("ui.stale.title", "Old parked bills"),
				fixedWidth(520, container.NewVBox(label, container.NewGridWithColumns(2, keep, cancel))), s.app.win)
			s.staleDialog = d
			s.openDialog(d, nil)
		})
	})
}

// cancelParked cancels the bills one by one; a denial stops with the
// notice (and its Ask supervisor) for the bill it stopped at.
func (s *saleArea) cancelParked(bills []desk.ParkedBill) {
	if len(bills) == 0 {
		return
	}
	id := bills[0].ID
	s.run(func(ctx context.Context) error { return s.d.CancelParked(ctx, id) }, func() {
		if len(bills) > 1 {
			s.cancelParked(bills[1:])
			return
		}
		s.m.notice.show(widget.SuccessImportance, Message{Key: "ui.stale.done", Fallback: "The old parked bills are cancelled."})
	})
}
