package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// In-memory fakes of the store, the bill repository and the register, so
// the desk's rules are tested without SQLite or a serial line.

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type fakeUser struct {
	User
	password, pin, badge string
}

type fakeStore struct {
	mu       sync.Mutex
	users    []fakeUser
	matrix   policy.Matrix
	settings map[string]string
	audit    []AuditEntry
	failures map[string][]time.Time
	items    map[string]sale.Item
	shift    *Shift
}

func lockKey(a policy.UserID, term string) string {
	return term + "/" + strconv.FormatInt(int64(a), 10)
}

func (s *fakeStore) find(f func(fakeUser) bool) (User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if f(u) {
			return u.User, nil
		}
	}
	return User{}, fmt.Errorf("fake: %w", ErrBadCredential)
}

func (s *fakeStore) Authenticate(_ context.Context, login, password string) (User, error) {
	return s.find(func(u fakeUser) bool { return u.Login == login && u.password == password })
}

func (s *fakeStore) UserByLogin(_ context.Context, login string) (User, error) {
	return s.find(func(u fakeUser) bool { return u.Login == login })
}

func (s *fakeStore) UserByBadge(_ context.Context, id string) (User, error) {
	return s.find(func(u fakeUser) bool { return u.badge != "" && u.badge == id })
}

func (s *fakeStore) UserByPIN(_ context.Context, pin string) (User, error) {
	return s.find(func(u fakeUser) bool { return u.pin != "" && u.pin == pin })
}

func (s *fakeStore) Audit(_ context.Context, e AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Args == nil {
		e.Args = json.RawMessage("{}")
	}
	s.audit = append(s.audit, e)
	return nil
}

