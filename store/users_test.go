package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/policy"
)

func mustGroup(t testing.TB, db *DB, name string, actions ...policy.Action) policy.GroupID {
	t.Helper()
	ctx := context.Background()
	m, err := db.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g := policy.Group{Name: name, Actions: map[policy.Action]bool{}, Limits: map[policy.Limit]int64{}}
	for _, a := range actions {
		g.Actions[a] = true
	}
	m.Groups = append(m.Groups, g)
	if _, err := db.SaveMatrix(ctx, m, "test", Actor{}); err != nil {
		t.Fatal(err)
	}
	id, err := db.GroupByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestPasswordHashFormatAndVerify(t *testing.T) {
	h, err := HashPassword("secret-1", DefaultArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with its parameters", h)
	}
	h2, _ := HashPassword("secret-1", DefaultArgon2)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"secret-1", true}, {"secret-2", false}, {"", false}} {
		got, err := VerifyPassword(h, tc.pw)
		if err != nil || got != tc.want {
			t.Errorf("verify %q = %v, %v; want %v", tc.pw, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA", "plain"} {
		if _, err := VerifyPassword(bad, "x"); err == nil {
			t.Errorf("verify against %q: no error", bad)
		}
	}
}

func TestGeneratedPasswordIsReadable(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw, err := GeneratePassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != InitialPasswordLen || strings.ContainsAny(pw, "0O1lIoS5Z2B8") {
			t.Fatalf("password %q: wrong length or has look-alikes", pw)
		}
		seen[pw] = true
	}
	if len(seen) < 50 {
		t.Fatal("generated passwords repeat")
	}
}

func TestAuthenticateErrors(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	g := mustGroup(t, db, "Cashier", policy.ActionSell)
	u, initial, err := db.CreateUser(ctx, NewUser{Login: "anna", FullName: "Anna K", Group: g, ReceiptName: "Кассир Анна", INN: "500100732259"}, Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if !u.MustChange || !u.Active {
		t.Fatalf("new user = %+v, want active with MustChange", u)
	}
	if _, _, err := db.CreateUser(ctx, NewUser{Login: "anna", Group: g}, Actor{}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate login: err = %v, want ErrExists", err)
	}

	got, err := db.Authenticate(ctx, "anna", initial)
	if err != nil || !got.MustChange || got.ID != u.ID {
		t.Fatalf("authenticate with initial password = %+v, %v", got, err)
	}
	cases := []struct {
		name, login, pw string
		want            error
		key             string
	}{
		{"wrong password", "anna", "nope", ErrWrongPassword, "store.error.wrong_password"},
		{"unknown user", "boris", initial, ErrUnknownUser, "store.error.unknown_user"},
	}
	for _, tc := range cases {
		_, err := db.Authenticate(ctx, tc.login, tc.pw)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if m := Message(err); m.Key != tc.key || m.Fallback != "Wrong login or password." {
			t.Errorf("%s: message = %+v", tc.name, m)
		}
	}

	// Forced change: too short and same-as-old are refused; a good one
	// clears MustChange and the old password stops working.
	if err := db.ChangePassword(ctx, "anna", initial, "abc"); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("short password: err = %v", err)
	}
	if err := db.ChangePassword(ctx, "anna", initial, initial); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("same password: err = %v", err)
	}
	if err := db.ChangePassword(ctx, "anna", "wrong", "new-secret"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("change with wrong old password: err = %v", err)
	}
	if err := db.ChangePassword(ctx, "anna", initial, "new-secret"); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Authenticate(ctx, "anna", "new-secret"); err != nil || got.MustChange {
		t.Fatalf("after change = %+v, %v", got, err)
	}
	if _, err := db.Authenticate(ctx, "anna", initial); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("old password after change: err = %v", err)
	}

	// Reset gives a new initial password with MustChange.
	reset, err := db.ResetPassword(ctx, "anna", Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.Authenticate(ctx, "anna", reset); err != nil || !got.MustChange {
		t.Fatalf("after reset = %+v, %v", got, err)
	}
	if _, err := db.ResetPassword(ctx, "nobody", Actor{}); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("reset unknown: err = %v", err)
	}

	// Inactive: reported only with the right password.
	u.Active = false
	if err := db.UpdateUser(ctx, u, Actor{}); err != nil {
		t.Fatal(err)
	}
	_, err = db.Authenticate(ctx, "anna", reset)
	if !errors.Is(err, ErrInactive) {
		t.Fatalf("inactive: err = %v", err)
	}
	if m := Message(err); m.Key != "store.error.inactive" || m.Args["Login"] != "anna" {
		t.Errorf("inactive message = %+v", m)
	}
	if _, err := db.Authenticate(ctx, "anna", "nope"); !errors.Is(err, ErrWrongPassword) {
		t.Fatalf("inactive with wrong password: err = %v, want ErrWrongPassword", err)
	}
}

