package chain_test

import (
	"context"
	"database/sql"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// rig is a centre and its tills in one process, on loopback ports, with
// every file in the test's temporary directory.
type rig struct {
	t        testing.TB
	dir      string
	leafAddr string
	cdb      *centredb.DB
	centre   *chain.Centre
	tills    []*till

	sink  chain.Sink        // the centre's, when not cdb itself (a fault in front of it)
	join  *chain.JoinConfig // the centre answers joins when set
	batch int               // the centre's ingest batch; 0 is the default
}

type till struct {
	id     chain.TillID
	db     *store.DB
	node   *chain.Till
	user   int64
	nextFD uint32
	sold   int

	clock time.Duration                       // how far the till's clock is off
	hook  func(stage string, seq int64) error // see chain.WithHook
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func newRig(t testing.TB, tills int) *rig { return newRigWith(t, tills, nil) }

// newRigWith is newRig with set called on the rig before anything starts.
func newRigWith(t testing.TB, tills int, set func(*rig)) *rig {
	r := &rig{t: t, dir: t.TempDir(), leafAddr: freeAddr(t)}
	if set != nil {
		set(r)
	}
	r.addTills(tills, func(id chain.TillID) { r.tillKey(id) })
	r.startCentre()
	for _, tl := range r.tills {
		r.openTill(tl)
		r.startTill(tl)
	}
	t.Cleanup(r.closeAll)
	return r
}

// addTills opens the centre's database and lets in tills t1…tN of store
// s1, calling each (if not nil) with every till as it is added.
func (r *rig) addTills(n int, each func(chain.TillID)) {
	ctx := context.Background()
	cdb, err := centredb.Open(ctx, filepath.Join(r.dir, "centre", "centre.db"))
	if err != nil {
		r.t.Fatal(err)
	}
	r.cdb = cdb
	r.t.Cleanup(func() { cdb.Close() })
	for i := 1; i <= n; i++ {
		id := chain.TillID{Store: "s1", Till: "t" + strconv.Itoa(i)}
		if err := cdb.AddTill(ctx, id); err != nil {
			r.t.Fatal(err)
		}
		r.tills = append(r.tills, &till{id: id})
		if each != nil {
			each(id)
		}
	}
}

// closeAll closes the tills and the centre: every rig's cleanup.
func (r *rig) closeAll() {
	for _, tl := range r.tills {
		if tl.node != nil {
			tl.node.Close()
		}
		tl.db.Close()
	}
	if r.centre != nil {
		r.centre.Close()
	}
}

func (r *rig) startCentre() {
	var sink chain.Sink = r.cdb
	if r.sink != nil {
		sink = r.sink
	}
	c, err := chain.StartCentre(context.Background(), chain.CentreConfig{
		Dir: filepath.Join(r.dir, "centre"), LeafAddr: r.leafAddr, Keys: r.cdb, KeysEvery: 200 * time.Millisecond, Batch: r.batch,
		Join: r.join,
	}, sink)
	if err != nil {
		r.t.Fatal(err)
	}
	r.centre = c
}

func (r *rig) stopCentre() {
	r.centre.Close()
	r.centre = nil
}

func (r *rig) openTill(tl *till) {
	ctx := context.Background()
	dir := filepath.Join(r.dir, tl.id.Till)
	db, err := store.Open(ctx, filepath.Join(dir, "till.db"), store.Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		r.t.Fatal(err)
	}
	tl.db = db
	if tl.user == 0 {
		if u, err := db.UserByLogin(ctx, "anna"); err == nil {
			tl.user = int64(u.ID) // a till started again in another process
		}
	}
	if tl.user == 0 {
		m, _ := db.LoadMatrix(ctx)
		m.Groups = append(m.Groups, policy.Group{Name: "Cashier", Actions: map[policy.Action]bool{policy.ActionSell: true}, Limits: map[policy.Limit]int64{}})
		if _, err := db.SaveMatrix(ctx, m, "test", store.Actor{}); err != nil {
			r.t.Fatal(err)
		}
		g, _ := db.GroupByName(ctx, "Cashier")
		u, _, err := db.CreateUser(ctx, store.NewUser{Login: "anna", FullName: "Anna", Group: g}, store.Actor{})
		if err != nil {
			r.t.Fatal(err)
		}
		tl.user = int64(u.ID)
	}
}

func (r *rig) startTill(tl *till) {
	cfg := chain.TillConfig{
		ID: tl.id, Dir: filepath.Join(r.dir, tl.id.Till), Centre: "nats-leaf://" + r.leafAddr, Seed: r.tillKey(tl.id),
		Poll: 100 * time.Millisecond, GapAfter: 2 * time.Second,
	}
	if tl.hook != nil {
		cfg = chain.WithHook(cfg, tl.hook)
	}
	n, err := chain.StartTill(context.Background(), cfg, tl.db)
	if err != nil {
		r.t.Fatal(err)
	}
	tl.node = n
}

// tillKey is the till's NKey seed, made (and given to the centre's book,
// as a join would) the first time: the rig's tills are joined without a
// token; TestJoin* go through the join itself.
func (r *rig) tillKey(id chain.TillID) []byte {
	r.t.Helper()
	path := filepath.Join(r.dir, id.Till, chain.TillKeyFile)
	if _, err := os.Stat(path); err != nil {
		pub, err := chain.NewTillKey(path)
		if err != nil {
			r.t.Fatal(err)
		}
		if r.cdb == nil {
			r.t.Fatalf("till %s has no key and there is no centre to give one to", id)
		}
		if err := r.cdb.AddTillKey(context.Background(), id, pub); err != nil {
			r.t.Fatal(err)
		}
	}
	seed, _, err := chain.ReadTillKey(path)
	if err != nil {
		r.t.Fatal(err)
	}
	return seed
}

// sell records one paid, fiscalised bill as checkout does.
func (r *rig) sell(tl *till) {
	ctx := context.Background()
	now := func() time.Time { return time.Now().Add(tl.clock) }
	bills := tl.db.Bills()
	b, err := bills.Create(ctx, sale.Bill{Kind: sale.KindSale, CashierID: tl.user})
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := bills.AddLine(ctx, b.ID, sale.Line{Barcode: "4600000000008", Name: "Хлеб", QtyMilli: 1000, UnitPrice: 4990, VAT: "20", Dept: 1, Added: now()}); err != nil {
		r.t.Fatal(err)
	}
	if _, err := bills.AddPayment(ctx, b.ID, sale.Payment{Kind: sale.PayCash, Amount: 4990, At: now()}); err != nil {
		r.t.Fatal(err)
	}
	tl.nextFD++
	if err := bills.MarkFiscalising(ctx, b.ID, sale.Fiscal{Expected: tl.nextFD, Kind: device.Sale, Total: 4990}); err != nil {
		r.t.Fatal(err)
	}
	if err := bills.MarkFiscalised(ctx, b.ID, sale.Fiscal{Number: tl.nextFD, Sign: 1, Time: now(), Shift: 1}); err != nil {
		r.t.Fatal(err)
	}
	tl.sold++
	if tl.node != nil {
		tl.node.Kick()
	}
}

// waitAll waits until the centre has every event of every till, and checks
// that it has each receipt once.
func (r *rig) waitAll(within time.Duration) time.Duration {
	r.t.Helper()
	took := r.waitMarks(within)
	ctx := context.Background()
	for _, tl := range r.tills {
		got, err := r.cdb.Receipts(ctx, tl.id)
		if err != nil {
			r.t.Fatal(err)
		}
		if got != tl.sold {
			r.t.Fatalf("%s sold %d receipts, the centre has %d", tl.id, tl.sold, got)
		}
	}
	return took
}

// waitMarks waits until the centre's mark of every till is the till's
// newest event.
func (r *rig) waitMarks(within time.Duration) time.Duration {
	r.t.Helper()
	ctx := context.Background()
	start := time.Now()
	for {
		done := true
		for _, tl := range r.tills {
			m, err := tl.db.OutboxMarks(ctx)
			if err != nil {
				r.t.Fatal(err)
			}
			hwm, err := r.cdb.HWM(ctx, tl.id)
			if err != nil {
				r.t.Fatal(err)
			}
			if hwm != m.Last {
				done = false
			}
		}
		if done {
			break
		}
		if time.Since(start) > within {
			for _, tl := range r.tills {
				m, _ := tl.db.OutboxMarks(ctx)
				hwm, _ := r.cdb.HWM(ctx, tl.id)
				r.t.Logf("%s: outbox %+v, centre has up to %d; status %+v", tl.id, m, hwm, tl.node.Status())
			}
			r.t.Fatalf("the centre did not catch up within %v", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

func TestOnlineTillsReachTheCentre(t *testing.T) {
	r := newRig(t, 3)
	for i := 0; i < 5; i++ {
		for _, tl := range r.tills {
			r.sell(tl)
		}
	}
	t.Logf("caught up in %v", r.waitAll(30*time.Second))
}

// The centre is down while the tills sell; when it comes back every sale
// arrives once.
func TestCentreDownTillsSellThenCatchUp(t *testing.T) {
	r := newRig(t, 3)
	r.sell(r.tills[0])
	r.waitAll(30 * time.Second)
	r.stopCentre()
	for i := 0; i < 50; i++ {
		for _, tl := range r.tills {
			r.sell(tl)
		}
	}
	// The status bar's view: offline, with the sales waiting.
	for _, tl := range r.tills {
		deadline := time.Now().Add(10 * time.Second)
		for {
			st := tl.node.Status()
			if !st.Online && !st.OfflineSince.IsZero() && st.Waiting >= 50 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: status while the centre is down: %+v", tl.id, st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	r.startCentre()
	t.Logf("150 sales caught up in %v after the centre came back", r.waitAll(90*time.Second))
}

// A till that restarts re-sends what it had not marked; the centre keeps
// each event once.
func TestTillRestartSendsNothingTwice(t *testing.T) {
	r := newRig(t, 1)
	tl := r.tills[0]
	for i := 0; i < 10; i++ {
		r.sell(tl)
	}
	r.waitAll(30 * time.Second)
	tl.node.Close()
	// As if the till died between the ack and the mark: everything is
	// published again.
	if _, err := tl.db.OutboxMarks(context.Background()); err != nil {
		t.Fatal(err)
	}
	tl.db.Close()
	raw, err := sql.Open("sqlite", filepath.Join(r.dir, tl.id.Till, "till.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE outbox_meta SET sent = 0`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	r.openTill(tl)
	r.startTill(tl)
	for i := 0; i < 5; i++ {
		r.sell(tl)
	}
	r.waitAll(60 * time.Second)
}
