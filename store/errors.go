package store

import (
	"errors"
	"fmt"

	"github.com/tillpos/till/policy"
)

// Errors callers branch on. Each is wrapped with detail (usually a *PathError
// naming the file); test with errors.Is. Message turns any of them into text
// a cashier or admin can read in their language.
var (
	// ErrLocked: another till process holds the database's lock file.
	ErrLocked = errors.New("store: database is in use by another till")
	// ErrCorrupt: the file is not an SQLite database or is damaged.
	ErrCorrupt = errors.New("store: database file is not a database or is corrupt")
	// ErrReadOnly: the database (or its directory) cannot be written.
	ErrReadOnly = errors.New("store: database is read-only")
	// ErrPragma: a required pragma (WAL, synchronous=FULL, foreign keys,
	// busy timeout) did not take; the till refuses to run without them.
	ErrPragma = errors.New("store: required database setting did not take")
	// ErrTooNew: the database was migrated by a newer till.
	ErrTooNew = errors.New("store: database is newer than this till")
	// ErrEmpty: the database file exists but is empty (0 bytes). SQLite
	// would silently make a new database of it; the till refuses.
	ErrEmpty = errors.New("store: database file is empty")
	// ErrForeign: the file is not a till's database (another program's
	// SQLite file, a device, a directory); the till never migrates it.
	ErrForeign = errors.New("store: file is not a till database")
	// ErrDiskFull: the disk holding the database is full (SQLITE_FULL,
	// ENOSPC): the write did not happen.
	ErrDiskFull = errors.New("store: disk is full")

	// ErrKeyMissing: the key file is gone although the database already has
	// keyed hashes (badges, PINs) made with it. It is never regenerated then:
	// a new key would silently make every badge unknown.
	ErrKeyMissing = errors.New("store: key file is missing")
	// ErrKeyInvalid: the key file cannot be read, has the wrong size, or is
	// not the key this database's badges were made with.
	ErrKeyInvalid = errors.New("store: key file is invalid")
	// ErrKeyExposed: the key file can be read or written by other users
	// (mode looser than 0600): refused, see keys.go.
	ErrKeyExposed = errors.New("store: key file is readable by other users")

	ErrUnknownUser   = errors.New("store: unknown user")
	ErrWrongPassword = errors.New("store: wrong password")
	ErrInactive      = errors.New("store: user is not active")
	// ErrWeakPassword: a new password too short, or equal to the old one.
	ErrWeakPassword = errors.New("store: password does not meet the rules")
	// ErrUnknownBadge: no active enrolment for this badge.
	ErrUnknownBadge = errors.New("store: unknown badge")
	// ErrExists: a login, barcode, badge or PIN is already taken.
	ErrExists = errors.New("store: already exists")
	// ErrNotFound: no such row (user, group, item, shift).
	ErrNotFound = errors.New("store: not found")
	// ErrShiftOpen / ErrNoShift: opening a second shift, closing none.
	ErrShiftOpen = errors.New("store: a shift is already open")
	ErrNoShift   = errors.New("store: no shift is open")
	// ErrGroupInUse: deleting a group some user still belongs to.
	ErrGroupInUse = errors.New("store: users still belong to the group")
	// ErrInvalidINN: a cashier INN that is not 12 digits with valid check
	// digits.
	ErrInvalidINN = errors.New("store: cashier INN is not valid")
	// ErrOwnBadge: enrolling or revoking a badge on the acting person's
	// own card.
	ErrOwnBadge = errors.New("store: nobody changes the badges of their own card")
	// ErrInvalid: a value the store refuses to keep (an empty name, a
	// negative number).
	ErrInvalid = errors.New("store: invalid value")
	// ErrLastAdmin: a change that would leave no active user holding the
	// permissions-and-security right or the administrator-users right.
	ErrLastAdmin = errors.New("store: the last administrator keeps the administrator rights")
)

// PathError names the file an error is about, so "locked" says which lock
// file and "corrupt" which database.
type PathError struct {
	Kind error  // one of the sentinels above
	Path string // the file
	Err  error  // underlying cause, may be nil
}

func (e *PathError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%v: %s: %v", e.Kind, e.Path, e.Err)
	}
	return fmt.Sprintf("%v: %s", e.Kind, e.Path)
}

