package centredb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"
)

// OpenReadOnly opens an existing centre database for the operator's
// commands (status, report) while the centre runs: a read-only connection
// in WAL mode never blocks the ingester and can never write.
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("centre database %s does not exist: run `till centre` first, or give its -dir", path)
		}
		return nil, fmt.Errorf("centre database: %w", err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "query_only(1)")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("centre database %s: %w", path, err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tills`).Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("centre database %s is not a centre's database: %w", path, err)
	}
	return &DB{db: db}, nil
}

// TillStatus is one till as the centre sees it.
type TillStatus struct {
	Store, Till string
	HWM         int64     // every event up to it is stored
	Held        int64     // events stored (above HWM too: a gap waits for its re-send)
	Newest      int64     // the highest seq stored
	LastSeen    time.Time // when the newest event arrived; zero if none yet
	AuditBreaks int
	// The versions of the head office's bundles the till last applied, by
	// its audit rows (0: none applied yet, or not heard of).
	Matrix, Catalogue int64
}

// Gap is how many events the centre knows it lacks below the newest it
// holds: the till's re-send fills them.
func (s TillStatus) Gap() int64 {
	// Every seq up to HWM is held, so what is missing lies between HWM
	// and Newest: the seqs there less the events held there.
	if g := s.Newest - s.Held; g > 0 {
		return g
	}
	return 0
}

// Status lists every till the centre knows, with its marks.
func (d *DB) Status(ctx context.Context) ([]TillStatus, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT t.store, t.till, t.hwm, t.last_seen,
		(SELECT COUNT(*) FROM events e WHERE e.store=t.store AND e.till=t.till),
		(SELECT COALESCE(MAX(seq), 0) FROM events e WHERE e.store=t.store AND e.till=t.till),
		(SELECT COUNT(*) FROM audit_breaks b WHERE b.store=t.store AND b.till=t.till),
		`+appliedVersion("security.bundle.import")+`,
		`+appliedVersion("catalogue.bundle.import")+`
		FROM tills t ORDER BY t.store, t.till`)
	if err != nil {
		return nil, fmt.Errorf("centre status: %w", err)
	}
	defer rows.Close()
	var out []TillStatus
	for rows.Next() {
		var s TillStatus
		var seen int64
		if err := rows.Scan(&s.Store, &s.Till, &s.HWM, &seen, &s.Held, &s.Newest, &s.AuditBreaks, &s.Matrix, &s.Catalogue); err != nil {
			return nil, err
		}
		if seen > 0 {
			s.LastSeen = time.UnixMicro(seen)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// appliedVersion is the subquery for the version of the last bundle the
// till applied, from its newest audit row of action (the row's args carry
// the version): read backwards along the till's events, so an active
// till's answer is near the end.
func appliedVersion(action string) string {
	return `COALESCE((SELECT json_extract(e.body, '$.args.version') FROM events e
		WHERE e.store=t.store AND e.till=t.till AND e.kind='audit'
		AND json_extract(e.body, '$.action')='` + action + `' AND json_extract(e.body, '$.outcome')='ok'
		ORDER BY e.seq DESC LIMIT 1), 0)`
}

// AuditBreak is a place where a till's audit chain did not continue.
type AuditBreak struct {
	Store, Till string
	Seq, ID     int64
	Reason      string
	Found       time.Time
}

// AuditBreaks lists every break found, oldest first.
func (d *DB) AuditBreaks(ctx context.Context) ([]AuditBreak, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT store, till, seq, id, reason, found FROM audit_breaks ORDER BY found, store, till, seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditBreak
	for rows.Next() {
		var b AuditBreak
		var found int64
		if err := rows.Scan(&b.Store, &b.Till, &b.Seq, &b.ID, &b.Reason, &found); err != nil {
			return nil, err
		}
		b.Found = time.UnixMicro(found)
		out = append(out, b)
	}
	return out, rows.Err()
}

// SalesRow is the receipts of one store, till, cashier and day. Returns
// count apart and take their total off: Total is what the day took.
type SalesRow struct {
	Store, Till string
	Cashier     string // the cashier's login, or #id if the till sent none
	Day         string // YYYY-MM-DD in the report's location
	Sales       int
	Returns     int
	Total       int64 // minor units: sales minus returns
}

// ApprovalRow is the audit rows with an approver, by approver and action.
type ApprovalRow struct {
	Store, Till string
	Approver    string // the approver's login if the till's events named it, else #id
	Action      string
	Outcome     string
	Count       int
}

// Report is what `till centre report` prints.
type Report struct {
	From, To  time.Time // [From, To)
	Sales     []SalesRow
	Approvals []ApprovalRow
}

// Report reads the receipts and approvals whose fact time (the till's
// clock, as each event says) falls in [from, to), days counted in loc.
func (d *DB) Report(ctx context.Context, from, to time.Time, loc *time.Location) (Report, error) {
	rep := Report{From: from, To: to}
	// The day is taken in loc; SQLite knows only UTC, so the offset of the
	// location at the report's start is applied (a report spanning a
	// daylight-saving change counts the hour around it in its UTC day).
	_, off := from.In(loc).Zone()
	rows, err := d.db.QueryContext(ctx, `SELECT store, till,
		COALESCE(json_extract(body, '$.cashier_login'), '#' || json_extract(body, '$.cashier')) AS cashier,
		date((at / 1000000) + ?, 'unixepoch') AS day,
		SUM(json_extract(body, '$.kind') <> 2), SUM(json_extract(body, '$.kind') = 2),
		SUM(CASE json_extract(body, '$.kind') WHEN 2 THEN -json_extract(body, '$.total') ELSE json_extract(body, '$.total') END)
		FROM events WHERE kind = 'receipt' AND at >= ? AND at < ?
		GROUP BY store, till, cashier, day ORDER BY store, till, day, cashier`,
		off, us(from), us(to))
	if err != nil {
		return rep, fmt.Errorf("sales report: %w", err)
	}
	for rows.Next() {
		var r SalesRow
		if err := rows.Scan(&r.Store, &r.Till, &r.Cashier, &r.Day, &r.Sales, &r.Returns, &r.Total); err != nil {
			rows.Close()
			return rep, fmt.Errorf("sales report: %w", err)
		}
		rep.Sales = append(rep.Sales, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, err
	}
	// Approvers are till-local user ids; the till's own receipts and shift
	// events name logins for ids, which is how a person reads the report.
	rows, err = d.db.QueryContext(ctx, `WITH names(store, till, id, login) AS (
			SELECT store, till, json_extract(body, '$.cashier'), json_extract(body, '$.cashier_login')
				FROM events WHERE kind = 'receipt' AND json_extract(body, '$.cashier_login') IS NOT NULL
			UNION SELECT store, till, json_extract(body, '$.by'), json_extract(body, '$.by_login')
				FROM events WHERE kind IN ('shift.open', 'shift.close') AND json_extract(body, '$.by_login') IS NOT NULL),
		a AS (SELECT store, till, json_extract(body, '$.approver') AS approver, json_extract(body, '$.action') AS action,
				json_extract(body, '$.outcome') AS outcome
			FROM events WHERE kind = 'audit' AND at >= ? AND at < ? AND json_extract(body, '$.approver') IS NOT NULL)
		SELECT a.store, a.till,
			COALESCE((SELECT MIN(login) FROM names n WHERE n.store=a.store AND n.till=a.till AND n.id=a.approver), '#' || a.approver) AS who,
			a.action, a.outcome, COUNT(*)
		FROM a GROUP BY a.store, a.till, who, a.action, a.outcome ORDER BY a.store, a.till, who, a.action, a.outcome`,
		us(from), us(to))
	if err != nil {
		return rep, fmt.Errorf("approvals report: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r ApprovalRow
		if err := rows.Scan(&r.Store, &r.Till, &r.Approver, &r.Action, &r.Outcome, &r.Count); err != nil {
			return rep, fmt.Errorf("approvals report: %w", err)
		}
		rep.Approvals = append(rep.Approvals, r)
	}
	return rep, rows.Err()
}
