package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// Column widths of the bill: quantity, unit price and line amount.
const (
	qtyWidth       = 80
	discWidth      = 64
	priceWidthBill = 108
	amountWidth    = 118
	actionWidth    = 215 // one column of the action buttons: "F9  Восстановить" fits
)

// saleArea is the sale screen's body: the barcode field, the bill's lines,
// the totals and the action buttons. Every action goes through the desk,
// which asks the policy first; a denial comes back with its reason and the
// "Ask supervisor" button.
type saleArea struct {
	m   *MainScreen
	app *App
	d   *desk.Desk

	entry   *wedgeEntry
	qtyNote *widget.Label // "× 3" when the next scan has a quantity
	qtyNext int64         // milli-units for the next item, 0 = one piece
	kind    *widget.Label // sale, return of receipt N, free return

	model    billModel
	list     *widget.List
	selected int // index into model.rows, -1 none

	sums  *widget.Label // subtotal, discount, paid: one label so lines never overlap
	total *widget.Label

	actions []*saleAction
	busy    bool
	// printing: the tender covered the bill and its checkout is about to
	// run or running; cleared when any action ends.
	printing bool
	queued   []device.Scan // scans that came while an action ran
	// lastSold is the last checkout's result, for the "change" line.
	lastSold *desk.Sold

	// The open dialog's parts, for tests and keys.
	dialog       dialog.Dialog
	form         *form
	recallList   *widget.List
	historyList  *widget.List // the dialog's list (a keyList)
	historyBills []sale.Bill
	journal      *journalDialog // the journal dialog last opened (ui/journal.go)
	staleDialog  dialog.Dialog  // the offer to cancel old parked bills
	pay          *payDialog
	largeTender  *dialog.ConfirmDialog // "more than N times what is left: take it?"
	shiftDlg     *shiftDialog
	zBar         *widget.ProgressBar
	zStage       *widget.Label // the Z report's stage under the bar
	zWait        *widget.Label // "the Z report is printing" when Escape is pressed
	zDialog      dialog.Dialog
	zConfirm     dialog.Dialog // "close the shift?" before the Z report
	forward      *forwardBar   // the way forward of a waiting or paid bill

	content fyne.CanvasObject
}

// saleAction is one button of the sale screen, with its key and the policy
// action that greys or hides it.
type saleAction struct {
	id     string
	key    fyne.KeyName            // "" = no F-key
	short  *desktop.CustomShortcut // a Ctrl+letter for the buttons without an F-key
	label  string
	policy policy.Action // "" = never greyed
	run    func()
	button *widget.Button
}

func newSaleArea(m *MainScreen) *saleArea {
	s := &saleArea{m: m, app: m.app, d: m.desk, selected: -1}

	s.entry = newWedgeEntry(func() *wedgeInput { return s.app.keys }, s.key, m.shortcut)
	s.entry.noLeadingSpace = true
	s.entry.SetPlaceHolder(lang.X("ui.sale.entry", "Scan or type a barcode (3*code for 3 pieces); F1 searches by name"))
	s.entry.OnSubmitted = s.submitEntry
	s.qtyNote = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	s.kind = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})

	s.list = widget.NewList(s.model.length, newLineRow, func(id widget.ListItemID, o fyne.CanvasObject) {
		if id < len(s.model.rows) {
			s.model.rows[id].show(o, m.money, m.sep)
		}
	})
	s.list.OnSelected = func(id widget.ListItemID) { s.selected = id }
	s.list.OnUnselected = func(id widget.ListItemID) {
		if s.selected == id {
			s.selected = -1
		}
	}

	s.sums = widget.NewLabel("")
	s.total = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	s.total.SizeName = theme.SizeNameHeadingText
	// No truncation here: it shapes the text again on every line added (4×
	// the cost of a scan, BenchmarkAddLine); the entry limits (numbers.go)
	// keep the total short enough for the column.
	totals := container.NewBorder(nil, nil, s.sums, nil, s.total)

	head := container.NewBorder(nil, nil, nil, s.qtyNote, s.entry)
	s.forward = newForwardBar()
	left := container.NewBorder(container.NewVBox(head, s.kind, s.forward.box), container.NewVBox(widget.NewSeparator(), totals), nil, nil, s.list)

	s.actions = s.buildActions()
	grid := container.NewGridWithColumns(2)
	var pay *saleAction
	for _, a := range s.actions {
		a.button = widget.NewButton(buttonText(a), a.run)
		a.button.Alignment = widget.ButtonAlignLeading
		if a.id == "pay" {
			pay = a
			a.button.Importance = widget.HighImportance
			a.button.Alignment = widget.ButtonAlignCenter
			continue
		}
		grid.Add(a.button)
	}
	right := container.NewBorder(nil, pay.button, nil, nil, fixedWidth(2*actionWidth, container.NewVBox(grid)))

	s.content = container.NewBorder(nil, nil, nil, right, left)
	if s.d == nil {
		s.entry.Disable()
		s.kind.SetText(lang.X("ui.sale.no_desk", "Selling is not connected on this till."))
	}
	s.refreshButtons()
	s.showTotals(sale.Bill{}, sale.Totals{})
	return s
}

