package admin

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/policy"
)

type auditStore struct {
	*fakeStore
	queries []AuditQuery
}

func (a *auditStore) SearchAudit(_ context.Context, q AuditQuery) ([]AuditEntry, error) {
	a.queries = append(a.queries, q)
	return []AuditEntry{{ID: 7, Time: time.Now(), Actor: 2, Action: "users.update", Outcome: "ok"}}, nil
}

// The viewer's filters typed and Enter: the store gets the action (a
// prefix stays a prefix), the user, and the day range with the last day
// included.
func TestAuditFiltersTypedThenEnter(t *testing.T) {
	s, f := newFakeScreen(t, policy.ActionViewAudit)
	a := &auditStore{fakeStore: f}
	s.deps.Store = a
	at := s.audit
	at.open()
	at.user.SetSelectedIndex(2) // anna
	test.Type(at.action, "users.")
	test.Type(at.from, "2026-11-30")
	test.Type(at.to, "2026-12-01")
	at.to.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(a.queries) != 1 {
		t.Fatalf("%d searches after Enter", len(a.queries))
	}
	q := a.queries[0]
	from := time.Date(2026, 11, 30, 0, 0, 0, 0, time.Local)
	if q.Action != "users." || q.Actor != 2 || !q.From.Equal(from) || !q.To.Equal(from.AddDate(0, 0, 2)) {
		t.Fatalf("query %+v", q)
	}
	if len(at.rows) != 1 || at.list.Length() != 1 {
		t.Fatalf("rows %v", at.rows)
	}
	test.Type(at.action, "x")
	at.action.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(a.queries) != 2 || a.queries[1].Action != "users.x" {
		t.Fatalf("Enter in the action field: %+v", a.queries)
	}
}
