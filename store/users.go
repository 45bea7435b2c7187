package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/policy"
)

// User is a person who logs in to the till.
type User struct {
	ID          policy.UserID
	Login       string
	FullName    string
	Group       policy.GroupID
	ReceiptName string // cashier name printed on receipts and sent to the register
	INN         string // cashier INN (12 digits in Russia), may be empty
	JournalDays int    // how many days back the user sees the journal
	Active      bool
	MustChange  bool // initial or reset password: change it before anything else
}

// Actor says who does a change, for the audit row written in the same
// transaction. The zero Actor is an operator at the command line.
type Actor struct {
	User     policy.UserID
	Approver policy.UserID // user whose rights were used, 0 if none
	Terminal string
}

func (a Actor) entry(action string, args map[string]any, outcome, reason string) AuditEntry {
	t := a.Terminal
	if t == "" {
		t = "cli"
	}
	// Marshalling a map of plain values cannot fail; sorted keys keep the
	// stored text stable.
	b, _ := json.Marshal(args)
	return AuditEntry{Terminal: t, Actor: a.User, Approver: a.Approver, Action: action, Args: b, Outcome: outcome, Reason: reason}
}

const userCols = `id, login, full_name, group_id, receipt_name, inn, journal_days, active, must_change`

type rowScanner interface{ Scan(...any) error }

func scanUser(r rowScanner) (User, error) {
	var u User
	var id, group int64
	err := r.Scan(&id, &u.Login, &u.FullName, &group, &u.ReceiptName, &u.INN, &u.JournalDays, &u.Active, &u.MustChange)
	u.ID, u.Group = policy.UserID(id), policy.GroupID(group)
	return u, err
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		c := se.Code()
		return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// bumpMatrix increments the matrix version inside tx: every change the
// policy snapshot depends on (groups, users, security settings) calls it, so
// the snapshot holder sees it by polling MatrixVersion.
//
// The version never passes bundle.MaxVersion: SQLite turns an integer
// overflow into a float, after which no version compares right and the
// database needs SQL to recover. A till at the bound refuses the change.
func bumpMatrix(ctx context.Context, tx *sql.Tx, source string) error {
	q := `UPDATE matrix_meta SET version = version + 1, updated = ? WHERE id = 1 AND version < ?`
	args := []any{us(time.Now()), int64(bundle.MaxVersion)}
	if source != "" {
		q = `UPDATE matrix_meta SET version = version + 1, updated = ?, source = ? WHERE id = 1 AND version < ?`
		args = []any{us(time.Now()), source, int64(bundle.MaxVersion)}
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("bump matrix version: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("bump matrix version: the version is at its bound: %w", ErrInvalid)
	}
	return nil
}

// NewUser is what CreateUser needs; the password is generated.
type NewUser struct {
	Login       string
	FullName    string
	Group       policy.GroupID
	ReceiptName string
	INN         string
	JournalDays int
}

// CreateUser adds an active user with a generated initial password that must
// be changed at first login, and returns the user and that password (show
// it once; it is not stored in clear). A taken login wraps ErrExists.
func (d *DB) CreateUser(ctx context.Context, nu NewUser, by Actor) (User, string, error) {
	pw, err := GeneratePassword()
	if err != nil {
		return User{}, "", err
	}
	u, err := d.createUser(ctx, nu, pw, true, by)
	return u, pw, err
}

func (d *DB) createUser(ctx context.Context, nu NewUser, password string, mustChange bool, by Actor) (User, error) {
	nu.Login = strings.TrimSpace(nu.Login)
	if nu.Login == "" {
		return User{}, fmt.Errorf("create user: empty login")
	}
	if nu.JournalDays <= 0 {
		nu.JournalDays = 1
	}
	if err := checkCard(nu.INN, nu.JournalDays); err != nil {
		return User{}, fmt.Errorf("create user %q: %w", nu.Login, err)
	}
	hash, err := HashPassword(password, DefaultArgon2)
	if err != nil {
		return User{}, err
	}
	var id int64
	err = d.tx(ctx, func(tx *sql.Tx) error {
		now := us(time.Now())
		res, err := tx.ExecContext(ctx, `INSERT INTO users(login, full_name, group_id, receipt_name, inn, journal_days, active, password_hash, must_change, created, updated)
			VALUES(?,?,?,?,?,?,1,?,?,?,?)`,
			nu.Login, nu.FullName, int64(nu.Group), nu.ReceiptName, nu.INN, nu.JournalDays, hash, mustChange, now, now)
		if isUnique(err) {
			return &UserError{Kind: ErrExists, Login: nu.Login}
		}
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if _, err := appendAudit(ctx, tx, by.entry("users.create", map[string]any{"user": id, "group": nu.Group}, OutcomeOK, "")); err != nil {
			return err
		}
		return bumpMatrix(ctx, tx, "")
	})
	if err != nil {
		return User{}, fmt.Errorf("create user %q: %w", nu.Login, err)
	}
	return d.User(ctx, policy.UserID(id))
}

// User returns one user; ErrNotFound if there is none.
func (d *DB) User(ctx context.Context, id policy.UserID) (User, error) {
	u, err := scanUser(d.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE id = ?`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, fmt.Errorf("user #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return User{}, fmt.Errorf("user #%d: %w", id, err)
	}
	return u, nil
}

// UserByLogin returns one user; ErrUnknownUser if there is none.
func (d *DB) UserByLogin(ctx context.Context, login string) (User, error) {
	u, err := scanUser(d.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE login = ?`, strings.TrimSpace(login)))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, &UserError{Kind: ErrUnknownUser, Login: login}
	}
	if err != nil {
		return User{}, fmt.Errorf("user by login: %w", err)
	}
	return u, nil
}

