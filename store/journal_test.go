package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// queryPlan is EXPLAIN QUERY PLAN of q with args, one detail per line.
func queryPlan(t testing.TB, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	return plan.String()
}

// flatPlan fails t when the plan reads a table other than through an index
// range or a primary key, or sorts (a sort reads every matching row before
// the first is returned). "SCAN p" is the page of ids the history query
// collects first (CO-ROUTINE), not a table.
func flatPlan(t *testing.T, name, plan string, allowScan ...string) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(plan), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "SCAN") && !slices.Contains(allowScan, l):
			t.Errorf("%s reads a whole table or index: %q\nplan:\n%s", name, l, plan)
		case strings.Contains(l, "TEMP B-TREE") && !strings.Contains(l, "RIGHT PART OF ORDER BY") && !slices.Contains(allowScan, l):
			t.Errorf("%s sorts: %q\nplan:\n%s", name, l, plan)
		}
	}
}

func TestJournalQueryPlans(t *testing.T) {
	f := yearDB(t, sizeSmall)
	db := f.db
	q := JournalQuery{Cashier: f.cashiers[0], Since: f.now.AddDate(0, 0, -7), Before: Cursor{Opened: f.now, ID: 1 << 40}}
	for _, c := range []struct {
		name  string
		sql   string
		args  []any
		scans []string
	}{
		{"own history", journalSQL(true, false), journalArgs(q, 51), nil},
		{"own history, newer", journalSQL(true, true), journalArgs(JournalQuery{Cashier: 3, After: q.Before}, 51), nil},
		{"every cashier's history", journalSQL(false, false), journalArgs(JournalQuery{Before: q.Before}, 51), nil},
		{"every cashier's history, newer", journalSQL(false, true), journalArgs(JournalQuery{After: q.Before}, 51), nil},
		{"receipt by number", receiptSQL, []any{12, int64(-1 << 62), int64(1 << 62), 0, 0}, nil},
		{"receipt by number and date", receiptSQL, []any{12, us(f.now.AddDate(0, 0, -1)), us(f.now), 77, 77}, nil},
		{"parked bills", parkedSQL, []any{int64(sale.StateParked), 3, int64(1 << 62)}, nil},
		{"open bill", openBillSQL, []any{int64(sale.StateOpen), 3}, nil},
	} {
		plan := queryPlan(t, db, c.sql, c.args...)
		t.Logf("%s:\n%s", c.name, plan)
		flatPlan(t, c.name, plan, append(c.scans, "SCAN p")...)
		if strings.Contains(c.name, "history") && !strings.Contains(plan, "INDEX bills_") {
			t.Errorf("%s does not use a history index:\n%s", c.name, plan)
		}
	}
	day := f.now.AddDate(0, 0, -2)
	for _, c := range []struct {
		name string
		q    AuditQuery
		act  string
		want string
	}{
		{"audit by action", AuditQuery{}, "session.sign_in", "audit_action_time"},
		{"audit by action and date", AuditQuery{From: day, To: day.AddDate(0, 0, 1)}, "users.update", "audit_action_time"},
		{"audit by date", AuditQuery{From: day, To: day.AddDate(0, 0, 1)}, "", "audit_time"},
		{"audit by user and date", AuditQuery{Actor: 5, From: day, To: day.AddDate(0, 0, 1)}, "", "audit_actor_time"},
		{"audit by user", AuditQuery{Actor: 5}, "", "audit_actor_time"},
		{"audit by approver", AuditQuery{Approver: 2}, "", "audit_approver_time"},
		{"audit, no filter", AuditQuery{}, "", "audit_time"},
	} {
		where, args := auditWhere(c.q, c.act)
		plan := queryPlan(t, db, auditSearchCols+where+auditOrder, append(args, 500)...)
		t.Logf("%s:\n%s", c.name, plan)
		// With no filter the newest rows are read off the end of the time
		// index, stopping at the limit.
		flatPlan(t, c.name, plan, "SCAN audit USING INDEX audit_time")
		if !strings.Contains(plan, c.want) {
			t.Errorf("%s does not use %s:\n%s", c.name, c.want, plan)
		}
	}
	plan := queryPlan(t, db, `SELECT action FROM audit WHERE action >= ? AND action < ? ORDER BY action LIMIT 1`, "users.", "users/")
	flatPlan(t, "audit actions under a prefix", plan)
	if !strings.Contains(plan, "COVERING INDEX audit_action_time") {
		t.Errorf("the prefix's actions are not read off the action index:\n%s", plan)
	}
}

