package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

// Benchmarks on the year-sized database (generated once per run, see
// yeardb_test.go). Read each against its baseline in the same run:
//
//	go test -run '^$' -bench 'Year' -benchtime 200x ./store

// historySteps is what BenchmarkHistoryYear does: one cashier's bills of
// today (the first page), then the page a year back.
type historySteps struct {
	cashier             int64
	today               time.Time
	yearBack            Cursor
	pageFrom, pageUntil int64 // the opened range of the page a year back
}

func historySetup(b *testing.B) (*yearFixture, historySteps) {
	f := yearDB(b, sizeYear)
	s := historySteps{cashier: f.cashiers[0], today: f.now.Truncate(24 * time.Hour)}
	s.yearBack = Cursor{Opened: f.now.AddDate(0, 0, -364), ID: 1 << 40}
	p, err := f.db.Bills().Journal(context.Background(), JournalQuery{Cashier: s.cashier, Before: s.yearBack})
	if err != nil || len(p.Bills) != DefaultJournalPage {
		b.Fatalf("page a year back: %d bills, %v", len(p.Bills), err)
	}
	s.pageUntil, s.pageFrom = us(p.Bills[0].Opened), us(p.Bills[len(p.Bills)-1].Opened)
	return f, s
}

func BenchmarkHistoryYear(b *testing.B) {
	f, s := historySetup(b)
	ctx := context.Background()
	repo := f.db.Bills()
	for b.Loop() {
		p, err := repo.Journal(ctx, JournalQuery{Cashier: s.cashier, Since: s.today})
		if err != nil || len(p.Bills) == 0 {
			b.Fatalf("today: %d bills, %v", len(p.Bills), err)
		}
		p, err = repo.Journal(ctx, JournalQuery{Cashier: s.cashier, Before: s.yearBack})
		if err != nil || len(p.Bills) != DefaultJournalPage {
			b.Fatalf("a year back: %d bills, %v", len(p.Bills), err)
		}
	}
}

