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

// syncBuf is output read while it is written (a running centre's, a
// reader's).
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }

func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// centreCmd runs `till centre` in cdir on free ports until the test ends,
// and waits until it says it runs. listen is its client port.
func centreCmd(t *testing.T, ctx context.Context, cdir string) (out *syncBuf, done chan error, leaf, listen string) {
	t.Helper()
	leaf, listen = freePort(t), freePort(t)
	out = &syncBuf{}
	done = make(chan error, 1)
	go func() {
		done <- runCentre(ctx, out, []string{"-dir", cdir, "-chain", "north", "-leaf", leaf, "-listen", listen})
	}()
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
	return out, done, leaf, listen
}

// joinToken runs `till centre join-token` and returns the token it printed.
func joinToken(t *testing.T, ctx context.Context, cdir, st, tl string, more ...string) string {
	t.Helper()
	var o bytes.Buffer
	if err := runCentre(ctx, &o, append(append([]string{"join-token", "-dir", cdir}, more...), st, tl)); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(o.String(), "\n") {
		if strings.HasPrefix(line, "tilljoin1:") {
			return line
		}
	}
	t.Fatalf("join-token printed no token:\n%s", o.String())
	return ""
}

// The operator's path end to end: the centre runs, makes a token for a
// till, the till joins with `till join` (the token on stdin), the window's
// wiring starts the till's node with nothing else set, a sale reaches the
// centre, and status and report show it.
func TestCentreCommandWithATill(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	cdir := filepath.Join(dir, "centre")
	out, done, leaf, listen := centreCmd(t, ctx, cdir)
	if !strings.Contains(out.String(), "join-token") {
		t.Errorf("the centre does not say how a till joins:\n%s", out.String())
	}
	tok := joinToken(t, ctx, cdir, "s1", "t1")

	tdb := filepath.Join(dir, "till1", "till.db")
	key := filepath.Join(dir, "till1", "till.key")
	var o bytes.Buffer
	if err := runJoin(ctx, strings.NewReader(tok+"\n"), &o, []string{"-db", tdb, "-key", key, "-", "nats://" + listen}); err != nil {
		t.Fatalf("join: %v\n%s", err, o.String())
	}
	t.Logf("join:\n%s", o.String())
	if strings.Contains(o.String(), tok) {
		t.Error("till join printed the token")
	}
	master, err := os.ReadFile(filepath.Join(cdir, "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(key); err != nil || !bytes.Equal(got, master) {
		t.Fatalf("the till's key file is not the chain's badge key: %v", err)
	}
	if st, err := os.Stat(filepath.Join(dir, "till1", "till-chain", "till.nk")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the till's key seed: %v %v", st, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "till1", "trusted-publishers")); err != nil || len(b) == 0 {
		t.Fatalf("the centre's signing key is not trusted: %v", err)
	}
	o.Reset()
	if err := runChain(ctx, &o, []string{"show", "-db", tdb, "-key", key}); err != nil || !strings.Contains(o.String(), "store s1, till t1, centre nats-leaf://"+leaf) {
		t.Fatalf("chain show: %v\n%s", err, o.String())
	}
	db, err := store.Open(ctx, tdb, store.Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if entries, _ := db.SearchAudit(ctx, store.AuditQuery{Action: "chain.join"}); len(entries) != 1 {
		t.Errorf("the join is not in the till's audit: %v", entries)
	}
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

	deadline := time.Now().Add(60 * time.Second)
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
			if !strings.Contains(st.String(), "s1") || !strings.Contains(st.String(), "t1") || !strings.Contains(st.String(), "joined") {
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
	// Misconfigured (never joined, no till key): the till still runs and
	// says why.
	if err := db.SetSettings(ctx, map[string]string{settingChainCentre: "nats-leaf://127.0.0.1:1", settingChainTill: "t1"}, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetStoreIdentity(ctx, "s1", "", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	status, stop2 := wireChain(ctx, db, filepath.Join(dir, "till.db"), chainFlags{}, &log, nil)
	defer stop2()
	if status == nil || status().Problem == "" || !strings.Contains(log.String(), "till join") {
		t.Fatalf("misconfigured chain: status set %v, log %q", status != nil, log.String())
	}
}

// A centre whose chain has no name answers no joins and publishes nothing,
// and join-token says why instead of handing out a token nobody answers.
func TestJoinNeedsANamedChain(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cdir := filepath.Join(t.TempDir(), "centre")
	var o syncBuf
	done := make(chan error, 1)
	go func() {
		done <- runCentre(ctx, &o, []string{"-dir", cdir, "-leaf", freePort(t), "-listen", freePort(t)})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(o.String(), "Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("centre did not start:\n%s", o.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(o.String(), "joining is off") || !strings.Contains(o.String(), "publishing down is off") {
		t.Errorf("the centre does not say joining and publishing are off:\n%s", o.String())
	}
	var out bytes.Buffer
	err := runCentre(ctx, &out, []string{"join-token", "-dir", cdir, "s1", "t1"})
	if err == nil || !strings.Contains(err.Error(), "-chain NAME") || strings.Contains(out.String(), "tilljoin1") {
		t.Fatalf("join-token on an unnamed chain: %v\n%s", err, out.String())
	}
	cancel()
	<-done
}