// The generator writes what the store's API would: every fiscalised bill
// is paid to its total, has its document, and the audit chain holds.
func TestYearGeneratorIsConsistent(t *testing.T) {
	f := yearDB(t, sizeSmall)
	ctx := context.Background()
	vat, err := sale.VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	var bills, docs, fiscalised int
	row := f.db.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM bills), (SELECT count(*) FROM fiscal_docs),
		(SELECT count(*) FROM bills WHERE state = ?)`, int64(sale.StateFiscalised))
	if err := row.Scan(&bills, &docs, &fiscalised); err != nil {
		t.Fatal(err)
	}
	if want := f.size.Days * f.size.BillsPerDay; bills != want || docs != fiscalised || docs < bills*9/10 {
		t.Fatalf("%d bills (want %d), %d documents, %d fiscalised", bills, want, docs, fiscalised)
	}
	for id := 1; id <= bills; id++ {
		b, err := f.db.Bills().Get(ctx, sale.BillID(id))
		if err != nil {
			t.Fatal(err)
		}
		if b.State != sale.StateFiscalised {
			if b.Fiscal.Number != 0 || len(b.Payments) != 0 {
				t.Fatalf("bill %d is %s but has a document or payments: %+v", id, b.State, b)
			}
			continue
		}
		tot, err := sale.Compute(&b, vat)
		if err != nil {
			t.Fatal(err)
		}
		if tot.Due != b.Fiscal.Total || tot.Paid != tot.Due || b.Fiscal.Number != b.Fiscal.Expected || b.Fiscal.Number == 0 {
			t.Fatalf("bill %d: due %d, fiscal total %d, paid %d, FD %d expected %d", id, tot.Due, b.Fiscal.Total, tot.Paid, b.Fiscal.Number, b.Fiscal.Expected)
		}
		if b.Kind == sale.KindReturn {
			o, err := f.db.Bills().Get(ctx, b.ReturnOf)
			if err != nil || o.Kind != sale.KindSale || o.State != sale.StateFiscalised || !o.Opened.Before(b.Opened) {
				t.Fatalf("return %d of %d: %+v %v", id, b.ReturnOf, o, err)
			}
		}
	}
	rep, err := f.db.VerifyAudit(ctx)
	if err != nil || rep.Break != nil || rep.Rows < int64(f.size.Days*f.size.AuditPerDay) {
		t.Fatalf("audit: %+v %v", rep, err)
	}
}

// historyIDs is the history straight from the table: the order the pages
// must give.
func historyIDs(t *testing.T, db *DB, cashier int64, since time.Time) []sale.BillID {
	t.Helper()
	rows, err := db.db.QueryContext(context.Background(), `SELECT id FROM bills WHERE (? = 0 OR cashier_id = ?) AND opened >= ?
		ORDER BY opened DESC, id DESC`, cashier, cashier, us(since))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []sale.BillID
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, sale.BillID(id))
	}
	return out
}

// Paging older to the journal depth and back newer gives every bill once,
// in order, also where many bills share one opening time and a page ends
// inside such a tie.
func TestJournalPagesLoseNoRowAndRepeatNone(t *testing.T) {
	f := newYearDB(t, sizeSmall, 7)
	ctx := context.Background()
	// A run of 17 bills opened in the same microsecond across cashiers.
	tie := f.now.AddDate(0, 0, -3)
	if _, err := f.db.db.ExecContext(ctx, `UPDATE bills SET opened = ? WHERE id BETWEEN 40 AND 56`, us(tie)); err != nil {
		t.Fatal(err)
	}
	repo := f.db.Bills()
	for _, c := range []struct {
		cashier int64
		since   time.Time
		limit   int
	}{
		{f.cashiers[0], f.now.AddDate(0, 0, -7), 5},
		{f.cashiers[1], time.Time{}, 4},
		{0, f.now.AddDate(0, 0, -5), 7},
		{0, time.Time{}, 6},
		{0, time.Time{}, 1},
	} {
		want := historyIDs(t, f.db, c.cashier, c.since)
		if len(want) < 3*c.limit {
			t.Fatalf("only %d bills for %+v", len(want), c)
		}
		var got []sale.BillID
		var pages []JournalPage
		q := JournalQuery{Cashier: c.cashier, Since: c.since, Limit: c.limit}
		for {
			p, err := repo.Journal(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Bills) == 0 || len(p.Bills) > c.limit {
				t.Fatalf("%+v: page of %d after %d rows", c, len(p.Bills), len(got))
			}
			if p.Newer != (len(pages) > 0) {
				t.Fatalf("%+v: page %d says newer=%v", c, len(pages), p.Newer)
			}
			for _, b := range p.Bills {
				got = append(got, b.ID)
				if c.cashier != 0 && b.CashierID != c.cashier {
					t.Fatalf("bill %d of cashier %d in %d's history", b.ID, b.CashierID, c.cashier)
				}
			}
			pages = append(pages, p)
			if !p.Older {
				break
			}
			q.Before = CursorOf(p.Bills[len(p.Bills)-1])
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%+v: paged older\n got %v\nwant %v", c, got, want)
		}
		// Back newer from the oldest page: the same pages, in reverse.
		q.Before = Cursor{}
		for i := len(pages) - 2; i >= 0; i-- {
			q.After = CursorOf(pages[i+1].Bills[0])
			p, err := repo.Journal(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var a, b []sale.BillID
			for _, x := range p.Bills {
				a = append(a, x.ID)
			}
			for _, x := range pages[i].Bills {
				b = append(b, x.ID)
			}
			if !slices.Equal(a, b) || p.Newer != (i > 0) || !p.Older {
				t.Fatalf("%+v: newer page %d = %v (newer %v), want %v", c, i, a, p.Newer, b)
			}
		}
	}
	// Rows carry their lines, as Get has them (without payments).
	p, err := repo.Journal(ctx, JournalQuery{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.Bills {
		whole, err := repo.Get(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		whole.Payments = nil
		if len(whole.Lines) == 0 || !slices.EqualFunc(whole.Lines, b.Lines, func(x, y sale.Line) bool { return x == y }) ||
			whole.Fiscal != b.Fiscal || whole.State != b.State {
			t.Fatalf("bill %d in the history:\n%+v\nGet:\n%+v", b.ID, b, whole)
		}
	}
}

func TestFindReceipts(t *testing.T) {
	f := yearDB(t, sizeSmall)
	ctx := context.Background()
	repo := f.db.Bills()
	var id, number, sign, at int64
	if err := f.db.db.QueryRowContext(ctx, `SELECT bill_id, number, sign, time FROM fiscal_docs ORDER BY number LIMIT 1 OFFSET 5`).Scan(&id, &number, &sign, &at); err != nil {
		t.Fatal(err)
	}
	when := fromUS(at)
	dayStart := time.Date(when.Year(), when.Month(), when.Day(), 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		q    ReceiptQuery
		want int
	}{
		{ReceiptQuery{Number: uint32(number)}, 1},
		{ReceiptQuery{Number: uint32(number), From: dayStart, To: dayStart.AddDate(0, 0, 1)}, 1},
		{ReceiptQuery{Number: uint32(number), From: dayStart.AddDate(0, 0, 1), To: dayStart.AddDate(0, 0, 2)}, 0},
		{ReceiptQuery{Number: uint32(number), Sign: uint32(sign)}, 1},
		{ReceiptQuery{Number: uint32(number), Sign: uint32(sign) + 1}, 0},
		{ReceiptQuery{Number: 1 << 30}, 0},
	} {
		got, err := repo.FindReceipts(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want {
			t.Fatalf("%+v: %d receipts, want %d", c.q, len(got), c.want)
		}
		if c.want == 1 && (got[0].ID != sale.BillID(id) || len(got[0].Lines) == 0 || got[0].Fiscal.Sign != uint32(sign)) {
			t.Fatalf("%+v: %+v", c.q, got[0])
		}
	}
}

// A prefix search merges the actions under it newest first: the same rows
// as reading every row and filtering.
func TestSearchAuditMatchesAFullRead(t *testing.T) {
	f := yearDB(t, sizeSmall)
	ctx := context.Background()
	all, err := f.db.AuditEntries(ctx, 0, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	day := f.now.AddDate(0, 0, -3)
	for _, q := range []AuditQuery{
		{Action: "users.", Limit: 1000},
		{Action: "session.", Limit: 50},
		{Action: "session.sign_in", Limit: 40},
		{Action: "bill.", From: day, To: day.AddDate(0, 0, 2), Limit: 1000},
		{From: day, To: day.AddDate(0, 0, 1), Limit: 1000},
		{Actor: policy.UserID(f.cashiers[1]), From: day, To: day.AddDate(0, 0, 1), Limit: 1000},
		{Approver: 2, Action: "session.", Limit: 30},
		{Action: "nothing.", Limit: 10},
	} {
		var want []int64
		for i := len(all) - 1; i >= 0 && len(want) < q.Limit; i-- {
			e := all[i]
			switch {
			case q.Actor != 0 && e.Actor != q.Actor, q.Approver != 0 && e.Approver != q.Approver,
				strings.HasSuffix(q.Action, ".") && !strings.HasPrefix(e.Action, q.Action),
				q.Action != "" && !strings.HasSuffix(q.Action, ".") && e.Action != q.Action,
				!q.From.IsZero() && e.Time.Before(q.From), !q.To.IsZero() && !e.Time.Before(q.To):
				continue
			}
			want = append(want, e.ID)
		}
		rows, err := f.db.SearchAudit(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range rows {
			got = append(got, e.ID)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%+v:\n got %v\nwant %v", q, got, want)
		}
		if q.Action != "nothing." && len(got) == 0 {
			t.Fatalf("%+v finds nothing: the test proves nothing", q)
		}
	}
}

func TestParkedOfAndOpenBillOf(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	repo := db.Bills()
	mk := func(cashier int64, lines int, to sale.BillState) sale.BillID {
		b, err := repo.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cashier})
		if err != nil {
			t.Fatal(err)
		}
		for range lines {
			if _, err := repo.AddLine(ctx, b.ID, sale.Line{Name: "x", QtyMilli: 1000, UnitPrice: 100, VAT: "20", Dept: 1}); err != nil {
				t.Fatal(err)
			}
		}
		if to != sale.StateOpen {
			if err := repo.SetState(ctx, b.ID, sale.StateOpen, to); err != nil {
				t.Fatal(err)
			}
		}
		return b.ID
	}
	p1 := mk(3, 2, sale.StateParked)
	mk(4, 1, sale.StateParked)
	if _, err := db.OpenShift(ctx, 1, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CloseShift(ctx, 1, time.Now()); err != nil {
		t.Fatal(err)
	}
	end, err := db.LastShiftEnd(ctx)
	if err != nil || end.IsZero() {
		t.Fatalf("last shift end %v %v", end, err)
	}
	time.Sleep(2 * time.Millisecond)
	p2 := mk(3, 1, sale.StateParked)
	open := mk(3, 0, sale.StateOpen)
	mk(4, 0, sale.StateOpen)
	got, err := repo.ParkedOf(ctx, 3, time.Time{})
	if err != nil || len(got) != 2 || got[0].ID != p1 || got[1].ID != p2 || got[0].Lines != 2 || got[1].Lines != 1 {
		t.Fatalf("parked of 3: %+v %v", got, err)
	}
	stale, err := repo.ParkedOf(ctx, 3, end)
	if err != nil || len(stale) != 1 || stale[0].ID != p1 {
		t.Fatalf("parked of 3 before the shift end: %+v %v", stale, err)
	}
	if id, err := repo.OpenBillOf(ctx, 3); err != nil || id != open {
		t.Fatalf("open bill of 3: %d %v, want %d", id, err, open)
	}
	if id, err := repo.OpenBillOf(ctx, 1); err != nil || id != 0 {
		t.Fatalf("open bill of 1: %d %v", id, err)
	}
}
