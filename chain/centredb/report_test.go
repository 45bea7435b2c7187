package centredb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
)

func receipt(kind int, cashier int64, login string, total int64) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"bill":1,"kind":%d,"cashier":%d,"cashier_login":%q,"total":%d,"lines":[],"payments":[]}`, kind, cashier, login, total))
}

func audit(id int64, prev, hash string, approver any, action string) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"id": id, "prev": prev, "hash": hash, "approver": approver, "action": action, "outcome": "allowed", "actor": 1})
	return b
}

// The operator's commands read what the ingester stored: status with the
// marks, the gap and the audit breaks; the report by store, till, cashier
// and day, and approvals by approver and action, named by login.
func TestStatusAndReport(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "centre.db")
	db, err := centredb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t1 := chain.TillID{Store: "s1", Till: "t1"}
	t2 := chain.TillID{Store: "s2", Till: "t1"}
	quiet := chain.TillID{Store: "s3", Till: "t9"}
	if err := db.AddTill(ctx, quiet); err != nil {
		t.Fatal(err)
	}
	day1 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	day2 := day1.Add(24 * time.Hour)
	ev := func(id chain.TillID, seq int64, kind string, at time.Time, body json.RawMessage) chain.Received {
		return chain.Received{Till: id, Event: chain.Event{Seq: seq, Kind: kind, At: at, Body: body}}
	}
	batch := []chain.Received{
		ev(t1, 1, "shift.open", day1, json.RawMessage(`{"shift":1,"by":5,"by_login":"boss"}`)),
		ev(t1, 2, "receipt", day1, receipt(1, 3, "anna", 4990)),
		ev(t1, 3, "receipt", day1.Add(time.Minute), receipt(1, 3, "anna", 1000)),
		ev(t1, 4, "receipt", day1.Add(2*time.Minute), receipt(2, 3, "anna", 990)),
		ev(t1, 5, "audit", day1, audit(10, "", "H10", 5, "void_line")),
		ev(t1, 6, "audit", day1, audit(11, "H10", "H11", 5, "void_line")),
		ev(t1, 7, "audit", day1, audit(12, "WRONG", "H12", nil, "sell")),
		ev(t1, 8, "receipt", day2, receipt(1, 4, "boris", 700)),
		ev(t1, 9, "receipt", day2.Add(48*time.Hour), receipt(1, 4, "boris", 1)), // after the report
		// t2 has a hole at seq 2: held above the mark, the gap is one.
		ev(t2, 1, "receipt", day1, receipt(1, 3, "vera", 300)),
		ev(t2, 3, "audit", day1, audit(1, "", "A1", 7, "discount")),
	}
	if err := db.Store(ctx, batch); err != nil {
		t.Fatal(err)
	}

	ro, err := centredb.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.AddTill(ctx, chain.TillID{Store: "x", Till: "y"}); err == nil {
		t.Fatal("a read-only database took a write")
	}
	st, err := ro.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 3 {
		t.Fatalf("status has %d tills, want 3: %+v", len(st), st)
	}
	got := map[string]centredb.TillStatus{}
	for _, s := range st {
		got[s.Store+"."+s.Till] = s
	}
	if s := got["s1.t1"]; s.HWM != 9 || s.Held != 9 || s.Gap() != 0 || s.AuditBreaks != 1 || s.LastSeen.IsZero() {
		t.Errorf("s1.t1: %+v gap %d", s, s.Gap())
	}
	if s := got["s2.t1"]; s.HWM != 1 || s.Held != 2 || s.Newest != 3 || s.Gap() != 1 {
		t.Errorf("s2.t1: %+v gap %d", s, s.Gap())
	}
	if s := got["s3.t9"]; s.HWM != 0 || s.Held != 0 || !s.LastSeen.IsZero() {
		t.Errorf("s3.t9, never heard from: %+v", s)
	}

	rep, err := ro.Report(ctx, day1.Truncate(24*time.Hour), day2.Truncate(24*time.Hour).Add(24*time.Hour), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	wantSales := []centredb.SalesRow{
		{Store: "s1", Till: "t1", Cashier: "anna", Day: "2026-12-03", Sales: 2, Returns: 1, Total: 4990 + 1000 - 990},
		{Store: "s1", Till: "t1", Cashier: "boris", Day: "2026-12-04", Sales: 1, Total: 700},
		{Store: "s2", Till: "t1", Cashier: "vera", Day: "2026-12-03", Sales: 1, Total: 300},
	}
	if fmt.Sprint(rep.Sales) != fmt.Sprint(wantSales) {
		t.Errorf("sales:\n got %+v\nwant %+v", rep.Sales, wantSales)
	}
	wantAppr := []centredb.ApprovalRow{
		{Store: "s1", Till: "t1", Approver: "boss", Action: "void_line", Outcome: "allowed", Count: 2},
		{Store: "s2", Till: "t1", Approver: "#7", Action: "discount", Outcome: "allowed", Count: 1},
	}
	if fmt.Sprint(rep.Approvals) != fmt.Sprint(wantAppr) {
		t.Errorf("approvals:\n got %+v\nwant %+v", rep.Approvals, wantAppr)
	}
	// Days are the report's location's: 10:00 UTC is the next day at UTC+15.
	east := time.FixedZone("far east", 15*3600)
	rep, err = ro.Report(ctx, time.Date(2026, 12, 3, 0, 0, 0, 0, east), time.Date(2026, 12, 5, 0, 0, 0, 0, east), east)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Sales) == 0 || rep.Sales[0].Day != "2026-12-04" {
		t.Errorf("sales in UTC+15: %+v", rep.Sales)
	}
	breaks, err := ro.AuditBreaks(ctx)
	if err != nil || len(breaks) != 1 || breaks[0].ID != 12 {
		t.Errorf("audit breaks: %+v, %v", breaks, err)
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	_, err := centredb.OpenReadOnly(context.Background(), filepath.Join(t.TempDir(), "none.db"))
	if err == nil {
		t.Fatal("opened a database that does not exist")
	}
}

// Status names the version of the head office's bundles each till last
// applied, from its audit rows: the newest successful import of each kind,
// not a refused one after it; none for a till that applied none.
func TestStatusBundleVersions(t *testing.T) {
	ctx := context.Background()
	db, err := centredb.Open(ctx, filepath.Join(t.TempDir(), "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t1, t2 := chain.TillID{Store: "s1", Till: "t1"}, chain.TillID{Store: "s1", Till: "t2"}
	imp := func(id int64, prev, hash, action, outcome string, version int64) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"id": id, "prev": prev, "hash": hash, "action": action, "outcome": outcome, "args": map[string]any{"version": version}})
		return b
	}
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	ev := func(id chain.TillID, seq int64, body json.RawMessage) chain.Received {
		return chain.Received{Till: id, Event: chain.Event{Seq: seq, Kind: "audit", At: at, Body: body}}
	}
	if err := db.Store(ctx, []chain.Received{
		ev(t1, 1, imp(1, "", "A", "security.bundle.import", "ok", 100)),
		ev(t1, 2, imp(2, "A", "B", "catalogue.bundle.import", "ok", 7)),
		ev(t1, 3, imp(3, "B", "C", "security.bundle.import", "ok", 200)),
		ev(t1, 4, imp(4, "C", "D", "security.bundle.import", "refused", 150)),
		ev(t2, 1, imp(1, "", "E", "sell", "ok", 0)),
	}); err != nil {
		t.Fatal(err)
	}
	st, err := db.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int64{}
	for _, s := range st {
		got[s.Till] = [2]int64{s.Matrix, s.Catalogue}
	}
	if got["t1"] != [2]int64{200, 7} || got["t2"] != [2]int64{0, 0} {
		t.Fatalf("bundle versions %v, want t1 200/7 and t2 none", got)
	}
}
