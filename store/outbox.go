package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/tillpos/till/chain/outbox"
)

// The outbox's rows are written by triggers (migration 0009) in the
// transaction of the change they report, so this file only reads them and
// moves the marks. *DB implements outbox.Store for the chain's publisher.
var (
	_ outbox.Store    = (*DB)(nil)
	_ outbox.Notifier = (*DB)(nil)
)

// outboxBody is the JSON of an outbox row, built when it is read from the
// row it refers to (migration 0010): the same document the triggers of
// 0009 wrote into body, which rows written then still hold.
const outboxBody = `CASE WHEN o.ref IS NULL THEN o.body
	WHEN o.kind = 'receipt' THEN (SELECT json_object(
		'bill', b.id, 'kind', b.kind, 'cashier', b.cashier_id,
		'cashier_login', (SELECT login FROM users WHERE id = b.cashier_id),
		'return_of', b.return_of, 'opened', b.opened,
		'discount_kind', b.discount_kind, 'discount_value', b.discount_value,
		'total', b.fiscal_total,
		'fd', f.number, 'sign', f.sign, 'time', f.time, 'shift', f.shift,
		'lines', json((SELECT json_group_array(json_object(
				'item', l.item_id, 'barcode', l.barcode, 'name', l.name, 'qty_milli', l.qty_milli,
				'unit_price', l.unit_price, 'vat', l.vat, 'dept', l.dept,
				'discount_kind', l.discount_kind, 'discount_value', l.discount_value,
				'manual_price', l.manual_price, 'voided', l.voided))
			FROM (SELECT * FROM bill_lines WHERE bill_id = b.id ORDER BY id) l)),
		'payments', json((SELECT json_group_array(json_object('kind', p.kind, 'amount', p.amount, 'at', p.at))
			FROM (SELECT * FROM payments WHERE bill_id = b.id ORDER BY id) p)))
		FROM fiscal_docs f JOIN bills b ON b.id = f.bill_id WHERE f.bill_id = o.ref)
	WHEN o.kind = 'shift.open' THEN (SELECT json_object('shift', s.number, 'opened', s.opened, 'by', s.opened_by,
			'by_login', (SELECT login FROM users WHERE id = s.opened_by))
		FROM shifts s WHERE s.id = o.ref)
	WHEN o.kind = 'shift.close' THEN (SELECT json_object('shift', s.number, 'opened', s.opened, 'closed', s.closed, 'by', s.closed_by,
			'by_login', (SELECT login FROM users WHERE id = s.closed_by))
		FROM shifts s WHERE s.id = o.ref AND s.closed IS NOT NULL)
	WHEN o.kind = 'audit' THEN (SELECT json_object('id', a.id, 'time', a.time, 'terminal', a.terminal, 'actor', a.actor,
			'approver', a.approver, 'action', a.action, 'args', json(a.args),
			'outcome', a.outcome, 'reason', a.reason, 'prev', hex(a.prev), 'hash', hex(a.hash))
		FROM audit a WHERE a.id = o.ref)
	END`

