package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
)

// fakeAuth is an in-memory user list with the same failure rules as the
// store: unknown login, wrong password, inactive user.
type fakeAuth struct {
	users    map[string]*fakeUser
	changed  []string // "login:old->new" for each password change
	failNext error    // returned once by ChangePassword
}

type fakeUser struct {
	u        User
	password string
	active   bool
}

func newFakeAuth() *fakeAuth {
	return &fakeAuth{users: map[string]*fakeUser{
		"cashier": {u: User{ID: 1, Login: "cashier", FullName: "Ivan Petrov", Group: "Cashier"}, password: "cash1234", active: true},
		"newbie":  {u: User{ID: 2, Login: "newbie", FullName: "Anna Novikova", Group: "Cashier", MustChange: true}, password: "init5678", active: true},
		"gone":    {u: User{ID: 3, Login: "gone", FullName: "Old Employee", Group: "Cashier"}, password: "gone1234", active: false},
	}}
}

func (f *fakeAuth) Authenticate(_ context.Context, login, password string) (User, error) {
	u, ok := f.users[login]
	switch {
	case !ok:
		return User{}, fmt.Errorf("authenticate %q: %w", login, ErrUnknownUser)
	case u.password != password:
		return User{}, fmt.Errorf("authenticate %q: %w", login, ErrWrongPassword)
	case !u.active:
		return User{}, fmt.Errorf("authenticate %q: %w", login, ErrInactive)
	}
	return u.u, nil
}

func (f *fakeAuth) ChangePassword(_ context.Context, u User, old, new string) error {
	if err := f.failNext; err != nil {
		f.failNext = nil
		return err
	}
	fu := f.users[u.Login]
	if fu.password != old {
		return fmt.Errorf("change password: %w", ErrWrongPassword)
	}
	fu.password = new
	fu.u.MustChange = false
	f.changed = append(f.changed, u.Login+":"+old+"->"+new)
	return nil
}

type memSettings struct {
	mu sync.Mutex
	m  map[string]string
}

func newMemSettings() *memSettings { return &memSettings{m: map[string]string{}} }

func (s *memSettings) String(key, fallback string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[key]; ok {
		return v
	}
	return fallback
}

func (s *memSettings) SetString(key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	return nil
}

type fakeItems []sale.Item

func (f fakeItems) SearchItems(_ context.Context, prefix string, limit int) ([]sale.Item, error) {
	var out []sale.Item
	for _, it := range f {
		if strings.HasPrefix(strings.ToLower(it.Name), strings.ToLower(prefix)) {
			out = append(out, it)
		}
		if len(out) == limit {
			break
		}
	}
	return out, nil
}

type fakeRegister struct {
	st  device.Status
	err error
}

func (f fakeRegister) Status(context.Context) (device.Status, error) { return f.st, f.err }

// fakeBadges knows badges by canonical ID.
type fakeBadges map[string]User

func (f fakeBadges) AuthenticateBadge(_ context.Context, id device.BadgeID) (User, error) {
	u, ok := f[id.Reveal()]
	if !ok {
		return User{}, fmt.Errorf("badge %v: %w", id, ErrUnknownUser)
	}
	return u, nil
}
