package chain_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
)

// joinRig is a centre that answers joins, with no till yet.
func joinRig(t *testing.T) (*rig, *chain.JoinConfig) {
	_, priv, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	badge := make([]byte, 32)
	if _, err := rand.Read(badge); err != nil {
		t.Fatal(err)
	}
	r := newRigWith(t, 0, func(r *rig) {
		r.join = &chain.JoinConfig{Signer: priv, Chain: "north", BadgeKey: badge}
	})
	return r, r.join
}

// token makes a join token for id at the centre, valid for ttl.
func (r *rig) token(id chain.TillID, ttl time.Duration) chain.Token {
	r.t.Helper()
	tok, err := chain.NewToken(id, bundle.KeyID(r.join.Signer.Public().(ed25519.PublicKey)))
	if err != nil {
		r.t.Fatal(err)
	}
	if err := r.cdb.AddJoinToken(context.Background(), id, tok.Hash(), time.Now().Add(ttl)); err != nil {
		r.t.Fatal(err)
	}
	return tok
}

// joinTill is what `till join` does in the chain package's terms: a new
// key beside the till's database, and the join.
func (r *rig) joinTill(id chain.TillID, tok chain.Token) (chain.Joined, error) {
	r.t.Helper()
	pub, err := chain.NewTillKey(filepath.Join(r.dir, id.Till, fmt.Sprintf("%s-%d", chain.TillKeyFile, time.Now().UnixNano())))
	if err != nil {
		r.t.Fatal(err)
	}
	return chain.Join(context.Background(), r.centre.ClientURL(), tok, pub, keyID)
}

var keyID = bundle.KeyID

