package sale

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tillpos/till/device"
)

// Checkout turns paid bills into fiscal receipts without ever making two
// receipts for one sale. The rule (fiscal sheet §6): the journal knows which
// document number a bill expects before the register is asked; whenever the
// answer is not a clean success, the register's fiscal memory is read back to
// prove what happened before anything is sent again.
//
// One Checkout serves one register; its methods are serialised, so a double
// tap on "pay" cannot interleave two receipts.
type Checkout struct {
	bills    Bills
	journal  Journal
	register device.Register
	vat      *VATTable
	now      func() time.Time
	patience time.Duration

	mu sync.Mutex
}

// NewCheckout wires a checkout. now may be nil (time.Now).
func NewCheckout(bills Bills, journal Journal, register device.Register, vat *VATTable, now func() time.Time) *Checkout {
	if now == nil {
		now = time.Now
	}
	return &Checkout{bills: bills, journal: journal, register: register, vat: vat, now: now}
}

// SetPatience sets how long a failed checkout, Retry and Reconcile wait for
// a register that does not answer (or answers garbled, or keeps refusing)
// before they leave the bill to a person. Default (0): the register's own
// setting (shtrih.Config.Patience, device.DefaultPatience unless set).
func (c *Checkout) SetPatience(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.patience = d
	}
}

// ReconcileTimeout bounds the reconciliation Checkout runs after a failed
// Fiscalise, independent of the caller's context.
const ReconcileTimeout = 2 * time.Minute

// Outcome is what reconciliation proved about a bill.
type Outcome byte

const (
	// OutcomeFiscalised: the register holds the bill's receipt; it is recorded.
	OutcomeFiscalised Outcome = iota + 1
	// OutcomeNotPrinted: the register holds no receipt for the bill; the bill
	// is Open again and may be checked out again.
	OutcomeNotPrinted
)

func (o Outcome) String() string {
	switch o {
	case OutcomeFiscalised:
		return "fiscalised"
	case OutcomeNotPrinted:
		return "not printed"
	}
	return "unknown"
}

// Documents in fiscal storage (FF0Ah): 3 is a cash receipt.
const docReceipt = 3

// Checkout fiscalises an Open, fully paid bill and returns it Fiscalised.
//
// On any error from the register it reconciles at once. If that proves the
// receipt exists, the bill is recorded and returned without error (the
// register printed; the error was about the reply). If it proves there is no
// receipt, the bill is Open again and the register's error is returned: the
// cashier fixes the cause (paper, cover) and checks out again. If it cannot
// prove either (no link), the bill stays Fiscalising and every further
// checkout is refused with ErrUnreconciled until Reconcile succeeds.
func (c *Checkout) Checkout(ctx context.Context, id BillID, cashier device.Cashier) (Bill, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checkout(ctx, id, cashier)
}

