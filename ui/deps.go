package ui

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"golang.org/x/text/currency"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/sale"
)

// User is the person signed in, as the window shows them.
type User struct {
	ID         int64
	Login      string
	FullName   string
	Group      string // the group's name, shown beside the full name
	MustChange bool   // initial or reset password: change it before anything else
	// JournalDays is how far back the bill history goes by default (the
	// user's journal depth); 0 reads as 1.
	JournalDays int
}

// Errors an Auth returns for the failures the login screen explains to the
// cashier. Implementations wrap them (fmt.Errorf("%w: ...", ui.ErrWrongPassword))
// so the detail stays in logs and the screen shows a translated sentence.
var (
	ErrUnknownUser   = errors.New("unknown user")
	ErrWrongPassword = errors.New("wrong password")
	ErrInactive      = errors.New("user inactive")
	// ErrLockedOut: too many failed attempts; the wrapped error may say until when.
	ErrLockedOut = errors.New("user locked out")
)

// Auth signs people in and changes their passwords.
type Auth interface {
	// Authenticate checks a login and password. On failure the error wraps
	// one of ErrUnknownUser, ErrWrongPassword, ErrInactive or ErrLockedOut
	// when it is one of those.
	Authenticate(ctx context.Context, login, password string) (User, error)
	// ChangePassword sets a new password and clears MustChange. old is the
	// password the user just signed in with ("" after a badge sign-in).
	ChangePassword(ctx context.Context, u User, old, new string) error
}

// BadgeAuth signs people in by badge. The error wraps ErrUnknownUser when
// no active user holds the badge, ErrInactive when its holder is inactive.
type BadgeAuth interface {
	AuthenticateBadge(ctx context.Context, id device.BadgeID) (User, error)
}

// Settings is where the window keeps its own choices (language, theme). The
// store's settings table when the store is open; fyne Preferences otherwise.
type Settings interface {
	String(key, fallback string) string
	SetString(key, value string) error
}

// Keys of the settings the window owns.
const (
	SettingLanguage = "ui.language" // "en", "ru", "it"; empty = follow the system
	SettingTheme    = "ui.theme"    // ThemeSystem, ThemeLight, ThemeDark
	// SettingTenderMultiple: a cash tender above this many times what is
	// left to pay asks for confirmation; "0" never asks. Default 10.
	SettingTenderMultiple = "ui.tender.max_multiple"
)

// ItemSearcher finds catalogue items by the beginning of their name.
type ItemSearcher interface {
	SearchItems(ctx context.Context, prefix string, limit int) ([]sale.Item, error)
}

// RegisterStatus is the part of device.Register the status bar polls. A
// device.Register satisfies it.
type RegisterStatus interface {
	Status(ctx context.Context) (device.Status, error)
}

// DemoLogin is one row of the demo credentials panel on the login screen.
type DemoLogin struct {
	Login    string
	Password string
	Group    string
	Badge    string // printable badge ID, "" when the user has none
	// MustChange: the user is made to change the password at sign-in, so
	// the demo shows that screen too.
	MustChange bool
}

