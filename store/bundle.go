package store

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// BundleSettings are the settings a matrix bundle carries: the security
// module's switches and the approval settings (the keys desk reads, see
// desk.SettingApprovalMode and the lockout settings). Local settings such as
// the language, theme or devices stay with the till.
var BundleSettings = []string{
	SettingSecurityEnabled,
	SettingHideDisabled,
	"approval.mode",
	"approval.idle_timeout",
	"approval.lockout.failures",
	"approval.lockout.window",
	"approval.lockout.duration",
}

// Settings naming the store (and chain) this till belongs to: a bundle must
// name the same (bundle.ErrWrongStore). Set with `till matrix trust -store ID
// [-chain NAME]`.
const (
	SettingStoreID = "store.id"
	SettingChain   = "store.chain"
)

// StoreIdentity is the store and chain this till belongs to. Without a
// store.id setting the store is "key:" and the fingerprint of the badge key
// file: tills sharing the key share badges and PINs, which is what makes
// them one store (docs/admin.md), so a bundle exported on one of them fits
// the others and a bundle with another key's hashes fits none.
func (d *DB) StoreIdentity(ctx context.Context) (store, chain string, err error) {
	id, _, err := rawSetting(ctx, d.db, SettingStoreID)
	if err != nil {
		return "", "", err
	}
	chain, _, err = rawSetting(ctx, d.db, SettingChain)
	if err != nil {
		return "", "", err
	}
	if id == "" {
		// The fingerprint the database recorded at the key's first use;
		// the key file itself only when none is recorded yet.
		fp, _, err := rawSetting(ctx, d.db, fingerprintKey)
		if err != nil {
			return "", "", err
		}
		if fp == "" {
			if fp, err = d.KeyFingerprint(ctx); err != nil {
				return "", "", err
			}
		}
		id = "key:" + fp
	}
	return id, chain, nil
}

// SetStoreIdentity sets the store's ID and chain ("" keeps the chain
// unset), audited as config.store.
func (d *DB) SetStoreIdentity(ctx context.Context, store, chain string, by Actor) error {
	store, chain = strings.TrimSpace(store), strings.TrimSpace(chain)
	if store == "" || len(store) > 64 || len(chain) > 64 {
		return fmt.Errorf("store identity: %w", ErrInvalid)
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if err := setSetting(ctx, tx, SettingStoreID, store); err != nil {
			return err
		}
		if chain == "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, SettingChain); err != nil {
				return err
			}
		} else if err := setSetting(ctx, tx, SettingChain, chain); err != nil {
			return err
		}
		_, err := appendAudit(ctx, tx, by.entry("config.store", map[string]any{"store": store, "chain": chain}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("store identity: %w", err)
	}
	return nil
}

// MaxVersionLead is how far a bundle's version may run ahead of the larger
// of the till's matrix version and the clock (Unix seconds): versions are
// Unix time at export plus local edits, so a day covers clock skew and any
// number of edits, while a version from the year 2100 — which would block
// every real bundle after it — is refused.
const MaxVersionLead = 24 * 60 * 60

// Bounds of bundle limits beyond "not negative": what a till could sell.
const (
	maxMoneyLimit    = 1_000_000_000_00 // 1 000 000 000.00 in minor units
	maxQuantityLimit = 1_000_000_000    // a million units, in milli-units
	maxCountLimit    = 1000
)

