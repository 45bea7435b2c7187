package centredb_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
)

// The mark moves over a batch in memory and over events stored before
// above a gap once the gap is filled; the audit check follows the rows in
// seq order across batches, wherever they came from; a batch delivered
// again, or out of order, changes nothing.
func TestStoreMovesMarkOverGapsAndBatches(t *testing.T) {
	ctx := context.Background()
	db, err := centredb.Open(ctx, filepath.Join(t.TempDir(), "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := chain.TillID{Store: "s1", Till: "t1"}
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	ev := func(seq int64, kind string, body []byte) chain.Received {
		return chain.Received{Till: id, Event: chain.Event{Seq: seq, Kind: kind, At: at, Body: body}}
	}
	step := func(batch []chain.Received, hwm int64, breaks int) {
		t.Helper()
		if err := db.Store(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if h, _ := db.HWM(ctx, id); h != hwm {
			t.Fatalf("hwm %d, want %d", h, hwm)
		}
		bs, err := db.AuditBreaks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != breaks {
			t.Fatalf("%d audit breaks %+v, want %d", len(bs), bs, breaks)
		}
	}
	// Out of order, with a hole at 3: the mark stops at 2.
	step([]chain.Received{
		ev(2, "audit", audit(1, "", "A1", 5, "x")), ev(1, "receipt", receipt(1, 3, "anna", 10)),
		ev(4, "audit", audit(3, "A2", "A3", 5, "x")), ev(5, "receipt", receipt(1, 3, "anna", 10)),
	}, 2, 0)
	// 3 arrives with 6 (and 1 again): the mark goes over the stored 4
	// and 5; the chain A1 → A2 (3) → A3 (4) → A4 (6) holds.
	step([]chain.Received{
		ev(6, "audit", audit(4, "A3", "A4", 5, "x")), ev(3, "audit", audit(2, "A1", "A2", 5, "x")),
		ev(1, "receipt", receipt(1, 3, "anna", 10)),
	}, 6, 0)
	// A row that does not continue the chain is a break, once, however
	// often it is delivered.
	bad := ev(7, "audit", audit(5, "WRONG", "A5", 5, "x"))
	step([]chain.Received{bad, bad}, 7, 1)
	step([]chain.Received{bad, ev(8, "audit", audit(6, "A5", "A6", 5, "x"))}, 8, 1)
	// A batch bigger than one INSERT.
	var big []chain.Received
	for seq := int64(9); seq < 9+150; seq++ {
		big = append(big, ev(seq, "receipt", receipt(1, 3, "anna", 10)))
	}
	step(big, 158, 1)
	if n, _ := db.Receipts(ctx, id); n != 152 {
		t.Fatalf("%d receipts held, want 152", n)
	}
}
