package sale

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tillpos/till/device"
)

// memStore is the test's Bills and Journal: a map with the compare-and-set
// semantics repo.go asks of the real store. failMarkFiscalised makes the next
// MarkFiscalised calls fail as a crash or a full disk would, after the
// register printed.
type memStore struct {
	mu                 sync.Mutex
	next               int64
	bills              map[BillID]*Bill
	failMarkFiscalised int
}

func newMemStore() *memStore { return &memStore{bills: map[BillID]*Bill{}} }

func clone(b *Bill) Bill {
	c := *b
	c.Lines = slices.Clone(b.Lines)
	c.Payments = slices.Clone(b.Payments)
	return c
}

func (m *memStore) get(id BillID, states ...BillState) (*Bill, error) {
	b, ok := m.bills[id]
	if !ok {
		return nil, fmt.Errorf("bill %d: %w", id, ErrNotFound)
	}
	if len(states) > 0 && !slices.Contains(states, b.State) {
		return nil, fmt.Errorf("bill %d is %s: %w", id, b.State, ErrStateConflict)
	}
	return b, nil
}

func (m *memStore) Create(_ context.Context, b Bill) (Bill, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	nb := Bill{ID: BillID(m.next), Kind: b.Kind, State: StateOpen, CashierID: b.CashierID, ReturnOf: b.ReturnOf, Opened: time.Unix(m.next, 0)}
	m.bills[nb.ID] = &nb
	return clone(&nb), nil
}

func (m *memStore) Get(_ context.Context, id BillID) (Bill, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id)
	if err != nil {
		return Bill{}, err
	}
	return clone(b), nil
}

func (m *memStore) AddLine(_ context.Context, id BillID, l Line) (LineID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, StateOpen)
	if err != nil {
		return 0, err
	}
	m.next++
	l.ID = LineID(m.next)
	b.Lines = append(b.Lines, l)
	return l.ID, nil
}

func (m *memStore) line(id BillID, lid LineID) (*Line, error) {
	b, err := m.get(id, StateOpen)
	if err != nil {
		return nil, err
	}
	for i := range b.Lines {
		if b.Lines[i].ID == lid {
			return &b.Lines[i], nil
		}
	}
	return nil, fmt.Errorf("line %d: %w", lid, ErrNotFound)
}

func (m *memStore) UpdateLine(_ context.Context, id BillID, l Line) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, err := m.line(id, l.ID)
	if err != nil {
		return err
	}
	p.QtyMilli, p.UnitPrice, p.Discount, p.ManualPrice = l.QtyMilli, l.UnitPrice, l.Discount, l.ManualPrice
	return nil
}

func (m *memStore) VoidLine(_ context.Context, id BillID, lid LineID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, err := m.line(id, lid)
	if err != nil {
		return err
	}
	p.Voided = true
	return nil
}

func (m *memStore) SetDiscount(_ context.Context, id BillID, d Discount) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, StateOpen)
	if err != nil {
		return err
	}
	b.Discount = d
	return nil
}

func (m *memStore) AddPayment(_ context.Context, id BillID, p Payment) (PaymentID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, StateOpen)
	if err != nil {
		return 0, err
	}
	m.next++
	p.ID = PaymentID(m.next)
	b.Payments = append(b.Payments, p)
	return p.ID, nil
}

func (m *memStore) RemovePayment(_ context.Context, id BillID, pid PaymentID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, StateOpen)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(b.Payments, func(p Payment) bool { return p.ID == pid })
	if i < 0 {
		return fmt.Errorf("payment %d: %w", pid, ErrNotFound)
	}
	b.Payments = slices.Delete(b.Payments, i, i+1)
	return nil
}

func (m *memStore) SetState(_ context.Context, id BillID, from, to BillState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range []BillState{from, to} {
		if s != StateOpen && s != StateParked && s != StateCancelled {
			return fmt.Errorf("SetState to %s: %w", s, ErrStateConflict)
		}
	}
	b, err := m.get(id, from)
	if err != nil {
		return err
	}
	b.State = to
	return nil
}

func (m *memStore) inStates(states ...BillState) []Bill {
	var out []Bill
	for id := BillID(1); id <= BillID(m.next); id++ {
		if b, ok := m.bills[id]; ok && slices.Contains(states, b.State) {
			out = append(out, clone(b))
		}
	}
	return out
}

func (m *memStore) Unfinished(context.Context) ([]Bill, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inStates(StateOpen, StateParked), nil
}