func TestMatrixRoundTripAndVersion(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	v0, err := db.MatrixVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	in := policy.Matrix{
		Settings: policy.Settings{SecurityEnabled: true, HideDisabled: true},
		Groups: []policy.Group{{
			Name:    "Supervisor",
			Actions: map[policy.Action]bool{policy.ActionSell: true, policy.ActionVoidLine: true},
			Limits:  map[policy.Limit]int64{policy.LimitDiscountLine: 3000},
		}},
	}
	v1, err := db.SaveMatrix(ctx, in, "local", Actor{User: 1, Terminal: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	if v1 != v0+1 {
		t.Fatalf("version after save = %d, want %d", v1, v0+1)
	}
	gid, _ := db.GroupByName(ctx, "Supervisor")
	u, _, err := db.CreateUser(ctx, NewUser{Login: "sv", FullName: "S V", Group: gid}, Actor{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := db.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if out.Version <= v1 {
		t.Errorf("creating a user did not bump the version (%d)", out.Version)
	}
	in.Groups[0].ID = gid
	in.Users = []policy.User{{ID: u.ID, Login: "sv", Name: "S V", Group: gid, Active: true}}
	in.Version = out.Version
	if d := cmp.Diff(in, out); d != "" {
		t.Errorf("matrix round trip (-saved +loaded):\n%s", d)
	}
	if src, _ := db.MatrixSource(ctx); src != "local" {
		t.Errorf("source = %q", src)
	}
	// Dropping a group a user belongs to fails and changes nothing.
	if _, err := db.SaveMatrix(ctx, policy.Matrix{}, "local", Actor{}); err == nil {
		t.Fatal("deleting a group in use succeeded")
	}
	if v, _ := db.MatrixVersion(ctx); v != out.Version {
		t.Errorf("failed save moved the version to %d", v)
	}
}

func keyTestDB(t *testing.T) (*DB, string, string, policy.UserID) {
	t.Helper()
	dir := t.TempDir()
	path, key := filepath.Join(dir, "till.db"), filepath.Join(dir, "conf", "till.key")
	db, err := Open(context.Background(), path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	g := mustGroup(t, db, "Supervisor")
	u, _, err := db.CreateUser(context.Background(), NewUser{Login: "sv", Group: g}, Actor{})
	if err != nil {
		t.Fatal(err)
	}
	return db, path, key, u.ID
}

func TestBadgesThroughKeyedHash(t *testing.T) {
	db, path, key, uid := keyTestDB(t)
	defer db.Close()
	ctx := context.Background()
	const badge = "0004512345"
	b, err := db.EnrolBadge(ctx, uid, badge, Actor{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Hint != "45" {
		t.Errorf("hint = %q, want the last two characters", b.Hint)
	}
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != keyLen {
		t.Fatalf("key file: %v, %v", st, err)
	}
	if _, err := db.EnrolBadge(ctx, uid, badge, Actor{}); !errors.Is(err, ErrExists) {
		t.Fatalf("enrol twice: err = %v", err)
	}
	u, err := db.UserByBadge(ctx, badge)
	if err != nil || u.ID != uid {
		t.Fatalf("find badge = %+v, %v", u, err)
	}
	if _, err := db.UserByBadge(ctx, "0004512346"); !errors.Is(err, ErrUnknownBadge) {
		t.Fatalf("unknown badge: err = %v", err)
	}
	// The raw ID appears nowhere in the file.
	db.Close()
	for _, f := range []string{path, path + "-wal"} {
		data, _ := os.ReadFile(f)
		if strings.Contains(string(data), badge) {
			t.Fatalf("%s contains the raw badge ID", f)
		}
	}
	db2, err := Open(ctx, path, Options{KeyPath: key})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if err := db2.RevokeBadge(ctx, b.ID, Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := db2.UserByBadge(ctx, badge); !errors.Is(err, ErrUnknownBadge) {
		t.Fatalf("revoked badge: err = %v", err)
	}
}

func TestPINLookup(t *testing.T) {
	db, _, _, uid := keyTestDB(t)
	defer db.Close()
	ctx := context.Background()
	if err := db.SetPIN(ctx, uid, "12", Actor{}); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("short PIN: err = %v", err)
	}
	if err := db.SetPIN(ctx, uid, "4821", Actor{}); err != nil {
		t.Fatal(err)
	}
	if u, err := db.UserByPIN(ctx, "4821"); err != nil || u.ID != uid {
		t.Fatalf("by PIN = %+v, %v", u, err)
	}
	if _, err := db.UserByPIN(ctx, "4822"); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("unknown PIN: err = %v", err)
	}
}

func TestKeyFileErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		break_ func(t *testing.T, key string)
		want   error
	}{
		{"missing after first run", func(t *testing.T, key string) { os.Remove(key) }, ErrKeyMissing},
		{"short", func(t *testing.T, key string) { os.WriteFile(key, []byte("short"), 0o600) }, ErrKeyInvalid},
		{"other key", func(t *testing.T, key string) { os.WriteFile(key, []byte(strings.Repeat("k", keyLen)), 0o600) }, ErrKeyInvalid},
		{"unreadable (a directory)", func(t *testing.T, key string) { os.Remove(key); os.Mkdir(key, 0o700) }, ErrKeyInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, path, key, uid := keyTestDB(t)
			if _, err := db.EnrolBadge(ctx, uid, "0004512345", Actor{}); err != nil {
				t.Fatal(err)
			}
			db.Close()
			tc.break_(t, key)
			db, err := Open(ctx, path, Options{KeyPath: key})
			if err != nil {
				t.Fatal(err) // passwords still work without the key
			}
			defer db.Close()
			err = db.CheckKey(ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("CheckKey: err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(Message(err).English(), key) {
				t.Errorf("message %q does not name the key file", Message(err).English())
			}
			if _, err := db.UserByBadge(ctx, "0004512345"); !errors.Is(err, tc.want) {
				t.Fatalf("badge lookup: err = %v, want %v", err, tc.want)
			}
			if tc.want == ErrKeyMissing {
				if _, err := os.Stat(key); !os.IsNotExist(err) {
					t.Fatal("a missing key file was regenerated")
				}
			}
		})
	}
}

func TestLockoutFailures(t *testing.T) {
	db, _, _, uid := keyTestDB(t)
	defer db.Close()
	ctx := context.Background()
	base := fromUS(us(time.Now()))
	for i := range 3 {
		if err := db.RecordFailure(ctx, uid, "t1", base.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.RecordFailure(ctx, uid, "t2", base); err != nil {
		t.Fatal(err)
	}
	n, err := db.CountFailures(ctx, uid, "t1", base.Add(time.Minute))
	if err != nil || n != 2 {
		t.Fatalf("count in window = %d, %v; want 2", n, err)
	}
	got, err := db.Failures(ctx, uid, "t1", base)
	want := []time.Time{base, base.Add(time.Minute), base.Add(2 * time.Minute)}
	if err != nil || !cmp.Equal(got, want) {
		t.Fatalf("failures = %v, %v; want %v", got, err, want)
	}
	if err := db.ClearFailures(ctx, uid, "t1"); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountFailures(ctx, uid, "t1", base); n != 0 {
		t.Fatalf("after clear: %d", n)
	}
	if n, _ := db.CountFailures(ctx, uid, "t2", base); n != 1 {
		t.Fatalf("other terminal after clear: %d, want 1", n)
	}
}

func TestSetPasswordAfterBadgeSignIn(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	g := mustGroup(t, db, "Cashier")
	u, initial, err := db.CreateUser(ctx, NewUser{Login: "vera", Group: g}, Actor{})
	if err != nil {
		t.Fatal(err)
	}
	by := Actor{User: u.ID, Terminal: "t1"}
	if err := db.SetPassword(ctx, u.ID, "abc", by); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("short: err = %v", err)
	}
	if err := db.SetPassword(ctx, u.ID, initial, by); !errors.Is(err, ErrWeakPassword) {
		t.Fatalf("same as current: err = %v", err)
	}
	if err := db.SetPassword(ctx, 999, "good-password", by); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: err = %v", err)
	}
	if err := db.SetPassword(ctx, u.ID, "good-password", by); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Authenticate(ctx, "vera", "good-password"); err != nil || got.MustChange {
		t.Fatalf("after set = %+v, %v", got, err)
	}
}
