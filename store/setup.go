package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// Settings that hold the store's own details (docs/store.md, "The store's
// details"). store.country was already the VAT table's and the money's
// setting; the window's default language is the ui's own setting.
const (
	SettingStoreTradingName = "store.trading_name"
	SettingStoreLegalName   = "store.legal_name"
	SettingStoreINN         = "store.inn"
	SettingStoreAddress     = "store.address"
	SettingStoreCountry     = "store.country"
	SettingUILanguage       = "ui.language"
)

// Country is a country the till ships a VAT table for, with what follows
// from it: the currency and the language receipts are written in (also the
// window's default, which the admin may change).
type Country struct {
	Code     string // ISO 3166 alpha-2, the VAT table's key
	Currency string // ISO 4217
	Language string // the receipts' language
}

// Countries are the countries the till can be set up for, in the order the
// setup screen offers them.
var Countries = []Country{
	{Code: "RU", Currency: "RUB", Language: "ru"},
	{Code: "IT", Currency: "EUR", Language: "it"},
}

// CountryByCode returns the country with code.
func CountryByCode(code string) (Country, bool) {
	for _, c := range Countries {
		if c.Code == code {
			return c, true
		}
	}
	return Country{}, false
}

// setupLanguages are the window languages a store may default to (the
// languages the till ships: assets.Languages, which the store does not
// import; a test keeps them equal).
var setupLanguages = []string{"en", "ru", "it"}

// StoreDetails are the store's facts kept in settings.
type StoreDetails struct {
	TradingName string // the shop's name over the door
	LegalName   string // the organisation, as registered
	INN         string // organisation tax number: INN (RU, 10 or 12 digits) or partita IVA (IT, 11)
	Address     string
	Country     string // a Countries code
	Language    string // the window's default language: en, ru or it
}

// Setup is what the first start asks: the store and the first
// administrator (whose initial password the store generates).
type Setup struct {
	Store         StoreDetails
	AdminLogin    string
	AdminFullName string
}

// Setup field names, as SetupError reports them.
const (
	FieldTradingName   = "trading_name"
	FieldLegalName     = "legal_name"
	FieldINN           = "inn"
	FieldAddress       = "address"
	FieldCountry       = "country"
	FieldLanguage      = "language"
	FieldAdminLogin    = "login"
	FieldAdminFullName = "full_name"
)

// ErrAlreadySetUp: the database has users; setup never touches it.
var ErrAlreadySetUp = errors.New("store: the database is already set up (it has users)")

// SetupError is a setup value the store refuses, with the field and the
// sentence for the person typing it.
type SetupError struct {
	Field string
	Msg   policy.Message
}

func (e *SetupError) Error() string { return "setup: " + e.Field + ": " + e.Msg.English() }
func (e *SetupError) Unwrap() error { return ErrInvalid }

// setupMessages are the sentences of SetupError, by field (the INN has one
// per country). Keys in assets/lang/store.
var setupMessages = map[string]policy.Message{
	FieldTradingName:   {Key: "store.setup.trading_name", Fallback: "Enter the store's trading name (at most 64 characters)."},
	FieldLegalName:     {Key: "store.setup.legal_name", Fallback: "Enter the organisation's legal name (at most 128 characters)."},
	FieldINN + ".RU":   {Key: "store.setup.inn_ru", Fallback: "The organisation's INN must be 10 digits (a company) or 12 digits (an entrepreneur) with valid check digits."},
	FieldINN + ".IT":   {Key: "store.setup.inn_it", Fallback: "The partita IVA must be 11 digits with a valid check digit."},
	FieldAddress:       {Key: "store.setup.address", Fallback: "Enter the store's address (at most 256 characters)."},
	FieldCountry:       {Key: "store.setup.country", Fallback: "Choose the country: RU (Russia) or IT (Italy)."},
	FieldLanguage:      {Key: "store.setup.language", Fallback: "Choose the language: en, ru or it."},
	FieldAdminLogin:    {Key: "store.setup.login", Fallback: "The login must be 1 to 32 Latin letters, digits, dots, dashes or underscores."},
	FieldAdminFullName: {Key: "store.setup.full_name", Fallback: "Enter the administrator's full name (at most 128 characters)."},
}

func setupErr(field, msgKey string) error {
	return &SetupError{Field: field, Msg: setupMessages[msgKey]}
}

