package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/tillpos/till/policy"
)

// Lockouts keep failed credential attempts (sign-in, unlock, approvals) per
// bucket: approver is a user's ID when the attempt named a user (a login
// that exists, a badge or PIN that matched), else 0; terminal is the
// terminal's name, or LoginScope(tag) for a typed login that names nobody.
// The policy (policy.CheckLockout for a user or a login,
// policy.CheckThrottle for the terminal's bucket 0) decides from their times.
// Rows older than a day are pruned on write: the window is minutes, and the
// audit log keeps the history.

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

// purposeLogin separates login tags from badge and PIN hashes made with
// the same key.
const purposeLogin = "login\x00"

// LoginScope is the lockouts.terminal value under which failures for a
// login that names nobody are counted ("per login", even for logins that do
// not exist, so that locking out tells nobody which logins exist). tag is
// LoginTag's.
func LoginScope(tag string) string { return "login:" + tag }

// LoginTag is a keyed hash of what someone typed as a login, for the audit
// log and the per-login lockout of a login that names nobody: what is typed
// into a login field may be a password or a badge number typed by a reader,
// so it is never stored raw. The tag is the first 8 bytes of the
// HMAC-SHA-256 (key file, "login" purpose) of the login as the store
// compares it (trimmed, lower case), in hex. Without the key file it tells
// nothing; with it, one guess costs one HMAC, which is why the audit row
// carries it only for failed attempts.
func (d *DB) LoginTag(ctx context.Context, login string) (string, error) {
	key, err := d.loadKey(ctx)
	if err != nil {
		return "", fmt.Errorf("login tag: %w", err)
	}
	return hex.EncodeToString(keyed(key, purposeLogin, strings.ToLower(strings.TrimSpace(login)))[:8]), nil
}

// LiftLockout forgets every failed attempt counted against a user (sign-in,
// unlock and approvals, on any terminal), so a locked-out user may try again
// at once; the audit row names the user and how many failures were dropped.
func (d *DB) LiftLockout(ctx context.Context, user policy.UserID, by Actor) error {
	if user <= 0 {
		return fmt.Errorf("lift lockout: %w", ErrNotFound)
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE id = ?`, int64(user)).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return ErrNotFound
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM lockouts WHERE approver = ?`, int64(user))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		_, err = appendAudit(ctx, tx, by.entry("security.lockout.lift", map[string]any{"user": user, "failures": n}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("lift lockout of user #%d: %w", user, err)
	}
	return nil
}

// UserFailures returns the times of a user's failed attempts at or after
// since on any terminal, oldest first: what the back office shows as the
// user's lock (policy.CheckLockout over them).
func (d *DB) UserFailures(ctx context.Context, user policy.UserID, since time.Time) ([]time.Time, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT at FROM lockouts WHERE approver = ? AND at >= ? ORDER BY at`, int64(user), us(since))
	if err != nil {
		return nil, fmt.Errorf("failures of #%d: %w", user, err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t int64
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("failures of #%d: %w", user, err)
		}
		out = append(out, fromUS(t))
	}
	return out, rows.Err()
}