// checkBundle validates a bundle's content whole, before anything is
// applied: actions this till knows, limits it knows within their units'
// bounds, the settings it carries typed and within the settings screen's
// bounds, and a matrix that policy.NewSnapshot accepts (what the window
// needs to start). Every problem is reported, wrapping bundle.ErrInvalid.
func checkBundle(c *bundle.Contents) error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{bundle.ErrInvalid}, a...)...))
	}
	m := policy.Matrix{Version: c.Version, Settings: policy.Settings{SecurityEnabled: true}}
	gids := map[string]policy.GroupID{}
	for i, g := range c.Groups {
		pg := policy.Group{ID: policy.GroupID(i + 1), Name: g.Name, Actions: map[policy.Action]bool{}, Limits: map[policy.Limit]int64{}}
		gids[g.Name] = pg.ID
		for _, a := range g.Actions {
			if _, ok := policy.LookupAction(policy.Action(a)); !ok {
				bad("group %q: action %q is not one this till knows (update the till, or remove it from the bundle)", g.Name, a)
				continue
			}
			pg.Actions[policy.Action(a)] = true
		}
		for l, v := range g.Limits {
			info, ok := policy.LookupLimit(policy.Limit(l))
			if !ok {
				bad("group %q: limit %q is not one this till knows", g.Name, l)
				continue
			}
			if err := checkLimit(info, v); err != nil {
				bad("group %q: limit %s = %d %v", g.Name, l, v, err)
				continue
			}
			pg.Limits[policy.Limit(l)] = v
		}
		m.Groups = append(m.Groups, pg)
	}
	for i, u := range c.Users {
		m.Users = append(m.Users, policy.User{ID: policy.UserID(i + 1), Login: u.Login, Name: u.FullName, Group: gids[u.Group], Active: u.Active})
		if u.JournalDays < 0 || u.JournalDays > 3650 {
			bad("user %q: journal depth %d days is outside 1–3650", u.Login, u.JournalDays)
		}
		if u.INN != "" && !sale.ValidINN(u.INN) {
			bad("user %q: the cashier INN is not valid", u.Login)
		}
	}
	known := map[string]bool{}
	for _, k := range BundleSettings {
		known[k] = true
	}
	for k, v := range c.Settings {
		if !known[k] {
			bad("setting %q is not one a bundle may carry", k)
			continue
		}
		if err := checkBundleSetting(k, v); err != nil {
			bad("setting %s = %q: %v", k, v, err)
		}
	}
	if len(errs) == 0 {
		if _, err := policy.NewSnapshot(m); err != nil {
			bad("%v", err)
		}
	}
	return errors.Join(errs...)
}

func checkLimit(info policy.LimitInfo, v int64) error {
	if v < 0 {
		return errors.New("is negative")
	}
	var top int64
	switch info.Unit {
	case policy.UnitPercent:
		top = 10000
	case policy.UnitMoney:
		top = maxMoneyLimit
	case policy.UnitQuantity:
		top = maxQuantityLimit
	default:
		top = maxCountLimit
	}
	if v > top {
		return fmt.Errorf("is over %d", top)
	}
	return nil
}

// checkBundleSetting holds a bundle's setting to what the back office's
// settings tab accepts (ui/admin/settings.go): switches are "true" or
// "false", the approval mode one of three, durations Go durations above 0
// and at most 24 h, the failure count 1–100.
func checkBundleSetting(key, v string) error {
	switch key {
	case SettingSecurityEnabled, SettingHideDisabled:
		if v != "true" && v != "false" {
			return errors.New("must be true or false")
		}
	case "approval.mode":
		if v != "user_password" && v != "password" && v != "card" {
			return errors.New("must be user_password, password or card")
		}
	case "approval.idle_timeout", "approval.lockout.window", "approval.lockout.duration":
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 24*time.Hour {
			return errors.New("must be a duration above 0 and at most 24h")
		}
	case "approval.lockout.failures":
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return errors.New("must be a whole number from 1 to 100")
		}
	}
	return nil
}

// KeyFingerprint is the fingerprint of the badge/PIN key file this database
// uses (loading or creating it as CheckKey does): two tills whose
// fingerprints match accept each other's badge hashes.
func (d *DB) KeyFingerprint(ctx context.Context) (string, error) {
	key, err := d.loadKey(ctx)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(keyed(key, purposeFP, "")[:8]), nil
}

// ExportBundle reads the matrix, the bundle settings and every user with
// their hashes and badges in one read transaction, as bundle contents of
// the given version (0: the larger of the matrix version and the current
// Unix time, see bundle.Contents.Version).
func (d *DB) ExportBundle(ctx context.Context, version int64) (bundle.Contents, error) {
	var c bundle.Contents
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return c, fmt.Errorf("export bundle: %w", err)
	}
	defer tx.Rollback()
	err = func() error {
		var mv int64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM matrix_meta WHERE id = 1`).Scan(&mv); err != nil {
			return err
		}
		if version == 0 {
			version = max(mv, time.Now().Unix())
		}
		c.Version = version
		if c.Store, c.Chain, err = d.StoreIdentity(ctx); err != nil {
			return err
		}
		c.Created = time.Now().UTC().Format(time.RFC3339)
		c.Settings = map[string]string{}
		for _, k := range BundleSettings {
			v, ok, err := rawSetting(ctx, tx, k)
			if err != nil {
				return err
			}
			if ok {
				c.Settings[k] = v
			}
		}
		groups, err := exportGroups(ctx, tx)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		for id, g := range groups {
			names[id] = g.Name
			c.Groups = append(c.Groups, *g)
		}
		users, err := exportUsers(ctx, tx, names)
		if err != nil {
			return err
		}
		c.Users = users
		if c.HasKeyedHashes() {
			fp, _, err := rawSetting(ctx, tx, fingerprintKey)
			if err != nil {
				return err
			}
			c.KeyFingerprint = fp
		}
		return nil
	}()
	if err != nil {
		return bundle.Contents{}, fmt.Errorf("export bundle: %w", err)
	}
	c.Normalise()
	return c, nil
}

func exportGroups(ctx context.Context, tx *sql.Tx) (map[int64]*bundle.Group, error) {
	groups := map[int64]*bundle.Group{}
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM groups`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		g := &bundle.Group{Actions: []string{}, Limits: map[string]int64{}}
		if err := rows.Scan(&id, &g.Name); err != nil {
			rows.Close()
			return nil, err
		}
		groups[id] = g
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT group_id, action FROM group_actions`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var a string
		if err := rows.Scan(&id, &a); err != nil {
			rows.Close()
			return nil, err
		}
		groups[id].Actions = append(groups[id].Actions, a)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT group_id, name, value FROM group_limits`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, v int64
		var n string
		if err := rows.Scan(&id, &n, &v); err != nil {
			return nil, err
		}
		groups[id].Limits[n] = v
	}
	return groups, rows.Err()
}

