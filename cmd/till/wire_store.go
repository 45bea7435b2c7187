package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/admin"
)

// storeAuth signs people in against the store's users and turns its errors
// into the ones the login screen explains.
type storeAuth struct{ db *store.DB }

// Without a register the window signs in here rather than through the
// desk; wrong passwords lock the login out by the desk's rule (signInLock).
func (a storeAuth) Authenticate(ctx context.Context, login, password string) (ui.User, error) {
	lock, err := newSignInLock(ctx, a.db, login)
	if err != nil {
		return ui.User{}, uiError(err)
	}
	if err := lock.check(ctx, false); err != nil {
		return ui.User{}, err
	}
	u, err := a.db.Authenticate(ctx, login, password)
	if errors.Is(err, store.ErrUnknownUser) || errors.Is(err, store.ErrWrongPassword) {
		if lerr := lock.check(ctx, true); lerr != nil {
			return ui.User{}, lerr
		}
	}
	if err != nil {
		return ui.User{}, uiError(err)
	}
	if err := a.db.ClearFailures(ctx, u.ID, signInTerminal); err != nil {
		return ui.User{}, uiError(err)
	}
	return a.uiUser(ctx, u)
}

// signInTerminal is the lockout scope of sign-ins without a desk.
const signInTerminal = "till"

// signInLock is the desk's sign-in lockout for the window without a
// register: per user for a login that exists, per keyed tag for one that
// does not (docs/approve.md, "Lockout and throttle").
type signInLock struct {
	db    *store.DB
	user  policy.UserID
	scope string
	set   policy.LockoutSettings
}

func newSignInLock(ctx context.Context, db *store.DB, login string) (signInLock, error) {
	l := signInLock{db: db, scope: signInTerminal, set: policy.DefaultLockout()}
	if n, err := db.SettingInt(ctx, admin.SettingLockoutFailures, int64(l.set.MaxFailures)); err == nil {
		l.set.MaxFailures = int(n)
	}
	if v, err := db.SettingDuration(ctx, admin.SettingLockoutWindow, l.set.Window); err == nil {
		l.set.Window = v
	}
	if v, err := db.SettingDuration(ctx, admin.SettingLockoutDuration, l.set.Lock); err == nil {
		l.set.Lock = v
	}
	u, err := db.UserByLogin(ctx, login)
	switch {
	case err == nil:
		l.user = u.ID
	case errors.Is(err, store.ErrUnknownUser):
		tag, err := db.LoginTag(ctx, login)
		if err != nil {
			return l, err
		}
		l.scope = store.LoginScope(tag)
	default:
		return l, err
	}
	return l, nil
}

// check records a failure first when failed, then refuses while the login
// is locked out, saying until when.
func (l signInLock) check(ctx context.Context, failed bool) error {
	now := time.Now()
	if failed {
		if err := l.db.RecordFailure(ctx, l.user, l.scope, now); err != nil {
			return uiError(err)
		}
	}
	f, err := l.db.Failures(ctx, l.user, l.scope, now.Add(-24*time.Hour))
	if err != nil {
		return uiError(err)
	}
	if lo := policy.CheckLockout(f, now, l.set); lo.Locked {
		lo.Until = lo.Until.Local()
		return &ui.MessageError{Msg: lo.LoginMessage(), Err: fmt.Errorf("%w: sign in", ui.ErrLockedOut)}
	}
	return nil
}

func (a storeAuth) ChangePassword(ctx context.Context, u ui.User, old, new string) error {
	if err := a.db.ChangePassword(ctx, u.Login, old, new); err != nil {
		return uiError(err)
	}
	return nil
}

// uiUser adds the group's name, which the store keeps in the matrix.
func (a storeAuth) uiUser(ctx context.Context, u store.User) (ui.User, error) {
	m, err := a.db.LoadMatrix(ctx)
	if err != nil {
		return ui.User{}, fmt.Errorf("group of %q: %w", u.Login, err)
	}
	group := ""
	for _, g := range m.Groups {
		if g.ID == u.Group {
			group = g.Name
		}
	}
	return ui.User{ID: int64(u.ID), Login: u.Login, FullName: u.FullName, Group: group, MustChange: u.MustChange}, nil
}

// uiError keeps err (for logs) and adds what the window branches on: the
// ui's sentinel for the sign-in failures it explains itself, and the store's
// own sentence for everything else the store knows.
func uiError(err error) error {
	for _, m := range []struct{ store, ui error }{
		{store.ErrUnknownUser, ui.ErrUnknownUser},
		{store.ErrWrongPassword, ui.ErrWrongPassword},
		{store.ErrInactive, ui.ErrInactive},
	} {
		if errors.Is(err, m.store) {
			return fmt.Errorf("%w: %w", m.ui, err)
		}
	}
	return &ui.MessageError{Msg: store.Message(err), Err: err}
}

// storeSettings keeps the window's choices in the store's settings table,
// so they follow the till and not the desktop account.
type storeSettings struct {
	db       *store.DB
	terminal string
}

func (s storeSettings) String(key, fallback string) string {
	v, err := s.db.SettingString(context.Background(), key, fallback)
	if err != nil {
		fyne.LogError("read setting "+key, err)
		return fallback
	}
	return v
}

func (s storeSettings) SetString(key, value string) error {
	if err := s.db.SetSetting(context.Background(), key, value, store.Actor{Terminal: s.terminal}); err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

// unprotected reports whether the security module is off.
func unprotected(db *store.DB) func() bool {
	return func() bool {
		m, err := db.LoadMatrix(context.Background())
		if err != nil {
			fyne.LogError("read security setting", err)
			return false
		}
		return !m.Settings.SecurityEnabled
	}
}

// AuthenticateBadge signs in the holder of a badge. The store finds the
// enrolment; being active is checked here, as the store leaves it to the
// caller.
func (a storeAuth) AuthenticateBadge(ctx context.Context, id device.BadgeID) (ui.User, error) {
	u, err := a.db.UserByBadge(ctx, id.Reveal())
	switch {
	case errors.Is(err, store.ErrUnknownBadge):
		return ui.User{}, fmt.Errorf("%w: %w", ui.ErrUnknownUser, err)
	case err != nil:
		return ui.User{}, uiError(err)
	case !u.Active:
		return ui.User{}, fmt.Errorf("%w: %s by %v", ui.ErrInactive, u.Login, id)
	}
	return a.uiUser(ctx, u)
}
