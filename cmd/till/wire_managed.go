package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
)

// managedByChain says whether the head office owns this till's users,
// badges, groups, matrix, limits and security settings (docs/admin.md,
// "Publishing down"): the till names a chain (store.chain) and trusts a
// publisher key (the centre's). Then the back office shows those tabs
// read-only with the reason. A till on its own, or one that only shares
// bundle files with its store's other tills (a trusted key, no chain),
// edits locally as before. When the answer cannot be read the tabs stay
// editable: the signed bundles remain the authority either way.
func managedByChain(ctx context.Context, db *store.DB, dbPath string) bool {
	_, chain, err := db.StoreIdentity(ctx)
	if err != nil {
		slog.Warn("back office: store identity", "err", err)
		return false
	}
	if chain == "" {
		return false
	}
	trusted, err := bundle.ReadTrusted(bundle.TrustedPath(dbPath))
	if err != nil {
		slog.Warn("back office: trusted publishers", "err", err)
		return false
	}
	return len(trusted) > 0
}

// chainApplier is what the till's chain watch of kind hands each bundle to
// (wire_chain.go starts one watch per kind with Till.WatchConfig): it reads
// the trust list beside the database at every value, so trusting the
// centre's key needs no restart, applies the bundle through the store
// (verified, strictly newer, one transaction, audited; refusals audited),
// and after a matrix makes the running sessions decide with it at once.
func chainApplier(kind string, db *store.DB, dbPath string, holder *policy.Holder) (chain.Applier, error) {
	by := store.Actor{Terminal: "chain"}
	trusted := func() ([]ed25519.PublicKey, error) { return bundle.ReadTrusted(bundle.TrustedPath(dbPath)) }
	switch kind {
	case chain.KindMatrix:
		return chain.ApplyFunc(func(ctx context.Context, file []byte) (int64, error) {
			keys, err := trusted()
			if err != nil {
				return 0, err
			}
			v, err := db.ApplySignedBundle(ctx, file, keys, by)
			if err != nil {
				return v, err
			}
			if holder != nil {
				if _, err := db.RefreshPolicy(ctx, holder); err != nil {
					slog.Warn("chain: refresh the policy after a bundle", "err", err)
				}
			}
			return v, nil
		}), nil
	case chain.KindCatalogue:
		return chain.ApplyFunc(func(ctx context.Context, file []byte) (int64, error) {
			keys, err := trusted()
			if err != nil {
				return 0, err
			}
			return db.ApplySignedCatalogue(ctx, file, keys, by)
		}), nil
	}
	return nil, fmt.Errorf("no bundle kind %q", kind)
}
