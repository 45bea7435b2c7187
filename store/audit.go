package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/policy"
)

// Outcomes of an audited action.
const (
	OutcomeOK       = "ok"       // done
	OutcomeDenied   = "denied"   // policy refused
	OutcomeApproved = "approved" // an approval succeeded
	OutcomeFailed   = "failed"   // an attempt failed (wrong password, locked out, device error)
)

// AuditEntry is one row of the audit log. Actor is the cashier the session
// belongs to; Approver, when not 0, is the user whose rights were used
// (elevation or one-shot approval). Args is a JSON object; nil means {}.
type AuditEntry struct {
	ID       int64
	Time     time.Time
	Terminal string
	Actor    policy.UserID
	Approver policy.UserID
	Action   string
	Args     json.RawMessage
	Outcome  string
	Reason   string
}

// The chain: hash(row) = SHA-256(prev || canonical(row)), prev of the first
// row is 32 zero bytes. The canonical encoding is a fixed sequence of
// fields, each length-prefixed (big-endian uint32) so no two different rows
// encode alike; it includes the row's id, so moving a row to another id
// breaks the chain even if its content is intact.
var genesis = make([]byte, sha256.Size)

func canonical(e AuditEntry) []byte {
	var b bytes.Buffer
	put := func(p []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		b.Write(n[:])
		b.Write(p)
	}
	i64 := func(v int64) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(v))
		put(n[:])
	}
	b.WriteString("till.audit.v1")
	i64(e.ID)
	i64(us(e.Time))
	put([]byte(e.Terminal))
	i64(int64(e.Actor))
	if e.Approver == 0 {
		put(nil)
	} else {
		i64(int64(e.Approver))
	}
	put([]byte(e.Action))
	put(e.Args)
	put([]byte(e.Outcome))
	put([]byte(e.Reason))
	return b.Bytes()
}

func chainHash(prev []byte, e AuditEntry) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(canonical(e))
	return h.Sum(nil)
}

// Audit appends e to the log in its own transaction and returns its id.
// Time defaults to now.
func (d *DB) Audit(ctx context.Context, e AuditEntry) (int64, error) {
	var id int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = appendAudit(ctx, tx, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return id, nil
}

// appendAudit adds e inside a use case's transaction, so the change and its
// audit row commit together or not at all.
func appendAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) (int64, error) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = fromUS(us(e.Time)) // the precision that is stored and hashed
	if len(e.Args) == 0 {
		e.Args = json.RawMessage("{}")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, e.Args); err != nil {
		return 0, fmt.Errorf("audit args: %w", err)
	}
	e.Args = compact.Bytes()

	prev := genesis
	var last int64
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("audit head: %w", err)
	}
	e.ID = last + 1
	h := chainHash(prev, e)
	var approver any
	if e.Approver != 0 {
		approver = int64(e.Approver)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit(id, time, terminal, actor, approver, action, args, outcome, reason, prev, hash)
		VALUES(?,?,?,?,?,?,?,?,?,?,?)`,
		e.ID, us(e.Time), e.Terminal, int64(e.Actor), approver, e.Action, string(e.Args), e.Outcome, e.Reason, prev, h)
	if err != nil {
		return 0, fmt.Errorf("append audit: %w", err)
	}
	return e.ID, nil
}

// AuditEntries returns up to limit rows with id > after, oldest first: for
// the audit screen, which pages through the log.
func (d *DB) AuditEntries(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, time, terminal, actor, approver, action, args, outcome, reason
		FROM audit WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		e, _, _, err := scanAudit(rows, false)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanAudit(rows *sql.Rows, withHash bool) (e AuditEntry, prev, hash []byte, err error) {
	var t, actor int64
	var approver sql.NullInt64
	var args string
	dst := []any{&e.ID, &t, &e.Terminal, &actor, &approver, &e.Action, &args, &e.Outcome, &e.Reason}
	if withHash {
		dst = append(dst, &prev, &hash)
	}
	if err = rows.Scan(dst...); err != nil {
		return e, nil, nil, fmt.Errorf("read audit row: %w", err)
	}
	e.Time = fromUS(t)
	e.Actor = policy.UserID(actor)
	e.Approver = policy.UserID(approver.Int64)
	e.Args = json.RawMessage(args)
	return e, prev, hash, nil
}

// ChainBreak is the first row where the audit chain does not hold.
type ChainBreak struct {
	ID  int64  // the first bad row (for a deleted row: the row after the gap)
	Why string // in words, for the operator
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Rows  int64       // rows checked
	Break *ChainBreak // nil when the whole chain holds
}

// VerifyAudit walks the whole chain and reports the first row that was
// edited, deleted, inserted or moved. The error is for I/O failures only.
//
// What the chain cannot see: the newest rows cut off the end (the last
// row's hash is not anchored anywhere outside the database). Printing or
// exporting the head hash (AuditReport via `till audit verify`) is the
// anchor an operator can keep.
func (d *DB) VerifyAudit(ctx context.Context) (AuditReport, error) {
	var rep AuditReport
	rows, err := d.db.QueryContext(ctx, `SELECT id, time, terminal, actor, approver, action, args, outcome, reason, prev, hash
		FROM audit ORDER BY id`)
	if err != nil {
		return rep, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	prevHash := genesis
	var lastID int64
	for rows.Next() {
		e, prev, hash, err := scanAudit(rows, true)
		if err != nil {
			return rep, err
		}
		rep.Rows++
		switch {
		case e.ID != lastID+1:
			rep.Break = &ChainBreak{ID: e.ID, Why: fmt.Sprintf("rows %d to %d are missing (deleted or renumbered)", lastID+1, e.ID-1)}
		case !bytes.Equal(prev, prevHash):
			rep.Break = &ChainBreak{ID: e.ID, Why: fmt.Sprintf("does not follow row %d (its previous hash differs: row %d or this row was edited, moved or replaced)", lastID, lastID)}
		case !bytes.Equal(hash, chainHash(prev, e)):
			rep.Break = &ChainBreak{ID: e.ID, Why: "content does not match its hash (the row was edited)"}
		}
		if rep.Break != nil {
			return rep, nil
		}
		prevHash, lastID = hash, e.ID
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify audit: %w", err)
	}
	return rep, nil
}

// AuditHead returns the id and hash of the newest row (0 and the genesis
// hash for an empty log), for an operator to note down as an anchor.
func (d *DB) AuditHead(ctx context.Context) (int64, []byte, error) {
	var id int64
	h := genesis
	err := d.db.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&id, &h)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("audit head: %w", err)
	}
	return id, h, nil
}
