package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ChainBreak is one place where the audit log does not hold.
type ChainBreak struct {
	ID   int64     // the first bad row (for deleted rows: the row after the gap; for a cut tail: the first missing id)
	Last int64     // the last bad row of this run, = ID for one row
	Time time.Time // the bad row's time as stored (zero for missing rows)
	// Since is the time of the last good row before it: the log can be
	// trusted up to then.
	Since time.Time
	Why   string // in words, for the operator
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Rows      int64        // rows read
	Break     *ChainBreak  // the first finding, nil when the whole log holds
	Breaks    []ChainBreak // every finding, up to maxBreaks, in row order
	KeyedFrom int64        // first keyed row (rows before it are the plain chain of older tills)
	// Anchor is the anchor the log was checked against; nil with
	// AnchorProblem when there is none or it is unusable.
	Anchor        *AuditAnchor
	AnchorProblem string
	Unanchored    int64 // rows after the anchored head (appended after the last anchor write)
	Notes         []string
}

const maxBreaks = 50

// VerifyOptions: AnchorFile overrides the anchor beside the key (to check a
// copy of the database against the till's anchor).
type VerifyOptions struct {
	AnchorFile string
}

// VerifyAudit walks the whole log and reports every row that was edited,
// deleted, inserted, moved or forged, rows cut off the end or the whole
// table emptied (against the anchor), and the rows where the till itself
// found the anchor not matching at start. The error is for I/O failures and
// a missing key only.
func (d *DB) VerifyAudit(ctx context.Context) (AuditReport, error) {
	return d.VerifyAuditWith(ctx, VerifyOptions{})
}