// OutboxAfter returns up to limit events with seq > after, oldest first,
// each with its JSON body.
func (d *DB) OutboxAfter(ctx context.Context, after int64, limit int) ([]outbox.Event, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT o.seq, o.kind, o.at, `+outboxBody+` FROM outbox o WHERE o.seq > ? ORDER BY o.seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rows.Close()
	var out []outbox.Event
	for rows.Next() {
		var e outbox.Event
		var at int64
		var body sql.NullString
		if err := rows.Scan(&e.Seq, &e.Kind, &at, &body); err != nil {
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		if !body.Valid {
			// The row it reports is gone: nothing deletes fiscal
			// documents, shifts or audit rows, so the database was
			// changed behind the till's back. Sending on would leave a
			// hole the centre could never fill.
			return nil, fmt.Errorf("outbox event %d (%s): the row it reports is missing", e.Seq, e.Kind)
		}
		e.At, e.Body = fromUS(at), json.RawMessage(body.String)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return out, nil
}

// OnOutboxEvent sets f to be called after the commit of every transaction
// that wrote a row the outbox reports (a fiscal document, a shift opened or
// closed, an audit row), so the chain's publisher sends it at once instead
// of at its next poll; nil removes it. f runs on the committing goroutine,
// after the commit: it must not block (the publisher's Kick only signals).
// Writing the outbox needs none of this: the triggers do it either way.
func (d *DB) OnOutboxEvent(f func()) {
	if f == nil {
		d.outboxHook.Store(nil)
		return
	}
	d.outboxHook.Store(&f)
}

func (d *DB) outboxCommitted() {
	if f := d.outboxHook.Load(); f != nil {
		(*f)()
	}
}

// noteOutboxEvent marks tx as writing a row an outbox trigger reports, for
// OnOutboxEvent. Audit rows need no note: the transaction counts them.
func noteOutboxEvent(tx *sql.Tx) {
	if v, ok := openTxs.Load(tx); ok {
		v.(*txAudit).events = true
	}
}

// OutboxMarks reads the marks.
func (d *DB) OutboxMarks(ctx context.Context) (outbox.Marks, error) {
	var s outbox.Marks
	err := d.db.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(seq), 0) FROM outbox), sent, centre FROM outbox_meta WHERE id = 1`).
		Scan(&s.Last, &s.Sent, &s.Centre)
	if err != nil {
		return s, fmt.Errorf("read outbox state: %w", err)
	}
	return s, nil
}

// DisableOutbox stops the outbox (till chain off): from the commit of this
// call on, nothing more is written to it, so a till on its own again keeps
// no second copy of its journal. What was not sent stays, with the marks,
// and goes when the till rejoins (StartTill enables it again).
func (d *DB) DisableOutbox(ctx context.Context) error { return d.setOutbox(ctx, false) }

// EnableOutbox starts the outbox: from the commit of this call on, every
// receipt, shift and audit row is also written to it. A till joins a chain
// from then on; what it did before stays in its own journal (and in the
// accounting export).
func (d *DB) EnableOutbox(ctx context.Context) error { return d.setOutbox(ctx, true) }

// setOutbox switches the outbox's triggers on or off.
func (d *DB) setOutbox(ctx context.Context, on bool) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox_meta SET enabled = ? WHERE id = 1`, on)
		return err
	})
	if err != nil {
		if on {
			return fmt.Errorf("enable the outbox: %w", err)
		}
		return fmt.Errorf("disable the outbox: %w", err)
	}
	return nil
}

// MarkOutboxSent records that every event up to seq is in the till's own
// stream. Marks only move forward: a late, smaller mark changes nothing.
func (d *DB) MarkOutboxSent(ctx context.Context, seq int64) error {
	return d.moveOutboxMark(ctx, "sent", seq)
}

// MarkOutboxCentre records the head office's high-water mark for this till.
func (d *DB) MarkOutboxCentre(ctx context.Context, seq int64) error {
	return d.moveOutboxMark(ctx, "centre", seq)
}

func (d *DB) moveOutboxMark(ctx context.Context, col string, seq int64) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox_meta SET `+col+` = MAX(`+col+`, ?) WHERE id = 1`, seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark outbox %s %d: %w", col, seq, err)
	}
	return nil
}

// PruneOutbox deletes events the head office has stored that are older
// than keep, so the table stays the size of the backlog plus a margin for
// a centre that must re-read. It returns how many rows went. The newest
// row always stays: seq is a rowid, and an empty table would start again
// at 1, reusing message IDs the centre has already stored.
func (d *DB) PruneOutbox(ctx context.Context, keep time.Duration) (int64, error) {
	var n int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE seq <= (SELECT centre FROM outbox_meta WHERE id = 1) AND at < ?
			AND seq < (SELECT MAX(seq) FROM outbox)`,
			us(time.Now().Add(-keep)))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	return n, nil
}

// stmtCache keeps prepared statements for the inserts that fire an outbox
// trigger. SQLite compiles a statement's triggers into it when it is
// prepared; 0009's receipt trigger (a JSON document of the bill, its lines
// and payments) cost more to compile than to run. 0010's trigger is a
// one-row insert, but compiling it with every commit would still be paid
// on the sale's path.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// exec runs q in tx through a statement prepared once per database.
func (d *DB) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	c := &d.stmts
	c.mu.Lock()
	st, ok := c.m[q]
	if !ok {
		var err error
		st, err = d.db.PrepareContext(ctx, q)
		if err != nil {
			c.mu.Unlock()
			return nil, err
		}
		if c.m == nil {
			c.m = map[string]*sql.Stmt{}
		}
		c.m[q] = st
	}
	c.mu.Unlock()
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}
