// Package centredb is the head office's database: every event of every
// till, stored once by (store, till, seq), each till's high-water mark,
// and the checks and reports made from them. It implements chain.Sink.
// SQLite like the till's own store (WAL, synchronous=FULL); it never
// imports the till's store: the centre holds no till's secrets.
package centredb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/tillpos/till/chain"
)

const schema = `
CREATE TABLE IF NOT EXISTS tills (
	store      TEXT NOT NULL,
	till       TEXT NOT NULL,
	hwm        INTEGER NOT NULL DEFAULT 0, -- every seq up to it is stored
	last_seen  INTEGER NOT NULL DEFAULT 0, -- Unix µs of the newest event received
	audit_id   INTEGER NOT NULL DEFAULT 0, -- the newest audit row checked
	audit_hash TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (store, till)
) WITHOUT ROWID;

-- The primary key is what makes delivery exactly-once: a message the
-- stream delivers twice, or a till re-sends after days, is kept once.
CREATE TABLE IF NOT EXISTS events (
	store    TEXT NOT NULL,
	till     TEXT NOT NULL,
	seq      INTEGER NOT NULL,
	kind     TEXT NOT NULL,
	at       INTEGER NOT NULL,
	body     TEXT NOT NULL,
	received INTEGER NOT NULL,
	PRIMARY KEY (store, till, seq)
); -- a rowid table: events are ~1 KB, too large to sit in a WITHOUT ROWID b-tree's cells
CREATE INDEX IF NOT EXISTS events_kind_at ON events(kind, at);

-- Where a till's audit chain did not continue from the row before.
CREATE TABLE IF NOT EXISTS audit_breaks (
	store  TEXT NOT NULL,
	till   TEXT NOT NULL,
	seq    INTEGER NOT NULL,
	id     INTEGER NOT NULL,
	reason TEXT NOT NULL,
	found  INTEGER NOT NULL,
	PRIMARY KEY (store, till, seq)
) WITHOUT ROWID;
`

// DB is the centre's database.
type DB struct {
	db *sql.DB

	mu  sync.Mutex
	ins map[int]*sql.Stmt // multi-row inserts by their row count
}

var _ chain.Sink = (*DB)(nil)

// Open opens or creates the centre's database at path.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("centre database: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("centre database %s: %w", path, err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		db.Close()
		return nil, fmt.Errorf("centre database %s: journal mode %q, want wal (%v)", path, mode, err)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("centre database %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, joinSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("centre database %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("centre database %s: %w", path, err)
	}
	return &DB{db: db}, nil
}

// Close closes the database.
func (d *DB) Close() error {
	d.mu.Lock()
	for _, st := range d.ins {
		st.Close()
	}
	d.ins = nil
	d.mu.Unlock()
	return d.db.Close()
}

func us(t time.Time) int64 { return t.UnixMicro() }