// Normalise trims the values and fills what follows from the country: the
// default language when none was chosen.
func (s Setup) Normalise() Setup {
	t := strings.TrimSpace
	s.Store = StoreDetails{
		TradingName: t(s.Store.TradingName), LegalName: t(s.Store.LegalName), INN: t(s.Store.INN),
		Address: t(s.Store.Address), Country: strings.ToUpper(t(s.Store.Country)), Language: strings.ToLower(t(s.Store.Language)),
	}
	if c, ok := CountryByCode(s.Store.Country); ok && s.Store.Language == "" {
		s.Store.Language = c.Language
	}
	s.AdminLogin, s.AdminFullName = t(s.AdminLogin), t(s.AdminFullName)
	return s
}

// Validate checks a normalised Setup and returns the first problem, in the
// order the form asks, as a *SetupError.
func (s Setup) Validate() error {
	text := func(v string, max int) bool {
		if v == "" || utf8.RuneCountInString(v) > max {
			return false
		}
		for _, r := range v {
			if unicode.IsControl(r) {
				return false
			}
		}
		return true
	}
	d := s.Store
	switch {
	case !text(d.TradingName, 64):
		return setupErr(FieldTradingName, FieldTradingName)
	case !text(d.LegalName, 128):
		return setupErr(FieldLegalName, FieldLegalName)
	}
	if _, ok := CountryByCode(d.Country); !ok {
		return setupErr(FieldCountry, FieldCountry)
	}
	if !ValidOrgTaxNumber(d.Country, d.INN) {
		return setupErr(FieldINN, FieldINN+"."+d.Country)
	}
	switch {
	case !text(d.Address, 256):
		return setupErr(FieldAddress, FieldAddress)
	case !validLanguage(d.Language):
		return setupErr(FieldLanguage, FieldLanguage)
	case !validLogin(s.AdminLogin):
		return setupErr(FieldAdminLogin, FieldAdminLogin)
	case !text(s.AdminFullName, 128):
		return setupErr(FieldAdminFullName, FieldAdminFullName)
	}
	return nil
}

func validLanguage(l string) bool {
	for _, v := range setupLanguages {
		if v == l {
			return true
		}
	}
	return false
}

