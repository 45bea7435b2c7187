package store

import (
	"container/heap"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tillpos/till/policy"
)

// AuditQuery filters the audit log for the audit screen. Zero fields do not
// filter. Action matches an exact ID or, ending in ".", every action under
// that prefix ("users." for all user management).
type AuditQuery struct {
	Actor    policy.UserID
	Approver policy.UserID
	Action   string
	From, To time.Time // From inclusive, To exclusive
	Limit    int       // default 500
}

// Newest first is by the row's time, then its id: each audit index
// (migration 0007) ends in time and carries the id, so every filter reads
// its rows in this order and stops at the limit.
const auditOrder = ` ORDER BY time DESC, id DESC LIMIT ?`

// auditWhere is q's filter with action exact (the prefix is expanded into
// exact actions by the caller).
func auditWhere(q AuditQuery, action string) (string, []any) {
	var where []string
	var args []any
	if q.Actor != 0 {
		where, args = append(where, "actor = ?"), append(args, int64(q.Actor))
	}
	if q.Approver != 0 {
		where, args = append(where, "approver = ?"), append(args, int64(q.Approver))
	}
	if action != "" {
		where, args = append(where, "action = ?"), append(args, action)
	}
	if !q.From.IsZero() {
		where, args = append(where, "time >= ?"), append(args, us(q.From))
	}
	if !q.To.IsZero() {
		where, args = append(where, "time < ?"), append(args, us(q.To))
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

const auditSearchCols = `SELECT id, time, terminal, actor, approver, action, args, outcome, reason FROM audit`

// SearchAudit returns the rows matching q, newest first (by time, then id).
//
// A prefix ("users.") is not one index range in time order: it is turned
// into the exact actions under it that the log holds (one index seek each),
// each read newest first, and those streams merged, so the search reads the
// rows it returns plus one per action.
func (d *DB) SearchAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	if q.Limit <= 0 {
		q.Limit = 500
	}
	a := strings.TrimSpace(q.Action)
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("search audit: %w", err)
	}
	defer tx.Rollback()
	actions := []string{a}
	if strings.HasSuffix(a, ".") {
		if actions, err = auditActionsUnder(ctx, tx, a); err != nil {
			return nil, err
		}
	}
	m := make(auditMerge, 0, len(actions))
	defer func() {
		for _, c := range m {
			c.rows.Close()
		}
	}()
	for _, act := range actions {
		where, args := auditWhere(q, act)
		rows, err := tx.QueryContext(ctx, auditSearchCols+where+auditOrder, append(args, q.Limit)...)
		if err != nil {
			return nil, fmt.Errorf("search audit: %w", err)
		}
		c := &auditCursor{rows: rows}
		if ok, err := c.next(); err != nil {
			rows.Close()
			return nil, err
		} else if !ok {
			continue
		}
		m = append(m, c)
	}
	heap.Init(&m)
	var out []AuditEntry
	for len(m) > 0 && len(out) < q.Limit {
		c := m[0]
		out = append(out, c.cur)
		ok, err := c.next()
		if err != nil {
			return nil, err
		}
		if ok {
			heap.Fix(&m, 0)
		} else {
			c.rows.Close()
			heap.Pop(&m)
		}
	}
	return out, nil
}

// auditActionsUnder lists the distinct actions the log holds under prefix
// (which ends in "."), skipping from one to the next through the action
// index: one seek per action, however many rows each has. An action ID
// never holds "/", the byte after ".", so [prefix, prefix-with-"/") is the
// range.
func auditActionsUnder(ctx context.Context, tx *sql.Tx, prefix string) ([]string, error) {
	end := prefix[:len(prefix)-1] + "/"
	var out []string
	lo, op := prefix, ">="
	for {
		var a string
		err := tx.QueryRowContext(ctx, `SELECT action FROM audit WHERE action `+op+` ? AND action < ? ORDER BY action LIMIT 1`, lo, end).Scan(&a)
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("search audit: actions under %q: %w", prefix, err)
		}
		out = append(out, a)
		lo, op = a, ">"
	}
}

// auditCursor is one action's rows, newest first, with the row it is at.
type auditCursor struct {
	rows *sql.Rows
	cur  AuditEntry
}

func (c *auditCursor) next() (bool, error) {
	if !c.rows.Next() {
		if err := c.rows.Err(); err != nil {
			return false, fmt.Errorf("search audit: %w", err)
		}
		return false, nil
	}
	e, _, _, err := scanAudit(c.rows, false)
	c.cur = e
	return err == nil, err
}

// auditMerge is a heap of cursors, the newest row on top.
type auditMerge []*auditCursor

func (m auditMerge) Len() int { return len(m) }
func (m auditMerge) Less(i, j int) bool {
	a, b := m[i].cur, m[j].cur
	if !a.Time.Equal(b.Time) {
		return a.Time.After(b.Time)
	}
	return a.ID > b.ID
}
func (m auditMerge) Swap(i, j int) { m[i], m[j] = m[j], m[i] }
func (m *auditMerge) Push(x any)   { *m = append(*m, x.(*auditCursor)) }
func (m *auditMerge) Pop() any {
	old := *m
	c := old[len(old)-1]
	*m = old[:len(old)-1]
	return c
}