// Users returns every user, by login.
func (d *DB) Users(ctx context.Context) ([]User, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+userCols+` FROM users ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser stores u's name, group, receipt name, INN, journal depth and
// active flag (not the login or the password).
func (d *DB) UpdateUser(ctx context.Context, u User, by Actor) error {
	if u.JournalDays == 0 {
		u.JournalDays = 1
	}
	if err := checkCard(u.INN, u.JournalDays); err != nil {
		return fmt.Errorf("update user #%d: %w", u.ID, err)
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		// The last administrator can be neither deactivated nor moved to a
		// group without the administrator rights.
		err := keepAdmins(ctx, tx, func() error {
			res, err := tx.ExecContext(ctx, `UPDATE users SET full_name=?, group_id=?, receipt_name=?, inn=?, journal_days=?, active=?, updated=? WHERE id=?`,
				u.FullName, int64(u.Group), u.ReceiptName, u.INN, u.JournalDays, u.Active, us(time.Now()), int64(u.ID))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return ErrNotFound
			}
			return nil
		})
		if err != nil {
			return err
		}
		if _, err := appendAudit(ctx, tx, by.entry("users.update", map[string]any{"user": u.ID, "group": u.Group, "active": u.Active}, OutcomeOK, "")); err != nil {
			return err
		}
		return bumpMatrix(ctx, tx, "")
	})
	if err != nil {
		return fmt.Errorf("update user #%d: %w", u.ID, err)
	}
	return nil
}

// dummyHash is verified against when the login is unknown, so a failed login
// takes as long whether or not the login exists.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("no such user", DefaultArgon2)
	return h
})

// Authenticate checks a login and password. It returns the user (check
// MustChange: the UI must force a new password before anything else) or an
// error wrapping ErrUnknownUser, ErrWrongPassword or ErrInactive. Inactive
// is only reported after a correct password, so it does not reveal which
// logins exist. The caller audits the attempt (it knows the terminal).
func (d *DB) Authenticate(ctx context.Context, login, password string) (User, error) {
	var u User
	var hash string
	err := d.db.QueryRowContext(ctx, `SELECT password_hash, `+userCols+` FROM users WHERE login = ?`, strings.TrimSpace(login)).
		Scan(append([]any{&hash}, userScanDst(&u)...)...)
	if errors.Is(err, sql.ErrNoRows) {
		VerifyPassword(dummyHash(), password)
		return User{}, &UserError{Kind: ErrUnknownUser, Login: login}
	}
	if err != nil {
		return User{}, fmt.Errorf("authenticate: %w", err)
	}
	ok, err := VerifyPassword(hash, password)
	if err != nil {
		return User{}, fmt.Errorf("authenticate user #%d: %w", u.ID, err)
	}
	if !ok {
		return User{}, &UserError{Kind: ErrWrongPassword, Login: login}
	}
	if !u.Active {
		return User{}, &UserError{Kind: ErrInactive, Login: login}
	}
	return u, nil
}

// userScanDst is scanUser's destination list for queries with extra columns.
func userScanDst(u *User) []any {
	return []any{(*int64)(&u.ID), &u.Login, &u.FullName, (*int64)(&u.Group), &u.ReceiptName, &u.INN, &u.JournalDays, &u.Active, &u.MustChange}
}

// ChangePassword sets a new password after checking the old one, and clears
// MustChange. The new one must have MinPasswordLen characters and differ
// from the old (ErrWeakPassword).
func (d *DB) ChangePassword(ctx context.Context, login, oldPassword, newPassword string) error {
	u, err := d.Authenticate(ctx, login, oldPassword)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if len([]rune(newPassword)) < MinPasswordLen || newPassword == oldPassword {
		return fmt.Errorf("change password of %q: %w", login, ErrWeakPassword)
	}
	hash, err := HashPassword(newPassword, DefaultArgon2)
	if err != nil {
		return err
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash=?, must_change=0, updated=? WHERE id=?`, hash, us(time.Now()), int64(u.ID)); err != nil {
			return err
		}
		_, err := appendAudit(ctx, tx, Actor{User: u.ID, Terminal: "till"}.entry("users.password.change", map[string]any{"user": u.ID}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("change password of %q: %w", login, err)
	}
	return nil
}

