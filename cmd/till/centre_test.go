package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuf is the running centre's output, read while it writes.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }

func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// The operator's path end to end: the centre makes its leaf password file,
// a till is told where the centre is with `till chain set` and added with
// `till centre add-till`, the window's wiring starts the till's node, a
// sale reaches the centre, and status and report show it.
func TestCentreCommandWithATill(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	cdir := filepath.Join(dir, "centre")
	leaf := freePort(t)
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		done <- runCentre(ctx, out, []string{"-dir", cdir, "-leaf", leaf, "-listen", freePort(t), "-till", "s1.t2"})
	}()
	auth := filepath.Join(cdir, "leaf.auth")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "Ctrl-C") {
		select {
		case err := <-done:
			t.Fatalf("centre stopped: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("centre did not start:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st, err := os.Stat(auth); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("leaf auth file: %v %v", st, err)
	}
	if !strings.Contains(out.String(), auth) {
		t.Errorf("the centre does not say where the leaf password is:\n%s", out.String())
	}
	if strings.Contains(out.String(), "password ") {
		t.Errorf("the centre printed the password:\n%s", out.String())
	}

	tdb := filepath.Join(dir, "till1", "till.db")
	db, err := store.Open(ctx, tdb, store.Options{KeyPath: filepath.Join(dir, "till1", "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, _ := db.LoadMatrix(ctx)
	m.Groups = append(m.Groups, policy.Group{Name: "Cashier", Actions: map[policy.Action]bool{policy.ActionSell: true}, Limits: map[policy.Limit]int64{}})
	if _, err := db.SaveMatrix(ctx, m, "test", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	g, _ := db.GroupByName(ctx, "Cashier")
	u, _, err := db.CreateUser(ctx, store.NewUser{Login: "anna", FullName: "Anna", Group: g}, store.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	// Set while the till is closed, as an operator does.
	db.Close()
	var o bytes.Buffer
	key := filepath.Join(dir, "till1", "till.key")
	if err := runChain(ctx, &o, []string{"set", "-db", tdb, "-key", key, "-store", "s1", "-till", "t1", "-centre", "nats-leaf://" + leaf, "-auth-file", auth}); err != nil {
		t.Fatal(err)
	}
	if err := runChain(ctx, &o, []string{"show", "-db", tdb, "-key", key}); err != nil || !strings.Contains(o.String(), "store s1, till t1") {
		t.Fatalf("chain show: %v\n%s", err, o.String())
	}
	db, err = store.Open(ctx, tdb, store.Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := runCentre(ctx, &o, []string{"add-till", "-dir", cdir, "s1", "t1"}); err != nil {
		t.Fatal(err)
	}
	status, stop := wireChain(ctx, db, tdb, chainFlags{}, &o, nil)
	defer stop()
	if status == nil {
		t.Fatal("a till in a chain has no head-office status")
	}
	if _, err := os.Stat(filepath.Join(dir, "till1", "till-chain", "jetstream")); err != nil {
		t.Errorf("the node's files are not beside the database: %v", err)
	}

	bills := db.Bills()
	b, err := bills.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: int64(u.ID)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bills.AddLine(ctx, b.ID, sale.Line{Barcode: "4600000000008", Name: "Хлеб", QtyMilli: 1000, UnitPrice: 4990, VAT: "20", Dept: 1, Added: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := bills.AddPayment(ctx, b.ID, sale.Payment{Kind: sale.PayCash, Amount: 4990, At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := bills.MarkFiscalising(ctx, b.ID, sale.Fiscal{Expected: 1, Kind: device.Sale, Total: 4990}); err != nil {
		t.Fatal(err)
	}
	if err := bills.MarkFiscalised(ctx, b.ID, sale.Fiscal{Number: 1, Sign: 1, Time: time.Now(), Shift: 1}); err != nil {
		t.Fatal(err)
	}
	marks, _ := db.OutboxMarks(ctx)

	deadline = time.Now().Add(60 * time.Second)
	for {
		var st bytes.Buffer
		if err := runCentre(ctx, &st, []string{"status", "-dir", cdir}); err != nil {
			t.Fatal(err)
		}
		s := status()
		// Waiting alone can be 0 before the till's first round saw the
		// sale: wait for the centre's mark to pass the receipt's event.
		now, _ := db.OutboxMarks(ctx)
		if s.Online && s.Waiting == 0 && marks.Last > 0 && now.Centre >= marks.Last {
			if !strings.Contains(st.String(), "s1") || !strings.Contains(st.String(), "t1") || !strings.Contains(st.String(), "never") {
				t.Fatalf("status:\n%s", st.String())
			}
			t.Logf("status:\n%s", st.String())
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the sale did not reach the centre: till %+v, outbox %+v\n%s", s, marks, st.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	day := time.Now().Format(time.DateOnly)
	var rep bytes.Buffer
	if err := runCentre(ctx, &rep, []string{"report", "-dir", cdir, "-from", day, "-to", day}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.String(), "anna") || !strings.Contains(rep.String(), "49.90") {
		t.Errorf("report:\n%s", rep.String())
	}
	t.Logf("report:\n%s", rep.String())
	if err := runCentre(ctx, &rep, []string{"report", "-dir", cdir, "-from", day}); err == nil {
		t.Error("a report without -to ran")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("centre: %v", err)
	}
}

// A till on its own starts no node and shows nothing of a head office.
func TestWireChainOff(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(dir, "till.db"), store.Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	status, stop := wireChain(ctx, db, filepath.Join(dir, "till.db"), chainFlags{}, os.Stderr, nil)
	defer stop()
	if status != nil {
		t.Fatal("a till on its own has a head-office status")
	}
	if _, err := os.Stat(filepath.Join(dir, "till-chain")); err == nil {
		t.Error("a till on its own made chain files")
	}
	// Misconfigured (no auth file): the till still runs and says why.
	if err := db.SetSettings(ctx, map[string]string{settingChainCentre: "nats-leaf://127.0.0.1:1", settingChainTill: "t1"}, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStoreIdentity(ctx, "s1", "", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	status, stop2 := wireChain(ctx, db, filepath.Join(dir, "till.db"), chainFlags{}, &log, nil)
	defer stop2()
	if status == nil || status().Problem == "" || !strings.Contains(log.String(), "auth") {
		t.Fatalf("misconfigured chain: status set %v, log %q", status != nil, log.String())
	}
}