func auditRows(t *testing.T, cdb *centredb.DB, action string) []centredb.AuditRow {
	t.Helper()
	rows, err := cdb.Audit(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []centredb.AuditRow
	for _, r := range rows {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

// A till joins with a token, starts with the key it made, sells, and its
// events are at the centre; it got the chain's badge key and the centre's
// signing key.
func TestJoinThenSell(t *testing.T) {
	r, jc := joinRig(t)
	id := chain.TillID{Store: "s1", Till: "j1"}
	tok := r.token(id, time.Hour)
	pub, err := chain.NewTillKey(filepath.Join(r.dir, id.Till, chain.TillKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	got, err := chain.Join(context.Background(), r.centre.ClientURL(), tok, pub, keyID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.BadgeKey, jc.BadgeKey) || got.Chain != "north" || got.Till != id ||
		got.LeafURL != "nats-leaf://"+r.leafAddr || !bytes.Equal(got.SigningKey, jc.Signer.Public().(ed25519.PublicKey)) {
		t.Fatalf("joined: %+v", got)
	}
	if keys, _ := r.cdb.TillKeys(context.Background()); len(keys) != 1 || keys[0] != pub {
		t.Fatalf("the centre's keys: %v, want %s", keys, pub)
	}
	if len(auditRows(t, r.cdb, "join")) != 1 {
		t.Error("the join is not in the centre's audit")
	}
	tl := &till{id: id}
	r.tills = append(r.tills, tl)
	r.openTill(tl)
	r.startTill(tl) // with the key made above: the rig's tillKey finds it
	for i := 0; i < 3; i++ {
		r.sell(tl)
	}
	r.waitAll(30 * time.Second)
}

// Unknown, replayed, expired and another till's tokens are refused, each
// audited at the centre, and no key gets in.
func TestJoinRefusals(t *testing.T) {
	r, _ := joinRig(t)
	ctx := context.Background()
	id := chain.TillID{Store: "s1", Till: "j1"}

	good := r.token(id, time.Hour)
	if _, err := r.joinTill(id, good); err != nil {
		t.Fatal(err)
	}
	never, err := chain.NewToken(id, good.KeyID) // made, never recorded
	if err != nil {
		t.Fatal(err)
	}
	expired := r.token(id, -time.Minute)
	other := r.token(chain.TillID{Store: "s1", Till: "j2"}, time.Hour)
	other.Till = id // the text changed to name another till

	for _, c := range []struct {
		name string
		tok  chain.Token
		want string
	}{
		{"unknown", never, "unknown join token"},
		{"replayed", good, "already used"},
		{"expired", expired, "expired"},
		{"another till's", other, "another store or till"},
	} {
		_, err := r.joinTill(id, c.tok)
		if !errors.Is(err, chain.ErrJoinRefused) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s token: %v, want refused with %q", c.name, err, c.want)
		}
	}
	refused := auditRows(t, r.cdb, "join.refused")
	if len(refused) != 4 {
		t.Fatalf("%d refusals audited, want 4: %+v", len(refused), refused)
	}
	for _, a := range refused {
		t.Logf("audited: %s %s %s", a.Action, a.Till, a.Detail)
	}
	if keys, _ := r.cdb.TillKeys(ctx); len(keys) != 1 {
		t.Fatalf("keys after the refusals: %v", keys)
	}
	// The other till's token is still good for its own till.
	other.Till = chain.TillID{Store: "s1", Till: "j2"}
	if _, err := r.joinTill(other.Till, other); err != nil {
		t.Fatalf("the other till's own token after a refused misuse: %v", err)
	}
}

// An answer signed by a key other than the one the token names is refused
// by the till, though the centre let it in.
func TestJoinAnswerSignedByAnotherKeyRefused(t *testing.T) {
	r, _ := joinRig(t)
	id := chain.TillID{Store: "s1", Till: "j1"}
	tok := r.token(id, time.Hour)
	pub, _, err := bundle.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	tok.KeyID = bundle.KeyID(pub) // the till expects another centre
	_, err = r.joinTill(id, tok)
	if !errors.Is(err, chain.ErrJoinForged) {
		t.Fatalf("an answer from another key: %v", err)
	}
	t.Logf("till says: %v", err)
}

// A revoked till is dropped from the leaf port within seconds, cannot
// sign in again, and its attempts are audited at the centre.
func TestRevokedTillCannotReconnect(t *testing.T) {
	r := newRig(t, 1)
	tl := r.tills[0]
	ctx := context.Background()
	r.sell(tl)
	r.waitAll(30 * time.Second)
	if n, err := r.cdb.Revoke(ctx, tl.id); err != nil || n != 1 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for tl.node.Status().Online {
		if time.Now().After(deadline) {
			t.Fatal("the revoked till is still online")
		}
		time.Sleep(50 * time.Millisecond)
	}
	before, _ := r.cdb.HWM(ctx, tl.id)
	r.sell(tl)
	time.Sleep(3 * time.Second)
	if st := tl.node.Status(); st.Online {
		t.Fatalf("the revoked till came back: %+v", st)
	}
	if after, _ := r.cdb.HWM(ctx, tl.id); after != before {
		t.Fatalf("the centre took events from a revoked till: mark %d -> %d", before, after)
	}
	var leaf []centredb.AuditRow
	for time.Now().Before(deadline) {
		if leaf = auditRows(t, r.cdb, "leaf.refused"); len(leaf) > 0 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(leaf) == 0 || leaf[0].Till != tl.id || !strings.Contains(leaf[0].Detail, "revoked") {
		t.Fatalf("the revoked key's sign-in is not audited: %+v", leaf)
	}
	t.Logf("audited: %s", leaf[0].Detail)
	if len(auditRows(t, r.cdb, "revoke")) != 1 {
		t.Error("the revocation is not audited")
	}
}

// The public join user can ask to join and nothing else; a till's key
// works only as a leaf connection, not at the client port.
func TestJoinAccountCanOnlyJoin(t *testing.T) {
	r, _ := joinRig(t)
	nc, err := nats.Connect(r.centre.ClientURL(), nats.UserInfo(chain.JoinUser, chain.JoinPassword),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})) // the refusals are expected
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	m := nats.NewMsg(chain.TillID{Store: "s1", Till: "t1"}.ResendSubject("receipt"))
	m.Header.Set(chain.HeaderSeq, "1")
	m.Header.Set(chain.HeaderAt, time.Now().Format(time.RFC3339Nano))
	if _, err := js.PublishMsg(m, nats.AckWait(time.Second)); err == nil {
		t.Error("the join user published an event")
	}
	if _, err := nc.Request("chain.hwm.s1.t1", nil, time.Second); err == nil {
		t.Error("the join user asked for a till's mark")
	}

	id := chain.TillID{Store: "s1", Till: "j1"}
	seed := r.tillKey(id)
	kp, err := nkeys.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	deadline := time.Now().Add(5 * time.Second)
	for keys, _ := r.cdb.TillKeys(context.Background()); len(keys) == 0 && time.Now().Before(deadline); keys, _ = r.cdb.TillKeys(context.Background()) {
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond) // the centre reads the book every 200 ms in the rig
	if c, err := nats.Connect(r.centre.ClientURL(), nats.Nkey(pub, kp.Sign)); err == nil {
		c.Close()
		t.Error("a till's key signed in at the client port")
	}
}
