package store

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
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

// The chain. Each row stores prev (the previous row's hash; 32 zero bytes
// for the first row) and hash. From the row keyed_from on (audit_keying,
// written once by keyAudit) hash = HMAC-SHA-256(auditKey, prev ||
// canonical(row)), the audit key being derived from the key file outside the
// database, so nobody without that file can recompute a row. Rows before
// keyed_from are the plain chain of older tills, hash = SHA-256(prev ||
// canonical(row)); the first keyed row's MAC covers the last plain hash, so
// they are sealed from the switch-over on.
//
// The canonical encoding is a version tag and a fixed sequence of fields,
// each length-prefixed (big-endian uint32) so no two different rows encode
// alike; it includes the row's id, so moving a row to another id breaks the
// chain even if its content is intact.
var genesis = make([]byte, sha256.Size)

const (
	auditTagV1   = "till.audit.v1" // plain SHA-256 rows
	auditTagV2   = "till.audit.v2" // keyed rows
	purposeAudit = "audit\x00"     // the audit key = HMAC(key file, purposeAudit)
)

func canonical(e AuditEntry) []byte { return canonicalTag(auditTagV1, e) }

func canonicalTag(tag string, e AuditEntry) []byte {
	var b bytes.Buffer
	b.Grow(128 + len(e.Args) + len(e.Reason) + len(e.Terminal) + len(e.Action))
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
	b.WriteString(tag)
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

// chainHash is the plain SHA-256 link of rows written before the switch.
func chainHash(prev []byte, e AuditEntry) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(canonical(e))
	return h.Sum(nil)
}

// macHash is the keyed link: what an attacker without the key file cannot
// recompute, whatever they do to the database.
func macHash(auditKey, prev []byte, e AuditEntry) []byte {
	m := hmac.New(sha256.New, auditKey)
	m.Write(prev)
	m.Write(canonicalTag(auditTagV2, e))
	return m.Sum(nil)
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

// txAudit is what a transaction of d.tx appended: appendAudit (called with
// only the *sql.Tx, from every use case) finds its database and key here,
// and d.tx advances the anchor with the head once the transaction commits.
type txAudit struct {
	d    *DB
	rows int64  // the last row appended in this transaction, 0 if none
	head []byte // its MAC

	events bool // wrote a row the outbox reports besides audit rows, see noteOutboxEvent
}

var openTxs sync.Map // *sql.Tx -> *txAudit, for the life of a d.tx

// trackAudit lets appendAudit write in tx: d.tx uses it, and so does a
// transaction begun on a connection of its own (the catalogue import's,
// which needs its temp tables). committed moves the anchor once tx has
// committed; release forgets tx whatever happened.
func (d *DB) trackAudit(tx *sql.Tx) (committed, release func()) {
	st := &txAudit{d: d}
	openTxs.Store(tx, st)
	committed = func() {
		if st.rows > 0 {
			d.advanceAnchor(st.rows, st.head)
		}
		if st.rows > 0 || st.events {
			d.outboxCommitted()
		}
	}
	return committed, func() { openTxs.Delete(tx) }
}

// appendAudit adds e inside a use case's transaction, so the change and its
// audit row commit together or not at all.
func appendAudit(ctx context.Context, tx *sql.Tx, e AuditEntry) (int64, error) {
	v, ok := openTxs.Load(tx)
	if !ok {
		return 0, errors.New("audit: not inside a store transaction")
	}
	st := v.(*txAudit)
	key, err := st.d.auditKeyForAppend()
	if err != nil {
		return 0, err
	}
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
	err = tx.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("audit head: %w", err)
	}
	e.ID = last + 1
	h := macHash(key, prev, e)
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
	st.rows, st.head = e.ID, h
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
