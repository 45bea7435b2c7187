package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

func cashier(t testing.TB, db *DB) int64 {
	t.Helper()
	g := mustGroup(t, db, "Cashier", policy.ActionSell)
	u, _, err := db.CreateUser(context.Background(), NewUser{Login: "c", FullName: "C", Group: g}, Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return int64(u.ID)
}

func line(name string, qty, price int64) sale.Line {
	return sale.Line{
		Barcode: "4600000000008", Name: name, QtyMilli: qty, UnitPrice: price, VAT: "20", Dept: 1,
		Added: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC),
	}
}

func TestBillSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	path, key := filepath.Join(dir, "till.db"), filepath.Join(dir, "till.key")
	ctx := context.Background()
	db, err := Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	cid := cashier(t, db)
	r := db.Bills()
	b, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cid})
	if err != nil {
		t.Fatal(err)
	}
	l1, err := r.AddLine(ctx, b.ID, line("Хлеб", 1000, 4990))
	if err != nil {
		t.Fatal(err)
	}
	l2 := line("Яблоки", 1250, 12900)
	l2.Discount = sale.Discount{Kind: sale.DiscountPercent, Value: 500}
	l2ID, err := r.AddLine(ctx, b.ID, l2)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.VoidLine(ctx, b.ID, l1); err != nil {
		t.Fatal(err)
	}
	l2.ID, l2.QtyMilli, l2.ManualPrice = l2ID, 2000, true
	if err := r.UpdateLine(ctx, b.ID, l2); err != nil {
		t.Fatal(err)
	}
	if err := r.SetDiscount(ctx, b.ID, sale.Discount{Kind: sale.DiscountAmount, Value: 100}); err != nil {
		t.Fatal(err)
	}
	pid, err := r.AddPayment(ctx, b.ID, sale.Payment{Kind: sale.PayCash, Amount: 5000, At: time.Date(2026, 11, 25, 9, 1, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	want, err := r.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // "crash": nothing else is flushed

	db, err = Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r = db.Bills()
	open, err := r.Unfinished(ctx)
	if err != nil || len(open) != 1 {
		t.Fatalf("unfinished = %d bills, %v", len(open), err)
	}
	if d := cmp.Diff(want, open[0]); d != "" {
		t.Errorf("restored bill differs (-before +after):\n%s", d)
	}
	got := open[0]
	if len(got.Lines) != 2 || !got.Lines[0].Voided || got.Lines[1].QtyMilli != 2000 || !got.Lines[1].ManualPrice ||
		got.Lines[1].Discount.Value != 500 || got.Discount.Value != 100 || len(got.Payments) != 1 || got.Payments[0].ID != pid {
		t.Errorf("restored bill content wrong: %+v", got)
	}
	if err := r.RemovePayment(ctx, b.ID, pid); err != nil {
		t.Fatal(err)
	}
	if err := r.RemovePayment(ctx, b.ID, pid); !errors.Is(err, sale.ErrNotFound) {
		t.Fatalf("remove twice: err = %v", err)
	}
}

func TestBillStateMachine(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	r := db.Bills()
	b, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cashier(t, db)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddLine(ctx, 999, line("x", 1000, 1)); !errors.Is(err, sale.ErrNotFound) {
		t.Fatalf("unknown bill: err = %v", err)
	}
	if err := r.VoidLine(ctx, b.ID, 999); !errors.Is(err, sale.ErrNotFound) {
		t.Fatalf("unknown line: err = %v", err)
	}
	// Park: changes are refused until recall.
	if err := r.SetState(ctx, b.ID, sale.StateOpen, sale.StateParked); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddLine(ctx, b.ID, line("x", 1000, 1)); !errors.Is(err, sale.ErrStateConflict) {
		t.Fatalf("add to parked bill: err = %v", err)
	}
	if err := r.SetState(ctx, b.ID, sale.StateOpen, sale.StateParked); !errors.Is(err, sale.ErrStateConflict) {
		t.Fatalf("park a parked bill: err = %v", err)
	}
	if err := r.SetState(ctx, b.ID, sale.StateParked, sale.StateFiscalised); !errors.Is(err, sale.ErrStateConflict) {
		t.Fatalf("SetState into a fiscal state: err = %v", err)
	}
	if err := r.SetState(ctx, b.ID, sale.StateParked, sale.StateOpen); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddLine(ctx, b.ID, line("x", 1000, 100)); err != nil {
		t.Fatal(err)
	}

	// Checkout: fiscalising is durable, stuck after restart, and a second
	// reconciler racing to record the receipt loses.
	f := sale.Fiscal{Expected: 41, Kind: device.Sale, Total: 100, StartedAt: time.Date(2026, 11, 25, 9, 2, 0, 0, time.UTC)}
	if err := r.MarkFiscalising(ctx, b.ID, f); err != nil {
		t.Fatal(err)
	}
	if _, err := r.AddLine(ctx, b.ID, line("y", 1000, 1)); !errors.Is(err, sale.ErrStateConflict) {
		t.Fatalf("add while fiscalising: err = %v", err)
	}
	if err := r.MarkFailed(ctx, b.ID, "register said paper out, no document"); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkFiscalising(ctx, b.ID, f); err != nil {
		t.Fatal(err)
	}
	stuck, err := r.Stuck(ctx)
	if err != nil || len(stuck) != 1 || stuck[0].Fiscal.Attempts != 2 || stuck[0].Fiscal.Expected != 41 || stuck[0].Fiscal.Reason != "" {
		t.Fatalf("stuck = %+v, %v", stuck, err)
	}
	done := sale.Fiscal{Number: 41, Sign: 123456789, Time: time.Date(2026, 11, 25, 9, 2, 5, 0, time.UTC), Shift: 7}
	if err := r.MarkFiscalised(ctx, b.ID, done); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkFiscalised(ctx, b.ID, done); !errors.Is(err, sale.ErrStateConflict) {
		t.Fatalf("record the receipt twice: err = %v", err)
	}
	got, err := r.Get(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != sale.StateFiscalised || got.Fiscal.Number != 41 || got.Fiscal.Sign != 123456789 || got.Fiscal.Shift != 7 ||
		!got.Fiscal.Time.Equal(done.Time) || got.Fiscal.Total != 100 || got.Fiscal.Kind != device.Sale {
		t.Errorf("fiscalised bill = %+v", got.Fiscal)
	}
	if un, _ := r.Unfinished(ctx); len(un) != 0 {
		t.Errorf("fiscalised bill still unfinished")
	}

	// Conflict path.
	b2, _ := r.Create(ctx, sale.Bill{Kind: sale.KindReturn, CashierID: got.CashierID, ReturnOf: b.ID})
	if err := r.MarkConflict(ctx, b2.ID, "x"); !errors.Is(err, sale.ErrStateConflict) {
		t.Fatalf("conflict on open bill: err = %v", err)
	}
	r.MarkFiscalising(ctx, b2.ID, sale.Fiscal{Expected: 42, Kind: device.SaleReturn})
	if err := r.MarkConflict(ctx, b2.ID, "register holds FD 42 for another amount"); err != nil {
		t.Fatal(err)
	}
	cs, err := r.Conflicts(ctx)
	if err != nil || len(cs) != 1 || cs[0].Fiscal.Reason == "" || cs[0].ReturnOf != b.ID {
		t.Fatalf("conflicts = %+v, %v", cs, err)
	}
	if err := r.MarkFailed(ctx, b2.ID, "human: not printed"); err != nil {
		t.Fatal(err)
	}
}

func TestItemsAndShifts(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	id, err := db.PutItem(ctx, sale.Item{Barcode: "4607001234561", Name: "Молоко 3,2%", Price: 8990, VAT: "10"})
	if err != nil {
		t.Fatal(err)
	}
	db.PutItem(ctx, sale.Item{Barcode: "4607001234578", Name: "молочный коктейль", Price: 5990, VAT: "20"})
	db.PutItem(ctx, sale.Item{Barcode: "4607001234585", Name: "Мука", Price: 6990, VAT: "10"})
	if _, err := db.PutItem(ctx, sale.Item{Barcode: "4607001234561", Name: "dup"}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate barcode: err = %v", err)
	}
	it, err := db.ItemByBarcode(ctx, "4607001234561")
	want := sale.Item{ID: id, Barcode: "4607001234561", Name: "Молоко 3,2%", Price: 8990, VAT: "10", Dept: 1}
	if err != nil || !cmp.Equal(it, want) {
		t.Fatalf("by barcode = %+v, %v", it, err)
	}
	if _, err := db.ItemByBarcode(ctx, "0000000000000"); !errors.Is(err, ErrNotFound) || !errors.Is(err, sale.ErrNotFound) {
		t.Fatalf("unknown barcode: err = %v", err)
	}
	found, err := db.SearchItems(ctx, "мол", 10)
	if err != nil || len(found) != 2 {
		t.Fatalf("search мол = %+v, %v", found, err)
	}
	if found, _ := db.SearchItems(ctx, "Мук", 10); len(found) != 1 {
		t.Fatalf("search Мук = %+v", found)
	}

	if _, err := db.CurrentShift(ctx); !errors.Is(err, ErrNoShift) {
		t.Fatalf("no shift: err = %v", err)
	}
	uid := policy.UserID(cashier(t, db))
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	if _, err := db.OpenShift(ctx, 7, uid, at); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenShift(ctx, 8, uid, at); !errors.Is(err, ErrShiftOpen) {
		t.Fatalf("second shift: err = %v", err)
	}
	s, err := db.CloseShift(ctx, uid, at.Add(8*time.Hour))
	if err != nil || s.Number != 7 || !s.Closed.Equal(at.Add(8*time.Hour)) {
		t.Fatalf("close = %+v, %v", s, err)
	}
	if _, err := db.CloseShift(ctx, uid, at); !errors.Is(err, ErrNoShift) {
		t.Fatalf("close none: err = %v", err)
	}
}

func TestSettingsDefaults(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if v, err := db.SettingDuration(ctx, "session.idle", 2*time.Minute); err != nil || v != 2*time.Minute {
		t.Fatalf("default = %v, %v", v, err)
	}
	if err := db.SetSetting(ctx, "session.idle", "90s", Actor{}); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.SettingDuration(ctx, "session.idle", 0); v != 90*time.Second {
		t.Fatalf("set = %v", v)
	}
	db.SetSetting(ctx, "lockout.max", "x", Actor{})
	if _, err := db.SettingInt(ctx, "lockout.max", 5); err == nil {
		t.Fatal("malformed int setting: no error")
	}
	v0, _ := db.MatrixVersion(ctx)
	db.SetSetting(ctx, SettingSecurityEnabled, "false", Actor{})
	if v1, _ := db.MatrixVersion(ctx); v1 != v0+1 {
		t.Fatal("security setting did not bump the matrix version")
	}
	if m, _ := db.LoadMatrix(ctx); m.Settings.SecurityEnabled {
		t.Fatal("security still enabled")
	}
}

// BenchmarkCommitLine adds one line to an open bill through the repository:
// one durable transaction (state check + insert), as on every scan.
func BenchmarkCommitLine(b *testing.B) {
	db := openTest(b)
	ctx := context.Background()
	r := db.Bills()
	bill, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cashier(b, db)})
	if err != nil {
		b.Fatal(err)
	}
	l := line("Хлеб", 1000, 4990)
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.AddLine(ctx, bill.ID, l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitLineBaseline is the floor: one bare INSERT + COMMIT of a
// same-shaped row with the same pragmas, in the same kind of file.
func BenchmarkCommitLineBaseline(b *testing.B) {
	path := filepath.Join(b.TempDir(), "base.db")
	db, err := sql.Open("sqlite", dsn(path, Options{}))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t(id INTEGER PRIMARY KEY, bill_id INTEGER, barcode TEXT, name TEXT, qty INTEGER, price INTEGER, vat TEXT, added INTEGER)`); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t(bill_id, barcode, name, qty, price, vat, added) VALUES(?,?,?,?,?,?,?)`,
			1, "4600000000008", "Хлеб", 1000, 4990, "20", 1); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// A receipt whose register reply named no shift is recorded in the shift
// the till has open; one that names its shift keeps it.
func TestFiscalisedShiftFallsBackToTheOpenShift(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	cid := cashier(t, db)
	if _, err := db.OpenShift(ctx, 4, policy.UserID(cid), time.Now()); err != nil {
		t.Fatal(err)
	}
	r := db.Bills()
	for _, c := range []struct {
		reported, want uint16
	}{{0, 4}, {9, 9}} {
		b, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cid})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.AddLine(ctx, b.ID, line("Хлеб", 1000, 4990)); err != nil {
			t.Fatal(err)
		}
		if err := r.MarkFiscalising(ctx, b.ID, sale.Fiscal{Expected: uint32(b.ID), Total: 4990}); err != nil {
			t.Fatal(err)
		}
		if err := r.MarkFiscalised(ctx, b.ID, sale.Fiscal{Number: uint32(b.ID), Time: time.Now(), Shift: c.reported}); err != nil {
			t.Fatal(err)
		}
		got, err := r.Get(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Fiscal.Shift != c.want {
			t.Errorf("reported shift %d: recorded %d, want %d", c.reported, got.Fiscal.Shift, c.want)
		}
	}
}
