package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// The year-sized database: what a busy till holds after a year (issue 16:
// ~111k bills, 1.1M lines, 110k fiscal documents, 300k audit rows). Built
// once per test binary run by bulk inserts in a few transactions, in a
// temporary directory removed when the run ends; the benchmarks use it, the
// tests a small database made the same way.

// yearSize is what the generator makes.
type yearSize struct {
	Days         int // the span, ending at the generator's now
	BillsPerDay  int
	LinesPerBill int // on average: 1 to 2*LinesPerBill-1
	AuditPerDay  int
	Cashiers     int // cashier users beside the demo users
}

var (
	sizeYear  = yearSize{Days: 365, BillsPerDay: 304, LinesPerBill: 10, AuditPerDay: 816, Cashiers: 6}
	sizeSmall = yearSize{Days: 9, BillsPerDay: 14, LinesPerBill: 3, AuditPerDay: 30, Cashiers: 3}
)

// yearFixture is a generated database and what a test needs to know of it.
type yearFixture struct {
	db       *DB
	dir      string
	size     yearSize
	now      time.Time // the newest bill is before now
	cashiers []int64   // the generated cashiers' user ids
	build    time.Duration
}

var (
	yearMu    sync.Mutex
	yearCache = map[yearSize]*yearFixture{}
)

// TestMain removes the year databases after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range yearCache {
		f.db.Close()
		os.RemoveAll(f.dir)
	}
	os.Exit(code)
}

// yearDB returns the database of size s, generating it on first use in
// this run. The database stays open for the run: tests must not change it
// (those that do use newYearDB).
func yearDB(tb testing.TB, s yearSize) *yearFixture {
	tb.Helper()
	yearMu.Lock()
	defer yearMu.Unlock()
	if f, ok := yearCache[s]; ok {
		return f
	}
	dir, err := os.MkdirTemp("", "till-year-")
	if err != nil {
		tb.Fatal(err)
	}
	f, err := generateYear(context.Background(), dir, s, 1)
	if err != nil {
		os.RemoveAll(dir)
		tb.Fatalf("generate year database: %v", err)
	}
	if s == sizeYear {
		fi, _ := os.Stat(filepath.Join(dir, "till.db"))
		tb.Logf("year database: %+v in %s, %d MiB", s, f.build.Round(time.Millisecond), fi.Size()>>20)
	}
	yearCache[s] = f
	return f
}

// newYearDB generates a private database of size s in tb's temp dir, for
// tests that change it.
func newYearDB(tb testing.TB, s yearSize, seed uint64) *yearFixture {
	tb.Helper()
	dir := tb.TempDir()
	f, err := generateYear(context.Background(), dir, s, seed)
	if err != nil {
		tb.Fatalf("generate database: %v", err)
	}
	tb.Cleanup(func() { f.db.Close() })
	return f
}

type genItem struct {
	id      int64
	barcode string
	name    string
	price   int64
	vat     string
	dept    int64
}

// auditMix is what a till's audit log holds, by weight: sign-ins and
// sign-outs of every cashier, elevated sales, returns, cancellations,
// shifts, now and then the back office.
var auditMix = []struct {
	action string
	weight int
}{
	{"session.sign_in", 30},
	{"session.sign_out", 28},
	{"sale.line_discount", 10},
	{"return.create", 6},
	{"bill.cancel", 5},
	{"bill.void_line", 6},
	{"drawer.open", 3},
	{"fiscal.receipt.reprint", 2},
	{"journal.view", 4},
	{"journal.view_all", 1},
	{"shift.open", 1},
	{"shift.close", 1},
	{"users.update", 1},
	{"users.create", 1},
	{"users.reset_password", 1},
	{"config.set", 1},
}