func buttonText(a *saleAction) string {
	switch {
	case a.key != "":
		return string(a.key) + "  " + a.label
	case a.short != nil:
		return shortcutText(a.short) + "  " + a.label
	}
	return a.label
}

// Ctrl+letter keys of the sale screen (docs/ui.md, "Keyboard"): the
// actions without an F-key and the notice's buttons.
var (
	genericShortcut   = ctrl(fyne.KeyG)
	historyShortcut   = ctrl(fyne.KeyH)
	shiftShortcut     = ctrl(fyne.KeyD)
	reprintShortcut   = ctrl(fyne.KeyP)
	askShortcut       = ctrl(fyne.KeyS)
	retryShortcut     = ctrl(fyne.KeyR) // Retry, and Print receipt of a paid bill
	reconcileShortcut = ctrl(fyne.KeyE)
	takeBackShortcut  = ctrl(fyne.KeyB) // Take payments back (the way forward)
	openShiftShortcut = ctrl(fyne.KeyO) // Open shift, where a notice or the way forward offers it
)

// buttonShortcuts are the keys of the notice's and the way forward's
// buttons.
var buttonShortcuts = []*desktop.CustomShortcut{askShortcut, retryShortcut, reconcileShortcut, takeBackShortcut, openShiftShortcut}

func ctrl(k fyne.KeyName) *desktop.CustomShortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}
}

// shortcutText is how a button shows its Ctrl+letter key.
func shortcutText(sc *desktop.CustomShortcut) string {
	return "Ctrl+" + string(sc.KeyName)
}