func (s *fakeStore) rows(action string) []AuditEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []AuditEntry
	for _, e := range s.audit {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func (s *fakeStore) RecordFailure(_ context.Context, a policy.UserID, term string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[lockKey(a, term)] = append(s.failures[lockKey(a, term)], at)
	return nil
}

func (s *fakeStore) Failures(_ context.Context, a policy.UserID, term string, since time.Time) ([]time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, t := range s.failures[lockKey(a, term)] {
		if !t.Before(since) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (s *fakeStore) ClearFailures(_ context.Context, a policy.UserID, term string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.failures, lockKey(a, term))
	return nil
}

func (s *fakeStore) MatrixVersion(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.matrix.Version, nil
}

func (s *fakeStore) LoadMatrix(context.Context) (policy.Matrix, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.matrix, nil
}

func (s *fakeStore) setting(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.settings[key]
	return v, ok
}

func (s *fakeStore) SettingString(_ context.Context, key, def string) (string, error) {
	if v, ok := s.setting(key); ok {
		return v, nil
	}
	return def, nil
}

func (s *fakeStore) SettingInt(_ context.Context, key string, def int64) (int64, error) {
	if v, ok := s.setting(key); ok {
		return strconv.ParseInt(v, 10, 64)
	}
	return def, nil
}

func (s *fakeStore) SettingDuration(_ context.Context, key string, def time.Duration) (time.Duration, error) {
	if v, ok := s.setting(key); ok {
		return time.ParseDuration(v)
	}
	return def, nil
}

func (s *fakeStore) ItemByBarcode(_ context.Context, code string) (sale.Item, error) {
	if it, ok := s.items[code]; ok {
		return it, nil
	}
	return sale.Item{}, sale.ErrNotFound
}

func (s *fakeStore) OpenShift(_ context.Context, n int, by policy.UserID, at time.Time) (Shift, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shift = &Shift{Number: n, Opened: at, OpenedBy: by}
	return *s.shift, nil
}

func (s *fakeStore) CloseShift(_ context.Context, _ policy.UserID, at time.Time) (Shift, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shift == nil {
		return Shift{}, ErrNoShift
	}
	sh := *s.shift
	sh.Closed = at
	s.shift = nil
	return sh, nil
}

func (s *fakeStore) CurrentShift(context.Context) (Shift, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shift == nil {
		return Shift{}, ErrNoShift
	}
	return *s.shift, nil
}

// fakeBills is sale.Bills and sale.Journal in memory.
type fakeBills struct {
	mu    sync.Mutex
	next  int64
	bills map[sale.BillID]*sale.Bill
}

func (f *fakeBills) id() int64 { f.next++; return f.next }

func (f *fakeBills) open(id sale.BillID, states ...sale.BillState) (*sale.Bill, error) {
	b, ok := f.bills[id]
	if !ok {
		return nil, sale.ErrNotFound
	}
	if len(states) == 0 {
		states = []sale.BillState{sale.StateOpen}
	}
	for _, s := range states {
		if b.State == s {
			return b, nil
		}
	}
	return nil, sale.ErrStateConflict
}

func clone(b *sale.Bill) sale.Bill {
	c := *b
	c.Lines = append([]sale.Line(nil), b.Lines...)
	c.Payments = append([]sale.Payment(nil), b.Payments...)
	return c
}

func (f *fakeBills) Create(_ context.Context, b sale.Bill) (sale.Bill, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	nb := sale.Bill{ID: sale.BillID(f.id()), Kind: b.Kind, State: sale.StateOpen, CashierID: b.CashierID, ReturnOf: b.ReturnOf}
	f.bills[nb.ID] = &nb
	return nb, nil
}

func (f *fakeBills) Get(_ context.Context, id sale.BillID) (sale.Bill, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.bills[id]
	if !ok {
		return sale.Bill{}, sale.ErrNotFound
	}
	return clone(b), nil
}

func (f *fakeBills) AddLine(_ context.Context, id sale.BillID, l sale.Line) (sale.LineID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.open(id)
	if err != nil {
		return 0, err
	}
	l.ID = sale.LineID(f.id())
	b.Lines = append(b.Lines, l)
	return l.ID, nil
}

func (f *fakeBills) line(id sale.BillID, lid sale.LineID, fn func(*sale.Line)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.open(id)
	if err != nil {
		return err
	}
	for i := range b.Lines {
		if b.Lines[i].ID == lid {
			fn(&b.Lines[i])
			return nil
		}
	}
	return sale.ErrNotFound
}

func (f *fakeBills) UpdateLine(_ context.Context, id sale.BillID, l sale.Line) error {
	return f.line(id, l.ID, func(x *sale.Line) {
		x.QtyMilli, x.UnitPrice, x.Discount, x.ManualPrice = l.QtyMilli, l.UnitPrice, l.Discount, l.ManualPrice
	})
}

func (f *fakeBills) VoidLine(_ context.Context, id sale.BillID, lid sale.LineID) error {
	return f.line(id, lid, func(x *sale.Line) { x.Voided = true })
}

func (f *fakeBills) SetDiscount(_ context.Context, id sale.BillID, d sale.Discount) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.open(id)
	if err != nil {
		return err
	}
	b.Discount = d
	return nil
}

func (f *fakeBills) AddPayment(_ context.Context, id sale.BillID, p sale.Payment) (sale.PaymentID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.open(id)
	if err != nil {
		return 0, err
	}
	p.ID = sale.PaymentID(f.id())
	b.Payments = append(b.Payments, p)
	return p.ID, nil
}

func (f *fakeBills) RemovePayment(_ context.Context, id sale.BillID, pid sale.PaymentID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.open(id)
	if err != nil {
		return err
	}
	for i, p := range b.Payments {
		if p.ID == pid {
			b.Payments = append(b.Payments[:i], b.Payments[i+1:]...)
			return nil
		}
	}
	return sale.ErrNotFound
}

func (f *fakeBills) SetState(_ context.Context, id sale.BillID, from, to sale.BillState) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.open(id, from)
	if err != nil {
		return err
	}
	b.State = to
	return nil
}