// generateYear builds the database in dir. Everything is consistent as the
// store's API would have written it: every fiscalised bill has its payment
// (equal to its total), its fiscal document and attempt fields; returns
// point at earlier fiscalised sales; shifts cover the days; the audit rows
// form a valid chain (they are appended through appendAudit).
func generateYear(ctx context.Context, dir string, s yearSize, seed uint64) (*yearFixture, error) {
	start := time.Now()
	db, err := Open(ctx, filepath.Join(dir, "till.db"), Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		return nil, err
	}
	f := &yearFixture{db: db, dir: dir, size: s}
	fail := func(err error) (*yearFixture, error) {
		db.Close()
		return nil, err
	}
	if err := db.SeedDemo(ctx); err != nil {
		return fail(err)
	}
	rnd := rand.New(rand.NewPCG(seed, 16))
	var items []genItem
	var supervisor int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, barcode, name, price, vat, dept FROM items WHERE generic = 0 AND weighed = 0 ORDER BY id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var it genItem
			if err := rows.Scan(&it.id, &it.barcode, &it.name, &it.price, &it.vat, &it.dept); err != nil {
				rows.Close()
				return err
			}
			items = append(items, it)
		}
		rows.Close()
		if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE login = 'supervisor'`).Scan(&supervisor); err != nil {
			return err
		}
		for i := range s.Cashiers {
			res, err := tx.ExecContext(ctx, `INSERT INTO users(login, full_name, group_id, receipt_name, inn, journal_days, password_hash, created, updated)
				SELECT ?, ?, group_id, ?, inn, 7, password_hash, created, updated FROM users WHERE login = 'cashier'`,
				fmt.Sprintf("cashier%d", i+1), fmt.Sprintf("Cashier %d", i+1), fmt.Sprintf("Кассир %d", i+1))
			if err != nil {
				return err
			}
			id, _ := res.LastInsertId()
			f.cashiers = append(f.cashiers, id)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}

	// Bills are spread evenly over [now - Days, now); about one in fifty
	// opens in the same microsecond as the one before (two tills, or a
	// coarse clock), so paging meets ties.
	f.now = fromUS(us(time.Now()))
	day := 24 * time.Hour
	first := f.now.Add(-time.Duration(s.Days) * day)
	total := s.Days * s.BillsPerDay
	step := time.Duration(s.Days) * day / time.Duration(total+1)
	var (
		fd       int64
		sales    []int64 // fiscalised sales, for returns to point at
		billID   int64
		lineID   int64
		shiftIDs = map[int]bool{}
	)
	const chunk = 20000
	for lo := 0; lo < total; lo += chunk {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			insBill, err := tx.PrepareContext(ctx, `INSERT INTO bills(id, kind, state, cashier_id, return_of, opened, updated,
				fiscal_expected, fiscal_kind, fiscal_total, fiscal_attempts, fiscal_started) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)`)
			if err != nil {
				return err
			}
			defer insBill.Close()
			insLine, err := tx.PrepareContext(ctx, `INSERT INTO bill_lines(id, bill_id, item_id, barcode, name, qty_milli, unit_price, vat, dept, added)
				VALUES(?,?,?,?,?,?,?,?,?,?)`)
			if err != nil {
				return err
			}
			defer insLine.Close()
			insPay, err := tx.PrepareContext(ctx, `INSERT INTO payments(bill_id, kind, amount, at) VALUES(?,?,?,?)`)
			if err != nil {
				return err
			}
			defer insPay.Close()
			insDoc, err := tx.PrepareContext(ctx, `INSERT INTO fiscal_docs(bill_id, number, sign, time, shift) VALUES(?,?,?,?,?)`)
			if err != nil {
				return err
			}
			defer insDoc.Close()
			insShift, err := tx.PrepareContext(ctx, `INSERT INTO shifts(id, number, opened, opened_by, closed, closed_by) VALUES(?,?,?,?,?,?)`)
			if err != nil {
				return err
			}
			defer insShift.Close()
			var prevOpened int64
			for i := lo; i < min(lo+chunk, total); i++ {
				opened := us(first.Add(time.Duration(i+1) * step))
				if i%50 == 49 {
					opened = prevOpened
				}
				prevOpened = opened
				dayN := int(fromUS(opened).Sub(first) / day)
				if !shiftIDs[dayN] {
					shiftIDs[dayN] = true
					so := first.Add(time.Duration(dayN) * day)
					var closed, closedBy any
					if dayN < s.Days-1 {
						closed, closedBy = us(so.Add(day-time.Minute)), supervisor
					}
					if _, err := insShift.ExecContext(ctx, dayN+1, dayN+1, us(so), supervisor, closed, closedBy); err != nil {
						return err
					}
				}
				billID++
				cashier := f.cashiers[rnd.IntN(len(f.cashiers))]
				kind, state := sale.KindSale, sale.StateFiscalised
				var retOf any
				recent := i >= total-2*s.BillsPerDay
				switch r := rnd.IntN(1000); {
				case r < 40 && len(sales) > 0:
					kind = sale.KindReturn
					retOf = sales[rnd.IntN(len(sales))]
				case r < 50:
					state = sale.StateCancelled
				case r < 53 && recent:
					state = sale.StateParked
				}
				n := 1 + rnd.IntN(2*s.LinesPerBill-1)
				updated := opened + int64(n)*int64(4*time.Second/time.Microsecond)
				var sum int64
				type ln struct {
					it  genItem
					qty int64
				}
				lines := make([]ln, n)
				for k := range lines {
					lines[k] = ln{it: items[rnd.IntN(len(items))], qty: int64(1+rnd.IntN(3)) * 1000}
					a, err := sale.LineAmount(lines[k].it.price, lines[k].qty)
					if err != nil {
						return err
					}
					sum += a
				}
				var fe, fk, ft, fa, fs int64
				if state == sale.StateFiscalised {
					fd++
					fe, fk, ft, fa, fs = fd, int64(kind.ReceiptKind()), sum, 1, updated-1000000
				}
				if _, err := insBill.ExecContext(ctx, billID, int64(kind), int64(state), cashier, retOf, opened, updated, fe, fk, ft, fa, fs); err != nil {
					return err
				}
				for k, l := range lines {
					lineID++
					if _, err := insLine.ExecContext(ctx, lineID, billID, l.it.id, l.it.barcode, l.it.name, l.qty, l.it.price, l.it.vat, l.it.dept,
						opened+int64(k)*int64(4*time.Second/time.Microsecond)); err != nil {
						return err
					}
				}
				if state != sale.StateFiscalised {
					continue
				}
				if _, err := insPay.ExecContext(ctx, billID, int64(sale.PaymentKind(1+rnd.IntN(2))), sum, updated-2000000); err != nil {
					return err
				}
				if _, err := insDoc.ExecContext(ctx, billID, fd, int64(rnd.Uint32()), updated, dayN+1); err != nil {
					return err
				}
				if kind == sale.KindSale {
					sales = append(sales, billID)
				}
			}
			return nil
		})
		if err != nil {
			return fail(fmt.Errorf("bills: %w", err))
		}
	}

	// The audit chain, appended through the store's own function so the
	// hashes are what VerifyAudit checks.
	weights := 0
	for _, a := range auditMix {
		weights += a.weight
	}
	nAudit := s.Days * s.AuditPerDay
	astep := time.Duration(s.Days) * day / time.Duration(nAudit+1)
	for lo := 0; lo < nAudit; lo += chunk {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			for i := lo; i < min(lo+chunk, nAudit); i++ {
				w := rnd.IntN(weights)
				action := auditMix[0].action
				for _, a := range auditMix {
					if w < a.weight {
						action = a.action
						break
					}
					w -= a.weight
				}
				e := AuditEntry{
					Time: first.Add(time.Duration(i+1) * astep), Terminal: "till-1",
					Actor: policy.UserID(f.cashiers[rnd.IntN(len(f.cashiers))]), Action: action, Outcome: OutcomeOK,
				}
				if rnd.IntN(10) == 0 {
					e.Approver = policy.UserID(supervisor)
				}
				if rnd.IntN(20) == 0 {
					e.Outcome, e.Reason = OutcomeDenied, "not allowed"
				}
				e.Args, _ = json.Marshal(map[string]any{"n": i})
				if _, err := appendAudit(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fail(fmt.Errorf("audit: %w", err))
		}
	}
	if _, err := db.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fail(err)
	}
	f.build = time.Since(start)
	return f, nil
}

// TestSaveYearDB writes the year-sized database to $TILL_YEARDB_SAVE (and
// its key file beside it, .key), for looking at the till on a year of
// journal: `TILL_YEARDB_SAVE=/tmp/year.db go test -run TestSaveYearDB
// ./store`, then `till -demo -db /tmp/year.db` (passwords work without the
// key; badges need year.db.key as the till's key file) or the window's
// TestJournalOnAYear (TILL_YEARDB=/tmp/year.db). Skipped without the
// variable.
func TestSaveYearDB(t *testing.T) {
	out := os.Getenv("TILL_YEARDB_SAVE")
	if out == "" {
		t.Skip("TILL_YEARDB_SAVE is not set")
	}
	f := yearDB(t, sizeYear)
	if _, err := f.db.db.ExecContext(context.Background(), `VACUUM INTO ?`, out); err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(f.dir, "till.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out+".key", key, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved %s (generated in %s)", out, f.build)
}