// ResetPassword gives a user a new generated initial password with
// MustChange set, and returns it. Unknown login wraps ErrUnknownUser.
func (d *DB) ResetPassword(ctx context.Context, login string, by Actor) (string, error) {
	pw, err := GeneratePassword()
	if err != nil {
		return "", err
	}
	hash, err := HashPassword(pw, DefaultArgon2)
	if err != nil {
		return "", err
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE login = ?`, strings.TrimSpace(login)).Scan(&id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return &UserError{Kind: ErrUnknownUser, Login: login}
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash=?, must_change=1, updated=? WHERE id=?`, hash, us(time.Now()), id); err != nil {
			return err
		}
		_, err := appendAudit(ctx, tx, by.entry("users.password.reset", map[string]any{"user": id}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("reset password of %q: %w", login, err)
	}
	return pw, nil
}

// SetPassword sets a user's password without the old one and clears
// MustChange: for a user who signed in by badge and must change an initial
// password they never typed, where the badge is the proof of identity. The
// caller must have authenticated id. The rules of ChangePassword apply; a
// new password equal to the current one is ErrWeakPassword.
func (d *DB) SetPassword(ctx context.Context, id policy.UserID, newPassword string, by Actor) error {
	if len([]rune(newPassword)) < MinPasswordLen {
		return fmt.Errorf("set password of user #%d: %w", id, ErrWeakPassword)
	}
	var cur string
	var active bool
	err := d.db.QueryRowContext(ctx, `SELECT password_hash, active FROM users WHERE id = ?`, int64(id)).Scan(&cur, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("set password of user #%d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("set password of user #%d: %w", id, err)
	}
	if !active {
		return fmt.Errorf("set password of user #%d: %w", id, ErrInactive)
	}
	if same, _ := VerifyPassword(cur, newPassword); same {
		return fmt.Errorf("set password of user #%d: %w", id, ErrWeakPassword)
	}
	hash, err := HashPassword(newPassword, DefaultArgon2)
	if err != nil {
		return err
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash=?, must_change=0, updated=? WHERE id=?`, hash, us(time.Now()), int64(id)); err != nil {
			return err
		}
		_, err := appendAudit(ctx, tx, by.entry("users.password.set", map[string]any{"user": id}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("set password of user #%d: %w", id, err)
	}
	return nil
}
