package centredb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/chain"
)

// Joining (docs/chain.md, "Joining"): the one-time tokens the centre made,
// kept only as the SHA-256 of their secret; the NKey public key each till
// joined with; and the centre's own audit of joins, refusals and
// revocations.
const joinSchema = `
CREATE TABLE IF NOT EXISTS join_tokens (
	hash    BLOB PRIMARY KEY,           -- SHA-256 of the token's secret
	store   TEXT NOT NULL,
	till    TEXT NOT NULL,
	made    INTEGER NOT NULL,           -- Unix µs
	expires INTEGER NOT NULL,           -- Unix µs
	used    INTEGER NOT NULL DEFAULT 0, -- Unix µs of the join; 0 while unused
	nkey    TEXT NOT NULL DEFAULT ''    -- the key the till joined with
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS till_keys (
	nkey    TEXT PRIMARY KEY,           -- the till's NKey user public key
	store   TEXT NOT NULL,
	till    TEXT NOT NULL,
	joined  INTEGER NOT NULL,           -- Unix µs
	revoked INTEGER NOT NULL DEFAULT 0  -- Unix µs; 0 while the key may sign in
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS till_keys_till ON till_keys(store, till);

CREATE TABLE IF NOT EXISTS centre_audit (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,            -- Unix µs
	action TEXT NOT NULL,               -- join.token, join, join.refused, revoke, leaf.refused
	store  TEXT NOT NULL DEFAULT '',
	till   TEXT NOT NULL DEFAULT '',
	detail TEXT NOT NULL DEFAULT ''
);
`

var _ chain.JoinBook = (*DB)(nil)

func audit(ctx context.Context, ex interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, e chain.JoinEvent,
) error {
	_, err := ex.ExecContext(ctx, `INSERT INTO centre_audit(at, action, store, till, detail) VALUES(?,?,?,?,?)`,
		us(e.At), e.Action, e.Till.Store, e.Till.Till, e.Detail)
	return err
}

// AddJoinToken records a new token for id by its hash, audited.
func (d *DB) AddJoinToken(ctx context.Context, id chain.TillID, hash []byte, expires time.Time) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now()
	if _, err := tx.ExecContext(ctx, `INSERT INTO join_tokens(hash, store, till, made, expires) VALUES(?,?,?,?,?)`,
		hash, id.Store, id.Till, us(now), us(expires)); err != nil {
		return fmt.Errorf("join token: %w", err)
	}
	if err := audit(ctx, tx, chain.JoinEvent{At: now, Action: "join.token", Till: id, Detail: "valid until " + expires.UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	return tx.Commit()
}

// Redeem spends a token and records the till's key in one transaction: a
// token is used once whatever races it. A till that joins again (a new
// machine, a lost key) gets the new key and its old ones are revoked.
func (d *DB) Redeem(ctx context.Context, r chain.Redemption) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var store, till string
	var expires, used int64
	err = tx.QueryRowContext(ctx, `SELECT store, till, expires, used FROM join_tokens WHERE hash=?`, r.TokenHash).
		Scan(&store, &till, &expires, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return chain.ErrTokenUnknown
	case err != nil:
		return err
	case store != r.Till.Store || till != r.Till.Till:
		return fmt.Errorf("%w (it is for %s.%s)", chain.ErrTokenOtherTill, store, till)
	case used != 0:
		return fmt.Errorf("%w (at %s)", chain.ErrTokenUsed, time.UnixMicro(used).UTC().Format(time.RFC3339))
	case us(r.At) > expires:
		return fmt.Errorf("%w (at %s)", chain.ErrTokenExpired, time.UnixMicro(expires).UTC().Format(time.RFC3339))
	}
	at := us(r.At)
	if _, err := tx.ExecContext(ctx, `UPDATE join_tokens SET used=?, nkey=? WHERE hash=?`, at, r.NKey, r.TokenHash); err != nil {
		return err
	}
	if err := addKey(ctx, tx, r.Till, r.NKey, at); err != nil {
		return err
	}
	detail := "key " + r.NKey
	if r.From != "" {
		detail += " from " + r.From
	}
	if err := audit(ctx, tx, chain.JoinEvent{At: r.At, Action: "join", Till: r.Till, Detail: detail}); err != nil {
		return err
	}
	return tx.Commit()
}

