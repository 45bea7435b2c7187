// Package store keeps the till's data in one SQLite file (modernc.org/sqlite,
// pure Go): opening with checked pragmas and a lock file, embedded
// migrations, password and badge secrets, the audit hash chain, and the
// repositories the sale core and the policy declare. Callers never see a
// transaction: each method is one use case in one transaction.
//
// It imports sale, policy and device (for their types) and the standard
// library; it must never import ui, cmd or a concrete device package, and
// nothing in sale or policy may import it.
//
// # Using it
//
//	db, err := store.Open(ctx, path, store.Options{}) // path: -db flag or store.DefaultPath()
//	// errors.Is(err, store.ErrLocked / ErrCorrupt / ErrReadOnly / ErrPragma / ErrTooNew);
//	// store.Message(err) gives the translated text key for a dialog.
//	defer db.Close()
//	db.CheckKey(ctx) // key file problems (ErrKeyMissing, ErrKeyInvalid) at start, not at the first badge
//
// Logging in (the login screen):
//
//	u, err := db.Authenticate(ctx, login, password)
//	// err wraps ErrUnknownUser, ErrWrongPassword (show the same text: store.Message does)
//	// or ErrInactive. On success, if u.MustChange, ask for a new password:
//	err = db.ChangePassword(ctx, login, oldPassword, newPassword) // ErrWeakPassword if too short/same
//
// Approvals (the impersonate dialog): db.Authenticate for user + password,
// db.UserByPIN for password only, db.UserByBadge(canonicalID) for a card.
// Lockouts: db.Failures(approver, terminal, since) -> policy.CheckLockout,
// db.RecordFailure on a failed attempt, db.ClearFailures on success.
//
// Permissions: go db.WatchPolicy(ctx, holder, time.Second, logErr) keeps a
// policy.Holder current (db.RefreshPolicy does one check: a cheap
// MatrixVersion read, a LoadMatrix only after a change); db.SaveMatrix from
// the matrix editor.
//
// Selling: db.ItemByBarcode (scan hot path), db.SearchItems (name prefix),
// db.Bills() implements sale.Bills and sale.Journal.
//
// Audit: db.Audit(entry) appends to the keyed chain (HMAC with a key derived
// from the key file) and advances the anchor beside the key; db.VerifyAudit
// walks it and checks the anchor; db.AuditHead is the head the X and Z
// reports print.
//
// Demo: db.SeedDemo(ctx) once; DemoUsers lists the demo logins and passwords.
package store
