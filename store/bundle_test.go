package store

import (
	"context"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/policy"
)

// openWithKey opens a fresh database that uses the key file at keyPath:
// two tills of one store share that file.
func openWithKey(t testing.TB, keyPath string) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "till.db"), Options{KeyPath: keyPath})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// publish exports db as a signed bundle of version v and opens it as the
// receiving till would.
func publish(t testing.TB, db *DB, v int64, pub ed25519.PublicKey, priv ed25519.PrivateKey) bundle.Verified {
	t.Helper()
	c, err := db.ExportBundle(context.Background(), v)
	if err != nil {
		t.Fatal(err)
	}
	file, err := bundle.Sign(c, priv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bundle.Open(file, []ed25519.PublicKey{pub})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// matrixByName is a matrix with IDs replaced by names, comparable across
// tills.
type namedGroup struct {
	Actions []string
	Limits  map[policy.Limit]int64
}

type namedUser struct {
	Login, Name, Group string
	Active             bool
}

func namedMatrix(t testing.TB, db *DB) (policy.Settings, map[string]namedGroup, []namedUser) {
	t.Helper()
	m, err := db.LoadMatrix(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]namedGroup{}
	names := map[policy.GroupID]string{}
	for _, g := range m.Groups {
		var acts []string
		for a, on := range g.Actions {
			if on {
				acts = append(acts, string(a))
			}
		}
		sort.Strings(acts)
		groups[g.Name] = namedGroup{Actions: acts, Limits: g.Limits}
		names[g.ID] = g.Name
	}
	var users []namedUser
	for _, u := range m.Users {
		users = append(users, namedUser{u.Login, u.Name, names[u.Group], u.Active})
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Login < users[j].Login })
	return m.Settings, groups, users
}

func TestBundleRoundTrip(t *testing.T) {
	ctx := context.Background()
	key := filepath.Join(t.TempDir(), "store.key")
	hq := openWithKey(t, key)
	if err := hq.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if err := hq.SetSetting(ctx, "approval.mode", "card", Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := hq.SetPIN(ctx, mustUser(t, hq, "supervisor").ID, "4711", Actor{}); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := bundle.GenerateKey()
	v := publish(t, hq, 0, pub, priv)

	till := openWithKey(t, key)
	// A local user the bundle does not know, in a local group.
	gid := mustGroup(t, till, "Local", policy.ActionSell)
	if _, _, err := till.CreateUser(ctx, NewUser{Login: "local", FullName: "Local L", Group: gid}, Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := till.ImportBundle(ctx, v, Actor{Terminal: "t2"}); err != nil {
		t.Fatal(err)
	}

	wantS, wantG, wantU := namedMatrix(t, hq)
	gotS, gotG, gotU := namedMatrix(t, till)
	if diff := cmp.Diff(wantS, gotS); diff != "" {
		t.Errorf("settings (-hq +till):\n%s", diff)
	}
	// The local group survives (its user does) but holds nothing.
	if g := gotG["Local"]; len(g.Actions) != 0 || len(g.Limits) != 0 {
		t.Errorf("local group kept rights: %+v", g)
	}
	delete(gotG, "Local")
	if diff := cmp.Diff(wantG, gotG); diff != "" {
		t.Errorf("groups (-hq +till):\n%s", diff)
	}
	wantU = append(wantU, namedUser{"local", "Local L", "Local", false})
	sort.Slice(wantU, func(i, j int) bool { return wantU[i].Login < wantU[j].Login })
	if diff := cmp.Diff(wantU, gotU); diff != "" {
		t.Errorf("users (-hq +till):\n%s", diff)
	}
	if mode, _ := till.SettingString(ctx, "approval.mode", ""); mode != "card" {
		t.Errorf("approval.mode = %q, want card", mode)
	}

	// Secrets travel as hashes and work on the receiving till.
	for _, du := range DemoUsers {
		u, err := till.Authenticate(ctx, du.Login, du.Password)
		if err != nil {
			t.Errorf("%s cannot log in after import: %v", du.Login, err)
			continue
		}
		if u.MustChange != du.MustChange || u.INN != du.INN || u.ReceiptName != du.ReceiptName {
			t.Errorf("%s card after import: %+v", du.Login, u)
		}
		if du.Badge != "" {
			bu, err := till.UserByBadge(ctx, du.Badge)
			if err != nil || bu.Login != du.Login {
				t.Errorf("badge of %s after import: %v %v", du.Login, bu.Login, err)
			}
		}
	}
	if u, err := till.UserByPIN(ctx, "4711"); err != nil || u.Login != "supervisor" {
		t.Errorf("PIN after import: %v %v", u.Login, err)
	}
	ver, _ := till.MatrixVersion(ctx)
	src, _ := till.MatrixSource(ctx)
	if ver != v.Contents.Version || src != "bundle:"+v.PublisherID()+":"+itoa(ver) {
		t.Errorf("matrix_meta = %d %q", ver, src)
	}
	// The import is audited and the chain holds.
	rep, err := till.VerifyAudit(ctx)
	if err != nil || rep.Break != nil {
		t.Errorf("audit after import: %+v %v", rep, err)
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func mustUser(t testing.TB, db *DB, login string) User {
	t.Helper()
	u, err := db.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestBundleOlderVersionRefused(t *testing.T) {
	ctx := context.Background()
	key := filepath.Join(t.TempDir(), "store.key")
	hq := openWithKey(t, key)
	if err := hq.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := bundle.GenerateKey()
	v10 := publish(t, hq, 2000, pub, priv)
	v9 := publish(t, hq, 1999, pub, priv)
	till := openWithKey(t, key)
	if err := till.ImportBundle(ctx, v10, Actor{}); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]bundle.Verified{"same": v10, "older": v9} {
		if err := till.ImportBundle(ctx, v, Actor{}); !errors.Is(err, bundle.ErrNotNewer) {
			t.Errorf("%s version: %v, want ErrNotNewer", name, err)
		}
	}
	if ver, _ := till.MatrixVersion(ctx); ver != 2000 {
		t.Errorf("version after refused imports = %d", ver)
	}
}

func TestBundleOtherBadgeKeyRefused(t *testing.T) {
	ctx := context.Background()
	hq := openWithKey(t, filepath.Join(t.TempDir(), "hq.key"))
	if err := hq.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := bundle.GenerateKey()
	v := publish(t, hq, 0, pub, priv)
	till := openWithKey(t, filepath.Join(t.TempDir(), "other.key"))
	if err := till.ImportBundle(ctx, v, Actor{}); !errors.Is(err, bundle.ErrKeyMismatch) {
		t.Fatalf("import with another badge key: %v, want ErrKeyMismatch", err)
	}
}

// An import that fails on its last row — a badge hash the bundle gives to
// two users, which the UNIQUE constraint refuses — leaves the previous
// matrix, users and badges exactly as they were.
func TestBundleInterruptedImportKeepsPreviousMatrix(t *testing.T) {
	ctx := context.Background()
	key := filepath.Join(t.TempDir(), "store.key")
	hq := openWithKey(t, key)
	if err := hq.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := bundle.GenerateKey()
	till := openWithKey(t, key)
	if err := till.ImportBundle(ctx, publish(t, hq, 100, pub, priv), Actor{}); err != nil {
		t.Fatal(err)
	}
	beforeS, beforeG, beforeU := namedMatrix(t, till)
	beforeVer, _ := till.MatrixVersion(ctx)
	beforeAudit, _, _ := till.AuditHead(ctx)

	// Version 101 changes a lot (a limit, a group, every user's name) and
	// its last user carries the first user's badge hash.
	c, err := hq.ExportBundle(ctx, 101)
	if err != nil {
		t.Fatal(err)
	}
	c.Groups[0].Limits[string(policy.LimitDiscountLine)] = 9999
	c.Groups = append(c.Groups, bundle.Group{Name: "New group", Actions: []string{"sale.sell"}, Limits: map[string]int64{}})
	for i := range c.Users {
		c.Users[i].FullName = "Renamed"
	}
	var first []byte
	for _, u := range c.Users {
		if len(u.Badges) > 0 {
			first = u.Badges[0].Hash
			break
		}
	}
	last := &c.Users[len(c.Users)-1]
	if len(last.Badges) > 0 && string(last.Badges[0].Hash) == string(first) {
		t.Fatal("test setup: the last user is the first badge holder")
	}
	last.Badges = append(last.Badges, bundle.Badge{Hash: first, Last4: "dupe"})
	file, err := bundle.Sign(c, priv)
	if err != nil {
		t.Fatal(err)
	}
	v, err := bundle.Open(file, []ed25519.PublicKey{pub})
	if err != nil {
		t.Fatal(err)
	}
	err = till.ImportBundle(ctx, v, Actor{})
	if !errors.Is(err, ErrExists) {
		t.Fatalf("import with a duplicate badge on the last user: %v, want ErrExists", err)
	}

	afterS, afterG, afterU := namedMatrix(t, till)
	if diff := cmp.Diff(beforeS, afterS); diff != "" {
		t.Errorf("settings changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(beforeG, afterG); diff != "" {
		t.Errorf("groups changed (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(beforeU, afterU); diff != "" {
		t.Errorf("users changed (-before +after):\n%s", diff)
	}
	if ver, _ := till.MatrixVersion(ctx); ver != beforeVer {
		t.Errorf("version %d after a failed import, was %d", ver, beforeVer)
	}
	if id, _, _ := till.AuditHead(ctx); id != beforeAudit {
		t.Errorf("audit grew from %d to %d for a rolled-back import", beforeAudit, id)
	}
	for _, du := range DemoUsers {
		if du.Badge == "" {
			continue
		}
		if u, err := till.UserByBadge(ctx, du.Badge); err != nil || u.Login != du.Login {
			t.Errorf("badge of %s after a failed import: %v %v", du.Login, u.Login, err)
		}
	}
}