func exportUsers(ctx context.Context, tx *sql.Tx, groupNames map[int64]string) ([]bundle.User, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, login, full_name, group_id, receipt_name, inn, journal_days, active, must_change, password_hash, pin_hash FROM users`)
	if err != nil {
		return nil, err
	}
	byID := map[int64]int{}
	var users []bundle.User
	for rows.Next() {
		var u bundle.User
		var id, gid int64
		if err := rows.Scan(&id, &u.Login, &u.FullName, &gid, &u.ReceiptName, &u.INN, &u.JournalDays, &u.Active, &u.MustChange, &u.PasswordHash, &u.PINHash); err != nil {
			rows.Close()
			return nil, err
		}
		u.Group = groupNames[gid]
		byID[id] = len(users)
		users = append(users, u)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT user_id, hash, last4 FROM badges ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var uid int64
		var b bundle.Badge
		if err := rows.Scan(&uid, &b.Hash, &b.Last4); err != nil {
			return nil, err
		}
		if i, ok := byID[uid]; ok {
			users[i].Badges = append(users[i].Badges, b)
		}
	}
	return users, rows.Err()
}

// ImportBundle replaces this till's matrix, bundle settings, users and
// badges by a verified bundle's (bundle.Open checked its signature), in one
// transaction: an error anywhere leaves the previous matrix as it was.
//
// The bundle is authoritative:
//   - groups are matched by name; a group the bundle lacks loses all its
//     rights, and is deleted unless a (now deactivated) user still belongs
//     to it — bills and shifts keep referring to their users, so users are
//     never deleted;
//   - users are matched by login and get the bundle's card, password hash,
//     PIN hash and badges; local users the bundle lacks are deactivated and
//     lose their PIN;
//   - every badge is replaced by the bundle's.
//
// The matrix version becomes the bundle's, which must be newer than the
// till's (bundle.ErrNotNewer); badge or PIN hashes need this till's badge
// key to be the publisher's (bundle.ErrKeyMismatch).
func (d *DB) ImportBundle(ctx context.Context, v bundle.Verified, by Actor) error {
	return d.importBundle(ctx, v, "", by)
}

// settingChainDigest is the SHA-256 of the bundle file in force when it
// came from the chain (ApplySignedBundle): the same file read again from
// the till's mirror is in force, another file of the same version is not.
const settingChainDigest = "chain.matrix.digest"

// importBundle is ImportBundle recording digest (the file's SHA-256, hex)
// as the chain bundle in force; "" forgets it (a bundle from a file).
func (d *DB) importBundle(ctx context.Context, v bundle.Verified, digest string, by Actor) error {
	c := v.Contents
	if err := c.Validate(); err != nil {
		return fmt.Errorf("import bundle: %w", err)
	}
	if err := checkBundle(&c); err != nil {
		return fmt.Errorf("import bundle: %w", err)
	}
	if c.HasKeyedHashes() {
		fp, err := d.KeyFingerprint(ctx)
		if err != nil {
			return fmt.Errorf("import bundle: %w", err)
		}
		if fp != c.KeyFingerprint {
			return fmt.Errorf("import bundle: %w (bundle %q, this till %q)", bundle.ErrKeyMismatch, c.KeyFingerprint, fp)
		}
	}
	storeID, chain, err := d.StoreIdentity(ctx)
	if err != nil {
		return fmt.Errorf("import bundle: %w", err)
	}
	if c.Store != storeID || c.Chain != chain {
		return fmt.Errorf("import bundle: %w: it is for store %q (chain %q), this till is store %q (chain %q)",
			bundle.ErrWrongStore, c.Store, c.Chain, storeID, chain)
	}
	source := bundleSource(v)
	err = d.tx(ctx, func(tx *sql.Tx) error {
		var cur int64
		if err := tx.QueryRowContext(ctx, `SELECT version FROM matrix_meta WHERE id = 1`).Scan(&cur); err != nil {
			return err
		}
		if c.Version <= cur {
			return fmt.Errorf("%w: bundle %d, till %d", bundle.ErrNotNewer, c.Version, cur)
		}
		if top := max(cur, time.Now().Unix()) + MaxVersionLead; c.Version > top {
			return fmt.Errorf("%w: version %d is ahead of this till's clock and matrix (at most %d)", bundle.ErrInvalid, c.Version, top)
		}
		groupIDs, err := importGroups(ctx, tx, c.Groups)
		if err != nil {
			return err
		}
		if err := importUsers(ctx, tx, c.Users, groupIDs); err != nil {
			return err
		}
		// Groups the bundle lacks and nobody belongs to any more go.
		if _, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id NOT IN (SELECT group_id FROM users) AND id NOT IN (`+placeholders(len(groupIDs))+`)`, idArgs(groupIDs)...); err != nil {
			return fmt.Errorf("drop groups: %w", err)
		}
		for _, k := range BundleSettings {
			if val, ok := c.Settings[k]; ok {
				if err := setSetting(ctx, tx, k, val); err != nil {
					return err
				}
			} else if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, k); err != nil {
				return fmt.Errorf("reset %s: %w", k, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE matrix_meta SET version = ?, source = ?, updated = ? WHERE id = 1`, c.Version, source, us(time.Now())); err != nil {
			return fmt.Errorf("matrix version: %w", err)
		}
		if digest == "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, settingChainDigest); err != nil {
				return fmt.Errorf("forget chain digest: %w", err)
			}
		} else if err := setSetting(ctx, tx, settingChainDigest, digest); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, by.entry("security.bundle.import", map[string]any{
			"version": c.Version, "publisher": v.PublisherID(), "groups": len(c.Groups), "users": len(c.Users), "previous": cur,
		}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("import bundle version %d: %w", c.Version, err)
	}
	return nil
}

func importGroups(ctx context.Context, tx *sql.Tx, gs []bundle.Group) (map[string]int64, error) {
	ids := map[string]int64{}
	// Every group's rights go first: a group the bundle lacks keeps none.
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_actions`); err != nil {
		return nil, fmt.Errorf("clear group actions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_limits`); err != nil {
		return nil, fmt.Errorf("clear group limits: %w", err)
	}
	for _, g := range gs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO groups(name) VALUES(?) ON CONFLICT(name) DO NOTHING`, g.Name); err != nil {
			return nil, fmt.Errorf("group %q: %w", g.Name, err)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM groups WHERE name = ?`, g.Name).Scan(&id); err != nil {
			return nil, fmt.Errorf("group %q: %w", g.Name, err)
		}
		ids[g.Name] = id
		pg := policy.Group{Name: g.Name, Actions: map[policy.Action]bool{}, Limits: map[policy.Limit]int64{}}
		for _, a := range g.Actions {
			pg.Actions[policy.Action(a)] = true
		}
		for l, val := range g.Limits {
			pg.Limits[policy.Limit(l)] = val
		}
		if err := writeGroupRights(ctx, tx, id, &pg); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func importUsers(ctx context.Context, tx *sql.Tx, users []bundle.User, groupIDs map[string]int64) error {
	now := us(time.Now())
	// PIN hashes are UNIQUE: clear them all first, so two users swapping
	// PINs in one bundle do not collide halfway. Badges likewise.
	if _, err := tx.ExecContext(ctx, `UPDATE users SET pin_hash = NULL`); err != nil {
		return fmt.Errorf("clear PINs: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM badges`); err != nil {
		return fmt.Errorf("clear badges: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET active = 0, updated = ?`, now); err != nil {
		return fmt.Errorf("deactivate users: %w", err)
	}
	for _, u := range users {
		var pin any
		if len(u.PINHash) > 0 {
			pin = u.PINHash
		}
		journal := u.JournalDays
		if journal <= 0 {
			journal = 1
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO users(login, full_name, group_id, receipt_name, inn, journal_days, active, password_hash, must_change, pin_hash, created, updated)
			VALUES(?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT(login) DO UPDATE SET full_name=excluded.full_name, group_id=excluded.group_id,
				receipt_name=excluded.receipt_name, inn=excluded.inn, journal_days=excluded.journal_days,
				active=excluded.active, password_hash=excluded.password_hash, must_change=excluded.must_change,
				pin_hash=excluded.pin_hash, updated=excluded.updated`,
			u.Login, u.FullName, groupIDs[u.Group], u.ReceiptName, u.INN, journal, u.Active, u.PasswordHash, u.MustChange, pin, now, now)
		if err != nil {
			if isUnique(err) {
				return fmt.Errorf("user %q: PIN %w", u.Login, ErrExists)
			}
			return fmt.Errorf("user %q: %w", u.Login, err)
		}
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE login = ?`, u.Login).Scan(&id); err != nil {
			return fmt.Errorf("user %q: %w", u.Login, err)
		}
		for _, b := range u.Badges {
			// An older exporter sent four characters: keep two.
			hint := b.Last4
			if r := []rune(hint); len(r) > 2 {
				hint = string(r[len(r)-2:])
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO badges(hash, last4, user_id, created) VALUES(?,?,?,?)`, b.Hash, hint, id, now); err != nil {
				if isUnique(err) {
					return fmt.Errorf("user %q badge …%s: %w", u.Login, hint, ErrExists)
				}
				return fmt.Errorf("user %q badge …%s: %w", u.Login, hint, err)
			}
		}
	}
	return nil
}

func placeholders(n int) string {
	if n == 0 {
		return "-1"
	}
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func idArgs(ids map[string]int64) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, id)
	}
	return out
}

// ApplySignedBundle is how a till in a chain takes a bundle its centre
// published (chain.ConfigWatch hands it each new value of the till's
// mirror): it opens the file against trusted (the centre's key), then
// imports it as ImportBundle does — validated whole, strictly newer than
// the matrix in force, one transaction, audited as security.bundle.import.
//
// Every refusal — not a bundle, truncated, a signature that does not match,
// a key this till does not trust, another store or chain, an older or equal
// version, inconsistent content — is audited as security.bundle.refused
// (outcome failed, the reason in words) and leaves the matrix in force as
// it was: the till keeps selling on its last good bundle.
//
// The one value not refused is the bundle already in force (the same file:
// its SHA-256 is kept with the matrix): a till re-reads its mirror's last value at every start.
// It returns the version in force and no error, and audits nothing.
func (d *DB) ApplySignedBundle(ctx context.Context, file []byte, trusted []ed25519.PublicKey, by Actor) (int64, error) {
	refuse := func(version int64, publisher string, err error) (int64, error) {
		args := map[string]any{"bytes": len(file)}
		if version != 0 {
			args["version"] = version
		}
		if publisher != "" {
			args["publisher"] = publisher
		}
		if _, aerr := d.Audit(ctx, by.entry("security.bundle.refused", args, OutcomeFailed, err.Error())); aerr != nil {
			return 0, errors.Join(err, aerr)
		}
		return 0, err
	}
	if len(trusted) == 0 {
		return refuse(0, "", fmt.Errorf("%w: this till trusts no centre key (till matrix trust)", bundle.ErrUntrusted))
	}
	v, err := bundle.Open(file, trusted)
	if err != nil {
		return refuse(0, "", err)
	}
	sum := sha256.Sum256(file)
	digest := hex.EncodeToString(sum[:])
	var cur int64
	var source string
	if err := d.db.QueryRowContext(ctx, `SELECT version, source FROM matrix_meta WHERE id = 1`).Scan(&cur, &source); err != nil {
		return 0, fmt.Errorf("apply bundle: %w", err)
	}
	inForce, _, err := rawSetting(ctx, d.db, settingChainDigest)
	if err != nil {
		return 0, fmt.Errorf("apply bundle: %w", err)
	}
	if v.Contents.Version == cur && source == bundleSource(v) && inForce == digest {
		return cur, nil
	}
	if err := d.importBundle(ctx, v, digest, by); err != nil {
		return refuse(v.Contents.Version, v.PublisherID(), err)
	}
	return v.Contents.Version, nil
}

// bundleSource is matrix_meta.source after importing v.
func bundleSource(v bundle.Verified) string {
	return fmt.Sprintf("bundle:%s:%d", v.PublisherID(), v.Contents.Version)
}
