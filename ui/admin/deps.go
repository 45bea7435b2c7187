package admin

import (
	"context"
	"errors"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// Actor is who does a change: the signed-in cashier, the approver whose
// rights are in use (0 if none) and the terminal. Every change the screen
// makes passes it on, so the store writes it into the audit row of the
// same transaction.
type Actor struct {
	User     policy.UserID
	Approver policy.UserID
	Terminal string
}

// User is a user card as the back office edits it. ID is the user's code:
// the number the till assigns and the audit log shows.
type User struct {
	ID          policy.UserID
	Login       string
	FullName    string
	Group       policy.GroupID
	ReceiptName string // cashier name printed on receipts (tag 1021)
	INN         string // cashier INN (tag 1203), 12 digits or empty
	JournalDays int    // how many days back the user sees the journal
	Active      bool
	MustChange  bool
}

// NewUser is what creating a user takes; the store generates the password.
type NewUser struct {
	Login       string
	FullName    string
	Group       policy.GroupID
	ReceiptName string
	INN         string
	JournalDays int
}

// Badge is an enrolled card, shown only by the last two characters of its
// canonical ID: the store keeps the keyed hash and nothing else.
type Badge struct {
	ID      int64
	Hint    string
	Created time.Time
}

// Group is a row of the groups list.
type Group struct {
	ID    policy.GroupID
	Name  string
	Users int // how many users belong to it; deleting needs 0
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID       int64
	Time     time.Time
	Terminal string
	Actor    policy.UserID
	Approver policy.UserID
	Action   string
	Args     string
	Outcome  string
	Reason   string
}

// AuditQuery filters the audit view; zero fields do not filter. An Action
// ending in "." matches every action under that prefix.
type AuditQuery struct {
	Actor    policy.UserID
	Approver policy.UserID
	Action   string
	From, To time.Time // From inclusive, To exclusive
	Limit    int
}

// ChainReport is the result of verifying the audit chain. BrokenAt is 0
// when the whole chain holds.
type ChainReport struct {
	Rows     int64
	BrokenAt int64
	Why      string
}

// Store is what the back office reads and changes. cmd/till adapts
// *store.DB to it; each method is one transaction that writes its own audit
// row with the Actor. Errors a person should read wrap *Error.
type Store interface {
	Users(ctx context.Context) ([]User, error)
	CreateUser(ctx context.Context, nu NewUser, by Actor) (User, string, error)
	UpdateUser(ctx context.Context, u User, by Actor) error
	// ResetPassword gives a new generated initial password, to be changed
	// at the next sign-in.
	ResetPassword(ctx context.Context, login string, by Actor) (string, error)

	Badges(ctx context.Context, user policy.UserID) ([]Badge, error)
	EnrolBadge(ctx context.Context, user policy.UserID, id device.BadgeID, by Actor) (Badge, error)
	RevokeBadge(ctx context.Context, badge int64, by Actor) error
	// SetPIN sets the PIN the "password only" approval mode finds the
	// approver by; "" clears it. A PIN someone else has is refused with
	// MsgPINTaken (PINs are unique by design of that mode).
	SetPIN(ctx context.Context, user policy.UserID, pin string, by Actor) error

	Groups(ctx context.Context) ([]Group, error)
	CreateGroup(ctx context.Context, name string, copyFrom policy.GroupID, by Actor) (policy.GroupID, error)
	RenameGroup(ctx context.Context, id policy.GroupID, name string, by Actor) error
	// DeleteGroup is refused while users belong to the group.
	DeleteGroup(ctx context.Context, id policy.GroupID, by Actor) error
	LoadMatrix(ctx context.Context) (policy.Matrix, error)
	// SaveMatrix writes a new matrix version in one transaction.
	SaveMatrix(ctx context.Context, m policy.Matrix, by Actor) (int64, error)

	Setting(ctx context.Context, key, def string) (string, error)
	// SetSettings stores several settings in one transaction.
	SetSettings(ctx context.Context, kv map[string]string, by Actor) error

	SearchAudit(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	VerifyAudit(ctx context.Context) (ChainReport, error)
	// Denied records an attempt the policy refused.
	Denied(ctx context.Context, by Actor, action policy.Action, reason string) error
}

// Lockouts is implemented by a Store that keeps failed sign-in, unlock and
// approval attempts (cmd/till's): the user card then shows a lock and
// offers to lift it.
type Lockouts interface {
	// LockedUntil is when the user's lock ends; zero when not locked.
	LockedUntil(ctx context.Context, user policy.UserID, now time.Time) (time.Time, error)
	// LiftLockout forgets the user's failed attempts (audited).
	LiftLockout(ctx context.Context, user policy.UserID, by Actor) error
}

// BadgeTakenMessage answers an enrolment of a badge that is already
// enrolled: to an admin enrolling cards, naming the holder is right — the
// card is in their hand and must go back to that person (or be revoked on
// their card first). same: the badge is already this user's.
func BadgeTakenMessage(name, login string, same bool) policy.Message {
	if same {
		return policy.Message{Key: "admin.badges.taken_same", Fallback: "This badge is already enrolled to this user."}
	}
	return policy.Message{
		Key:      "admin.badges.taken",
		Fallback: "This badge is already enrolled to {{.Name}} ({{.Login}}): revoke it on their card first.",
		Args:     map[string]any{"Name": name, "Login": login},
	}
}

// Bundles reads and writes the signed matrix bundle (see package bundle).
type Bundles interface {
	// Export signs this till's matrix with the publisher key in keyPath
	// and writes it to path, returning the bundle's version.
	Export(ctx context.Context, path, keyPath string, by Actor) (int64, error)
	// Import verifies the bundle at path against the till's trusted
	// publishers and imports it in one transaction.
	Import(ctx context.Context, path string, by Actor) (int64, error)
}

// Policy answers for the session signed in at the till.
type Policy interface {
	// Actor is who is acting now.
	Actor() Actor
	// Decide is policy.Decide for the session's principal over the current
	// snapshot, with the verdict's message for the screen.
	Decide(a policy.Action) (policy.Verdict, policy.Message)
}

// Deps is what the back office is wired to. Store and Policy are required.
type Deps struct {
	Store  Store
	Policy Policy
	// Bundles, when nil, hides the bundle tab.
	Bundles Bundles
	// Devices, when nil, hides the Devices tab.
	Devices Devices
	// Catalogue, when nil, hides the items tab.
	Catalogue Catalogue
	// Refresh makes running sessions pick up a change at once
	// (db.RefreshPolicy on the holder every decider reads). Called after
	// every change of users, groups, the matrix or security settings.
	Refresh func(ctx context.Context) error
	// BadgeFromEvent turns a Scan or Swipe that arrives while the enrol
	// dialog is open into a device.Badge or device.ReadError (the input
	// configuration's BadgeFromEvent). Nil accepts device.Badge only.
	BadgeFromEvent func(device.InputEvent) device.InputEvent
	// PrintPassword prints a generated initial password on the register's
	// tape for the user to take away; nil (no register that prints text)
	// hides the button.
	PrintPassword func(ctx context.Context, u User, password string) error
	// Now is the clock for the audit view's default dates; nil is time.Now.
	Now func() time.Time
	// Async runs store work off the UI goroutine and Do brings the result
	// back (go f() and fyne.Do by default; tests run both inline).
	Async func(func())
	Do    func(func())
	// Managed is set when the till belongs to a chain (it trusts a centre
	// key): users, badges, PINs, passwords, groups, the matrix, limits and
	// the security settings come from the head office's signed bundles, so
	// the tabs show them read-only with the reason. Lifting a lockout, the
	// audit log, devices and the bundle tab stay local.
	Managed bool
	// SignOut: the back button signs out instead of going back to the
	// sale screen (the head office's window has none).
	SignOut bool
}

// Error is a failure with a sentence for the admin (the store's message,
// translated through its own lang area), keeping the cause for logs.
type Error struct {
	Msg policy.Message
	Err error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Msg.English()
	}
	return e.Msg.English() + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Setting keys the settings tab edits. They are the keys the store and the
// desk read (store.SettingSecurityEnabled, desk.SettingApprovalMode, ...);
// cmd/till's tests check that they stay equal, since this package imports
// neither.
const (
	SettingSecurityEnabled = "security.enabled"
	SettingHideDisabled    = "security.hide_disabled"
	SettingApprovalMode    = "approval.mode"
	SettingIdleTimeout     = "approval.idle_timeout"
	SettingLockoutFailures = "approval.lockout.failures"
	SettingLockoutWindow   = "approval.lockout.window"
	SettingLockoutDuration = "approval.lockout.duration"
)

// Approval modes of the impersonate dialog (desk.ApprovalMode values).
var approvalModes = []string{"user_password", "password", "card"}

// errDenied marks an action the policy refused; the screen has shown why.
var errDenied = errors.New("admin: refused by the permission matrix")