// Deps is everything the window is wired to. Auth and Settings are required;
// a nil Items or Register shows that the part is not connected.
type Deps struct {
	Auth     Auth
	Settings Settings
	// Badges, when set, lets a badge from any reader sign in on the login
	// screen (see App.HandleInput).
	Badges   BadgeAuth
	Items    ItemSearcher
	Register RegisterStatus
	// Currency of the store's prices; the zero Unit is read as roubles.
	Currency currency.Unit
	// StoreLanguage formats money and quantities on the sale screen as the
	// store's receipts and price tags do ("ru": 1 234,50 ₽); empty follows
	// the window's language.
	StoreLanguage string
	// Demo, when not empty, is shown on the login screen: the till runs on
	// demo data and these are its logins.
	Demo []DemoLogin
	// Unprotected reports that the security module is switched off (every
	// action is allowed); the main screen says so. Asked at each sign-in, as
	// an admin may switch it meanwhile. Nil means protected.
	Unprotected func() bool

	// Desk is the cashier's session: every sale and shift action of the
	// sale screen goes through it (policy first). Auth and Badges must sign
	// in through the same Desk. Nil: the sale screen only searches items.
	Desk *desk.Desk
	// Approve opens the supervisor dialog (ui/approve) for a denied request,
	// or for sticky elevation from the key button when pending is nil. done
	// is called once on the UI goroutine: nil = approved (the request ran)
	// or elevated. The returned sink gets the input events (badge, swipe)
	// while the dialog is open. Nil: "Ask supervisor" and the key button are
	// shown disabled.
	Approve func(win fyne.Window, pending *desk.Pending, done func(error)) InputSink
	// Admin builds the back office; back returns to the sale screen. Nil
	// hides the Admin button.
	Admin func(back func()) AdminScreen
	// Async runs background work (sign-in, searches, the desk's start) and
	// Do brings its result back to the UI goroutine: go f() and fyne.Do
	// when nil. Tests of the wiring run both inline, so the window changes
	// only on the test's goroutine.
	Async func(func())
	Do    func(func())
	// AdminOnly is the head office's window (till centre -window): no sale
	// screen; after sign-in (and the forced password change) the back
	// office, and its back button signs out.
	AdminOnly bool
	// Readers reports the input readers' state for the status bar; nil
	// means only the keyboard (wedge) is in use.
	Readers func() []ReaderState
	// Wedge configures the keyboard-wedge detector of the window; the zero
	// value takes the defaults (30 ms average gap, Enter terminator).
	Wedge events.WedgeConfig
	// Setup, when set, shows the setup screen instead of the login screen
	// while the database has no users (ui/setup.go).
	Setup Setup
	// Country picks the VAT codes offered for a generic item ("RU", "IT");
	// empty reads as "RU".
	Country string
	// LooseFiles are the till's files other users of the computer can read
	// (store.LooseFiles): the main screen says so until they are fixed.
	LooseFiles []LooseFile
	// AuditAnchor says what is wrong with the audit log's anchor
	// (store.DB.AnchorState), asked with every status poll; nil = not
	// wired. The main screen shows a warning while it is not well.
	AuditAnchor func() AnchorWarning
	// Chain reports the link to the head office for the status bar; nil
	// means the till is not in a chain and the bar says nothing of it.
	Chain func() ChainStatus
}

// ChainStatus is the till's link to its head office (chain.Status).
type ChainStatus struct {
	Online       bool
	OfflineSince time.Time // when the link went down; zero while online
	Waiting      int64     // events the head office has not confirmed
	Problem      string    // why the link could not start; empty when it did
	// Refused is why the last bundle the head office sent was refused
	// (the till keeps the last good one); empty when it was applied.
	Refused string
}

// AnchorWarning is the audit anchor's trouble; Problem "" = none.
type AnchorWarning struct {
	Problem string // AnchorWrite, AnchorMissing or AnchorInvalid
	File    string
	Detail  string // the error, for the administrator
}

// The audit anchor's troubles (AnchorWarning.Problem).
const (
	AnchorWrite   = "write"   // the last write failed: committed rows are not anchored
	AnchorMissing = "missing" // no anchor file
	AnchorInvalid = "invalid" // the anchor cannot be read or checked
)

// LooseFile is a file of the till with a mode looser than 0600.
type LooseFile struct {
	Path string
	Mode string // octal, "0644"
}

// ErrCancelled is what the Approve hook's done receives when the
// supervisor dialog was closed without an approval (the wiring maps the
// dialog's own sentinel to it). Any other error is the approved action's
// own failure, shown like the action's.
var ErrCancelled = errors.New("supervisor dialog closed")

// InputSink is anything that takes input events while it is on top of the
// screen: the supervisor dialog, a dialog of the sale screen. It returns
// whether it consumed the event.
type InputSink interface {
	HandleInput(device.InputEvent) bool
}

// AdminScreen is the back office (ui/admin) as the shell hosts it.
type AdminScreen interface {
	Content() fyne.CanvasObject
	HandleInput(device.InputEvent) bool
}

// ReaderState is one input reader in the status bar.
type ReaderState struct {
	Name string
	OK   bool
	Msg  Message // what is wrong (or "connected")
}
