package store

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tillpos/till/sale"
)

// TestCrashChild is the child process of TestOpenBillSurvivesKill: it adds
// lines and dies without closing anything, like a power cut after the
// calls returned.
func TestCrashChild(t *testing.T) {
	path := os.Getenv("STORE_CRASH_DB")
	if path == "" {
		t.Skip("child of TestOpenBillSurvivesKill")
	}
	ctx := context.Background()
	db, err := Open(ctx, path, Options{KeyPath: path + ".key"})
	if err != nil {
		t.Fatal(err)
	}
	cid := cashier(t, db)
	r := db.Bills()
	b, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cid})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := r.AddLine(ctx, b.ID, line("Хлеб", int64(1000*(i+1)), 4990)); err != nil {
			t.Fatal(err)
		}
	}
	os.Exit(0) // no Close, no checkpoint
}

func TestOpenBillSurvivesKill(t *testing.T) {
	if os.Getenv("STORE_CRASH_DB") != "" {
		t.Skip()
	}
	path := filepath.Join(t.TempDir(), "till.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$")
	cmd.Env = append(os.Environ(), "STORE_CRASH_DB="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	// The child's lock died with it: the till starts again.
	db, err := Open(context.Background(), path, Options{KeyPath: path + ".key"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	open, err := db.Bills().Unfinished(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || len(open[0].Lines) != 3 || open[0].Lines[2].QtyMilli != 3000 {
		t.Fatalf("restored after kill: %+v", open)
	}
}

// Two goroutines writing at once queue on the write lock (IMMEDIATE
// transactions + busy_timeout) instead of failing with SQLITE_BUSY.
func TestConcurrentWritersQueue(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	cid := cashier(t, db)
	r := db.Bills()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: cid})
			if err != nil {
				errs <- err
				return
			}
			for range 20 {
				if _, err := r.AddLine(ctx, b.ID, line("x", 1000, 100)); err != nil {
					errs <- err
					return
				}
				if _, err := db.Audit(ctx, AuditEntry{Terminal: "t", Action: "sale.sell", Outcome: OutcomeOK}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	open, err := r.Unfinished(ctx)
	if err != nil || len(open) != 4 {
		t.Fatalf("bills = %d, %v", len(open), err)
	}
	rep, err := db.VerifyAudit(ctx)
	if err != nil || rep.Break != nil || rep.Rows < 80 {
		t.Fatalf("audit after concurrent appends = %+v, %v", rep, err)
	}
}
