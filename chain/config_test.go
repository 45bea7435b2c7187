package chain_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
)

// hq is the head office's side of publishing down: the admin's database
// (the same back-office data a till has), the chain's signing key and the
// chain's badge key file, which every till of the rig shares.
type hq struct {
	t       testing.TB
	db      *store.DB
	keyFile string
	pub     ed25519.PublicKey
	priv    ed25519.PrivateKey
	version int64
}

const chainName = "north"

func newHQ(t testing.TB, dir string) *hq {
	ctx := context.Background()
	h := &hq{t: t, keyFile: filepath.Join(dir, "hq", "till.key"), version: time.Now().Unix() + 100}
	db, err := store.Open(ctx, filepath.Join(dir, "hq", "till.db"), store.Options{KeyPath: h.keyFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.db = db
	if err := db.SetStoreIdentity(ctx, "s1", chainName, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.KeyFingerprint(ctx); err != nil {
		t.Fatal(err)
	}
	h.pub, h.priv, err = bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := db.LoadMatrix(ctx)
	m.Groups = append(m.Groups, policy.Group{Name: "Cashier", Actions: map[policy.Action]bool{policy.ActionSell: true}, Limits: map[policy.Limit]int64{}})
	if _, err := db.SaveMatrix(ctx, m, "test", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	return h
}

// addCashier creates a cashier with a PIN and a badge at the head office.
func (h *hq) addCashier(login, pin, badge string) {
	ctx := context.Background()
	g, err := h.db.GroupByName(ctx, "Cashier")
	if err != nil {
		h.t.Fatal(err)
	}
	u, _, err := h.db.CreateUser(ctx, store.NewUser{Login: login, FullName: strings.ToUpper(login), Group: g}, store.Actor{})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.db.SetPIN(ctx, u.ID, pin, store.Actor{}); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.db.EnrolBadge(ctx, u.ID, badge, store.Actor{}); err != nil {
		h.t.Fatal(err)
	}
}

// contents is the head office's matrix as the next bundle's contents.
func (h *hq) contents() bundle.Contents {
	h.version++
	c, err := h.db.ExportBundle(context.Background(), h.version)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *hq) sign(c bundle.Contents) []byte {
	b, err := bundle.Sign(c, h.priv)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// newChainRig is the rig with tills that belong to store s1 of the chain
// "north", share the head office's badge key and trust its signing key.
func newChainRig(t testing.TB, tills int) (*rig, *hq) {
	r := &rig{t: t, dir: t.TempDir(), leafAddr: freeAddr(t)}
	h := newHQ(t, r.dir)
	key, err := os.ReadFile(h.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r.addTills(tills, func(id chain.TillID) {
		if err := os.MkdirAll(filepath.Join(r.dir, id.Till), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.dir, id.Till, "till.key"), key, 0o600); err != nil {
			t.Fatal(err)
		}
		// Known to the centre before it starts, as a join leaves it: a
		// key it learns later lets the till in only at its next reload,
		// and a mirror made before that backs off for 10 s and more.
		r.tillKey(id)
	})
	r.startCentre()
	if err := r.centre.EnsureConfig(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tl := range r.tills {
		r.openTill(tl)
		if err := tl.db.SetStoreIdentity(ctx, "s1", chainName, store.Actor{}); err != nil {
			t.Fatal(err)
		}
		r.startTill(tl)
	}
	t.Cleanup(r.closeAll)
	return r, h
}

// watch starts the till's config watch with the head office's key as the
// trusted one, as the wiring does with the till's trust list.
func watch(t testing.TB, tl *till, trusted ed25519.PublicKey) *chain.ConfigWatch {
	apply := chain.ApplyFunc(func(ctx context.Context, file []byte) (int64, error) {
		return tl.db.ApplySignedBundle(ctx, file, []ed25519.PublicKey{trusted}, store.Actor{Terminal: "chain"})
	})
	w, err := tl.node.WatchConfig(context.Background(), chain.WatchOptions{Kind: chain.KindMatrix, Applier: apply, Check: 500 * time.Millisecond, Stalled: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func matrixVersion(t testing.TB, db *store.DB) int64 {
	m, err := db.LoadMatrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m.Version
}

// waitVersion waits until the till's matrix is at version v.
func waitVersion(t testing.TB, tl *till, v int64, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for matrixVersion(t, tl.db) != v {
		if time.Since(start) > within {
			t.Fatalf("%s: matrix version %d, want %d after %v", tl.id, matrixVersion(t, tl.db), v, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// audits returns the till's audit rows of action.
func audits(t testing.TB, db *store.DB, action string) []store.AuditEntry {
	es, err := db.AuditEntries(context.Background(), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	var out []store.AuditEntry
	for _, e := range es {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func (h *hq) publish(r *rig, file []byte) {
	h.t.Helper()
	if _, err := r.centre.PublishBundle(context.Background(), chain.KindMatrix, "s1", file); err != nil {
		h.t.Fatal(err)
	}
}

// A change at the centre reaches the online tills within seconds, and a
// till that was off when it was published as soon as it is back; the
// cashier's PIN and badge (keyed hashes) work on every till.
func TestBundleReachesOnlineAndOfflineTills(t *testing.T) {
	r, h := newChainRig(t, 3)
	ctx := context.Background()
	var ws []*chain.ConfigWatch
	for _, tl := range r.tills {
		w := watch(t, tl, h.pub)
		ws = append(ws, w)
		t.Cleanup(w.Stop)
	}
	// Till 3 goes off the line (its node stops: no leaf, no watch).
	off := r.tills[2]
	ws[2].Stop()
	off.node.Close()
	off.node = nil

	h.addCashier("boris", "482916", "CARD-0001")
	c := h.contents()
	// Another store's bundle, published first, never reaches these tills.
	other := c
	other.Store = "s2"
	if _, err := r.centre.PublishBundle(ctx, chain.KindMatrix, "s2", h.sign(other)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h.publish(r, h.sign(c))
	for _, tl := range r.tills[:2] {
		waitVersion(t, tl, c.Version, 10*time.Second)
	}
	t.Logf("bundle version %d reached both online tills in %v", c.Version, time.Since(start))
	for _, tl := range r.tills[:2] {
		u, err := tl.db.UserByPIN(ctx, "482916")
		if err != nil || u.Login != "boris" {
			t.Fatalf("%s: PIN 4321 gives %+v, %v; want boris", tl.id, u, err)
		}
		if u, err := tl.db.UserByBadge(ctx, "CARD-0001"); err != nil || u.Login != "boris" {
			t.Fatalf("%s: badge gives %+v, %v; want boris", tl.id, u, err)
		}
		if n := len(audits(t, tl.db, "security.bundle.import")); n != 1 {
			t.Fatalf("%s: %d import audit rows, want 1", tl.id, n)
		}
		// The bundle may have come straight from the centre (a mirror
		// slow to start under load): the mirror follows within seconds,
		// and never with another store's key.
		deadline := time.Now().Add(15 * time.Second)
		for {
			keys, err := tl.node.MirrorKeys(ctx)
			if err == nil && strings.Join(keys, ",") == "matrix.s1" {
				break
			}
			if err == nil && len(keys) > 0 || time.Now().After(deadline) {
				t.Fatalf("%s: the mirror holds %v (%v), want its own store's key only", tl.id, keys, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// The import's audit row goes up in the outbox like every audit row:
	// the centre learns which version each till applied.
	centre, err := sql.Open("sqlite", filepath.Join(r.dir, "centre", "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer centre.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := centre.QueryRow(`SELECT COUNT(DISTINCT till) FROM events WHERE kind = 'audit'
			AND json_extract(body, '$.action') = 'security.bundle.import' AND json_extract(body, '$.args.version') = ?`, c.Version).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the centre knows of %d tills applying version %d, want 2", n, c.Version)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A healthy mirror is not second-guessed: idle for longer than the
	// stall limit, the online tills never asked the centre directly.
	time.Sleep(3 * time.Second)
	for _, w := range ws[:2] {
		if st := w.Status(); st.Direct != 0 {
			t.Fatalf("an online till took %d values straight from the centre while its mirror was healthy", st.Direct)
		}
	}
	if v := matrixVersion(t, off.db); v == c.Version {
		t.Fatal("the offline till has the bundle before it came back")
	}

	// The till comes back: its mirror catches up and the watch applies it.
	start = time.Now()
	r.startTill(off)
	w := watch(t, off, h.pub)
	t.Cleanup(w.Stop)
	waitVersion(t, off, c.Version, 60*time.Second)
	t.Logf("the till that was offline had it %v after it reconnected", time.Since(start))
	if u, err := off.db.UserByPIN(ctx, "482916"); err != nil || u.Login != "boris" {
		t.Fatalf("offline till: PIN 4321 gives %+v, %v", u, err)
	}

	// Restarting a till with the centre down: the last bundle comes from
	// its own mirror, is found in force, and nothing is audited twice.
	r.stopCentre()
	w.Stop()
	off.node.Close()
	r.startTill(off)
	w = watch(t, off, h.pub)
	t.Cleanup(w.Stop)
	select {
	case <-w.Changed():
	case <-time.After(10 * time.Second):
		t.Fatal("the till's own mirror gave no value while the centre is down")
	}
	if st := w.Status(); st.Version != c.Version || st.Refused != "" {
		t.Fatalf("offline restart: watch status %+v, want version %d in force", st, c.Version)
	}
	if n := len(audits(t, off.db, "security.bundle.import")); n != 1 {
		t.Fatalf("offline till: %d import audit rows, want 1", n)
	}
	if n := len(audits(t, off.db, "security.bundle.refused")); n != 0 {
		t.Fatalf("offline till: %d refusals audited, want 0", n)
	}

	// The centre comes back after the till had been running without it:
	// the till's mirror resumes when its leaf reconnects, and the next
	// bundle arrives.
	r.startCentre()
	c2 := h.contents()
	start = time.Now()
	h.publish(r, h.sign(c2))
	waitVersion(t, off, c2.Version, 60*time.Second)
	t.Logf("after the centre's restart the next bundle reached the till in %v (%d values asked of the centre directly)", time.Since(start), w.Status().Direct)
}

// Every bad bundle is refused with its reason audited, and the till keeps
// the last good one; a good bundle after them is still applied.
func TestBadBundlesRefusedAndAudited(t *testing.T) {
	r, h := newChainRig(t, 1)
	tl := r.tills[0]
	w := watch(t, tl, h.pub)
	t.Cleanup(w.Stop)

	good := h.contents()
	h.publish(r, h.sign(good))
	waitVersion(t, tl, good.Version, 10*time.Second)

	_, otherKey, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	next := func() bundle.Contents { return h.contents() }
	flip := func(b []byte) []byte {
		b = bytes.Clone(b)
		i := bytes.Index(b, []byte(`"version"`))
		b[i+3] ^= 0x01 // a bit inside the signed payload
		return b
	}
	unsigned := func(c bundle.Contents) []byte {
		p, _ := json.MarshalIndent(c, "", "\t")
		return append([]byte(bundle.Magic+"\n"), p...)
	}
	foreign := func() []byte {
		c := next()
		c.Chain = "south"
		return h.sign(c)
	}
	otherChainKey := func() []byte {
		b, err := bundle.Sign(next(), otherKey)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	older := func() []byte {
		c := next()
		c.Version = good.Version - 1
		return h.sign(c)
	}
	same := func() []byte {
		c := next()
		c.Version = good.Version
		c.Publisher = "replayed with other content"
		return h.sign(c)
	}
	truncated := func() []byte {
		b := h.sign(next())
		return b[:len(b)*2/3]
	}
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"forged (one bit flipped)", flip(h.sign(next())), bundle.ErrSignature},
		{"unsigned", unsigned(next()), bundle.ErrFormat},
		{"signed by another chain's key", otherChainKey(), bundle.ErrUntrusted},
		{"for another chain", foreign(), bundle.ErrWrongStore},
		{"older than the one in force", older(), bundle.ErrNotNewer},
		{"same version, other content", same(), bundle.ErrNotNewer},
		{"truncated", truncated(), bundle.ErrSignature},
		{"not a bundle", []byte("hello"), bundle.ErrFormat},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The applier's own error, to check the reason.
			_, err := tl.db.ApplySignedBundle(context.Background(), tc.file, []ed25519.PublicKey{h.pub}, store.Actor{Terminal: "check"})
			if !errors.Is(err, tc.want) {
				t.Fatalf("refusal %v, want %v", err, tc.want)
			}
			ch := w.Changed()
			h.publish(r, tc.file)
			select {
			case <-ch:
			case <-time.After(10 * time.Second):
				t.Fatal("the till did not handle the value within 10 s")
			}
			st := w.Status()
			if st.Refused == "" || st.Version != good.Version {
				t.Fatalf("watch status %+v: want a refusal and version %d kept", st, good.Version)
			}
			if v := matrixVersion(t, tl.db); v != good.Version {
				t.Fatalf("matrix version %d, want %d kept", v, good.Version)
			}
			var refused []store.AuditEntry
			for _, e := range audits(t, tl.db, "security.bundle.refused") {
				if e.Terminal == "chain" {
					refused = append(refused, e)
				}
			}
			if len(refused) != i+1 {
				t.Fatalf("%d refusals audited from the chain, want %d", len(refused), i+1)
			}
			last := refused[len(refused)-1]
			if last.Outcome != store.OutcomeFailed || last.Reason != st.Refused {
				t.Fatalf("audit row %+v, want outcome failed and reason %q", last, st.Refused)
			}
		})
	}
	if n := len(audits(t, tl.db, "security.bundle.import")); n != 1 {
		t.Fatalf("%d imports audited, want 1", n)
	}
	// The till still takes the next good bundle.
	c := h.contents()
	h.publish(r, h.sign(c))
	waitVersion(t, tl, c.Version, 10*time.Second)
}

// A price changed at the centre shows on two online tills within seconds:
// the catalogue is a kind of its own, watched and applied beside the
// matrix.
func TestCataloguePriceReachesTills(t *testing.T) {
	r, h := newChainRig(t, 2)
	ctx := context.Background()
	for _, tl := range r.tills {
		tl := tl
		apply := chain.ApplyFunc(func(ctx context.Context, file []byte) (int64, error) {
			return tl.db.ApplySignedCatalogue(ctx, file, []ed25519.PublicKey{h.pub}, store.Actor{Terminal: "chain"})
		})
		w, err := tl.node.WatchConfig(ctx, chain.WatchOptions{Kind: chain.KindCatalogue, Applier: apply, Check: 500 * time.Millisecond, Stalled: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	publish := func(version int64, price string) {
		b, err := bundle.SignCatalogue(bundle.Catalogue{
			Version: version, Store: "s1", Chain: chainName, Format: "csv",
			Data: "code,name,price,vat\nB1,Bread," + price + ",10\n",
		}, h.priv)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.centre.PublishBundle(ctx, chain.KindCatalogue, "s1", b); err != nil {
			t.Fatal(err)
		}
	}
	waitPrice := func(tl *till, want int64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			its, err := tl.db.FindItems(ctx, "B1", 5, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(its) == 1 && its[0].Price == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: B1 is %+v, want price %d", tl.id, its, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	v := time.Now().Unix()
	publish(v, "49.90")
	for _, tl := range r.tills {
		waitPrice(tl, 4990)
	}
	start := time.Now()
	publish(v+1, "52.00")
	for _, tl := range r.tills {
		waitPrice(tl, 5200)
	}
	t.Logf("a price change reached both tills in %v", time.Since(start))
	for _, tl := range r.tills {
		if n := len(audits(t, tl.db, "catalogue.bundle.import")); n != 2 {
			t.Fatalf("%s: %d catalogue bundles audited, want 2", tl.id, n)
		}
		// The matrix is untouched by a catalogue bundle.
		if n := len(audits(t, tl.db, "security.bundle.import")); n != 0 {
			t.Fatalf("%s: a catalogue bundle imported a matrix", tl.id)
		}
	}
}