func (c *Checkout) checkout(ctx context.Context, id BillID, cashier device.Cashier) (Bill, error) {
	stuck, err := c.journal.Stuck(ctx)
	if err != nil {
		return Bill{}, fmt.Errorf("checkout bill %d: list unreconciled bills: %w", id, err)
	}
	if len(stuck) > 0 {
		// A receipt whose fate is unknown blocks the register: the next
		// document number would be ambiguous.
		return Bill{}, fmt.Errorf("checkout bill %d: bill %d: %w", id, stuck[0].ID,
			newErr(ErrUnreconciled, "sale.error.unreconciled", nil))
	}
	b, err := c.bills.Get(ctx, id)
	if err != nil {
		return Bill{}, fmt.Errorf("checkout bill %d: %w", id, err)
	}
	if b.State != StateOpen {
		return b, fmt.Errorf("checkout bill %d (%s): %w", id, b.State, notOpen())
	}
	tot, err := Compute(&b, c.vat)
	if err != nil {
		return b, fmt.Errorf("checkout bill %d: %w", id, err)
	}
	rcpt, err := BuildReceipt(&b, &tot, c.vat, cashier)
	if err != nil {
		return b, fmt.Errorf("checkout bill %d: %w", id, err)
	}

	last, err := c.lastClosed(ctx)
	if err != nil {
		return b, fmt.Errorf("checkout bill %d: %w", id, err)
	}
	f := Fiscal{Expected: last + 1, Kind: rcpt.Kind, Total: tot.Due, StartedAt: c.now()}
	if err := c.journal.MarkFiscalising(ctx, id, f); err != nil {
		return b, fmt.Errorf("checkout bill %d: journal: %w", id, err)
	}

	res, ferr := c.register.Fiscalise(ctx, rcpt)
	if ferr == nil {
		rec := Fiscal{Number: res.Number, Sign: res.Sign, Time: res.Time}
		if err := c.journal.MarkFiscalised(ctx, id, rec); err != nil {
			// The receipt exists but the journal did not take it: the
			// bill stays Fiscalising and reconcile finds the document.
			return b, fmt.Errorf("checkout bill %d: receipt %d printed, journal: %w", id, res.Number, notRecorded(res.Number, err))
		}
		return c.bills.Get(ctx, id)
	}

	// Whatever the error says, the register may have written the receipt
	// (a printer fault can follow the fiscal storage write): prove it. The
	// proof runs even if the caller's context was cancelled (the cashier
	// gave up waiting): a bill left Fiscalising blocks every later sale,
	// so a register that still answers should settle it now.
	//
	// First the register must be there to ask: wait for it (ENQ probes,
	// status) with patience, under the caller's context so the cashier can
	// stop waiting — the bill then stays Fiscalising, to be reconciled.
	if serr := c.settle(ctx); serr != nil {
		nb, err := c.bills.Get(context.WithoutCancel(ctx), id)
		if err == nil {
			b = nb
		}
		return b, fmt.Errorf("checkout bill %d: %w", id, errors.Join(
			fmt.Errorf("fiscalise: %w", ferr), serr))
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ReconcileTimeout)
	defer cancel()
	out, rerr := c.reconcile(rctx, id)
	switch {
	case rerr != nil:
		if nb, err := c.bills.Get(rctx, id); err == nil {
			b = nb // Fiscalising or Conflict: the caller shows which
		}
		if ctx.Err() != nil && !errors.Is(rerr, ErrReconcileConflict) {
			// The cashier stopped waiting and the one look taken since
			// did not settle it: say that, not "does not answer".
			rerr = fmt.Errorf("%w: %w", device.ErrWaitCancelled, rerr)
		}
		return b, fmt.Errorf("checkout bill %d: %w", id, errors.Join(
			fmt.Errorf("fiscalise: %w", ferr), fmt.Errorf("reconcile: %w", rerr)))
	case out == OutcomeFiscalised:
		return c.bills.Get(rctx, id)
	default:
		nb, _ := c.bills.Get(rctx, id)
		return nb, fmt.Errorf("checkout bill %d: receipt not printed, bill open again: %w", id, notPrinted(ferr))
	}
}

// settle waits for the register to answer, if it can (device.Settler),
// before reconciliation reads it. A caller whose context is already done
// (the cashier gave up while the register was asked) gets no wait: one
// look is still taken by reconcile.
func (c *Checkout) settle(ctx context.Context) error {
	s, ok := c.register.(device.Settler)
	if !ok || ctx.Err() != nil {
		return nil
	}
	if _, err := s.Settle(ctx, c.patience); err != nil {
		return fmt.Errorf("waiting for the register: %w", err)
	}
	return nil
}

// notPrinted is the error of a checkout that reconciliation proved did not
// print: the register's own refusal (paper, cover) says what to fix; a lost
// link or an unknown outcome is no longer the news — the register showed
// nothing was recorded (device.ErrNotDone), so the cashier may pay again.
func notPrinted(ferr error) error {
	if errors.Is(ferr, device.ErrOutcomeUnknown) || errors.Is(ferr, device.ErrNoLink) {
		return fmt.Errorf("%w (the register had failed with: %v)", device.ErrNotDone, ferr)
	}
	return fmt.Errorf("%w: %w", device.ErrNotDone, ferr)
}

