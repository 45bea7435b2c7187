package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// TestJournalOnAYear is the "done when" in the window, on the
// year-sized database written by store's TestSaveYearDB (TILL_YEARDB=path;
// skipped without it): a return started from a year-old receipt's number,
// the history paged back a week, and the audit searches, each timed.
// TILL_YEARDB=demo takes the same steps on the demo database (with a few
// sales made first), for the figures to compare.
func TestJournalOnAYear(t *testing.T) {
	src := os.Getenv("TILL_YEARDB")
	if src == "" {
		t.Skip("TILL_YEARDB is not set")
	}
	demo := src == "demo"
	r := &rig{t: t, dir: t.TempDir(), tag: "en", e: emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})}
	for _, f := range []string{"", ".key"} {
		if demo {
			break
		}
		b, err := os.ReadFile(src + f)
		if err != nil {
			t.Fatal(err)
		}
		name := "till.db"
		if f != "" {
			name = "till.key"
		}
		if err := os.WriteFile(filepath.Join(r.dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	r.open()
	if demo {
		if err := r.db.SeedDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r.startApp()
	t.Logf("open and start: %s", time.Since(start))
	ctx := context.Background()
	cashier := "cashier1"
	if demo {
		cashier = "cashier"
		r.signIn("supervisor")
		for i := range 3 {
			r.sellItem(i)
		}
		r.a.Logout()
		r.signIn(cashier)
		for i := range 3 {
			r.sellItem(i)
		}
		r.a.Logout()
	}

	// History: cashier1 (7-day journal) pages back a week.
	start = time.Now()
	loginAs(t, r.a, r.w, cashier, "cashier1")
	t.Logf("sign-in (open bill, stale parked bills): %s", time.Since(start))
	m := r.main()
	start = time.Now()
	r.press("history")
	j := m.sale.journal
	t.Logf("history, first page of %d: %s", len(j.bills), time.Since(start))
	weekAgo := time.Now().AddDate(0, 0, -6)
	pages := 0
	var slowest time.Duration
	for !j.older.Disabled() && j.bills[len(j.bills)-1].Opened.After(weekAgo) {
		start = time.Now()
		r.key(fyne.KeyPageDown)
		slowest = max(slowest, time.Since(start))
		pages++
	}
	t.Logf("paged back to %s in %d pages, slowest page %s", j.bills[len(j.bills)-1].Opened.Local().Format("02.01 15:04"), pages, slowest)
	if pages < 5 && !demo {
		t.Fatalf("only %d pages back a week", pages)
	}
	r.key(fyne.KeyEscape)
	start = time.Now()
	r.press("history")
	t.Logf("history again (warm), first page of %d: %s", len(m.sale.journal.bills), time.Since(start))
	r.key(fyne.KeyEscape)
	r.a.Logout()
	start = time.Now()
	loginAs(t, r.a, r.w, cashier, "cashier1")
	t.Logf("second sign-in: %s", time.Since(start))
	r.a.Logout()

	// A year-old receipt's number, typed, Enter, Enter: the return.
	before := store.Cursor{Opened: time.Now().AddDate(-1, 0, 2), ID: 1 << 40}
	if demo {
		before = store.Cursor{}
	}
	old, err := r.db.Bills().Journal(ctx, store.JournalQuery{Before: before, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	var number uint32
	var day time.Time
	for _, b := range old.Bills {
		if b.Kind == sale.KindSale && b.State == sale.StateFiscalised {
			number, day = b.Fiscal.Number, b.Fiscal.Time.Local()
			break
		}
	}
	if number == 0 {
		t.Fatal("no sale a year back")
	}
	m = r.signIn("supervisor")
	start = time.Now()
	m.sale.key(&fyne.KeyEvent{Name: fyne.KeyF11})
	j = m.sale.journal
	t.Logf("F11: %s", time.Since(start))
	r.typeKeys(fmt.Sprint(number))
	r.w.Canvas().FocusNext()
	r.typeKeys(day.Format("02.01.2006"))
	start = time.Now()
	r.key(fyne.KeyReturn)
	t.Logf("receipt %d of %s found: %s", number, day.Format("02.01.2006"), time.Since(start))
	if len(j.bills) != 1 {
		t.Fatalf("found %d (%q)", len(j.bills), j.status.Text)
	}
	start = time.Now()
	r.key(fyne.KeyReturn)
	t.Logf("return started: %s", time.Since(start))
	b, _ := r.bill()
	if b.Kind != sale.KindReturn || b.ReturnOf == 0 {
		t.Fatalf("return %+v (%q)", b, r.notice())
	}

	// The audit viewer's searches (the back office calls these).
	for _, q := range []store.AuditQuery{
		{Action: "users.update", Limit: 1000},
		{Action: "users.", Limit: 1000},
		{From: time.Now().AddDate(0, 0, -30), To: time.Now().AddDate(0, 0, -29), Limit: 1000},
		{Actor: 5, From: time.Now().AddDate(0, 0, -30), To: time.Now().AddDate(0, 0, -29), Limit: 1000},
	} {
		start = time.Now()
		rows, err := r.db.SearchAudit(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("audit action %q actor %d day %s: %d rows in %s", q.Action, q.Actor, q.From.Format("02.01"), len(rows), time.Since(start))
	}
}
