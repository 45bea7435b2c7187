package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tillpos/till/assets"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

func openTestStore(t *testing.T) (*store.DB, string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "till.db")
	db, err := store.Open(context.Background(), path, store.Options{KeyPath: filepath.Join(dir, "till.key")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// The adapters turn the store's users and errors into what the login screen
// shows, against a real database file.
func TestStoreAuth(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestStore(t)
	if _, err := db.SaveMatrix(ctx, policy.Matrix{
		Settings: policy.Settings{SecurityEnabled: true},
		Groups:   []policy.Group{{Name: "Cashier"}},
	}, "", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	gid, err := db.GroupByName(ctx, "Cashier")
	if err != nil {
		t.Fatal(err)
	}
	su, initial, err := db.CreateUser(ctx, store.NewUser{Login: "anna", FullName: "Anna Novikova", Group: gid}, store.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	auth := storeAuth{db: db}

	for _, tc := range []struct {
		login, password string
		want            error
	}{
		{"nobody", "x", ui.ErrUnknownUser},
		{"anna", "wrong", ui.ErrWrongPassword},
	} {
		_, err := auth.Authenticate(ctx, tc.login, tc.password)
		if !errors.Is(err, tc.want) {
			t.Errorf("Authenticate(%q, %q) = %v, want %v", tc.login, tc.password, err, tc.want)
		}
	}

	u, err := auth.Authenticate(ctx, "anna", initial)
	if err != nil {
		t.Fatal(err)
	}
	if u.FullName != "Anna Novikova" || u.Group != "Cashier" || !u.MustChange || u.ID != int64(su.ID) {
		t.Errorf("user = %+v", u)
	}

	// A password the store refuses comes back with the store's sentence.
	err = auth.ChangePassword(ctx, u, initial, "ab1")
	if me, ok := errors.AsType[*ui.MessageError](err); !ok || me.Msg.Key != "store.error.weak_password" {
		t.Errorf("weak password: %v", err)
	}
	if err := auth.ChangePassword(ctx, u, initial, "river2024"); err != nil {
		t.Fatal(err)
	}
	if u, err = auth.Authenticate(ctx, "anna", "river2024"); err != nil || u.MustChange {
		t.Errorf("after the change: %+v, %v", u, err)
	}

	if _, err := db.EnrolBadge(ctx, su.ID, "0004512345", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if u, err := auth.AuthenticateBadge(ctx, device.NewBadgeID("0004512345")); err != nil || u.Login != "anna" || u.Group != "Cashier" {
		t.Errorf("badge: %+v, %v", u, err)
	}
	if _, err := auth.AuthenticateBadge(ctx, device.NewBadgeID("0000000001")); !errors.Is(err, ui.ErrUnknownUser) {
		t.Errorf("unknown badge: %v", err)
	}

	su.Active = false
	if err := db.UpdateUser(ctx, su, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, "anna", "river2024"); !errors.Is(err, ui.ErrInactive) {
		t.Errorf("inactive user: %v", err)
	}
	if _, err := auth.AuthenticateBadge(ctx, device.NewBadgeID("0004512345")); !errors.Is(err, ui.ErrInactive) {
		t.Errorf("inactive user's badge: %v", err)
	}

	if unprotected(db)() {
		t.Error("security on, but the window would say unprotected")
	}
}

func TestStoreSettings(t *testing.T) {
	db, _ := openTestStore(t)
	s := storeSettings{db: db, terminal: "test"}
	if got := s.String(ui.SettingLanguage, "fallback"); got != "fallback" {
		t.Errorf("unset = %q", got)
	}
	if err := s.SetString(ui.SettingLanguage, "ru"); err != nil {
		t.Fatal(err)
	}
	if got := s.String(ui.SettingLanguage, ""); got != "ru" {
		t.Errorf("after set = %q", got)
	}
}

// A second till on the same database is refused with the store's
// translated sentence and the detail.
func TestExplainLockedDatabase(t *testing.T) {
	if err := assets.LoadTranslations(); err != nil {
		t.Fatal(err)
	}
	_, path := openTestStore(t)
	_, err := store.Open(context.Background(), path, store.Options{KeyPath: filepath.Join(filepath.Dir(path), "till.key")})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second open: %v", err)
	}
	msg := explain(err).Error()
	if !strings.Contains(msg, "already in use by another till") || !strings.Contains(msg, path+".lock") {
		t.Errorf("explained as %q", msg)
	}
	if !errors.Is(explain(err), store.ErrLocked) {
		t.Error("explain dropped the error it explains")
	}
}
