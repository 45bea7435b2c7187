package deskstore

import (
	"context"
	"time"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

var _ desk.JournalStore = (*DB)(nil)

func (s *DB) Journal(ctx context.Context, q desk.JournalQuery) (desk.JournalPage, error) {
	p, err := s.db.Bills().Journal(ctx, store.JournalQuery{
		Cashier: int64(q.Cashier), Since: q.Since, Limit: q.Limit,
		Before: store.Cursor(q.Before), After: store.Cursor(q.After),
	})
	return desk.JournalPage{Bills: p.Bills, Older: p.Older, Newer: p.Newer}, err
}

func (s *DB) FindReceipts(ctx context.Context, q desk.ReceiptQuery) ([]sale.Bill, error) {
	return s.db.Bills().FindReceipts(ctx, store.ReceiptQuery{Number: q.Number, Sign: q.Sign, From: q.From, To: q.To})
}

func (s *DB) ParkedOf(ctx context.Context, cashier policy.UserID, before time.Time) ([]desk.ParkedBill, error) {
	ps, err := s.db.Bills().ParkedOf(ctx, int64(cashier), before)
	out := make([]desk.ParkedBill, 0, len(ps))
	for _, p := range ps {
		out = append(out, desk.ParkedBill(p))
	}
	return out, err
}

func (s *DB) OpenBillOf(ctx context.Context, cashier policy.UserID) (sale.BillID, error) {
	return s.db.Bills().OpenBillOf(ctx, int64(cashier))
}

func (s *DB) LastShiftEnd(ctx context.Context) (time.Time, error) { return s.db.LastShiftEnd(ctx) }