func validLogin(l string) bool {
	if l == "" || len(l) > 32 {
		return false
	}
	for _, r := range l {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// ValidOrgTaxNumber checks the organisation's tax number for its country:
// in Russia the INN of a company (10 digits, one check digit) or of an
// individual entrepreneur (12 digits, sale.ValidINN); in Italy the partita
// IVA (11 digits, Luhn check digit).
func ValidOrgTaxNumber(country, n string) bool {
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	switch country {
	case "RU":
		if len(n) == 12 {
			return sale.ValidINN(n)
		}
		if len(n) != 10 {
			return false
		}
		sum := 0
		for i, w := range []int{2, 4, 10, 3, 5, 9, 4, 6, 8} {
			sum += w * int(n[i]-'0')
		}
		return sum%11%10 == int(n[9]-'0')
	case "IT":
		if len(n) != 11 || n == "00000000000" {
			return false
		}
		sum := 0
		for i := range 10 {
			v := int(n[i] - '0')
			if i%2 == 1 {
				if v *= 2; v > 9 {
					v -= 9
				}
			}
			sum += v
		}
		return (10-sum%10)%10 == int(n[10]-'0')
	}
	return false
}

// DefaultMatrix is the permission matrix a new store starts with: the
// demo's three groups (Cashier, Supervisor, Administrator) and their
// rights, which the admin then adapts in the back office.
func DefaultMatrix() policy.Matrix { return DemoMatrix() }

// NeedsSetup reports whether the database has no users: nobody could sign
// in, so the till asks for the store and its first administrator.
func (d *DB) NeedsSetup(ctx context.Context) (bool, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return n == 0, nil
}

// Initialise sets up a database that has no users, in one transaction: the
// store's details, the default groups and matrix (unless a matrix was
// imported already: then the admin joins its group that may manage
// administrators and security), and the first administrator with a
// generated initial password, to be changed at the first sign-in. It
// returns the user and that password, which is shown once and not kept.
// A database with users is refused with ErrAlreadySetUp and not touched.
func (d *DB) Initialise(ctx context.Context, s Setup, by Actor) (User, string, error) {
	s = s.Normalise()
	if err := s.Validate(); err != nil {
		return User{}, "", err
	}
	if need, err := d.NeedsSetup(ctx); err != nil {
		return User{}, "", err
	} else if !need {
		return User{}, "", ErrAlreadySetUp
	}
	pw, err := GeneratePassword()
	if err != nil {
		return User{}, "", err
	}
	// argon2 is slow on purpose: hash before taking the write lock.
	hash, err := HashPassword(pw, DefaultArgon2)
	if err != nil {
		return User{}, "", err
	}
	var uid int64
	err = d.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return err
		}
		if n > 0 { // another till set it up meanwhile
			return ErrAlreadySetUp
		}
		gid, err := setupGroups(ctx, tx, by)
		if err != nil {
			return err
		}
		c, _ := CountryByCode(s.Store.Country)
		for k, v := range map[string]string{
			SettingStoreTradingName: s.Store.TradingName, SettingStoreLegalName: s.Store.LegalName,
			SettingStoreINN: s.Store.INN, SettingStoreAddress: s.Store.Address,
			SettingStoreCountry: c.Code, SettingUILanguage: s.Store.Language,
		} {
			if err := setSetting(ctx, tx, k, v); err != nil {
				return err
			}
		}
		now := us(time.Now())
		res, err := tx.ExecContext(ctx, `INSERT INTO users(login, full_name, group_id, receipt_name, inn, journal_days, active, password_hash, must_change, created, updated)
			VALUES(?,?,?,?,?,?,1,?,1,?,?)`, s.AdminLogin, s.AdminFullName, gid, s.AdminFullName, "", 7, hash, now, now)
		if err != nil {
			return fmt.Errorf("first administrator: %w", err)
		}
		if uid, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := appendAudit(ctx, tx, by.entry("data.setup", map[string]any{
			"store": s.Store.TradingName, "country": c.Code, "language": s.Store.Language, "admin": uid, "group": gid,
		}, OutcomeOK, "")); err != nil {
			return err
		}
		return bumpMatrix(ctx, tx, "")
	})
	if err != nil {
		return User{}, "", fmt.Errorf("set up the store: %w", err)
	}
	u, err := d.User(ctx, policy.UserID(uid))
	return u, pw, err
}

// setupGroups saves the default matrix on a database without groups and
// returns the administrators' group; on a database that has a matrix
// already (imported from a bundle before setup) it returns the first group
// that may manage administrators and security.
func setupGroups(ctx context.Context, tx *sql.Tx, by Actor) (int64, error) {
	var groups int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM groups`).Scan(&groups); err != nil {
		return 0, err
	}
	if groups == 0 {
		if _, err := saveMatrix(ctx, tx, DefaultMatrix(), "setup", by); err != nil {
			return 0, err
		}
		var gid int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM groups WHERE name = ?`, DemoGroupAdmin).Scan(&gid)
		return gid, err
	}
	var gid int64
	err := tx.QueryRowContext(ctx, `SELECT a.group_id FROM group_actions a JOIN group_actions b ON a.group_id = b.group_id
		WHERE a.action = ? AND b.action = ? ORDER BY a.group_id LIMIT 1`,
		string(policy.ActionManageAdmins), string(policy.ActionManageSecurity)).Scan(&gid)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("the imported matrix has no group that may manage administrators and security: %w", ErrInvalid)
	}
	return gid, err
}

// Details returns the store's details as setup saved them ("" where unset;
// the country defaults to RU, as the desk's VAT table does).
func (d *DB) Details(ctx context.Context) (StoreDetails, error) {
	var s StoreDetails
	for _, f := range []struct {
		key, def string
		dst      *string
	}{
		{SettingStoreTradingName, "", &s.TradingName},
		{SettingStoreLegalName, "", &s.LegalName},
		{SettingStoreINN, "", &s.INN},
		{SettingStoreAddress, "", &s.Address},
		{SettingStoreCountry, "RU", &s.Country},
		{SettingUILanguage, "", &s.Language},
	} {
		v, err := d.SettingString(ctx, f.key, f.def)
		if err != nil {
			return StoreDetails{}, err
		}
		*f.dst = v
	}
	return s, nil
}