// lastClosed reads the last document number. A document left open in the
// register while no bill of ours is Fiscalising is a leftover (a crashed
// test receipt, a bill a supervisor resolved): an open document is not in
// fiscal storage yet, so cancelling it loses nothing.
func (c *Checkout) lastClosed(ctx context.Context) (uint32, error) {
	st, err := c.register.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("register status: %w", err)
	}
	last, open, err := c.register.LastDocument(ctx)
	if err != nil {
		return 0, fmt.Errorf("read last document: %w", err)
	}
	// Mode 8 without an FN document happens between "open receipt" and the
	// first position; either way the register would refuse a new receipt.
	if open == 0 && !st.ReceiptOpen {
		return last, nil
	}
	if err := c.register.CancelReceipt(ctx); err != nil {
		return 0, fmt.Errorf("cancel leftover open document: %w", err)
	}
	last, open, err = c.register.LastDocument(ctx)
	if err != nil {
		return 0, fmt.Errorf("read last document: %w", err)
	}
	if open != 0 {
		return 0, fmt.Errorf("document type %d still open after cancel: %w", open, device.ErrBusy)
	}
	return last, nil
}

// Reconcile proves what became of a Fiscalising bill and records it:
//
//   - last == expected−1 and nothing open: not printed -> bill Open again;
//   - last == expected−1 and a receipt open: cancel it, then not printed;
//   - last ≥ expected: read document expected; a receipt of the same
//     operation and amount -> Fiscalised (exactly once: the journal's
//     compare-and-set refuses a second record); anything else ->
//     Conflict and ErrReconcileConflict, for a human;
//   - last < expected−1: fiscal memory went backwards (another register or
//     storage) -> Conflict;
//   - the register does not answer: the bill is left untouched, error.
//
// It never sends the receipt again; see Retry.
//
// Before it reads the register it waits for it (patiently, see SetPatience;
// cancelled with ctx, leaving the bill as it was).
func (c *Checkout) Reconcile(ctx context.Context, id BillID) (Outcome, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, err := c.bills.Get(ctx, id); err == nil && b.State == StateFiscalising {
		if err := c.settle(ctx); err != nil {
			return 0, fmt.Errorf("reconcile bill %d: %w", id, err)
		}
	}
	return c.reconcile(ctx, id)
}

func (c *Checkout) reconcile(ctx context.Context, id BillID) (Outcome, error) {
	b, err := c.bills.Get(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("reconcile bill %d: %w", id, err)
	}
	switch b.State {
	case StateFiscalised:
		return OutcomeFiscalised, nil
	case StateFiscalising:
	default:
		return 0, fmt.Errorf("reconcile bill %d (%s): %w", id, b.State, ErrStateConflict)
	}
	exp := b.Fiscal.Expected

	st, err := c.register.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("reconcile bill %d: status: %w", id, err)
	}
	last, open, err := c.register.LastDocument(ctx)
	if err != nil {
		return 0, fmt.Errorf("reconcile bill %d: last document: %w", id, err)
	}
	if last+1 == exp && (open != 0 || st.ReceiptOpen) {
		// Our receipt is still open (the close never ran, or the register
		// restarted mid-receipt): it is not in fiscal storage, so cancel it
		// and call it not printed.
		if err := c.register.CancelReceipt(ctx); err != nil {
			return 0, fmt.Errorf("reconcile bill %d: cancel open receipt: %w", id, err)
		}
		if last, open, err = c.register.LastDocument(ctx); err != nil {
			return 0, fmt.Errorf("reconcile bill %d: last document: %w", id, err)
		}
		if last+1 == exp && open != 0 {
			return 0, fmt.Errorf("reconcile bill %d: receipt still open after cancel: %w", id, device.ErrBusy)
		}
	}

	switch {
	case last+1 == exp:
		reason := fmt.Sprintf("register has no document %d (last %d)", exp, last)
		if err := c.journal.MarkFailed(ctx, id, reason); err != nil {
			return 0, fmt.Errorf("reconcile bill %d: journal: %w", id, err)
		}
		return OutcomeNotPrinted, nil
	case last >= exp:
		doc, err := c.register.FindDocument(ctx, exp)
		if err != nil {
			return 0, fmt.Errorf("reconcile bill %d: find document %d: %w", id, exp, err)
		}
		if doc.Type == docReceipt && doc.Operation == b.Fiscal.Kind && doc.Amount == b.Fiscal.Total {
			rec := Fiscal{Number: doc.Number, Sign: doc.Sign, Time: doc.Time}
			if err := c.journal.MarkFiscalised(ctx, id, rec); err != nil {
				return 0, fmt.Errorf("reconcile bill %d: journal: %w", id, notRecorded(doc.Number, err))
			}
			return OutcomeFiscalised, nil
		}
		return 0, c.conflict(ctx, id, fmt.Sprintf(
			"document %d is type %d, operation %d, amount %d; expected a receipt, operation %d, amount %d",
			exp, doc.Type, doc.Operation, doc.Amount, b.Fiscal.Kind, b.Fiscal.Total))
	default:
		return 0, c.conflict(ctx, id, fmt.Sprintf(
			"register's last document %d is before the expected %d", last, exp))
	}
}