func (s *saleArea) buildActions() []*saleAction {
	return []*saleAction{
		{id: "search", key: fyne.KeyF1, label: lang.X("ui.act.search", "Search"), policy: policy.ActionSell, run: s.openSearch},
		{id: "qty", key: fyne.KeyF2, label: lang.X("ui.act.qty", "Quantity"), policy: policy.ActionSell, run: s.askQuantity},
		{id: "price", key: fyne.KeyF3, label: lang.X("ui.act.price", "Price"), policy: policy.ActionManualPrice, run: s.askPrice},
		{id: "line_discount", key: fyne.KeyF4, label: lang.X("ui.act.line_discount", "Line discount"), policy: policy.ActionDiscountLine, run: s.askLineDiscount},
		{id: "total_discount", key: fyne.KeyF5, label: lang.X("ui.act.total_discount", "Total discount"), policy: policy.ActionDiscountTotal, run: s.askTotalDiscount},
		{id: "void", key: fyne.KeyF6, label: lang.X("ui.act.void", "Void line"), policy: policy.ActionVoidLine, run: s.voidLine},
		{id: "cancel", key: fyne.KeyF7, label: lang.X("ui.act.cancel", "Cancel bill"), policy: policy.ActionCancelBill, run: s.cancelBill},
		{id: "park", key: fyne.KeyF8, label: lang.X("ui.act.park", "Park"), policy: policy.ActionParkBill, run: s.park},
		{id: "recall", key: fyne.KeyF9, label: lang.X("ui.act.recall", "Recall"), policy: policy.ActionParkBill, run: s.openRecall},
		{id: "prebill", key: fyne.KeyF10, label: lang.X("ui.act.prebill", "Pre-bill"), policy: policy.ActionPreBillPrint, run: s.preBill},
		{id: "return", key: fyne.KeyF11, label: lang.X("ui.act.return", "Return"), policy: policy.ActionReturn, run: func() { s.openHistory(true) }},
		{id: "generic", short: genericShortcut, label: lang.X("ui.act.generic", "Generic item"), policy: policy.ActionGenericItem, run: s.askGeneric},
		{id: "reprint", short: reprintShortcut, label: lang.X("ui.act.reprint", "Reprint last"), policy: policy.ActionReprintReceipt, run: s.reprint},
		{id: "history", short: historyShortcut, label: lang.X("ui.act.history", "Bill history"), run: func() { s.openHistory(false) }},
		{id: "shift", short: shiftShortcut, label: lang.X("ui.act.shift", "Shift…"), run: s.openShift},
		{id: "pay", key: fyne.KeyF12, label: lang.X("ui.act.pay", "Pay"), policy: policy.ActionSell, run: s.openPay},
	}
}

// refreshButtons greys or hides the buttons for the session's rights: an
// action the session may do is plain; one it may not but a supervisor
// could approve stays pressable with a warning icon (pressing it gives the
// denial with its reason and "Ask supervisor"); one nobody could approve
// is greyed out, or hidden under "hide disabled actions".
func (s *saleArea) refreshButtons() {
	for _, a := range s.actions {
		b := a.button
		if b == nil {
			continue
		}
		if s.d == nil {
			if a.id != "search" {
				b.Disable()
			}
			continue
		}
		if a.policy == "" {
			b.Enable()
			continue
		}
		if !s.d.Visible(a.policy) {
			b.Hide()
			continue
		}
		b.Show()
		v := s.d.Verdict(a.policy)
		switch {
		case v.Allowed:
			b.SetIcon(nil)
			b.Enable()
		case v.ApprovalPossible:
			b.SetIcon(theme.WarningIcon())
			b.Enable()
		default:
			b.SetIcon(nil)
			b.Disable()
		}
	}
}

func (s *saleArea) action(id string) *saleAction {
	for _, a := range s.actions {
		if a.id == id {
			return a
		}
	}
	return nil
}

// key handles the screen's keys, from the barcode field or the canvas;
// nothing while a dialog owns the keyboard.
func (s *saleArea) key(ev *fyne.KeyEvent) bool {
	if s.app.topModal() != nil {
		return true
	}
	switch ev.Name {
	case fyne.KeyUp:
		s.moveSelection(-1)
		return true
	case fyne.KeyDown:
		s.moveSelection(1)
		return true
	case fyne.KeyEscape:
		s.entry.SetText("")
		s.setQtyNext(0)
		s.m.notice.hide()
		return true
	case fyne.KeyReturn, fyne.KeyEnter:
		s.submitEntry(s.entry.Text)
		return true
	}
	for _, a := range s.actions {
		if a.key != "" && a.key == ev.Name {
			s.press(a)
			return true
		}
	}
	return false
}

// press runs an action from its key as its button would: not when the
// button is greyed or hidden.
func (s *saleArea) press(a *saleAction) {
	if a.button != nil && !a.button.Disabled() && a.button.Visible() {
		a.run()
	}
}

