package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tillpos/till/policy"
)

// Lockouts keep failed approval attempts per approver and terminal; the
// policy (policy.CheckLockout) decides from their times whether the
// approver is locked out. Rows older than a day are pruned on write: the
// window is minutes, and the audit log keeps the history.

// RecordFailure stores one failed approval attempt.
func (d *DB) RecordFailure(ctx context.Context, approver policy.UserID, terminal string, at time.Time) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO lockouts(approver, terminal, at) VALUES(?,?,?)`, int64(approver), terminal, us(at)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM lockouts WHERE at < ?`, us(at.Add(-24*time.Hour)))
		return err
	})
	if err != nil {
		return fmt.Errorf("record approval failure of #%d on %s: %w", approver, terminal, err)
	}
	return nil
}

// Failures returns the times of failed attempts at or after since, oldest
// first: pass them to policy.CheckLockout.
func (d *DB) Failures(ctx context.Context, approver policy.UserID, terminal string, since time.Time) ([]time.Time, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT at FROM lockouts WHERE approver = ? AND terminal = ? AND at >= ? ORDER BY at`,
		int64(approver), terminal, us(since))
	if err != nil {
		return nil, fmt.Errorf("approval failures of #%d: %w", approver, err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t int64
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("approval failures of #%d: %w", approver, err)
		}
		out = append(out, fromUS(t))
	}
	return out, rows.Err()
}

// CountFailures counts failed attempts at or after since.
func (d *DB) CountFailures(ctx context.Context, approver policy.UserID, terminal string, since time.Time) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM lockouts WHERE approver = ? AND terminal = ? AND at >= ?`,
		int64(approver), terminal, us(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count approval failures of #%d: %w", approver, err)
	}
	return n, nil
}

// ClearFailures forgets an approver's failures on a terminal, after a
// successful approval.
func (d *DB) ClearFailures(ctx context.Context, approver policy.UserID, terminal string) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM lockouts WHERE approver = ? AND terminal = ?`, int64(approver), terminal); err != nil {
		return fmt.Errorf("clear approval failures of #%d: %w", approver, err)
	}
	return nil
}
