package desk

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// The narrow views of the store that the desk needs. Methods whose types
// belong to policy, sale or the standard library have the store's own
// signatures, so *store.DB satisfies them as it is; the ones that return
// store rows (users, shifts, audit entries) use the desk's types below, and
// desk/deskstore adapts *store.DB to them. The desk never imports store: it
// must stay testable with fakes and must not reach into SQL.

// User is what the desk needs to know about a person.
type User struct {
	ID          policy.UserID
	Login       string
	FullName    string
	ReceiptName string // name the register prints and reports (tag 1021)
	INN         string // may be empty
	JournalDays int    // how many days back the journal shows by default
	Active      bool
	MustChange  bool // the UI must force a new password before anything else
}

// DisplayName is the name people see: full name, else login.
func (u User) DisplayName() string {
	if u.FullName != "" {
		return u.FullName
	}
	return u.Login
}

// Credential lookup errors the Users implementation returns (wrapped).
var (
	// ErrBadCredential: unknown login, wrong password, unknown PIN or badge.
	// One error for all of them so no caller can tell which logins exist.
	ErrBadCredential = errors.New("desk: wrong credentials")
)

// Users finds people by their credentials. Authenticate returns an inactive
// user with a nil error once the password is right: being inactive is a
// policy reason the approval dialog names, not a lookup failure. The
// implementation compares secrets in constant time (argon2id, keyed hashes).
type Users interface {
	Authenticate(ctx context.Context, login, password string) (User, error)
	UserByLogin(ctx context.Context, login string) (User, error)
	UserByBadge(ctx context.Context, canonicalID string) (User, error)
	UserByPIN(ctx context.Context, pin string) (User, error)
}

// AuditEntry is one audit row as the desk writes it. Actor is always the
// cashier; Approver the user whose rights were used (0: none).
type AuditEntry struct {
	Time     time.Time
	Terminal string
	Actor    policy.UserID
	Approver policy.UserID
	Action   string
	Args     json.RawMessage
	Outcome  string
	Reason   string
}

// Audit outcomes, the same words the store uses.
const (
	OutcomeOK       = "ok"
	OutcomeDenied   = "denied"
	OutcomeApproved = "approved"
	OutcomeFailed   = "failed"
)

// Auditor appends to the audit hash chain.
type Auditor interface {
	Audit(ctx context.Context, e AuditEntry) error
}

// Lockouts keeps failed approval attempts per approver and terminal; the
// decision is policy.CheckLockout's. Signatures are the store's.
type Lockouts interface {
	RecordFailure(ctx context.Context, approver policy.UserID, terminal string, at time.Time) error
	Failures(ctx context.Context, approver policy.UserID, terminal string, since time.Time) ([]time.Time, error)
	ClearFailures(ctx context.Context, approver policy.UserID, terminal string) error
}

// Matrices is the stored permission matrix. Signatures are the store's.
type Matrices interface {
	MatrixVersion(ctx context.Context) (int64, error)
	LoadMatrix(ctx context.Context) (policy.Matrix, error)
}

// Settings are typed key/value settings. Signatures are the store's.
type Settings interface {
	SettingString(ctx context.Context, key, def string) (string, error)
	SettingInt(ctx context.Context, key string, def int64) (int64, error)
	SettingDuration(ctx context.Context, key string, def time.Duration) (time.Duration, error)
}

// Items is the catalogue. Signatures are the store's.
type Items interface {
	ItemByBarcode(ctx context.Context, barcode string) (sale.Item, error)
}

// Shift is the till's record of the register's shift.
type Shift struct {
	Number   int
	Opened   time.Time
	OpenedBy policy.UserID
	Closed   time.Time // zero while open
}

// ErrNoShift: no shift is open (Shifts.CurrentShift, CloseShift).
var ErrNoShift = errors.New("desk: no shift is open")

// Shifts records shifts opened and closed on the register.
type Shifts interface {
	OpenShift(ctx context.Context, number int, by policy.UserID, at time.Time) (Shift, error)
	CloseShift(ctx context.Context, by policy.UserID, at time.Time) (Shift, error)
	CurrentShift(ctx context.Context) (Shift, error)
}

// Store is everything the desk reads and writes outside the sale core.
type Store interface {
	Users
	Auditor
	Lockouts
	Matrices
	Settings
	Items
	Shifts
}

// Setting keys the desk reads, with their defaults.
const (
	// SettingApprovalMode is the impersonate dialog's mode: "user_password"
	// (default), "password" (PIN only) or "card".
	SettingApprovalMode = "approval.mode"
	// SettingIdleTimeout ends a sticky elevation nobody used ("2m").
	SettingIdleTimeout = "approval.idle_timeout"
	// SettingLockoutFailures, SettingLockoutWindow and SettingLockoutDuration
	// are policy.LockoutSettings (5, "5m", "5m").
	SettingLockoutFailures = "approval.lockout.failures"
	SettingLockoutWindow   = "approval.lockout.window"
	SettingLockoutDuration = "approval.lockout.duration"
)
