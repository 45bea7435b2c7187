package main

import (
	"context"
	"log/slog"

	"github.com/tillpos/till/bundle"
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