// VerifyAuditWith is VerifyAudit with options.
func (d *DB) VerifyAuditWith(ctx context.Context, o VerifyOptions) (AuditReport, error) {
	var rep AuditReport
	if !d.readOnly {
		d.flushAnchor() // the anchor as of the last commit
	}
	key, err := d.loadKey(ctx)
	if err != nil {
		return rep, fmt.Errorf("verify audit: the log is keyed, its key file is needed: %w", err)
	}
	ak := keyed(key, purposeAudit, "")
	k, err := d.keying(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Never keyed: a till has not started on it with its key yet.
		k.keyedFrom = 1 << 62
		rep.Notes = append(rep.Notes, "the log has not been keyed yet (no till has started on this database with its key since the upgrade): only its plain SHA-256 chain is checked, which anyone can recompute")
	case err != nil:
		return rep, classify(d.path, fmt.Errorf("verify audit: %w", err))
	}
	rep.KeyedFrom = k.keyedFrom
	file := o.AnchorFile
	if file == "" {
		file = d.anchorFile()
	}
	// The anchor first, the rows after: the till writes the anchor after
	// its commit, so the rows read next are at least as new.
	var anchor *AuditAnchor
	if k.dbID != "" || o.AnchorFile != "" {
		a, aerr := readAnchor(file, ak, k.dbID)
		switch {
		case errors.Is(aerr, errNoAnchor):
			rep.AnchorProblem = fmt.Sprintf("no anchor file %s: rows cut off the end or an emptied log cannot be found", file)
		case aerr != nil:
			rep.AnchorProblem = fmt.Sprintf("anchor %s unusable: %v", file, aerr)
		default:
			anchor = &a
			rep.Anchor = anchor
			if a.KeyedFrom != k.keyedFrom {
				rep.add(ChainBreak{ID: min(a.KeyedFrom, k.keyedFrom), Why: fmt.Sprintf("the database says the keyed log starts at row %d, the anchor says %d (changed to pass forged rows as plain ones)", k.keyedFrom, a.KeyedFrom)})
			}
		}
	}

	rows, err := d.db.QueryContext(ctx, `SELECT id, time, terminal, actor, approver, action, args, outcome, reason, prev, hash
		FROM audit ORDER BY id`)
	if err != nil {
		return rep, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	prevHash := genesis
	var lastID int64
	var lastTime time.Time
	var anchoredHash []byte
	for rows.Next() {
		e, prev, hash, err := scanAudit(rows, true)
		if err != nil {
			return rep, err
		}
		rep.Rows++
		b := ChainBreak{ID: e.ID, Last: e.ID, Time: e.Time, Since: lastTime}
		switch {
		case e.ID != lastID+1:
			b.Why = fmt.Sprintf("rows %d to %d are missing before it (deleted or renumbered)", lastID+1, e.ID-1)
			if lastID+1 == e.ID-1 {
				b.Why = fmt.Sprintf("row %d is missing before it (deleted or renumbered)", lastID+1)
			}
		case !bytes.Equal(prev, prevHash):
			b.Why = fmt.Sprintf("does not follow row %d (its previous hash differs: row %d or this row was edited, moved or replaced)", lastID, lastID)
		case e.ID < k.keyedFrom && !bytes.Equal(hash, chainHash(prev, e)):
			b.Why = "content does not match its hash (the row was edited)"
		case e.ID >= k.keyedFrom && !bytes.Equal(hash, macHash(ak, prev, e)):
			b.Why = "content does not match its MAC (the row was edited, or forged without the key)"
		case e.Action == actionAuditAnchorReset:
			b.Why = fmt.Sprintf("the till found at start that the log did not match its anchor (%s; %s): rows may have been removed or replaced before this row", e.Reason, e.Args)
		}
		if b.Why != "" {
			rep.add(b)
		}
		if e.Action == actionAuditAnchorNew && b.Why == "" {
			rep.Notes = append(rep.Notes, fmt.Sprintf("row %d (%s): the till started a new anchor for this database here %s", e.ID, e.Time.Format(time.RFC3339), e.Args))
		}
		if anchor != nil && e.ID == anchor.Rows {
			anchoredHash = hash
		}
		prevHash, lastID, lastTime = hash, e.ID, e.Time
	}
	if err := rows.Err(); err != nil {
		return rep, fmt.Errorf("verify audit: %w", err)
	}
	if anchor != nil {
		switch {
		case lastID < anchor.Rows:
			b := ChainBreak{
				ID: lastID + 1, Last: anchor.Rows, Since: lastTime,
				Why: fmt.Sprintf("rows %d to %d are missing: cut off the end (the anchor of %s records %d rows)", lastID+1, anchor.Rows, anchor.Time.UTC().Format(time.RFC3339), anchor.Rows),
			}
			if lastID+1 == anchor.Rows {
				b.Why = fmt.Sprintf("row %d is missing: cut off the end (the anchor of %s records %d rows)", anchor.Rows, anchor.Time.UTC().Format(time.RFC3339), anchor.Rows)
			}
			if lastID == 0 {
				b.Why = fmt.Sprintf("the log is empty but the anchor of %s records %d rows: it was emptied or replaced", anchor.Time.UTC().Format(time.RFC3339), anchor.Rows)
			}
			rep.add(b)
		case anchor.Rows > 0 && !bytes.Equal(anchoredHash, anchor.Head):
			rep.add(ChainBreak{
				ID: anchor.Rows, Last: anchor.Rows,
				Why: fmt.Sprintf("row %d is not the row the anchor of %s records (the log was replaced or rewritten)", anchor.Rows, anchor.Time.UTC().Format(time.RFC3339)),
			})
		default:
			rep.Unanchored = lastID - anchor.Rows
		}
	}
	return rep, nil
}

// add records a finding, keeping them in row order.
func (r *AuditReport) add(b ChainBreak) {
	if b.Last < b.ID {
		b.Last = b.ID
	}
	if len(r.Breaks) >= maxBreaks {
		return
	}
	r.Breaks = append(r.Breaks, b)
	// Findings come in row order, except the keyed-from mismatch (found
	// first) and the cut tail (found last); keep the list sorted.
	for i := len(r.Breaks) - 1; i > 0 && r.Breaks[i].ID < r.Breaks[i-1].ID; i-- {
		r.Breaks[i], r.Breaks[i-1] = r.Breaks[i-1], r.Breaks[i]
	}
	r.Break = &r.Breaks[0]
}
