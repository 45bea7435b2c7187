package store

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// fiscalisedBill rings up lines, pays and records a fiscal document, as a
// checkout does, and returns the bill.
func fiscalisedBill(t testing.TB, db *DB, cid int64, fd uint32, lines int) sale.BillID {
	t.Helper()
	ctx := context.Background()
	r := db.Bills()
	b, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cid})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for i := 0; i < lines; i++ {
		if _, err := r.AddLine(ctx, b.ID, line("Хлеб", 1000, 4990)); err != nil {
			t.Fatal(err)
		}
		total += 4990
	}
	if _, err := r.AddPayment(ctx, b.ID, sale.Payment{Kind: sale.PayCash, Amount: total, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkFiscalising(ctx, b.ID, sale.Fiscal{Expected: fd, Kind: device.Sale, Total: total, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkFiscalised(ctx, b.ID, sale.Fiscal{Number: fd, Sign: 12345, Time: time.Now(), Shift: 1}); err != nil {
		t.Fatal(err)
	}
	return b.ID
}

// openOutbox is a till's database in a chain: its outbox is on.
func openOutbox(t testing.TB) *DB {
	t.Helper()
	db := openTest(t)
	if err := db.EnableOutbox(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestOutboxReportsWhatCommitted(t *testing.T) {
	db := openOutbox(t)
	ctx := context.Background()
	cid := cashier(t, db)
	s0, err := db.OutboxMarks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bill := fiscalisedBill(t, db, cid, 7, 2)
	if _, err := db.OpenShift(ctx, 3, policy.UserID(cid), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CloseShift(ctx, policy.UserID(cid), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Audit(ctx, AuditEntry{Terminal: "t", Actor: policy.UserID(cid), Action: "cash.in", Args: json.RawMessage(`{"amount":500}`), Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.OutboxAfter(ctx, s0.Last, 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, e.Kind)
	}
	// Creating the cashier was audited before s0; after it: the receipt,
	// the shift's two events and the cash-in row, in that order.
	want := []string{"receipt", "shift.open", "shift.close", "audit"}
	if len(kinds) < len(want) {
		t.Fatalf("outbox kinds %v, want at least %v", kinds, want)
	}
	got := map[string]int{}
	for i, k := range kinds {
		if _, ok := got[k]; !ok {
			got[k] = i
		}
	}
	for i := 1; i < len(want); i++ {
		if got[want[i-1]] > got[want[i]] {
			t.Fatalf("outbox order %v, want %v", kinds, want)
		}
	}
	var rc struct {
		Bill    int64  `json:"bill"`
		FD      uint32 `json:"fd"`
		Total   int64  `json:"total"`
		Cashier string `json:"cashier_login"`
		Lines   []struct {
			Name string `json:"name"`
			Qty  int64  `json:"qty_milli"`
		} `json:"lines"`
		Payments []struct {
			Amount int64 `json:"amount"`
		} `json:"payments"`
	}
	if err := json.Unmarshal(evs[got["receipt"]].Body, &rc); err != nil {
		t.Fatal(err)
	}
	if rc.Bill != int64(bill) || rc.FD != 7 || rc.Total != 9980 || rc.Cashier != "c" || len(rc.Lines) != 2 ||
		rc.Lines[0].Name != "Хлеб" || len(rc.Payments) != 1 || rc.Payments[0].Amount != 9980 {
		t.Fatalf("receipt event %s", evs[got["receipt"]].Body)
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Fatalf("seq not increasing: %d then %d", evs[i-1].Seq, evs[i].Seq)
		}
	}
}

// A change that rolls back leaves no event: the outbox row is in its
// transaction.
func TestOutboxRollbackLeavesNothing(t *testing.T) {
	db := openOutbox(t)
	ctx := context.Background()
	cid := cashier(t, db)
	bill := fiscalisedBill(t, db, cid, 1, 1)
	before, _ := db.OutboxMarks(ctx)
	// A second fiscal document for the same bill violates the primary key:
	// its transaction, trigger included, rolls back.
	if err := db.Bills().MarkFiscalised(ctx, bill, sale.Fiscal{Number: 2}); err == nil {
		t.Fatal("a second fiscal document was accepted")
	}
	after, _ := db.OutboxMarks(ctx)
	if after.Last != before.Last {
		t.Fatalf("outbox grew from %d to %d on a rolled-back change", before.Last, after.Last)
	}
}

func TestOutboxMarksMoveForward(t *testing.T) {
	db := openOutbox(t)
	ctx := context.Background()
	cid := cashier(t, db)
	fiscalisedBill(t, db, cid, 1, 1)
	if err := db.MarkOutboxSent(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkOutboxSent(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := db.MarkOutboxCentre(ctx, 2); err != nil {
		t.Fatal(err)
	}
	s, _ := db.OutboxMarks(ctx)
	if s.Sent != 5 || s.Centre != 2 {
		t.Fatalf("marks %+v, want sent 5 centre 2", s)
	}
	n, err := db.PruneOutbox(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("pruned %d rows, want the 2 the centre has", n)
	}
	evs, _ := db.OutboxAfter(ctx, 0, 100)
	if len(evs) == 0 || evs[0].Seq != 3 {
		t.Fatalf("after pruning the first event is %+v, want seq 3", evs)
	}
	fiscalisedBill(t, db, cid, 2, 1)
	s2, _ := db.OutboxMarks(ctx)
	if s2.Last <= s.Last {
		t.Fatalf("seq reused after pruning: %d then %d", s.Last, s2.Last)
	}
}

// BenchmarkCommitWithOutbox is the commit that records a fiscal document
// for a 5-line bill, with its outbox row written by the trigger in the same
// transaction (since 0010 a reference: the publisher builds the body when
// it reads the row); the baseline is the same commit with the trigger
// dropped.
func BenchmarkCommitWithOutbox(b *testing.B) { benchFiscalCommit(b, true) }

func BenchmarkCommitWithOutboxBaseline(b *testing.B) { benchFiscalCommit(b, false) }

func benchFiscalCommit(b *testing.B, outbox bool) {
	db := openOutbox(b)
	ctx := context.Background()
	if !outbox {
		if _, err := db.db.ExecContext(ctx, `DROP TRIGGER outbox_receipt`); err != nil {
			b.Fatal(err)
		}
	}
	cid := cashier(b, db)
	r := db.Bills()
	fd := uint32(0)
	for b.Loop() {
		b.StopTimer()
		bill, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cid})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			if _, err := r.AddLine(ctx, bill.ID, line("Хлеб", 1000, 4990)); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := r.AddPayment(ctx, bill.ID, sale.Payment{Kind: sale.PayCash, Amount: 5 * 4990, At: time.Now()}); err != nil {
			b.Fatal(err)
		}
		fd++
		if err := r.MarkFiscalising(ctx, bill.ID, sale.Fiscal{Expected: fd, Kind: device.Sale, Total: 5 * 4990, StartedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := r.MarkFiscalised(ctx, bill.ID, sale.Fiscal{Number: fd, Sign: 1, Time: time.Now(), Shift: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// Pruning everything the centre has never empties the table, so seq goes
// on from where it was.
func TestOutboxPruneKeepsTheNewest(t *testing.T) {
	db := openOutbox(t)
	ctx := context.Background()
	cid := cashier(t, db)
	fiscalisedBill(t, db, cid, 1, 1)
	s, _ := db.OutboxMarks(ctx)
	if err := db.MarkOutboxCentre(ctx, s.Last); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PruneOutbox(ctx, 0); err != nil {
		t.Fatal(err)
	}
	fiscalisedBill(t, db, cid, 2, 1)
	s2, _ := db.OutboxMarks(ctx)
	if s2.Last <= s.Last {
		t.Fatalf("seq went back after pruning: %d then %d", s.Last, s2.Last)
	}
}

// A till that is not in a chain keeps no outbox: nothing would collect it.
func TestOutboxOffUntilEnabled(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	cid := cashier(t, db)
	fiscalisedBill(t, db, cid, 1, 2)
	if m, _ := db.OutboxMarks(ctx); m.Last != 0 {
		t.Fatalf("a till on its own wrote %d outbox events", m.Last)
	}
	if err := db.EnableOutbox(ctx); err != nil {
		t.Fatal(err)
	}
	fiscalisedBill(t, db, cid, 2, 1)
	evs, err := db.OutboxAfter(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 || evs[0].Kind != "receipt" {
		t.Fatalf("after enabling: %+v", evs)
	}
}

// Since migration 0010 an outbox row refers to the row it reports and its
// body is built when it is read: the bodies must be, byte for byte, what
// 0009's triggers wrote. Here 0009's triggers run again beside 0010's,
// writing their copies into a table of their own, for every kind.
func TestOutboxBodiesAsWrittenBy0009(t *testing.T) {
	db := openOutbox(t)
	ctx := context.Background()
	old, err := migrationFS.ReadFile("migrations/0009_i12-chain_outbox.sql")
	if err != nil {
		t.Fatal(err)
	}
	src := string(old)
	src = src[strings.Index(src, "CREATE TRIGGER"):]
	src = strings.ReplaceAll(src, "INSERT INTO outbox(kind, at, body)", "INSERT INTO outbox_0009(kind, at, body)")
	src = regexp.MustCompile(`CREATE TRIGGER (\w+)`).ReplaceAllString(src, "CREATE TRIGGER ${1}_0009")
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE outbox_0009(seq INTEGER PRIMARY KEY, kind TEXT, at INTEGER, body TEXT)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.ExecContext(ctx, src); err != nil {
		t.Fatal(err)
	}
	start, _ := db.OutboxMarks(ctx)
	cid := cashier(t, db)
	fiscalisedBill(t, db, cid, 7, 3)
	if _, err := db.OpenShift(ctx, 3, policy.UserID(cid), time.Now()); err != nil {
		t.Fatal(err)
	}
	fiscalisedBill(t, db, cid, 8, 0)
	if _, err := db.CloseShift(ctx, policy.UserID(cid), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Audit(ctx, AuditEntry{Terminal: "t", Actor: policy.UserID(cid), Action: "cash.in", Args: json.RawMessage(`{"amount":500,"note":"ü"}`), Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	evs, err := db.OutboxAfter(ctx, start.Last, 100)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT kind, at, body FROM outbox_0009 ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	kinds := map[string]bool{}
	i := 0
	for ; rows.Next(); i++ {
		var kind, body string
		var at int64
		if err := rows.Scan(&kind, &at, &body); err != nil {
			t.Fatal(err)
		}
		if i >= len(evs) {
			t.Fatalf("0009 wrote more events than the outbox holds (%d)", len(evs))
		}
		e := evs[i]
		if e.Kind != kind || us(e.At) != at || string(e.Body) != body {
			t.Fatalf("event %d:\n got %s %d %s\nwant %s %d %s", e.Seq, e.Kind, us(e.At), e.Body, kind, at, body)
		}
		kinds[kind] = true
	}
	if i != len(evs) {
		t.Fatalf("0009 wrote %d events, the outbox holds %d", i, len(evs))
	}
	for _, k := range []string{"receipt", "shift.open", "shift.close", "audit"} {
		if !kinds[k] {
			t.Fatalf("no %s event compared (%v)", k, kinds)
		}
	}
}

// A database migrated from 0009 with events not yet sent keeps their
// bodies; a reference to a row that is gone stops the publisher with the
// event named rather than leave a hole the centre could never fill.
func TestOutboxOldBodiesAndMissingRows(t *testing.T) {
	db := openOutbox(t)
	ctx := context.Background()
	if _, err := db.db.ExecContext(ctx, `INSERT INTO outbox(kind, at, body) VALUES('audit', 5, '{"id":1}')`); err != nil {
		t.Fatal(err)
	}
	s, _ := db.OutboxMarks(ctx)
	evs, err := db.OutboxAfter(ctx, s.Last-1, 10)
	if err != nil || len(evs) != 1 || string(evs[0].Body) != `{"id":1}` || us(evs[0].At) != 5 {
		t.Fatalf("an event written under 0009: %+v, %v", evs, err)
	}
	if _, err := db.db.ExecContext(ctx, `INSERT INTO outbox(kind, at, body, ref) VALUES('receipt', 6, '', 999999)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OutboxAfter(ctx, s.Last, 10); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a receipt whose fiscal document is gone: %v", err)
	}
}

// OnOutboxEvent is called after the commit of each change that writes an
// event, when the event can already be read, and not for changes that
// write none or roll back.
func TestOutboxEventHookAfterCommit(t *testing.T) {
	db := openOutbox(t)
	ctx := context.Background()
	cid := cashier(t, db)
	var calls int
	var seen int64
	db.OnOutboxEvent(func() {
		calls++
		m, err := db.OutboxMarks(ctx)
		if err != nil || m.Last <= seen {
			t.Errorf("called before its event could be read: outbox at %d, %v (was %d)", m.Last, err, seen)
		}
		seen = m.Last
	})
	r := db.Bills()
	b, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cid})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddLine(ctx, b.ID, line("Хлеб", 1000, 4990)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddPayment(ctx, b.ID, sale.Payment{Kind: sale.PayCash, Amount: 4990, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkFiscalising(ctx, b.ID, sale.Fiscal{Expected: 1, Kind: device.Sale, Total: 4990, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Fatalf("%d calls for changes that write no event", calls)
	}
	if err := r.MarkFiscalised(ctx, b.ID, sale.Fiscal{Number: 1, Sign: 1, Time: time.Now(), Shift: 1}); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Fatalf("%d calls after the receipt, want 1", calls)
	}
	if err := r.MarkFiscalised(ctx, b.ID, sale.Fiscal{Number: 2}); err == nil {
		t.Fatal("a second fiscal document was accepted")
	}
	if calls != 1 {
		t.Fatalf("called for a rolled-back change (%d calls)", calls)
	}
	if _, err := db.OpenShift(ctx, 2, policy.UserID(cid), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CloseShift(ctx, policy.UserID(cid), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Audit(ctx, AuditEntry{Terminal: "t", Actor: policy.UserID(cid), Action: "cash.in", Args: json.RawMessage(`{}`), Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	if calls != 4 {
		t.Fatalf("%d calls after the shift's two events and an audit row, want 4", calls)
	}
	db.OnOutboxEvent(nil)
	fiscalisedBill(t, db, cid, 3, 1)
	if calls != 4 {
		t.Fatalf("called after it was removed (%d calls)", calls)
	}
}

// DisableOutbox (till chain off) stops the writing; what was not sent
// stays, and the next event after enabling again follows it.
func TestDisableOutboxKeepsWhatWaits(t *testing.T) {
	db := openOutbox(t)
	ctx := context.Background()
	cid := cashier(t, db)
	fiscalisedBill(t, db, cid, 1, 1)
	before, _ := db.OutboxMarks(ctx)
	if err := db.DisableOutbox(ctx); err != nil {
		t.Fatal(err)
	}
	fiscalisedBill(t, db, cid, 2, 1)
	if _, err := db.OpenShift(ctx, 2, policy.UserID(cid), time.Now()); err != nil {
		t.Fatal(err)
	}
	if m, _ := db.OutboxMarks(ctx); m.Last != before.Last {
		t.Fatalf("a disabled outbox went from %d to %d events", before.Last, m.Last)
	}
	evs, err := db.OutboxAfter(ctx, 0, 100)
	if err != nil || len(evs) == 0 || evs[len(evs)-1].Seq != before.Last || evs[len(evs)-1].Kind != "receipt" {
		t.Fatalf("the events not sent: %+v, %v", evs, err)
	}
	if err := db.EnableOutbox(ctx); err != nil {
		t.Fatal(err)
	}
	fiscalisedBill(t, db, cid, 3, 1)
	if m, _ := db.OutboxMarks(ctx); m.Last != before.Last+1 {
		t.Fatalf("after enabling again the outbox is at %d, want %d", m.Last, before.Last+1)
	}
}