func (e *PathError) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// messages maps each sentinel to its translation key (assets/lang/store) and
// English fallback. Placeholders: Path, Login.
var messages = []struct {
	err      error
	key      string
	fallback string
}{
	{ErrLocked, "store.error.locked", "The database is already in use by another till (lock file {{.Path}}). Close the other till first."},
	{ErrCorrupt, "store.error.corrupt", "The file {{.Path}} is not a till database or is damaged. Restore it from a backup."},
	{ErrReadOnly, "store.error.read_only", "The database {{.Path}} cannot be written. Check the file's permissions and the free disk space."},
	{ErrPragma, "store.error.pragma", "The database {{.Path}} cannot be opened safely (journal settings did not take)."},
	{ErrTooNew, "store.error.too_new", "The database {{.Path}} was written by a newer till. Update this till."},
	{ErrEmpty, "store.error.empty", "The file {{.Path}} is empty (0 bytes): it is not a till database. If this is a new till, delete the empty file and start again; otherwise restore the database from a backup."},
	{ErrForeign, "store.error.foreign", "The file {{.Path}} is not a till database. Check the database path; the till has not changed the file."},
	{ErrDiskFull, "store.error.disk_full", "The disk holding the database {{.Path}} is full: nothing more can be recorded. Free space on it, then try again."},
	{ErrKeyMissing, "store.error.key_missing", "The key file {{.Path}} is missing. Badges and PINs cannot be checked until it is restored."},
	{ErrKeyInvalid, "store.error.key_invalid", "The key file {{.Path}} is damaged or belongs to another database."},
	{ErrKeyExposed, "store.error.key_exposed", "The key file {{.Path}} can be read by other users of this computer. Make it readable by the till's user only (chmod 600 {{.Path}}), then start the till again."},
	{ErrUnknownUser, "store.error.unknown_user", "Wrong login or password."},
	{ErrWrongPassword, "store.error.wrong_password", "Wrong login or password."},
	{ErrInactive, "store.error.inactive", "User {{.Login}} is not active."},
	{ErrWeakPassword, "store.error.weak_password", "The new password must have at least 6 characters and differ from the old one."},
	{ErrUnknownBadge, "store.error.unknown_badge", "This card is not known."},
	{ErrExists, "store.error.exists", "This already exists."},
	{ErrNotFound, "store.error.not_found", "Not found."},
	{ErrShiftOpen, "store.error.shift_open", "A shift is already open."},
	{ErrNoShift, "store.error.no_shift", "No shift is open."},
	{ErrGroupInUse, "store.error.group_in_use", "Users still belong to this group: move them to another group first."},
	{ErrInvalidINN, "store.error.invalid_inn", "The cashier INN must be 12 digits with valid check digits."},
	{ErrOwnBadge, "store.error.own_badge", "Nobody enrols or changes a badge on their own card: ask another administrator."},
	{ErrAlreadySetUp, "store.error.already_set_up", "This database is already set up: it has users. Sign in as an administrator instead."},
	{ErrInvalid, "store.error.invalid", "This value is not valid."},
	{ErrLastAdmin, "store.error.last_admin", "This would leave nobody who can manage permissions and administrators: give these rights to another active user first."},
}

// Message explains err for a person: the key and fallback of the first store
// error it wraps, with Path and Login arguments filled in where known. For
// an error the store does not know it returns a generic message.
//
// Unknown user and wrong password deliberately read the same: a login
// screen must not tell a stranger which logins exist.
func Message(err error) policy.Message {
	var se *SetupError
	if errors.As(err, &se) {
		return se.Msg
	}
	args := map[string]any{"Path": "", "Login": ""}
	var pe *PathError
	if errors.As(err, &pe) {
		args["Path"] = pe.Path
	}
	var ue *UserError
	if errors.As(err, &ue) {
		args["Login"] = ue.Login
	}
	for _, m := range messages {
		if errors.Is(err, m.err) {
			return policy.Message{Key: m.key, Fallback: m.fallback, Args: args}
		}
	}
	return policy.Message{Key: MessageInternal, Fallback: "The database reported an error.", Args: args}
}

// MessageInternal is the key Message returns for an error the store does
// not classify.
const MessageInternal = "store.error.internal"

// UserError names the login an authentication error is about, for the
// person's message (Message's Login argument) only: Error() leaves it out,
// because what was typed into a login field may be a password or a badge
// number, and error texts reach logs and stderr.
type UserError struct {
	Kind  error
	Login string
}

func (e *UserError) Error() string { return e.Kind.Error() }
func (e *UserError) Unwrap() error { return e.Kind }