// Store keeps each event once and moves the high-water marks, checking the
// audit chain of every till up to its new mark, in one transaction. The
// rows go in with multi-row inserts prepared once, and the marks move over
// the batch in memory: the database is read back only for events stored
// before, above a gap this batch may have filled.
func (d *DB) Store(ctx context.Context, batch []chain.Received) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := us(time.Now())
	for rest := batch; len(rest) > 0; {
		n := min(len(rest), insertChunk)
		st, err := d.insertStmt(ctx, n)
		if err != nil {
			return err
		}
		args := make([]any, 0, 7*n)
		for _, r := range rest[:n] {
			args = append(args, r.Till.Store, r.Till.Till, r.Seq, r.Kind, us(r.At), string(r.Body), now)
		}
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("events %s:%d…: %w", rest[0].Till, rest[0].Seq, err)
		}
		rest = rest[n:]
	}
	byTill := map[chain.TillID][]chain.Received{}
	for _, r := range batch {
		byTill[r.Till] = append(byTill[r.Till], r)
	}
	for id, evs := range byTill {
		if err := advance(ctx, tx, id, evs, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// insertChunk is how many rows one INSERT takes (7 variables a row, far
// below SQLite's 32766).
const insertChunk = 64

// insertStmt is the INSERT of n rows, prepared once per database.
func (d *DB) insertStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st, ok := d.ins[n]; ok {
		return st, nil
	}
	q := `INSERT INTO events(store, till, seq, kind, at, body, received) VALUES(?,?,?,?,?,?,?)` +
		strings.Repeat(`,(?,?,?,?,?,?,?)`, n-1) + ` ON CONFLICT DO NOTHING`
	st, err := d.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if d.ins == nil {
		d.ins = map[int]*sql.Stmt{}
	}
	d.ins[n] = st
	return st, nil
}

// chainCheck follows a till's events in seq order from its mark, checking
// the audit rows among them.
type chainCheck struct {
	hwm, auditID int64
	auditHash    string
	breaks       []auditBreak
}

type auditBreak struct {
	seq, id int64
	why     string
}

// next takes the event after the mark; false when seq is not the next one.
func (c *chainCheck) next(seq int64, kind string, body []byte) bool {
	if seq != c.hwm+1 {
		return false
	}
	c.hwm = seq
	if kind != "audit" {
		return true
	}
	var a struct {
		ID   int64  `json:"id"`
		Prev string `json:"prev"`
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		c.breaks = append(c.breaks, auditBreak{seq, 0, "unreadable audit row"})
		return true
	}
	// The first row the centre sees starts its check: rows written
	// before the till joined the chain were never sent.
	switch {
	case c.auditHash == "":
	case a.ID != c.auditID+1:
		c.breaks = append(c.breaks, auditBreak{seq, a.ID, fmt.Sprintf("audit row %d follows row %d", a.ID, c.auditID)})
	case a.Prev != c.auditHash:
		c.breaks = append(c.breaks, auditBreak{seq, a.ID, fmt.Sprintf("audit row %d does not continue the chain of row %d", a.ID, c.auditID)})
	}
	c.auditID, c.auditHash = a.ID, a.Hash
	return true
}

// advance moves a till's mark over the contiguous events after it and checks
// the audit rows among them in the till's order: first over this batch's
// events (evs, the till's, in any order), then over any stored before
// above the mark (a gap this batch filled).
func advance(ctx context.Context, tx *sql.Tx, id chain.TillID, evs []chain.Received, now int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO tills(store, till) VALUES(?,?) ON CONFLICT DO NOTHING`, id.Store, id.Till); err != nil {
		return err
	}
	var c chainCheck
	if err := tx.QueryRowContext(ctx, `SELECT hwm, audit_id, audit_hash FROM tills WHERE store=? AND till=?`, id.Store, id.Till).
		Scan(&c.hwm, &c.auditID, &c.auditHash); err != nil {
		return err
	}
	// A stored event keeps its first copy: a redelivered one is the same
	// outbox row, so its body here is the stored body.
	sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
	for _, r := range evs {
		if r.Seq <= c.hwm {
			continue
		}
		if !c.next(r.Seq, r.Kind, r.Body) {
			break
		}
	}
	// Only audit rows' bodies are read back: the rest is checked by seq.
	rows, err := tx.QueryContext(ctx, `SELECT seq, kind, CASE kind WHEN 'audit' THEN body ELSE '' END
		FROM events WHERE store=? AND till=? AND seq > ? ORDER BY seq`, id.Store, id.Till, c.hwm)
	if err != nil {
		return err
	}
	for rows.Next() {
		var seq int64
		var kind, body string
		if err := rows.Scan(&seq, &kind, &body); err != nil {
			rows.Close()
			return err
		}
		if !c.next(seq, kind, []byte(body)) {
			break
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	for _, b := range c.breaks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_breaks(store, till, seq, id, reason, found) VALUES(?,?,?,?,?,?)
			ON CONFLICT DO NOTHING`, id.Store, id.Till, b.seq, b.id, b.why, now); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE tills SET hwm=?, last_seen=?, audit_id=?, audit_hash=? WHERE store=? AND till=?`,
		c.hwm, now, c.auditID, c.auditHash, id.Store, id.Till)
	return err
}

// HWM is the till's high-water mark; 0 for a till never heard from.
func (d *DB) HWM(ctx context.Context, id chain.TillID) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, `SELECT hwm FROM tills WHERE store=? AND till=?`, id.Store, id.Till).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// Tills lists every till the centre has met.
func (d *DB) Tills(ctx context.Context) ([]chain.TillID, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT store, till FROM tills ORDER BY store, till`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []chain.TillID
	for rows.Next() {
		var id chain.TillID
		if err := rows.Scan(&id.Store, &id.Till); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// AddTill records a till before its first event, so the centre sources it.
func (d *DB) AddTill(ctx context.Context, id chain.TillID) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO tills(store, till) VALUES(?,?) ON CONFLICT DO NOTHING`, id.Store, id.Till)
	return err
}

// Receipts counts the receipts the centre holds for a till.
func (d *DB) Receipts(ctx context.Context, id chain.TillID) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE store=? AND till=? AND kind='receipt'`, id.Store, id.Till).Scan(&n)
	return n, err
}