// shortcut runs the action or notice button of a Ctrl+letter key; true
// when the key is one of them. Nothing runs while a dialog is open.
func (s *saleArea) shortcut(name string) bool {
	for _, a := range s.actions {
		if a.short != nil && a.short.ShortcutName() == name {
			if s.app.topModal() == nil {
				s.press(a)
			}
			return true
		}
	}
	for _, sc := range buttonShortcuts {
		if sc.ShortcutName() != name {
			continue
		}
		if s.app.topModal() != nil {
			return true
		}
		// The notice's button first (the last message's), else the way
		// forward's: Retry and Reconcile stay on the bar after the next
		// message took the notice.
		b := s.m.notice.keyed(sc)
		if b == nil && s.forward != nil {
			b = s.forward.keyed(sc)
		}
		if b != nil {
			if !b.Disabled() && b.Visible() {
				b.OnTapped()
			}
		} else if sc == askShortcut && !s.m.keyButton.Disabled() {
			s.m.keyPressed() // no denial to ask about: the supervisor key
		}
		return true
	}
	return false
}

func (s *saleArea) moveSelection(delta int) {
	n := len(s.model.rows)
	if n == 0 {
		return
	}
	i := s.selected + delta
	if s.selected < 0 {
		i = n - 1
	}
	i = max(0, min(n-1, i))
	s.list.Select(i)
	s.list.ScrollTo(i)
}

func (s *saleArea) setQtyNext(milli int64) {
	s.qtyNext = milli
	if milli == 0 {
		s.qtyNote.SetText("")
		return
	}
	s.qtyNote.SetText("× " + quantityText(milli, milli%1000 != 0, s.m.sep))
}

// submitEntry is Enter in the barcode field: a barcode rings up, "3*"
// sets the next quantity, "3*code" both, words search by name, and an
// empty field pays.
func (s *saleArea) submitEntry(text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		// Paying is explicit (F12): an Enter too many — a scanner's
		// terminator, a reflex — never takes money.
		if len(s.model.rows) > 0 {
			s.m.notice.show(widget.MediumImportance, Message{Key: "ui.sale.pay_hint", Fallback: "To take the payment, press F12."})
		}
		return
	}
	s.entry.SetText("")
	if q, code, ok := strings.Cut(text, "*"); ok {
		milli, err := parseQuantity(q)
		if errors.Is(err, errTooLarge) || milli > maxQty {
			s.m.notice.show(widget.DangerImportance, *tooLarge(q, quantityText(maxQty/1000*1000, false, s.m.sep)))
			return
		}
		if err != nil || milli == 0 {
			s.m.notice.show(widget.DangerImportance, Message{Key: "ui.sale.bad_quantity", Fallback: "“{{.Text}}” is not a quantity.", Args: map[string]any{"Text": q}})
			return
		}
		s.setQtyNext(milli)
		text = strings.TrimSpace(code)
		if text == "" {
			return
		}
	}
	if strings.IndexFunc(text, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		s.openSearchWith(text)
		return
	}
	// Typed digits go the way a scanner's do, so in-store weight labels
	// work from the keyboard too.
	s.handleInput(s.app.readerConfig().FromText(s.app.now(), "", text))
}

// handleInput rings a scan up; other events have no business on the sale
// screen without a dialog (a badge is read by the supervisor dialog).
func (s *saleArea) handleInput(ev device.InputEvent) bool {
	switch ev := ev.(type) {
	case device.Scan:
		s.takeTypedQuantity()
		s.scanned(ev)
	case device.ReadError:
		s.m.notice.show(widget.DangerImportance, Message{Key: ev.Key, Fallback: ev.Fallback, Args: ev.Args})
	case device.Badge, device.Swipe:
		s.m.notice.show(widget.MediumImportance, Message{Key: "ui.sale.badge_ignored", Fallback: "A badge or card was read; it is used in the supervisor dialog and on the lock screen."})
	default:
		return false
	}
	return true
}