// baselineRows runs one SELECT and reads every column of every row into
// plain values: the floor a query of those rows costs.
func baselineRows(b *testing.B, db *sql.DB, q string, args ...any) int {
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

// BenchmarkHistoryYearBaseline reads the same bills with their fiscal
// documents and lines by one indexed SELECT each, given the opening-time
// range of each page (which the real history has to find by keyset).
func BenchmarkHistoryYearBaseline(b *testing.B) {
	f, s := historySetup(b)
	q := `SELECT ` + billCols + `, ` + journalLineCols + ` FROM bills b LEFT JOIN fiscal_docs f ON f.bill_id = b.id
		LEFT JOIN bill_lines l ON l.bill_id = b.id WHERE b.cashier_id = ? AND b.opened >= ? AND b.opened <= ?`
	for b.Loop() {
		if baselineRows(b, f.db.db, q, s.cashier, us(s.today), int64(1<<62)) == 0 {
			b.Fatal("no bills today")
		}
		if baselineRows(b, f.db.db, q, s.cashier, s.pageFrom, s.pageUntil) < DefaultJournalPage {
			b.Fatal("short page")
		}
	}
}

// receiptSample is a spread of receipts over the year to look up, each by
// number and the document's day, as typed from a paper receipt.
func receiptSample(b *testing.B, f *yearFixture) []ReceiptQuery {
	rows, err := f.db.db.Query(`SELECT number, time FROM fiscal_docs WHERE number % 997 = 0 ORDER BY number`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []ReceiptQuery
	for rows.Next() {
		var n, at int64
		if err := rows.Scan(&n, &at); err != nil {
			b.Fatal(err)
		}
		day := fromUS(at).Truncate(24 * time.Hour)
		out = append(out, ReceiptQuery{Number: uint32(n), From: day, To: day.Add(24 * time.Hour)})
	}
	if len(out) < 50 {
		b.Fatalf("%d receipts", len(out))
	}
	return out
}

func BenchmarkReceiptLookupYear(b *testing.B) {
	f := yearDB(b, sizeYear)
	qs := receiptSample(b, f)
	ctx := context.Background()
	repo := f.db.Bills()
	i := 0
	for b.Loop() {
		got, err := repo.FindReceipts(ctx, qs[i%len(qs)])
		if err != nil || len(got) != 1 {
			b.Fatalf("%+v: %d, %v", qs[i%len(qs)], len(got), err)
		}
		i++
	}
}

// BenchmarkReceiptLookupYearBaseline: the same document, bill and lines by
// one indexed SELECT.
func BenchmarkReceiptLookupYearBaseline(b *testing.B) {
	f := yearDB(b, sizeYear)
	qs := receiptSample(b, f)
	q := `SELECT ` + billCols + `, ` + journalLineCols + ` FROM fiscal_docs f JOIN bills b ON b.id = f.bill_id
		LEFT JOIN bill_lines l ON l.bill_id = b.id WHERE f.number = ? AND f.time >= ? AND f.time < ?`
	i := 0
	for b.Loop() {
		r := qs[i%len(qs)]
		if baselineRows(b, f.db.db, q, int64(r.Number), us(r.From), us(r.To)) == 0 {
			b.Fatal("not found")
		}
		i++
	}
}

// auditSteps: the viewer filtered by an action over the whole log, then by
// one day (its default limit 1000).
func auditSteps(f *yearFixture) (action AuditQuery, date AuditQuery) {
	day := f.now.AddDate(0, 0, -30).Truncate(24 * time.Hour)
	return AuditQuery{Action: "users.update", Limit: 1000}, AuditQuery{From: day, To: day.Add(24 * time.Hour), Limit: 1000}
}

func BenchmarkAuditSearchYear(b *testing.B) {
	f := yearDB(b, sizeYear)
	qa, qd := auditSteps(f)
	ctx := context.Background()
	for b.Loop() {
		for _, q := range []AuditQuery{qa, qd} {
			rows, err := f.db.SearchAudit(ctx, q)
			if err != nil || len(rows) < 100 {
				b.Fatalf("%+v: %d rows, %v", q, len(rows), err)
			}
		}
	}
}

func BenchmarkAuditSearchYearBaseline(b *testing.B) {
	f := yearDB(b, sizeYear)
	qa, qd := auditSteps(f)
	for b.Loop() {
		baselineRows(b, f.db.db, auditSearchCols+` INDEXED BY audit_action_time WHERE action = ? ORDER BY time DESC, id DESC LIMIT ?`, qa.Action, qa.Limit)
		baselineRows(b, f.db.db, auditSearchCols+` INDEXED BY audit_time WHERE time >= ? AND time < ? ORDER BY time DESC, id DESC LIMIT ?`, us(qd.From), us(qd.To), qd.Limit)
	}
}

// BenchmarkAuditPrefixYear is the prefix filter ("users.": every user
// management action) against one indexed SELECT of the rows it returns.
func BenchmarkAuditPrefixYear(b *testing.B) {
	f := yearDB(b, sizeYear)
	ctx := context.Background()
	for b.Loop() {
		rows, err := f.db.SearchAudit(ctx, AuditQuery{Action: "users.", Limit: 1000})
		if err != nil || len(rows) != 1000 {
			b.Fatalf("%d rows, %v", len(rows), err)
		}
	}
}

// BenchmarkVerifyAuditYear walks the whole chain (`till audit verify`).
func BenchmarkVerifyAuditYear(b *testing.B) {
	f := yearDB(b, sizeYear)
	ctx := context.Background()
	for b.Loop() {
		rep, err := f.db.VerifyAudit(ctx)
		if err != nil || rep.Break != nil {
			b.Fatalf("%+v %v", rep, err)
		}
	}
}

// BenchmarkMigrateJournalYear is the journal-index migration on the year-sized database:
// its indexes are dropped and made again, as on a till's first start with
// the new binary.
func BenchmarkMigrateJournalYear(b *testing.B) {
	f := yearDB(b, sizeYear)
	ctx := context.Background()
	ms, err := migrations()
	if err != nil {
		b.Fatal(err)
	}
	var m migration
	for _, x := range ms {
		if strings.Contains(x.name, "i16-journal") {
			m = x
		}
	}
	var drops []string
	for _, l := range strings.Split(m.sql, "\n") {
		if strings.HasPrefix(l, "CREATE INDEX IF NOT EXISTS ") {
			name := strings.Fields(l)[5]
			drops = append(drops, "DROP INDEX "+name)
		}
	}
	if len(drops) == 0 {
		b.Fatal("the journal-index migration not found")
	}
	for b.Loop() {
		b.StopTimer()
		for _, d := range drops {
			if _, err := f.db.db.ExecContext(ctx, d); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := f.db.tx(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, m.sql); return err }); err != nil {
			b.Fatal(err)
		}
	}
}
