package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/policy"
)

// Shift is the till's record of a register shift (the register keeps the
// fiscal one; this is for the journal and the UI).
type Shift struct {
	ID       int64
	Number   int // the register's shift number
	Opened   time.Time
	OpenedBy policy.UserID
	Closed   time.Time // zero while open
	ClosedBy policy.UserID
}

// OpenShift records a shift opened on the register. ErrShiftOpen if one is
// already open.
func (d *DB) OpenShift(ctx context.Context, number int, by policy.UserID, at time.Time) (Shift, error) {
	s := Shift{Number: number, Opened: fromUS(us(at)), OpenedBy: by}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM shifts WHERE closed IS NULL`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrShiftOpen
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO shifts(number, opened, opened_by) VALUES(?,?,?)`, number, us(at), int64(by))
		if err != nil {
			return err
		}
		noteOutboxEvent(tx)
		s.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return Shift{}, fmt.Errorf("open shift %d: %w", number, err)
	}
	return s, nil
}

// CloseShift closes the open shift. ErrNoShift if none is open.
func (d *DB) CloseShift(ctx context.Context, by policy.UserID, at time.Time) (Shift, error) {
	var s Shift
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE shifts SET closed = ?, closed_by = ? WHERE closed IS NULL`, us(at), int64(by))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoShift
		}
		noteOutboxEvent(tx)
		return nil
	})
	if err != nil {
		return Shift{}, fmt.Errorf("close shift: %w", err)
	}
	s, err = d.LastShift(ctx)
	return s, err
}

// CurrentShift returns the open shift, or ErrNoShift.
func (d *DB) CurrentShift(ctx context.Context) (Shift, error) {
	s, err := d.shift(ctx, `WHERE closed IS NULL`)
	if errors.Is(err, ErrNotFound) {
		return Shift{}, ErrNoShift
	}
	return s, err
}

// LastShift returns the newest shift, open or closed; ErrNotFound if none.
func (d *DB) LastShift(ctx context.Context) (Shift, error) {
	return d.shift(ctx, ``)
}

func (d *DB) shift(ctx context.Context, where string) (Shift, error) {
	var s Shift
	var opened int64
	var closed, closedBy sql.NullInt64
	err := d.db.QueryRowContext(ctx, `SELECT id, number, opened, opened_by, closed, closed_by FROM shifts `+where+` ORDER BY id DESC LIMIT 1`).
		Scan(&s.ID, &s.Number, &opened, (*int64)(&s.OpenedBy), &closed, &closedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("shift: %w", ErrNotFound)
	}
	if err != nil {
		return s, fmt.Errorf("shift: %w", err)
	}
	s.Opened, s.Closed, s.ClosedBy = fromUS(opened), fromUS(closed.Int64), policy.UserID(closedBy.Int64)
	return s, nil
}