// takeTypedQuantity: "3*" typed in the barcode field and then a scan —
// the scan takes the typed quantity, as "3*code" would.
func (s *saleArea) takeTypedQuantity() {
	text := strings.TrimSpace(s.entry.Text)
	q, rest, ok := strings.Cut(text, "*")
	if !ok || rest != "" || q == "" {
		return
	}
	s.submitEntry(text) // sets the next quantity (or says why it cannot)
}

func (s *saleArea) scanned(ev device.Scan) {
	if s.d == nil {
		return
	}
	if s.busy {
		// A scanner does not wait for the store: scans that arrive while
		// the last one is being rung up are rung up after it, in order.
		s.queued = append(s.queued, ev)
		return
	}
	qty := s.qtyNext
	var code string
	switch ev.Kind {
	case device.ScanItem:
		code = ev.Item.GTIN
	case device.ScanMarking:
		code = strings.TrimPrefix(ev.Marking.GTIN, "0")
	case device.ScanLabel:
		if ev.Label.Kind != device.LabelWeight {
			s.m.notice.show(widget.DangerImportance, Message{Key: "ui.sale.price_label", Fallback: "Price labels are not set up on this till: type the price as a generic item."})
			return
		}
		// The catalogue keeps a weighed item under its label's code with
		// a zero weight; the label's grams are the quantity.
		code = ean13(ev.Label.Prefix + ev.Label.ItemCode + strings.Repeat("0", 12-len(ev.Label.Prefix)-len(ev.Label.ItemCode)))
		qty = ev.Label.Value
	default:
		s.m.notice.show(widget.DangerImportance, Message{Key: "ui.sale.not_item", Fallback: "This barcode is not an item's."})
		return
	}
	unknown := Message{Key: "ui.sale.unknown_barcode", Fallback: "No item with barcode {{.Code}}.", Args: map[string]any{"Code": code}}
	if qty == 0 {
		// No quantity typed: one piece, or, for a weighed item scanned by
		// its plain code (no weight label), ask the weight.
		var it sale.Item
		s.run(func(ctx context.Context) (err error) {
			it, err = s.d.Item(ctx, code)
			return err
		}, func() { s.addItem(it) }, unknown)
		return
	}
	var lid sale.LineID
	s.act(func(ctx context.Context) (err error) {
		lid, err = s.d.AddByBarcode(ctx, code, qty)
		return err
	}, func(b *sale.Bill, t *sale.Totals) {
		s.setQtyNext(0)
		s.applyAdded(b, t, lid)
	}, unknown)
}

// run does a desk action in the background and, on the UI goroutine, ok
// on success or the error's notice. notFound, when given, is what an
// unknown item or bill reads as. Actions do not overlap: a second tap
// while one runs does nothing.
func (s *saleArea) run(call func(ctx context.Context) error, ok func(), notFound ...Message) {
	if s.busy || s.d == nil {
		return
	}
	s.busy = true
	ctx := s.m.ctx
	s.app.async(func() {
		wctx, waited := s.app.waitForRegister(ctx) // register_wait.go
		err := call(wctx)
		waited()
		s.app.do(func() {
			s.busy = false
			s.printing = false
			if ctx.Err() != nil {
				return
			}
			defer s.nextQueued()
			if err != nil {
				if len(notFound) > 0 && errors.Is(err, sale.ErrNotFound) {
					fyne.LogError("sale", err)
					s.m.notice.show(widget.DangerImportance, notFound[0])
					return
				}
				s.fail(err)
				return
			}
			s.m.notice.hide()
			if ok != nil {
				ok()
			}
		})
	})
}

// nextQueued rings up the next scan that waited for the last action.
func (s *saleArea) nextQueued() {
	if s.busy || len(s.queued) == 0 {
		return
	}
	ev := s.queued[0]
	s.queued = s.queued[1:]
	s.scanned(ev)
}

