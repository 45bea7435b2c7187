package store

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/policy"
)

// Issue 15.5: each signed but bad bundle is refused whole, and the till
// keeps its matrix, users, badges and PINs exactly as they were.
func TestBundleBadContentRefused(t *testing.T) {
	ctx := context.Background()
	key := filepath.Join(t.TempDir(), "store.key")
	hq := openWithKey(t, key)
	if err := hq.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := bundle.GenerateKey()
	good, err := hq.ExportBundle(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	group := func(c *bundle.Contents, name string) *bundle.Group {
		for i := range c.Groups {
			if c.Groups[i].Name == name {
				return &c.Groups[i]
			}
		}
		t.Fatalf("no group %s", name)
		return nil
	}
	for name, edit := range map[string]func(c *bundle.Contents){
		"unknown action": func(c *bundle.Contents) {
			g := group(c, DemoGroupCashier)
			g.Actions = append(g.Actions, "sale.give_away")
		},
		"malformed action": func(c *bundle.Contents) {
			g := group(c, DemoGroupCashier)
			g.Actions = append(g.Actions, "Bogus Action!")
		},
		"500 % limit":        func(c *bundle.Contents) { group(c, DemoGroupCashier).Limits["limit.discount.line"] = 50000 },
		"unknown limit":      func(c *bundle.Contents) { group(c, DemoGroupCashier).Limits["limit.discount.everything"] = 100 },
		"absurd money limit": func(c *bundle.Contents) { group(c, DemoGroupCashier).Limits["limit.bill.total"] = 1 << 62 },
		"logins ADMIN and admin": func(c *bundle.Contents) {
			u := c.Users[0]
			u.Login = strings.ToUpper(u.Login)
			c.Users = append(c.Users, u)
		},
		"security.enabled=banana": func(c *bundle.Contents) { c.Settings["security.enabled"] = "banana" },
		"security.enabled=1":      func(c *bundle.Contents) { c.Settings["security.enabled"] = "1" },
		"approval.mode unknown":   func(c *bundle.Contents) { c.Settings["approval.mode"] = "fingerprint" },
		"idle timeout 48h":        func(c *bundle.Contents) { c.Settings["approval.idle_timeout"] = "48h" },
		"idle timeout negative":   func(c *bundle.Contents) { c.Settings["approval.idle_timeout"] = "-5m" },
		"lockout failures 0":      func(c *bundle.Contents) { c.Settings["approval.lockout.failures"] = "0" },
		"lockout failures 1000":   func(c *bundle.Contents) { c.Settings["approval.lockout.failures"] = "1000" },
		"lockout window nonsense": func(c *bundle.Contents) { c.Settings["approval.lockout.window"] = "soon" },
		"unknown setting":         func(c *bundle.Contents) { c.Settings["ui.language"] = "en" },
		"journal depth":           func(c *bundle.Contents) { c.Users[0].JournalDays = 100000 },
		"bad INN":                 func(c *bundle.Contents) { c.Users[0].INN = "123456789012" },
		"version from 2100":       func(c *bundle.Contents) { c.Version = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).Unix() },
		"version 2 days ahead":    func(c *bundle.Contents) { c.Version = now + 2*86400 },
		"version 2^53":            func(c *bundle.Contents) { c.Version = bundle.MaxVersion },
		"another store":           func(c *bundle.Contents) { c.Store = "spb-002" },
		"another chain":           func(c *bundle.Contents) { c.Chain = "other-chain" },
	} {
		t.Run(name, func(t *testing.T) {
			till := openWithKey(t, key)
			if err := till.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := till.EnrolBadge(ctx, mustUser(t, till, "cashier").ID, "EM:010,12345", Actor{}); err != nil {
				t.Fatal(err)
			}
			if err := till.SetPIN(ctx, mustUser(t, till, "supervisor").ID, "4711", Actor{}); err != nil {
				t.Fatal(err)
			}
			beforeV, _ := till.MatrixVersion(ctx)
			_, beforeG, beforeU := namedMatrix(t, till)

			c := good
			c.Settings = map[string]string{}
			for k, v := range good.Settings {
				c.Settings[k] = v
			}
			c.Groups = nil
			for _, g := range good.Groups {
				g.Actions = append([]string(nil), g.Actions...)
				lim := map[string]int64{}
				for k, v := range g.Limits {
					lim[k] = v
				}
				g.Limits = lim
				c.Groups = append(c.Groups, g)
			}
			c.Users = append([]bundle.User(nil), good.Users...)
			edit(&c)
			err := importSigned(till, c, pub, priv)
			if err == nil {
				t.Fatal("imported")
			}
			if !errors.Is(err, bundle.ErrInvalid) && !errors.Is(err, bundle.ErrWrongStore) {
				t.Errorf("err = %v, want ErrInvalid or ErrWrongStore", err)
			}
			if v, _ := till.MatrixVersion(ctx); v != beforeV {
				t.Errorf("matrix version %d, was %d", v, beforeV)
			}
			_, g, u := namedMatrix(t, till)
			if len(g) != len(beforeG) || len(u) != len(beforeU) {
				t.Errorf("matrix changed")
			}
			if _, err := till.UserByBadge(ctx, "EM:010,12345"); err != nil {
				t.Errorf("badge lost: %v", err)
			}
			if _, err := till.UserByPIN(ctx, "4711"); err != nil {
				t.Errorf("PIN lost: %v", err)
			}
		})
	}
	// The good bundle itself imports.
	till := openWithKey(t, key)
	if err := importSigned(till, good, pub, priv); err != nil {
		t.Fatalf("good bundle: %v", err)
	}
}