func addKey(ctx context.Context, tx *sql.Tx, id chain.TillID, nkey string, at int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE till_keys SET revoked=? WHERE store=? AND till=? AND revoked=0`, at, id.Store, id.Till); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO till_keys(nkey, store, till, joined) VALUES(?,?,?,?)`, nkey, id.Store, id.Till, at); err != nil {
		return fmt.Errorf("till key: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tills(store, till) VALUES(?,?) ON CONFLICT DO NOTHING`, id.Store, id.Till)
	return err
}

// AddTillKey records a till's key without a token (tests and tools that
// made the key themselves), audited as a join.
func (d *DB) AddTillKey(ctx context.Context, id chain.TillID, nkey string) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now()
	if err := addKey(ctx, tx, id, nkey, us(now)); err != nil {
		return err
	}
	if err := audit(ctx, tx, chain.JoinEvent{At: now, Action: "join", Till: id, Detail: "key " + nkey + " given directly"}); err != nil {
		return err
	}
	return tx.Commit()
}

// Revoke stops a till's keys from signing in, and its unused tokens from
// being used, audited. It reports how many keys it revoked.
func (d *DB) Revoke(ctx context.Context, id chain.TillID) (int, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	now := time.Now()
	res, err := tx.ExecContext(ctx, `UPDATE till_keys SET revoked=? WHERE store=? AND till=? AND revoked=0`, us(now), id.Store, id.Till)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `UPDATE join_tokens SET expires=? WHERE store=? AND till=? AND used=0 AND expires>?`, us(now), id.Store, id.Till, us(now)); err != nil {
		return 0, err
	}
	if err := audit(ctx, tx, chain.JoinEvent{At: now, Action: "revoke", Till: id, Detail: fmt.Sprintf("%d key(s) revoked", n)}); err != nil {
		return 0, err
	}
	return int(n), tx.Commit()
}

// TillKeys is every key that may sign in: joined and not revoked.
func (d *DB) TillKeys(ctx context.Context) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT nkey FROM till_keys WHERE revoked=0 ORDER BY nkey`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// KeyOwner is the till a key was given to, and whether it is revoked.
func (d *DB) KeyOwner(ctx context.Context, nkey string) (chain.TillID, bool, error) {
	var id chain.TillID
	var revoked int64
	err := d.db.QueryRowContext(ctx, `SELECT store, till, revoked FROM till_keys WHERE nkey=?`, nkey).Scan(&id.Store, &id.Till, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return chain.TillID{}, false, nil
	}
	return id, revoked != 0, err
}

// AuditJoin records one row of the centre's audit.
func (d *DB) AuditJoin(ctx context.Context, e chain.JoinEvent) error {
	return audit(ctx, d.db, e)
}

// JoinState is a till's or a token's place in joining, for status.
type JoinState struct {
	Store, Till string
	State       string // joined, revoked, pending (a token waits), expired, used
	Since       time.Time
	Key         string // the till's public key; "" for tokens
}

// Joins lists each till key (joined or revoked) and each token not used.
func (d *DB) Joins(ctx context.Context) ([]JoinState, error) {
	now := us(time.Now())
	rows, err := d.db.QueryContext(ctx, `
		SELECT store, till, CASE WHEN revoked=0 THEN 'joined' ELSE 'revoked' END, CASE WHEN revoked=0 THEN joined ELSE revoked END, nkey
		FROM till_keys
		UNION ALL
		SELECT store, till, CASE WHEN expires>? THEN 'pending' ELSE 'expired' END, CASE WHEN expires>? THEN made ELSE expires END, ''
		FROM join_tokens WHERE used=0
		ORDER BY 1, 2, 4`, now, now)
	if err != nil {
		return nil, fmt.Errorf("joins: %w", err)
	}
	defer rows.Close()
	var out []JoinState
	for rows.Next() {
		var j JoinState
		var since int64
		if err := rows.Scan(&j.Store, &j.Till, &j.State, &since, &j.Key); err != nil {
			return nil, err
		}
		j.Since = time.UnixMicro(since)
		out = append(out, j)
	}
	return out, rows.Err()
}

// AuditRow is one row of the centre's audit.
type AuditRow struct {
	ID int64
	chain.JoinEvent
}

// Audit lists the centre's audit, newest last; limit > 0 keeps the newest
// limit rows.
func (d *DB) Audit(ctx context.Context, limit int) ([]AuditRow, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id, at, action, store, till, detail FROM
		(SELECT * FROM centre_audit ORDER BY id DESC LIMIT ?) ORDER BY id`, limit)
	if err != nil {
		return nil, fmt.Errorf("centre audit: %w", err)
	}
	defer rows.Close()
	var out []AuditRow
	for rows.Next() {
		var r AuditRow
		var at int64
		if err := rows.Scan(&r.ID, &at, &r.Action, &r.Till.Store, &r.Till.Till, &r.Detail); err != nil {
			return nil, err
		}
		r.At = time.UnixMicro(at)
		out = append(out, r)
	}
	return out, rows.Err()
}