// act is run for an action that changes the bill: the bill is read back
// in the background too (the store, not the UI goroutine, pays for it),
// and view shows it.
func (s *saleArea) act(call func(ctx context.Context) error, view func(b *sale.Bill, t *sale.Totals), notFound ...Message) {
	var b sale.Bill
	var t sale.Totals
	s.run(func(ctx context.Context) error {
		if err := call(ctx); err != nil {
			return err
		}
		var err error
		b, t, err = s.d.Bill(ctx)
		if errors.Is(err, desk.ErrNoBill) {
			b, t, err = sale.Bill{}, sale.Totals{}, nil
		}
		return err
	}, func() { view(&b, &t) }, notFound...)
}

// fail shows what went wrong and what helps: a denial's reason with "Ask
// supervisor", a register error with Retry and Reconcile, a start-up that
// has not succeeded with "Check again".
func (s *saleArea) fail(err error) {
	fyne.LogError("sale action", err)
	// The notice (and its Ask supervisor) must not sit under the payment.
	if p := s.pay; p != nil {
		s.pay = nil
		p.d.Hide()
	}
	var den *desk.Denied
	switch {
	case errors.As(err, &den):
		ask := noticeButton{
			label:    lang.X("ui.deny.ask", "Ask supervisor"),
			key:      askShortcut,
			icon:     theme.AccountIcon(),
			disabled: s.app.deps.Approve == nil || !den.Verdict.ApprovalPossible,
			tap: func() {
				s.m.askSupervisor(den.Request, func() {
					s.reload()
					s.refreshButtons()
				})
			},
		}
		s.m.notice.show(widget.DangerImportance, den.Reason, ask)
	case errors.Is(err, desk.ErrNotStarted):
		s.m.notice.show(widget.DangerImportance, desk.MessageOf(err), noticeButton{
			label: lang.X("ui.start.retry", "Check again"), icon: theme.ViewRefreshIcon(),
			tap: func() { s.app.start = startState{}; s.app.StartDesk(); s.m.startChanged() },
		})
	case errors.Is(err, desk.ErrShiftNeeded):
		s.shiftRefused(err)
	case isRegisterError(err):
		s.registerFailed(err)
	default:
		s.m.notice.show(widget.DangerImportance, desk.MessageOf(err))
	}
}

func isRegisterError(err error) bool {
	for _, k := range []error{
		device.ErrOutcomeUnknown, device.ErrNoLink, device.ErrPaperOut, device.ErrCoverOpen,
		device.ErrShiftOver24h, device.ErrShiftClosed, device.ErrBusy, sale.ErrUnreconciled,
		device.ErrNotDone, device.ErrWaitCancelled,
	} {
		if errors.Is(err, k) {
			return true
		}
	}
	var de *desk.Error
	// The driver words its own errors (keys register.*, assets/lang/register).
	return errors.As(err, &de) && (de.Msg.Key == "desk.register.error" || strings.HasPrefix(de.Msg.Key, "register."))
}

// registerFailed keeps the bill on screen as the journal has it and offers
// Retry (reconcile, then print only if the register proves no receipt) and
// Reconcile (prove only).
func (s *saleArea) registerFailed(err error) {
	s.reload()
	buttons := []noticeButton{{
		label: lang.X("ui.reg.retry", "Retry"), icon: theme.ViewRefreshIcon(), key: retryShortcut,
		tap: s.retryCheckout,
	}, {
		label: lang.X("ui.reg.reconcile", "Reconcile"), icon: theme.SearchIcon(), key: reconcileShortcut,
		tap: s.reconcile,
	}}
	if errors.Is(err, device.ErrShiftOver24h) {
		buttons = append(buttons, noticeButton{label: lang.X("ui.shift.z", "Z report"), icon: theme.DocumentPrintIcon(), tap: s.zReport})
	}
	if errors.Is(err, device.ErrShiftClosed) {
		buttons = append(buttons, noticeButton{label: lang.X("ui.shift.open", "Open shift"), icon: theme.ConfirmIcon(), key: openShiftShortcut, tap: s.openShiftNow})
	}
	s.m.notice.show(widget.DangerImportance, desk.MessageOf(err), buttons...)
	s.offerRegisterCancel() // register_recovery.go
}

