package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/admin"
)

// pubRig is a centre with its publisher and tills wired as the window
// wires them (wireChain), in one process on loopback; each till joins with
// a token (till join), which gives it master.key as its key file and the
// centre's signing key to trust.
type pubRig struct {
	t        *testing.T
	dir      string
	cdir     string
	leaf     string
	cdb      *centredb.DB
	centre   *chain.Centre
	master   *store.DB
	stopPub  func()
	tills    map[string]*pubTill
	chainLog *syncBuf
	noSetup  bool // new tills are left as till join leaves them, before the setup screen
}

type pubTill struct {
	name   string
	path   string
	db     *store.DB
	holder *policy.Holder
	status func() ui.ChainStatus
	stop   func()
}

func newPubRig(t *testing.T) *pubRig {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	r := &pubRig{t: t, dir: dir, cdir: filepath.Join(dir, "centre"), leaf: freePort(t), tills: map[string]*pubTill{}, chainLog: &syncBuf{}}
	if err := os.MkdirAll(r.cdir, 0o700); err != nil {
		t.Fatal(err)
	}
	var err error
	r.cdb, err = centredb.Open(ctx, centreFiles{r.cdir}.centreDB())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.cdb.Close() })
	for _, tl := range []string{"t1", "t2"} {
		if err := r.cdb.AddTill(ctx, chain.TillID{Store: "s1", Till: tl}); err != nil {
			t.Fatal(err)
		}
	}
	r.startCentre()
	t.Cleanup(r.stopCentre)
	return r
}

// startCentre starts the centre's NATS side and its publisher, as
// runCentre does.
func (r *pubRig) startCentre() {
	r.t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	files := centreFiles{r.cdir}
	var out bytes.Buffer
	master, name, err := openChainMaster(ctx, files, "north", false, &out)
	if err != nil {
		r.t.Fatal(err)
	}
	join, err := centreJoinConfig(files, name)
	if err != nil {
		r.t.Fatal(err)
	}
	c, err := chain.StartCentre(ctx, chain.CentreConfig{Dir: r.cdir, LeafAddr: r.leaf, Keys: r.cdb, Join: join, Log: log}, r.cdb)
	if err != nil {
		r.t.Fatal(err)
	}
	r.centre, r.master = c, master
	stop, err := startPublishing(ctx, c, r.cdb, files, master, name, &out, log)
	if err != nil {
		r.t.Fatal(err)
	}
	r.stopPub = func() { stop(); master.Close() }
}

func (r *pubRig) stopCentre() {
	if r.centre == nil {
		return
	}
	r.stopPub()
	r.centre.Close()
	r.centre, r.master = nil, nil
}

// till makes (the first time) and starts a till of store s1.
func (r *pubRig) till(name string) *pubTill {
	r.t.Helper()
	ctx := context.Background()
	tl := r.tills[name]
	if tl == nil {
		files := centreFiles{r.cdir}
		tdir := filepath.Join(r.dir, name)
		priv, err := files.signer()
		if err != nil {
			r.t.Fatal(err)
		}
		id := chain.TillID{Store: "s1", Till: name}
		tok, err := chain.NewToken(id, bundle.KeyID(priv.Public().(ed25519.PublicKey)))
		if err != nil {
			r.t.Fatal(err)
		}
		if err := r.cdb.AddJoinToken(ctx, id, tok.Hash(), time.Now().Add(time.Hour)); err != nil {
			r.t.Fatal(err)
		}
		tl = &pubTill{name: name, path: filepath.Join(tdir, "till.db")}
		key := filepath.Join(tdir, "till.key")
		var out bytes.Buffer
		if err := runJoin(ctx, strings.NewReader(tok.String()+"\n"), &out, []string{"-db", tl.path, "-key", key, "-", r.centre.ClientURL()}); err != nil {
			r.t.Fatalf("join %s: %v\n%s", name, err, out.String())
		}
		if err := runChain(ctx, &out, []string{"set", "-db", tl.path, "-key", key, "-centre", "nats-leaf://" + r.leaf}); err != nil {
			r.t.Fatal(err)
		}
		tl.db, err = store.Open(ctx, tl.path, store.Options{KeyPath: key})
		if err != nil {
			r.t.Fatal(err)
		}
		r.t.Cleanup(func() { tl.db.Close() })
		if !r.noSetup {
			tl.setUp(r.t)
		}
		tl.holder = policy.NewHolder(nil)
		if _, err := tl.db.RefreshPolicy(ctx, tl.holder); err != nil {
			r.t.Fatal(err)
		}
		r.tills[name] = tl
	}
	st, stop := wireChain(ctx, tl.db, tl.path, chainFlags{}, r.chainLog, tl.holder)
	if st == nil {
		r.t.Fatal("the till is not in a chain")
	}
	tl.status, tl.stop = func() ui.ChainStatus { return st() }, stop
	r.t.Cleanup(func() { tl.stop() })
	return tl
}

