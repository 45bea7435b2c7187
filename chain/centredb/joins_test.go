package centredb_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
)

// A token is spent once whatever races it: of many joins with the same
// token at once, one records its key and every other is told it was used.
// Joining again replaces the till's key; revoking leaves no key in force.
func TestRedeemOnceAndRevoke(t *testing.T) {
	ctx := context.Background()
	db, err := centredb.Open(ctx, filepath.Join(t.TempDir(), "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	id := chain.TillID{Store: "s1", Till: "t1"}
	tok, err := chain.NewToken(id, "key")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.AddJoinToken(ctx, id, tok.Hash(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.Redeem(ctx, chain.Redemption{Till: id, TokenHash: tok.Hash(), NKey: fmt.Sprintf("U%d", i), At: time.Now()})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, chain.ErrTokenUsed):
			t.Errorf("a racing join: %v", err)
		}
	}
	if keys, _ := db.TillKeys(ctx); ok != 1 || len(keys) != 1 {
		t.Fatalf("%d joins took the token, keys %v", ok, keys)
	}
	first, _ := db.TillKeys(ctx)

	again, _ := chain.NewToken(id, "key")
	if err := db.AddJoinToken(ctx, id, again.Hash(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := db.Redeem(ctx, chain.Redemption{Till: id, TokenHash: again.Hash(), NKey: "Unew", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if keys, _ := db.TillKeys(ctx); len(keys) != 1 || keys[0] != "Unew" {
		t.Fatalf("keys after joining again: %v", keys)
	}
	if owner, revoked, _ := db.KeyOwner(ctx, first[0]); owner != id || !revoked {
		t.Fatalf("the replaced key: %v revoked %v", owner, revoked)
	}
	pending, _ := chain.NewToken(id, "key")
	if err := db.AddJoinToken(ctx, id, pending.Hash(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.Revoke(ctx, id); err != nil || n != 1 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	if keys, _ := db.TillKeys(ctx); len(keys) != 0 {
		t.Fatalf("keys after revoking: %v", keys)
	}
	err = db.Redeem(ctx, chain.Redemption{Till: id, TokenHash: pending.Hash(), NKey: "Ulate", At: time.Now()})
	if !errors.Is(err, chain.ErrTokenExpired) {
		t.Fatalf("a token made before the revocation: %v", err)
	}
}