// retryCheckout prints the bill again the safe way: a bill the journal
// holds as Fiscalising goes through Retry (reconcile first); one proved
// not printed (Open, paid) simply checks out again.
func (s *saleArea) retryCheckout() {
	var sold desk.Sold
	s.run(func(ctx context.Context) (err error) {
		b, _, err := s.d.Bill(ctx)
		if err != nil {
			return err
		}
		if b.State == sale.StateFiscalising {
			sold, err = s.d.Retry(ctx)
		} else {
			sold, err = s.d.Checkout(ctx)
		}
		return err
	}, func() { s.sold(sold) })
}

func (s *saleArea) reconcile() {
	var out sale.Outcome
	var last desk.Sold
	s.run(func(ctx context.Context) (err error) {
		out, err = s.d.Reconcile(ctx)
		if err == nil && out == sale.OutcomeFiscalised {
			// The sale is done: its change is what the cashier says next.
			last, _ = s.d.LastSold(ctx)
		}
		return err
	}, func() {
		if out == sale.OutcomeFiscalised && last.Bill.ID != 0 {
			s.sold(last)
			return
		}
		s.reload()
		m := Message{Key: "ui.reg.not_printed", Fallback: "The register holds no receipt for this bill: it is open again; pay and print it."}
		if out == sale.OutcomeFiscalised {
			m = Message{Key: "ui.reg.was_printed", Fallback: "The register had printed the receipt: the sale is recorded."}
		}
		s.m.notice.show(widget.SuccessImportance, m)
	})
}

// offerZ says a shift over 24 hours must be closed, with the Z report.
func (s *saleArea) offerZ() {
	if s.m.notice.Text() != "" {
		return
	}
	s.m.notice.show(widget.DangerImportance, desk.RegisterMessage(device.ErrShiftOver24h),
		noticeButton{label: lang.X("ui.shift.z", "Z report"), icon: theme.DocumentPrintIcon(), tap: s.zReport})
}

// ---- the bill on screen ----

// reload reads the whole bill again: at sign-in (the open bill comes back
// after a restart), after recall, return, approval and register errors.
func (s *saleArea) reload() {
	if s.d == nil {
		return
	}
	b, t, err := s.d.Bill(s.m.ctxOrBackground())
	if err != nil && !errors.Is(err, desk.ErrNoBill) {
		fyne.LogError("read the bill", err)
	}
	s.applyReload(&b, &t)
}

// applyReload shows a whole bill read by the caller.
func (s *saleArea) applyReload(b *sale.Bill, t *sale.Totals) {
	s.model.reset(b, t)
	s.selected = -1
	s.list.UnselectAll()
	s.list.Refresh()
	if n := len(s.model.rows); n > 0 {
		s.list.ScrollToBottom()
	}
	s.showTotals(*b, *t)
	s.refreshButtons()
}

// applyAdded shows a new line without rebuilding the list: the bill's
// newest line is appended to the model, the list learns its new length
// and draws only the rows in view (and of those only what changed).
func (s *saleArea) applyAdded(b *sale.Bill, t *sale.Totals, lid sale.LineID) {
	if !s.model.add(b, t, lid) {
		s.model.reset(b, t)
	}
	n := len(s.model.rows)
	s.list.Refresh()
	s.list.Select(n - 1)
	s.list.ScrollToBottom()
	s.showTotals(*b, *t)
}

// changed shows line lid again (quantity, price, discount, void).
func (s *saleArea) changed(lid sale.LineID) func(b *sale.Bill, t *sale.Totals) {
	return func(b *sale.Bill, t *sale.Totals) {
		i, ok := s.model.update(b, t, lid)
		if !ok {
			s.model.reset(b, t)
			s.list.Refresh()
		} else {
			s.list.RefreshItem(i)
		}
		s.showTotals(*b, *t)
	}
}