// setUp does what the setup screen does at a joined till's first start:
// the store's details and a first administrator, "ivan".
func (tl *pubTill) setUp(t *testing.T) {
	t.Helper()
	if _, _, err := tl.db.Initialise(context.Background(), store.Setup{
		Store:      store.StoreDetails{TradingName: "Shop " + tl.name, LegalName: "North Ltd", INN: "7707083893", Address: "Tver", Country: "RU", Language: "en"},
		AdminLogin: "ivan", AdminFullName: "Ivan",
	}, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
}

func (tl *pubTill) price(t *testing.T, code string) int64 {
	its, err := tl.db.FindItems(context.Background(), code, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(its) != 1 || its[0].Code != code {
		return -1
	}
	return its[0].Price
}

// waitPrice waits until every till has code at price and says how long it took.
func waitPrice(t *testing.T, code string, price int64, within time.Duration, tills ...*pubTill) time.Duration {
	t.Helper()
	start := time.Now()
	for _, tl := range tills {
		for tl.price(t, code) != price {
			if time.Since(start) > within {
				t.Fatalf("%s: %s costs %d, want %d after %v", tl.name, code, tl.price(t, code), price, within)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return time.Since(start)
}

// setPrice changes an item's price in master.db as the back office does.
func (r *pubRig) setPrice(code string, price int64) {
	r.t.Helper()
	ctx := context.Background()
	cat := adminCatalogue{db: r.master}
	its, err := cat.FindItems(ctx, code, 1, false)
	if err != nil {
		r.t.Fatal(err)
	}
	it := admin.Item{Code: code, Name: "Bread " + code, VAT: "10", Unit: "pcs", Dept: 1, Active: true}
	if len(its) == 1 {
		it = its[0]
	}
	it.Price = price
	if _, err := cat.SaveItem(ctx, it, admin.Actor{Terminal: "test"}); err != nil {
		r.t.Fatal(err)
	}
}

func (r *pubRig) catalogueVersion(file []byte) int64 {
	r.t.Helper()
	priv, err := centreFiles{r.cdir}.signer()
	if err != nil {
		r.t.Fatal(err)
	}
	v, err := bundle.OpenCatalogue(file, []ed25519.PublicKey{priv.Public().(ed25519.PublicKey)})
	if err != nil {
		r.t.Fatal(err)
	}
	return v.Catalogue.Version
}

func (r *pubRig) published(kind, storeID string) []byte {
	r.t.Helper()
	b, err := r.centre.PublishedBundle(context.Background(), kind, storeID)
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// The "done when": a price changed at the centre shows on both
// tills within seconds; a matrix change reaches the tills' policy; a till
// that was off when a price changed has it after it reconnects; a centre
// restarted with nothing changed publishes nothing, and its next change
// has a higher version; a new store gets the bundles in force.
func TestCentrePublishesToTills(t *testing.T) {
	if testing.Short() {
		t.Skip("a centre and two tills on loopback: about 30 s")
	}
	ctx := context.Background()
	r := newPubRig(t)
	// The master's first start: its administrator, and an item.
	if _, _, err := r.master.Initialise(ctx, store.Setup{
		Store:      store.StoreDetails{TradingName: "North HQ", LegalName: "North Ltd", INN: "7707083893", Address: "Moscow", Country: "RU", Language: "en"},
		AdminLogin: "olga", AdminFullName: "Olga",
	}, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	r.setPrice("B1", 4990)
	t1, t2 := r.till("t1"), r.till("t2")
	waitPrice(t, "B1", 4990, 30*time.Second, t1, t2)
	for _, tl := range []*pubTill{t1, t2} {
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := tl.db.UserByLogin(ctx, "olga")
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the master administrator did not arrive: %v", tl.name, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// A price changed at the centre.
	r.setPrice("B1", 5200)
	took := waitPrice(t, "B1", 5200, 10*time.Second, t1, t2)
	t.Logf("a price changed in master.db reached both online tills in %v", took)

	// A matrix change: a new user at the centre is in both tills' policy.
	g, err := r.master.GroupByName(ctx, "Cashier")
	if err != nil {
		gs, _ := r.master.Groups(ctx)
		t.Fatalf("master groups %+v: %v", gs, err)
	}
	if _, _, err := r.master.CreateUser(ctx, store.NewUser{Login: "boris", FullName: "Boris", Group: g}, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, tl := range []*pubTill{t1, t2} {
		for {
			u, err := tl.db.UserByLogin(ctx, "boris")
			if err == nil {
				if _, ok := tl.holder.Load().User(u.ID); ok {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("%s: boris is not in the till's policy: %v", tl.name, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	t.Logf("a new user at the centre was in both tills' policy in %v", time.Since(start))

	// A bundle the tills refuse (not signed) is said on their status bars;
	// they keep the last good one, and the next good one clears it.
	if _, err := r.centre.PublishBundle(ctx, chain.KindMatrix, "s1", []byte("not a bundle")); err != nil {
		t.Fatal(err)
	}
	waitStatus := func(what string, ok func(ui.ChainStatus) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for _, tl := range []*pubTill{t1, t2} {
			for !ok(tl.status()) {
				if time.Now().After(deadline) {
					t.Fatalf("%s: %s: status %+v", tl.name, what, tl.status())
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	waitStatus("the refusal on the status bar", func(st ui.ChainStatus) bool { return strings.Contains(st.Refused, "bundle") })
	for _, tl := range []*pubTill{t1, t2} {
		if _, err := tl.db.UserByLogin(ctx, "boris"); err != nil {
			t.Fatalf("%s lost the last good bundle's users: %v", tl.name, err)
		}
	}
	if _, _, err := r.master.CreateUser(ctx, store.NewUser{Login: "vera", FullName: "Vera", Group: g}, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	waitStatus("a good bundle after the refusal", func(st ui.ChainStatus) bool { return st.Refused == "" })

	// Till 2 is off while the price changes; it has it after it is back.
	t2.stop()
	r.setPrice("B1", 5500)
	waitPrice(t, "B1", 5500, 10*time.Second, t1)
	if p := t2.price(t, "B1"); p != 5200 {
		t.Fatalf("the till that is off has price %d", p)
	}
	r.till("t2")
	took = waitPrice(t, "B1", 5500, 60*time.Second, t2)
	t.Logf("the till that was off had the new price %v after it came back", took)

	// The centre restarts with nothing changed: nothing is published again.
	before := map[string][]byte{}
	for _, k := range publishKinds {
		before[k] = r.published(k, "s1")
	}
	r.stopCentre()
	r.startCentre()
	time.Sleep(3 * publishEvery)
	for _, k := range publishKinds {
		if !bytes.Equal(before[k], r.published(k, "s1")) {
			t.Errorf("the restarted centre published the %s bundle again with nothing changed", k)
		}
	}
	r.setPrice("B1", 5700)
	took = waitPrice(t, "B1", 5700, 60*time.Second, t1, t2)
	t.Logf("after the centre's restart a price change reached both tills in %v", took)
	if was, now := r.catalogueVersion(before[chain.KindCatalogue]), r.catalogueVersion(r.published(chain.KindCatalogue, "s1")); now <= was {
		t.Errorf("after the restart the centre published version %d, before it %d", now, was)
	}
	for _, tl := range []*pubTill{t1, t2} {
		if st := tl.status(); st.Refused != "" {
			t.Errorf("%s refused a bundle: %s", tl.name, st.Refused)
		}
		v, err := tl.db.CatalogueBundleVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		es, _ := tl.db.SearchAudit(ctx, store.AuditQuery{Action: "catalogue.bundle.refused"})
		if len(es) != 0 {
			t.Errorf("%s: %d catalogue bundles refused: %s", tl.name, len(es), es[0].Reason)
		}
		t.Logf("%s: catalogue bundle version %d", tl.name, v)
	}

	// A new store gets the bundles in force.
	if err := r.cdb.AddTill(ctx, chain.TillID{Store: "s2", Till: "t1"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.published(chain.KindMatrix, "s2") == nil || r.published(chain.KindCatalogue, "s2") == nil {
		if time.Now().After(deadline) {
			t.Fatal("a new store got no bundles")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fakeBucket is the config bucket in memory.
type fakeBucket struct {
	vals map[string][]byte
	puts int
}

func (b *fakeBucket) PublishBundle(_ context.Context, kind, storeID string, file []byte) (uint64, error) {
	b.vals[chain.ConfigKey(kind, storeID)] = file
	b.puts++
	return uint64(b.puts), nil
}

func (b *fakeBucket) PublishedBundle(_ context.Context, kind, storeID string) ([]byte, error) {
	return b.vals[chain.ConfigKey(kind, storeID)], nil
}

// The publisher's rules without NATS: nothing before the master has an
// administrator; a sign-in (an audit row) is no change; a change goes to
// every store once; a new publisher (a restart) finds the bucket up to date
// and its next version is above the last even when the clock went back;
// a value not signed by this centre is replaced.
func TestPublisherRounds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	files := centreFiles{dir}
	master, err := files.openMaster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	if err := master.SetStoreIdentity(ctx, "centre", "north", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	priv, err := files.signer()
	if err != nil {
		t.Fatal(err)
	}
	bucket := &fakeBucket{vals: map[string][]byte{}}
	stores := []string{"s1"}
	clock := time.Unix(1_800_000_000, 0)
	newPub := func() *centrePublisher {
		p := newCentrePublisher(master, bucket, func(context.Context) ([]string, error) { return stores, nil }, priv, "north",
			slog.New(slog.NewTextHandler(io.Discard, nil)))
		p.now = func() time.Time { return clock }
		return p
	}
	p := newPub()
	round := func(want int) []published {
		t.Helper()
		out, err := p.round(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != want {
			t.Fatalf("round published %+v, want %d bundles", out, want)
		}
		return out
	}
	round(0) // no administrator, no items: nothing
	if _, _, err := master.Initialise(ctx, store.Setup{
		Store:      store.StoreDetails{TradingName: "HQ", LegalName: "North Ltd", INN: "7707083893", Address: "Moscow", Country: "RU", Language: "en"},
		AdminLogin: "olga", AdminFullName: "Olga",
	}, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if out := round(1); out[0].Kind != chain.KindMatrix || out[0].Version != clock.Unix() {
		t.Fatalf("first matrix: %+v", out)
	}
	if _, err := master.Authenticate(ctx, "olga", "wrong"); err == nil {
		t.Fatal("a wrong password passed")
	}
	round(0) // audit rows that change nothing published
	if _, err := (adminCatalogue{db: master}).SaveItem(ctx, admin.Item{Code: "B1", Name: "Bread", Price: 4990, VAT: "10", Unit: "pcs", Dept: 1, Active: true}, admin.Actor{}); err != nil {
		t.Fatal(err)
	}
	if out := round(1); out[0].Kind != chain.KindCatalogue || out[0].Version != clock.Unix()+1 {
		t.Fatalf("first catalogue: %+v", out)
	}
	stores = append(stores, "s2")
	out := round(2)
	if out[0].Store != "s2" || out[1].Store != "s2" {
		t.Fatalf("a new store: %+v", out)
	}
	last := out[1].Version

	// A restart, the clock an hour back: nothing to publish, and the next
	// version is still above every one before.
	clock = clock.Add(-time.Hour)
	p = newPub()
	round(0)
	if _, err := (adminCatalogue{db: master}).SaveItem(ctx, admin.Item{Code: "B2", Name: "Milk", Price: 8990, VAT: "10", Unit: "pcs", Dept: 1, Active: true}, admin.Actor{}); err != nil {
		t.Fatal(err)
	}
	out = round(2)
	if out[0].Version != last+1 {
		t.Fatalf("after a restart with the clock back: %+v", out)
	}

	// Something else in the bucket (not this centre's signature) is
	// replaced by the next publisher to start.
	bucket.vals[chain.ConfigKey(chain.KindMatrix, "s1")] = []byte("junk")
	p = newPub()
	if out := round(1); out[0].Kind != chain.KindMatrix || out[0].Store != "s1" {
		t.Fatalf("junk in the bucket: %+v", out)
	}
}

// A till that joined and has not been through its setup screen takes no
// bundle: a matrix applied under the screen would bring users and make the
// setup fail as "already set up". Once set up, the head office's users and
// prices arrive, and the first administrator made there gives way to them.
func TestJoinedTillTakesBundlesAfterItsSetup(t *testing.T) {
	if testing.Short() {
		t.Skip("a centre and a till on loopback: about 10 s")
	}
	ctx := context.Background()
	r := newPubRig(t)
	if _, _, err := r.master.Initialise(ctx, store.Setup{
		Store:      store.StoreDetails{TradingName: "North HQ", LegalName: "North Ltd", INN: "7707083893", Address: "Moscow", Country: "RU", Language: "en"},
		AdminLogin: "olga", AdminFullName: "Olga",
	}, store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	r.setPrice("B1", 4990)
	r.noSetup = true
	t1 := r.till("t1")
	time.Sleep(3 * time.Second) // the mirror has the bundles by now (0.5 s measured)
	if need, err := t1.db.NeedsSetup(ctx); err != nil || !need {
		t.Fatalf("a bundle was applied before the setup: needs setup %v (%v)", need, err)
	}
	if p := t1.price(t, "B1"); p != -1 {
		t.Fatalf("B1 at %d before the setup", p)
	}
	t1.setUp(t)
	waitPrice(t, "B1", 4990, 15*time.Second, t1)
	deadline := time.Now().Add(15 * time.Second)
	for {
		olga, err := t1.db.UserByLogin(ctx, "olga")
		ivan, ierr := t1.db.UserByLogin(ctx, "ivan")
		if err == nil && olga.Active && ierr == nil && !ivan.Active {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the setup: olga %+v (%v), ivan %+v (%v)", olga, err, ivan, ierr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
