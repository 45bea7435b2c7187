package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/desk/deskstore"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

// storeCountry is the VAT table of the store. The till is sold in Russia
// first; a setting picks another table.
const (
	settingCountry = "store.country"
	defaultCountry = "RU"
)

// newDesk builds the cashier's session on the store and the register: the
// permission matrix kept current by the store's watcher, the sale
// services over the bill journal, the durable checkout. It returns the
// holder the desk decides with (the back office refreshes it after each
// change) and stop, which ends the watcher.
func newDesk(ctx context.Context, db *store.DB, reg device.Register, terminal string) (*desk.Desk, *policy.Holder, string, func(), error) {
	country, err := db.SettingString(ctx, settingCountry, defaultCountry)
	if err != nil {
		return nil, nil, "", nil, fmt.Errorf("store country: %w", err)
	}
	vat, err := sale.VATTableFor(country)
	if err != nil {
		return nil, nil, "", nil, fmt.Errorf("VAT table of %s: %w", country, err)
	}
	// Receipt texts follow the store's language, not the window's.
	storeLang, unit := storeLocale(country)
	money := sale.NewFormatter(storeLang, unit)
	holder := policy.NewHolder(nil)
	if _, err := db.RefreshPolicy(ctx, holder); err != nil {
		return nil, nil, "", nil, fmt.Errorf("permission matrix: %w", err)
	}
	wctx, stop := context.WithCancel(ctx)
	go db.WatchPolicy(wctx, holder, time.Second, func(err error) { fyne.LogError("permission matrix", err) })

	bills := db.Bills()
	d, err := desk.New(desk.Config{
		Holder:   holder,
		Store:    deskstore.New(db),
		Bills:    bills,
		Sales:    sale.NewSales(bills, vat, money, nil),
		Checkout: sale.NewCheckout(bills, bills, reg, vat, nil),
		Register: reg,
		Money:    money,
		Tape:     sale.NewTape(storeLang, money),
		Terminal: terminal,
	})
	if err != nil {
		stop()
		return nil, nil, "", nil, err
	}
	return d, holder, country, stop, nil
}

// storeLocale is the language and currency of a store in country: what its
// receipts, tape texts and prices are written in, whatever the window
// speaks. The till ships Russia's and Italy's VAT tables.
func storeLocale(country string) (language.Tag, currency.Unit) {
	if country == "IT" {
		return language.Italian, currency.EUR
	}
	return language.Russian, currency.RUB
}

// deskAuth signs people in through the desk, so the session the sale
// screen acts in is the one the login screen opened, and turns the desk's
// errors into the ones the login screen explains.
type deskAuth struct {
	d        *desk.Desk
	db       *store.DB
	terminal string // for the audit row of a password set after a badge sign-in
}

func (a deskAuth) Authenticate(ctx context.Context, login, password string) (ui.User, error) {
	u, err := a.d.SignIn(ctx, login, password)
	if err != nil {
		return ui.User{}, signInError(err)
	}
	return a.uiUser(ctx, u)
}

func (a deskAuth) AuthenticateBadge(ctx context.Context, id device.BadgeID) (ui.User, error) {
	u, err := a.d.SignInBadge(ctx, id)
	if err != nil {
		if errors.Is(err, store.ErrUnknownBadge) {
			return ui.User{}, fmt.Errorf("%w: %w", ui.ErrUnknownUser, err)
		}
		return ui.User{}, signInError(err)
	}
	return a.uiUser(ctx, u)
}

// ChangePassword changes it in the store, then lets the desk read the user
// again: until then it refuses every action of a must-change user.
//
// old is "" after a badge sign-in: the user never typed the initial
// password, and the badge the desk signed them in with is the proof of who
// they are, so the password is set without the old one — only for the
// user the desk has signed in.
func (a deskAuth) ChangePassword(ctx context.Context, u ui.User, old, new string) error {
	if old == "" {
		if err := a.setAfterBadge(ctx, u, new); err != nil {
			return err
		}
	} else if err := (storeAuth{db: a.db}).ChangePassword(ctx, u, old, new); err != nil {
		return err
	}
	if err := a.d.PasswordChanged(ctx); err != nil {
		return &ui.MessageError{Msg: desk.MessageOf(err), Err: err}
	}
	return nil
}

func (a deskAuth) setAfterBadge(ctx context.Context, u ui.User, new string) error {
	id := policy.UserID(u.ID)
	if s := a.d.Session(); s.Cashier != id {
		return fmt.Errorf("%w: set password of user %d without the old one: %d is signed in", ui.ErrWrongPassword, id, s.Cashier)
	}
	if err := a.db.SetPassword(ctx, id, new, store.Actor{User: id, Terminal: a.terminal}); err != nil {
		return uiError(err)
	}
	return nil
}

func (a deskAuth) uiUser(ctx context.Context, u desk.User) (ui.User, error) {
	su, err := a.db.UserByLogin(ctx, u.Login)
	if err != nil {
		return ui.User{}, uiError(err)
	}
	uu, err := storeAuth{db: a.db}.uiUser(ctx, su)
	uu.JournalDays = u.JournalDays
	return uu, err
}

// signInError maps the desk's sign-in failures to the login screen's: the
// desk keeps the store's error inside, so unknown login and wrong password
// stay apart (docs/ui.md, "Sign-in errors").
func signInError(err error) error {
	var de *desk.Error
	if ref, ok := errors.AsType[*desk.Refused](err); ok && errors.Is(err, desk.ErrLockedOut) {
		// Locked out or throttled: the desk's sentence says whose lock and
		// until when.
		return &ui.MessageError{Msg: ref.Message(), Err: fmt.Errorf("%w: %w", ui.ErrLockedOut, err)}
	}
	switch {
	case errors.Is(err, store.ErrUnknownUser):
		return fmt.Errorf("%w: %w", ui.ErrUnknownUser, err)
	case errors.Is(err, store.ErrWrongPassword):
		return fmt.Errorf("%w: %w", ui.ErrWrongPassword, err)
	case errors.As(err, &de) && de.Msg.Key == "desk.error.inactive":
		return fmt.Errorf("%w: %w", ui.ErrInactive, err)
	case errors.Is(err, desk.ErrBadCredential):
		return fmt.Errorf("%w: %w", ui.ErrWrongPassword, err)
	}
	return uiError(err)
}
