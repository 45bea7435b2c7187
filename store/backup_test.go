package store

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/tillpos/till/sale"
)

func TestBackupIsAConsistentDatabase(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(ctx, dest, Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, dest, Actor{}); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("backup over an existing file: err = %v", err)
	}
	b, err := Open(ctx, dest, Options{KeyPath: db.KeyPath()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Authenticate(ctx, "admin", "admin123"); err != nil {
		t.Fatalf("login on the backup: %v", err)
	}
	if _, err := b.UserByBadge(ctx, DemoUsers[1].Badge); err != nil {
		t.Fatalf("badge on the backup with the same key: %v", err)
	}
	if rep, err := b.VerifyAudit(ctx); err != nil || rep.Break != nil {
		t.Fatalf("audit on the backup: %+v, %v", rep, err)
	}
}

func TestHistoryFilters(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	c1 := cashier(t, db)
	g, _ := db.GroupByName(ctx, "Cashier")
	u2, _, _ := db.CreateUser(ctx, NewUser{Login: "c2", Group: g}, Actor{})
	r := db.Bills()
	for _, c := range []int64{c1, int64(u2.ID), c1} {
		b, err := r.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: c})
		if err != nil {
			t.Fatal(err)
		}
		r.AddLine(ctx, b.ID, line("x", 1000, 100))
	}
	page, err := r.Journal(ctx, JournalQuery{})
	all := page.Bills
	if err != nil || len(all) != 3 || all[0].ID < all[2].ID || len(all[0].Lines) != 1 {
		t.Fatalf("all = %+v, %v", all, err)
	}
	if own, _ := r.Journal(ctx, JournalQuery{Cashier: c1}); len(own.Bills) != 2 {
		t.Fatalf("own = %d bills, want 2", len(own.Bills))
	}
	if future, _ := r.Journal(ctx, JournalQuery{Since: time.Now().Add(time.Hour)}); len(future.Bills) != 0 {
		t.Fatalf("since the future = %d bills", len(future.Bills))
	}
}