func (m *memStore) MarkFiscalising(_ context.Context, id BillID, f Fiscal) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, StateOpen)
	if err != nil {
		return err
	}
	attempts := b.Fiscal.Attempts + 1
	b.Fiscal = Fiscal{Expected: f.Expected, Kind: f.Kind, Total: f.Total, StartedAt: f.StartedAt, Attempts: attempts}
	b.State = StateFiscalising
	return nil
}

func (m *memStore) MarkFiscalised(_ context.Context, id BillID, f Fiscal) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failMarkFiscalised > 0 {
		m.failMarkFiscalised--
		return errors.New("disk I/O error")
	}
	b, err := m.get(id, StateFiscalising, StateConflict)
	if err != nil {
		return err
	}
	b.Fiscal.Number, b.Fiscal.Sign, b.Fiscal.Time, b.Fiscal.Shift = f.Number, f.Sign, f.Time, f.Shift
	b.State = StateFiscalised
	return nil
}

func (m *memStore) MarkFailed(_ context.Context, id BillID, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, StateFiscalising, StateConflict)
	if err != nil {
		return err
	}
	b.Fiscal.Reason = reason
	b.State = StateOpen
	return nil
}

func (m *memStore) MarkConflict(_ context.Context, id BillID, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := m.get(id, StateFiscalising)
	if err != nil {
		return err
	}
	b.Fiscal.Reason = reason
	b.State = StateConflict
	return nil
}

func (m *memStore) Stuck(context.Context) ([]Bill, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inStates(StateFiscalising), nil
}

// fault is what the fake register does on the next Fiscalise.
type fault int

const (
	faultNone fault = iota
	// faultBefore: refused before anything ran (paper out).
	faultBefore
	// faultTimeout: receipt written to fiscal storage, the reply lost.
	faultTimeout
	// faultLeaveOpen: the receipt was opened, the close never ran.
	faultLeaveOpen
	// faultPowerLoss: power lost mid-receipt: nothing stored, the register
	// is silent for a few calls, then comes back with no open receipt.
	faultPowerLoss
	// faultPowerLossAfterWrite: receipt stored, then silence.
	faultPowerLossAfterWrite
	// faultForeign: another document (a receipt of a different amount,
	// e.g. from the register's own keypad) takes the expected number; ours
	// never runs, the reply is lost.
	faultForeign
	// faultCancelled: the receipt is written while the caller's context is
	// cancelled (the cashier gave up waiting); the reply is the ctx error.
	faultCancelled
)

func (f fault) String() string {
	return [...]string{"none", "before", "timeout", "leave-open", "power-loss", "power-loss-after-write", "foreign", "cancelled"}[f]
}

// fakeRegister keeps a fiscal storage (documents numbered from 1) and can be
// told how its next Fiscalise calls go wrong.
type fakeRegister struct {
	mu        sync.Mutex
	docs      []device.Document
	open      bool // a receipt is open
	offline   int  // next calls fail with ErrNoLink
	faults    []fault
	fiscalise int // calls of Fiscalise that reached the register
	resent    int // calls of Fiscalise for a receipt already in storage
	cancels   int
	cancelCtx context.CancelFunc // faultCancelled calls it
}

var _ device.Register = (*fakeRegister)(nil)

func (r *fakeRegister) link(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.offline > 0 {
		r.offline--
		return fmt.Errorf("fake: %w", device.ErrNoLink)
	}
	return nil
}

func (r *fakeRegister) store(kind device.ReceiptKind, amount int64) device.Document {
	d := device.Document{
		Number: uint32(len(r.docs) + 1), Type: docReceipt, Sign: 0xA0000000 + uint32(len(r.docs)),
		Time: time.Date(2026, 11, 25, 12, 0, len(r.docs), 0, time.UTC), Operation: kind, Amount: amount,
	}
	r.docs = append(r.docs, d)
	return d
}

func (r *fakeRegister) Status(ctx context.Context) (device.Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.link(ctx); err != nil {
		return device.Status{}, err
	}
	st := device.Status{Mode: device.ModeShiftOpen, ShiftOpen: true, ReceiptOpen: r.open}
	if r.open {
		st.Mode = device.ModeReceiptOpen
	}
	return st, nil
}