func (s *saleArea) showTotals(b sale.Bill, t sale.Totals) {
	f := s.m.money
	// The money goes the other way on a return: the big button says so.
	if pay := s.action("pay"); pay != nil && pay.button != nil {
		label := lang.X("ui.act.pay", "Pay")
		if b.Kind == sale.KindReturn {
			label = lang.X("ui.act.refund", "Refund")
		}
		if text := string(pay.key) + "  " + label; pay.button.Text != text {
			pay.button.SetText(text)
		}
	}
	switch {
	case s.d == nil:
	case b.ID == 0:
		s.kind.SetText(lang.X("ui.bill.none", "New sale: scan the first item"))
	case b.Kind == sale.KindReturn && b.ReturnOf != 0:
		s.kind.SetText(lang.X("ui.bill.return_of", "Return, bill {{.Bill}} (of bill {{.Of}})", map[string]any{"Bill": int64(b.ID), "Of": int64(b.ReturnOf)}))
	case b.Kind == sale.KindReturn:
		s.kind.SetText(lang.X("ui.bill.return_free", "Return without a receipt, bill {{.Bill}}", map[string]any{"Bill": int64(b.ID)}))
	case b.State == sale.StateFiscalising:
		s.kind.SetText(lang.X("ui.bill.fiscalising", "Bill {{.Bill}}: waiting for the register's confirmation", map[string]any{"Bill": int64(b.ID)}))
	default:
		s.kind.SetText(lang.X("ui.bill.sale", "Sale, bill {{.Bill}}", map[string]any{"Bill": int64(b.ID)}))
	}
	sums := []string{lang.X("ui.bill.subtotal", "Subtotal: {{.Amount}}", map[string]any{"Amount": f.Format(t.Gross)})}
	if d := t.LineDiscounts + t.BillDiscount; d > 0 {
		sums = append(sums, lang.X("ui.bill.discount", "Discount: {{.Amount}}", map[string]any{"Amount": f.Format(d)}))
	}
	switch {
	case t.Paid > 0:
		sums = append(sums, lang.X("ui.bill.paid", "Paid: {{.Paid}}, to pay: {{.Left}}", map[string]any{"Paid": f.Format(t.Paid), "Left": f.Format(t.Remaining)}))
	case s.lastSold != nil && b.ID == 0 && s.lastSold.Change == 0:
		// A card sale, an exact amount, a refund: no change to read out.
		sums = append(sums, lang.X("ui.bill.last_receipt", "Last receipt {{.Number}}", map[string]any{"Number": int64(s.lastSold.Bill.Fiscal.Number)}))
	case s.lastSold != nil && b.ID == 0:
		sums = append(sums, lang.X("ui.bill.last_change", "Last receipt {{.Number}}: change {{.Change}}",
			map[string]any{"Number": int64(s.lastSold.Bill.Fiscal.Number), "Change": f.Format(s.lastSold.Change)}))
	}
	if b.ID == 0 && len(sums) > 1 {
		// No bill: its zero subtotal says nothing; the last receipt's
		// change is what the cashier reads out (one line, so the window
		// keeps its height).
		sums = sums[1:]
	}
	s.sums.SetText(strings.Join(sums, "\n"))
	s.showForward(&b, &t)
	s.total.SetText(lang.X("ui.bill.total", "Total {{.Amount}}", map[string]any{"Amount": f.Format(t.Due)}))
}

// selectedLine is the line the cursor is on, else the last line.
func (s *saleArea) selectedLine() (lineRow, bool) {
	n := len(s.model.rows)
	if n == 0 {
		return lineRow{}, false
	}
	i := s.selected
	if i < 0 || i >= n {
		i = n - 1
	}
	return s.model.rows[i], true
}

// needLine is the notice when an action needs a line and there is none.
func (s *saleArea) needLine() (lineRow, bool) {
	r, ok := s.selectedLine()
	if !ok || r.voided {
		s.m.notice.show(widget.MediumImportance, Message{Key: "ui.sale.pick_line", Fallback: "Choose a line first (arrow keys or tap)."})
		return lineRow{}, false
	}
	return r, true
}