// importSigned signs c as the publisher and imports it as `till matrix
// import` does (bundle.Open, then ImportBundle). Sign validates what the
// bundle package checks, so a bundle Sign refuses is opened here without it.
func importSigned(db *DB, c bundle.Contents, pub ed25519.PublicKey, priv ed25519.PrivateKey) error {
	file, err := bundle.Sign(c, priv)
	if err != nil {
		return err
	}
	v, err := bundle.Open(file, []ed25519.PublicKey{pub})
	if err != nil {
		return err
	}
	return db.ImportBundle(context.Background(), v, Actor{Terminal: "t"})
}

// A bundle is for one store: by default the store is the badge key's (tills
// sharing the key share badges), and a till given another store ID, or
// another chain, refuses the bundle; the same IDs make it accept it.
func TestBundleNamesItsStore(t *testing.T) {
	ctx := context.Background()
	key := filepath.Join(t.TempDir(), "store.key")
	hq := openWithKey(t, key)
	if err := hq.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := bundle.GenerateKey()
	export := func() bundle.Contents {
		c, err := hq.ExportBundle(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		c.Version += 10 // each import needs a newer version
		return c
	}
	c := export()
	if !strings.HasPrefix(c.Store, "key:") {
		t.Errorf("default store ID %q", c.Store)
	}
	till := openWithKey(t, key)
	if err := importSigned(till, c, pub, priv); err != nil {
		t.Fatalf("same key, default IDs: %v", err)
	}
	if err := till.SetStoreIdentity(ctx, "spb-002", "", Actor{}); err != nil {
		t.Fatal(err)
	}
	c = export()
	c.Version += 20
	if err := importSigned(till, c, pub, priv); !errors.Is(err, bundle.ErrWrongStore) {
		t.Fatalf("bundle of another store: %v", err)
	}
	if err := hq.SetStoreIdentity(ctx, "spb-002", "north", Actor{}); err != nil {
		t.Fatal(err)
	}
	c = export()
	c.Version += 30
	if c.Store != "spb-002" || c.Chain != "north" {
		t.Errorf("exported for %q/%q", c.Store, c.Chain)
	}
	if err := importSigned(till, c, pub, priv); !errors.Is(err, bundle.ErrWrongStore) {
		t.Fatalf("bundle of another chain: %v", err)
	}
	if err := till.SetStoreIdentity(ctx, "spb-002", "north", Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := importSigned(till, c, pub, priv); err != nil {
		t.Fatalf("same store and chain: %v", err)
	}
}

// A matrix version at its bound refuses the next edit instead of
// overflowing into a float; the migration brings a version far ahead of the
// clock back to now.
func TestMatrixVersionBounded(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "till.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.db.ExecContext(ctx, `UPDATE matrix_meta SET version = ?`, int64(bundle.MaxVersion)); err != nil {
		t.Fatal(err)
	}
	if err := db.SetSettings(ctx, map[string]string{SettingSecurityEnabled: "false"}, Actor{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("settings save at the bound: %v", err)
	}
	if v, _ := db.MatrixVersion(ctx); v != bundle.MaxVersion {
		t.Errorf("version %d", v)
	}
	// As if imported before the bound existed; the migration repairs it.
	if _, err := db.db.ExecContext(ctx, `UPDATE matrix_meta SET version = ?`, int64(1<<63-1)); err != nil {
		t.Fatal(err)
	}
	runMigrationAgain(t, db, "badge_hint")
	db.Close()
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.MatrixVersion(ctx); v > time.Now().Unix()+1 || v < time.Now().Unix()-60 {
		t.Errorf("version after the migration: %d", v)
	}
	if err := db.SetSettings(ctx, map[string]string{SettingSecurityEnabled: "true"}, Actor{}); err != nil {
		t.Errorf("settings save after the repair: %v", err)
	}
}

// Issue 15.4 / 14.11: the last active user holding security.manage or
// users.manage.admin can be neither deactivated nor moved out, nor can the
// last group giving those rights lose them.
func TestLastAdministratorKeepsTheRights(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	admin := mustUser(t, db, "admin")
	cashierGroup := mustUser(t, db, "cashier").Group

	off := admin
	off.Active = false
	if err := db.UpdateUser(ctx, off, Actor{User: admin.ID}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("deactivate the last admin: %v", err)
	}
	demoted := admin
	demoted.Group = cashierGroup
	if err := db.UpdateUser(ctx, demoted, Actor{User: admin.ID}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("demote the last admin: %v", err)
	}
	m, err := db.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Groups {
		if m.Groups[i].ID == admin.Group {
			delete(m.Groups[i].Actions, policy.ActionManageSecurity)
		}
	}
	if _, err := db.SaveMatrix(ctx, m, "", Actor{User: admin.ID}); !errors.Is(err, ErrLastAdmin) {
		t.Errorf("untick security.manage of the last admins' group: %v", err)
	}
	if got := mustUser(t, db, "admin"); !got.Active || got.Group != admin.Group {
		t.Errorf("admin after the refusals: %+v", got)
	}
	if !strings.Contains(Message(ErrLastAdmin).English(), "nobody who can manage permissions") {
		t.Errorf("message %q", Message(ErrLastAdmin).English())
	}
	// With a second administrator, the first may go.
	if _, _, err := db.CreateUser(ctx, NewUser{Login: "admin2", FullName: "Second", Group: admin.Group}, Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateUser(ctx, off, Actor{}); err != nil {
		t.Errorf("deactivate one of two admins: %v", err)
	}
}

// Issue 15.2: the badge hint is two characters, in the store and in the
// audit row; 14.11: enrolling a taken badge names whose it is.
func TestBadgeHintAndHolder(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	cashier, sup := mustUser(t, db, "cashier"), mustUser(t, db, "supervisor")
	b, err := db.EnrolBadge(ctx, cashier.ID, "EM:088,15793", Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Hint != "93" {
		t.Errorf("hint %q", b.Hint)
	}
	_, err = db.EnrolBadge(ctx, sup.ID, "EM:088,15793", Actor{})
	bt, ok := errors.AsType[*BadgeTakenError](err)
	if !ok || !errors.Is(err, ErrExists) || bt.Holder != cashier.ID || bt.Login != "cashier" || bt.Name != cashier.FullName {
		t.Errorf("taken badge: %v", err)
	}
	rows, err := db.AuditEntries(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if strings.Contains(string(r.Args), "5793") {
			t.Errorf("audit row shows four digits: %s", r.Args)
		}
	}
	if BadgeHint("1234") != "" || BadgeHint("EM32:0005781857") != "57" {
		t.Errorf("hints %q %q", BadgeHint("1234"), BadgeHint("EM32:0005781857"))
	}
}

// The migration cuts hints stored with four characters to two.
func TestMigrationCutsBadgeHints(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "till.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	uid := mustUser(t, db, "cashier").ID
	if _, err := db.db.ExecContext(ctx, `INSERT INTO badges(hash, last4, user_id, created) VALUES(x'01', '5793', ?, 0)`, int64(uid)); err != nil {
		t.Fatal(err)
	}
	runMigrationAgain(t, db, "badge_hint")
	db.Close()
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bs, err := db.Badges(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if len(b.Hint) > 2 {
			t.Errorf("hint %q after the migration", b.Hint)
		}
	}
}

// Issue 15.6: a PIN another user has, and a PIN too easy to guess, are
// refused alike and audited without whose it is.
func TestPINRefusalsAuditedWithoutOracle(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	cashier, sup := mustUser(t, db, "cashier"), mustUser(t, db, "supervisor")
	by := Actor{User: mustUser(t, db, "admin").ID, Terminal: "t"}
	if err := db.SetPIN(ctx, sup.ID, "4711", by); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPIN(ctx, cashier.ID, "4711", by); !errors.Is(err, ErrExists) {
		t.Errorf("taken PIN: %v", err)
	}
	for _, weak := range []string{"0000", "1234", "9876", "123"} {
		if err := db.SetPIN(ctx, cashier.ID, weak, by); !errors.Is(err, ErrWeakPassword) {
			t.Errorf("weak PIN %s: %v", weak, err)
		}
	}
	rows, err := db.SearchAudit(ctx, AuditQuery{Action: "users.pin.set"})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, r := range rows {
		if r.Outcome == OutcomeFailed {
			reasons = append(reasons, r.Reason)
			if strings.Contains(string(r.Args), "4711") || strings.Contains(string(r.Args), itoa(int64(sup.ID))+",") {
				t.Errorf("refusal row says too much: %s", r.Args)
			}
		}
	}
	if len(reasons) != 5 {
		t.Errorf("refusals audited: %v", reasons)
	}
}

// Issue 15.6 / 14.7: an admin lifts a user's lock (audited); a login tag is
// keyed and never the login.
func TestLiftLockoutAndLoginTag(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	sup := mustUser(t, db, "supervisor")
	now := time.Now()
	for range 5 {
		if err := db.RecordFailure(ctx, sup.ID, "till-1", now); err != nil {
			t.Fatal(err)
		}
	}
	if f, _ := db.UserFailures(ctx, sup.ID, now.Add(-time.Hour)); len(f) != 5 {
		t.Fatalf("failures %v", f)
	}
	by := Actor{User: mustUser(t, db, "admin").ID, Terminal: "t"}
	if err := db.LiftLockout(ctx, sup.ID, by); err != nil {
		t.Fatal(err)
	}
	if f, _ := db.UserFailures(ctx, sup.ID, now.Add(-time.Hour)); len(f) != 0 {
		t.Errorf("after lifting: %v", f)
	}
	rows, _ := db.SearchAudit(ctx, AuditQuery{Action: "security.lockout.lift"})
	if len(rows) != 1 || rows[0].Actor != by.User || !strings.Contains(string(rows[0].Args), `"failures":5`) {
		t.Errorf("audit %+v", rows)
	}
	a, err := db.LoginTag(ctx, "Secret-Pw1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := db.LoginTag(ctx, " secret-pw1 ")
	if a != b || len(a) != 16 || strings.Contains(strings.ToLower(a), "secret") {
		t.Errorf("tags %q %q", a, b)
	}
}