func (f *fakeBills) byState(states ...sale.BillState) []sale.Bill {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sale.Bill
	for _, b := range f.bills {
		for _, s := range states {
			if b.State == s {
				out = append(out, clone(b))
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (f *fakeBills) Unfinished(context.Context) ([]sale.Bill, error) {
	return f.byState(sale.StateOpen, sale.StateParked), nil
}

func (f *fakeBills) Stuck(context.Context) ([]sale.Bill, error) {
	return f.byState(sale.StateFiscalising), nil
}

func (f *fakeBills) move(id sale.BillID, to sale.BillState, fn func(*sale.Bill), from ...sale.BillState) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := f.open(id, from...)
	if err != nil {
		return err
	}
	b.State = to
	fn(b)
	return nil
}

func (f *fakeBills) MarkFiscalising(_ context.Context, id sale.BillID, fi sale.Fiscal) error {
	return f.move(id, sale.StateFiscalising, func(b *sale.Bill) {
		b.Fiscal.Expected, b.Fiscal.Kind, b.Fiscal.Total, b.Fiscal.StartedAt = fi.Expected, fi.Kind, fi.Total, fi.StartedAt
		b.Fiscal.Attempts++
	}, sale.StateOpen)
}

func (f *fakeBills) MarkFiscalised(_ context.Context, id sale.BillID, fi sale.Fiscal) error {
	return f.move(id, sale.StateFiscalised, func(b *sale.Bill) {
		b.Fiscal.Number, b.Fiscal.Sign, b.Fiscal.Time = fi.Number, fi.Sign, fi.Time
	}, sale.StateFiscalising, sale.StateConflict)
}

func (f *fakeBills) MarkFailed(_ context.Context, id sale.BillID, reason string) error {
	return f.move(id, sale.StateOpen, func(b *sale.Bill) { b.Fiscal.Reason = reason }, sale.StateFiscalising, sale.StateConflict)
}

func (f *fakeBills) MarkConflict(_ context.Context, id sale.BillID, reason string) error {
	return f.move(id, sale.StateConflict, func(b *sale.Bill) { b.Fiscal.Reason = reason }, sale.StateFiscalising)
}

// fakeRegister keeps a list of receipts. failNext makes the next Fiscalise
// fail before anything is printed (paper out).
type fakeRegister struct {
	mu       sync.Mutex
	docs     []device.Receipt
	last     uint32
	failNext error
	statErr  error
	drawers  int
	cashiers []device.Cashier
}

func (r *fakeRegister) Status(context.Context) (device.Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return device.Status{Mode: device.ModeShiftOpen, ShiftOpen: true}, r.statErr
}

func (r *fakeRegister) OpenShift(_ context.Context, c device.Cashier) (device.ShiftResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cashiers = append(r.cashiers, c)
	r.last++
	return device.ShiftResult{Shift: 7, Number: r.last}, nil
}

func (r *fakeRegister) Fiscalise(_ context.Context, rc device.Receipt) (device.FiscalResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.failNext; err != nil {
		r.failNext = nil
		return device.FiscalResult{}, err
	}
	r.last++
	r.docs = append(r.docs, rc)
	r.cashiers = append(r.cashiers, rc.Cashier)
	return device.FiscalResult{Number: r.last, Sign: 1000 + r.last}, nil
}

// Correction is not something these tests exercise: the real driver and
// the emulator cover it (device/shtrih).
func (r *fakeRegister) Correction(context.Context, device.Correction) (device.FiscalResult, error) {
	return device.FiscalResult{}, errors.New("fake register: no correction receipts")
}

func (r *fakeRegister) CancelReceipt(context.Context) error { return nil }

func (r *fakeRegister) LastDocument(context.Context) (uint32, byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last, 0, nil
}

func (r *fakeRegister) FindDocument(_ context.Context, n uint32) (device.Document, error) {
	return device.Document{}, fmt.Errorf("fake: document %d: %w", n, device.ErrNoLink)
}

func (r *fakeRegister) XReport(_ context.Context, c device.Cashier) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cashiers = append(r.cashiers, c)
	return nil
}

func (r *fakeRegister) ZReport(_ context.Context, c device.Cashier, progress func(device.Progress)) (device.ShiftResult, error) {
	progress(device.Progress{Stage: "z", Percent: 100})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cashiers = append(r.cashiers, c)
	r.last++
	return device.ShiftResult{Shift: 7, Number: r.last}, nil
}

func (r *fakeRegister) CashIn(_ context.Context, c device.Cashier, _ int64) (uint32, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last++
	return r.last, nil
}

func (r *fakeRegister) CashOut(ctx context.Context, c device.Cashier, a int64) (uint32, error) {
	return r.CashIn(ctx, c, a)
}

func (r *fakeRegister) OpenDrawer(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.drawers++
	return nil
}

func (r *fakeRegister) Close() error { return nil }