func (r *fakeRegister) Fiscalise(ctx context.Context, rc device.Receipt) (device.FiscalResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.link(ctx); err != nil {
		return device.FiscalResult{}, err
	}
	if r.open {
		return device.FiscalResult{}, errors.New("fake: receipt already open (error 4Ah)")
	}
	r.fiscalise++
	f := faultNone
	if len(r.faults) > 0 {
		f, r.faults = r.faults[0], r.faults[1:]
	}
	var total, paid, cash int64
	for _, l := range rc.Lines {
		total += l.Amount
	}
	for _, p := range rc.Payments {
		paid += p.Amount
		if p.Kind == device.PayCash {
			cash += p.Amount
		}
	}
	for _, d := range r.docs {
		if d.Type == docReceipt && d.Operation == rc.Kind && d.Amount == total {
			r.resent++ // tests give every bill its own amount
		}
	}
	if paid < total || paid-total > cash {
		return device.FiscalResult{}, errors.New("fake: payments do not match (error 45h)")
	}
	switch f {
	case faultBefore:
		return device.FiscalResult{}, fmt.Errorf("fake: %w", device.ErrPaperOut)
	case faultTimeout:
		r.store(rc.Kind, total)
		return device.FiscalResult{}, fmt.Errorf("fake: close: %w", device.ErrOutcomeUnknown)
	case faultLeaveOpen:
		r.open = true
		return device.FiscalResult{}, fmt.Errorf("fake: close: %w", device.ErrOutcomeUnknown)
	case faultPowerLoss:
		r.offline = 3
		return device.FiscalResult{}, fmt.Errorf("fake: %w", device.ErrOutcomeUnknown)
	case faultPowerLossAfterWrite:
		r.store(rc.Kind, total)
		r.offline = 3
		return device.FiscalResult{}, fmt.Errorf("fake: %w", device.ErrOutcomeUnknown)
	case faultCancelled:
		r.store(rc.Kind, total)
		r.cancelCtx()
		return device.FiscalResult{}, fmt.Errorf("fake: %w", ctx.Err())
	case faultForeign:
		r.store(device.Sale, 1) // someone else's receipt for 0.01
		return device.FiscalResult{}, fmt.Errorf("fake: %w", device.ErrOutcomeUnknown)
	}
	d := r.store(rc.Kind, total)
	return device.FiscalResult{Number: d.Number, Sign: d.Sign, Change: paid - total, Time: d.Time}, nil
}

// Correction is not something these tests exercise: the real driver and
// the emulator cover it (device/shtrih).
func (r *fakeRegister) Correction(context.Context, device.Correction) (device.FiscalResult, error) {
	return device.FiscalResult{}, errors.New("fake register: no correction receipts")
}

func (r *fakeRegister) CancelReceipt(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.link(ctx); err != nil {
		return err
	}
	r.cancels++
	r.open = false
	return nil
}

func (r *fakeRegister) LastDocument(ctx context.Context) (uint32, byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.link(ctx); err != nil {
		return 0, 0, err
	}
	var open byte
	if r.open {
		open = 4 // FN: receipt open
	}
	return uint32(len(r.docs)), open, nil
}

func (r *fakeRegister) FindDocument(ctx context.Context, n uint32) (device.Document, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.link(ctx); err != nil {
		return device.Document{}, err
	}
	if n == 0 || int(n) > len(r.docs) {
		return device.Document{}, fmt.Errorf("fake: document %d: FN error 08h", n)
	}
	return r.docs[n-1], nil
}

func (r *fakeRegister) receiptsOf(kind device.ReceiptKind, amount int64) []device.Document {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []device.Document
	for _, d := range r.docs {
		if d.Type == docReceipt && d.Operation == kind && d.Amount == amount {
			out = append(out, d)
		}
	}
	return out
}

var errUnused = errors.New("fake: not used by checkout")

func (r *fakeRegister) OpenShift(context.Context, device.Cashier) (device.ShiftResult, error) {
	return device.ShiftResult{}, errUnused
}
func (r *fakeRegister) XReport(context.Context, device.Cashier) error { return errUnused }
func (r *fakeRegister) ZReport(context.Context, device.Cashier, func(device.Progress)) (device.ShiftResult, error) {
	return device.ShiftResult{}, errUnused
}

func (r *fakeRegister) CashIn(context.Context, device.Cashier, int64) (uint32, error) {
	return 0, errUnused
}

func (r *fakeRegister) CashOut(context.Context, device.Cashier, int64) (uint32, error) {
	return 0, errUnused
}
func (r *fakeRegister) OpenDrawer(context.Context) error { return nil }
func (r *fakeRegister) Close() error                     { return nil }
