// Package deskstore adapts *store.DB to the desk's store interfaces. The
// desk declares what it needs in its own types so it never imports the
// store; this package is the one place that knows both, so cmd/till wires
// a desk with
//
//	desk.New(desk.Config{Store: deskstore.New(db), Bills: db.Bills(), ...})
//
// It translates store rows to desk types and the store's credential errors
// to desk.ErrBadCredential, and does nothing else: no logic lives here.
// It must never import ui, cmd or a device package.
package deskstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// DB is a *store.DB seen as a desk.Store.
type DB struct{ db *store.DB }

// New wraps db.
func New(db *store.DB) *DB { return &DB{db: db} }

var _ desk.Store = (*DB)(nil)

func user(u store.User) desk.User {
	return desk.User{
		ID: u.ID, Login: u.Login, FullName: u.FullName, ReceiptName: u.ReceiptName, INN: u.INN,
		JournalDays: u.JournalDays, Active: u.Active, MustChange: u.MustChange,
	}
}

// credential maps the store's "who is this" failures to one desk error,
// keeping the store's error for logs.
func credential(err error) error {
	if errors.Is(err, store.ErrUnknownUser) || errors.Is(err, store.ErrWrongPassword) || errors.Is(err, store.ErrUnknownBadge) {
		return fmt.Errorf("%w: %w", desk.ErrBadCredential, err)
	}
	return err
}

// Authenticate returns an inactive user after a correct password (the
// store reports ErrInactive only then), so the policy can say "not active".
func (s *DB) Authenticate(ctx context.Context, login, password string) (desk.User, error) {
	u, err := s.db.Authenticate(ctx, login, password)
	if errors.Is(err, store.ErrInactive) {
		u, err = s.db.UserByLogin(ctx, login)
	}
	if err != nil {
		return desk.User{}, credential(err)
	}
	return user(u), nil
}

func (s *DB) UserByLogin(ctx context.Context, login string) (desk.User, error) {
	u, err := s.db.UserByLogin(ctx, login)
	if err != nil {
		return desk.User{}, credential(err)
	}
	return user(u), nil
}

// LoginTag is the store's keyed tag of a typed login: the desk writes it
// instead of a login that names nobody.
func (s *DB) LoginTag(ctx context.Context, login string) (string, error) {
	return s.db.LoginTag(ctx, login)
}

func (s *DB) UserByBadge(ctx context.Context, canonicalID string) (desk.User, error) {
	u, err := s.db.UserByBadge(ctx, canonicalID)
	if err != nil {
		return desk.User{}, credential(err)
	}
	return user(u), nil
}

func (s *DB) UserByPIN(ctx context.Context, pin string) (desk.User, error) {
	u, err := s.db.UserByPIN(ctx, pin)
	if err != nil {
		return desk.User{}, credential(err)
	}
	return user(u), nil
}

func (s *DB) Audit(ctx context.Context, e desk.AuditEntry) error {
	_, err := s.db.Audit(ctx, store.AuditEntry{
		Time: e.Time, Terminal: e.Terminal, Actor: e.Actor,
		Approver: e.Approver, Action: e.Action, Args: e.Args, Outcome: e.Outcome, Reason: e.Reason,
	})
	return err
}

// AuditHead is the audit log's head for the X and Z reports' tape.
func (s *DB) AuditHead(ctx context.Context) (int64, []byte, error) { return s.db.AuditHead(ctx) }

func (s *DB) RecordFailure(ctx context.Context, approver policy.UserID, terminal string, at time.Time) error {
	return s.db.RecordFailure(ctx, approver, terminal, at)
}

func (s *DB) Failures(ctx context.Context, approver policy.UserID, terminal string, since time.Time) ([]time.Time, error) {
	return s.db.Failures(ctx, approver, terminal, since)
}

func (s *DB) ClearFailures(ctx context.Context, approver policy.UserID, terminal string) error {
	return s.db.ClearFailures(ctx, approver, terminal)
}

func (s *DB) MatrixVersion(ctx context.Context) (int64, error) { return s.db.MatrixVersion(ctx) }

func (s *DB) LoadMatrix(ctx context.Context) (policy.Matrix, error) { return s.db.LoadMatrix(ctx) }

func (s *DB) SettingString(ctx context.Context, key, def string) (string, error) {
	return s.db.SettingString(ctx, key, def)
}

func (s *DB) SettingInt(ctx context.Context, key string, def int64) (int64, error) {
	return s.db.SettingInt(ctx, key, def)
}

func (s *DB) SettingDuration(ctx context.Context, key string, def time.Duration) (time.Duration, error) {
	return s.db.SettingDuration(ctx, key, def)
}

func (s *DB) ItemByBarcode(ctx context.Context, barcode string) (sale.Item, error) {
	return s.db.ItemByBarcode(ctx, barcode)
}

func shift(sh store.Shift) desk.Shift {
	return desk.Shift{Number: sh.Number, Opened: sh.Opened, OpenedBy: sh.OpenedBy, Closed: sh.Closed}
}

func noShift(err error) error {
	if errors.Is(err, store.ErrNoShift) {
		return fmt.Errorf("%w: %w", desk.ErrNoShift, err)
	}
	return err
}

func (s *DB) OpenShift(ctx context.Context, number int, by policy.UserID, at time.Time) (desk.Shift, error) {
	sh, err := s.db.OpenShift(ctx, number, by, at)
	if err != nil {
		return desk.Shift{}, err
	}
	return shift(sh), nil
}

func (s *DB) CloseShift(ctx context.Context, by policy.UserID, at time.Time) (desk.Shift, error) {
	sh, err := s.db.CloseShift(ctx, by, at)
	if err != nil {
		return desk.Shift{}, noShift(err)
	}
	return shift(sh), nil
}

func (s *DB) CurrentShift(ctx context.Context) (desk.Shift, error) {
	sh, err := s.db.CurrentShift(ctx)
	if err != nil {
		return desk.Shift{}, noShift(err)
	}
	return shift(sh), nil
}