func (c *Checkout) conflict(ctx context.Context, id BillID, reason string) error {
	if err := c.journal.MarkConflict(ctx, id, reason); err != nil {
		return fmt.Errorf("reconcile bill %d: %s; journal: %w", id, reason, err)
	}
	return fmt.Errorf("reconcile bill %d: %s: %w", id, reason,
		newErr(ErrReconcileConflict, "sale.error.conflict", nil))
}

// Retry reconciles a Fiscalising bill and, only if that proves no receipt
// exists, checks it out again. It is what the cashier's "try again" does;
// nothing in the till loops on it by itself.
func (c *Checkout) Retry(ctx context.Context, id BillID, cashier device.Cashier) (Bill, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.bills.Get(ctx, id)
	if err != nil {
		return Bill{}, fmt.Errorf("retry bill %d: %w", id, err)
	}
	if b.State == StateFiscalising {
		if err := c.settle(ctx); err != nil {
			return b, fmt.Errorf("retry bill %d: %w", id, err)
		}
		out, err := c.reconcile(ctx, id)
		if err != nil {
			return b, fmt.Errorf("retry: %w", err)
		}
		if out == OutcomeFiscalised {
			return c.bills.Get(ctx, id)
		}
	}
	return c.checkout(ctx, id, cashier)
}

// Reconciled is the result for one bill of ReconcileAll.
type Reconciled struct {
	Bill    BillID
	Outcome Outcome // 0 when Err is set
	Err     error
}

// ReconcileAll reconciles every Fiscalising bill, oldest first: what the
// till does at start-up before it takes a new sale. It stops at the first
// bill it cannot settle, because the bills after it expect later numbers.
func (c *Checkout) ReconcileAll(ctx context.Context) ([]Reconciled, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	stuck, err := c.journal.Stuck(ctx)
	if err != nil {
		return nil, fmt.Errorf("reconcile: list unreconciled bills: %w", err)
	}
	var out []Reconciled
	for _, b := range stuck {
		o, err := c.reconcile(ctx, b.ID)
		out = append(out, Reconciled{Bill: b.ID, Outcome: o, Err: err})
		if err != nil && !errors.Is(err, ErrReconcileConflict) {
			return out, err
		}
	}
	return out, nil
}

// ResolveFiscalised is a supervisor's decision on a Conflict bill: document
// number in fiscal storage is this bill's receipt. The document is read back
// and must be a receipt of the bill's operation; the amount may differ only
// because a human says so.
func (c *Checkout) ResolveFiscalised(ctx context.Context, id BillID, number uint32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, err := c.bills.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("resolve bill %d: %w", id, err)
	}
	if b.State != StateConflict {
		return fmt.Errorf("resolve bill %d (%s): %w", id, b.State, ErrStateConflict)
	}
	doc, err := c.register.FindDocument(ctx, number)
	if err != nil {
		return fmt.Errorf("resolve bill %d: find document %d: %w", id, number, err)
	}
	if doc.Type != docReceipt || doc.Operation != b.Fiscal.Kind {
		return fmt.Errorf("resolve bill %d: document %d is type %d operation %d: %w",
			id, number, doc.Type, doc.Operation, ErrReconcileConflict)
	}
	if err := c.journal.MarkFiscalised(ctx, id, Fiscal{Number: doc.Number, Sign: doc.Sign, Time: doc.Time}); err != nil {
		return fmt.Errorf("resolve bill %d: journal: %w", id, err)
	}
	return nil
}

// ResolveNotPrinted is a supervisor's decision on a Conflict bill: the
// register holds no receipt for it; the bill is Open again.
func (c *Checkout) ResolveNotPrinted(ctx context.Context, id BillID, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.journal.MarkFailed(ctx, id, "resolved by supervisor: "+reason); err != nil {
		return fmt.Errorf("resolve bill %d: journal: %w", id, err)
	}
	return nil
}

func notOpen() error { return newErr(ErrStateConflict, "sale.error.not_open", nil) }
