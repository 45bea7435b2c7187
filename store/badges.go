package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tillpos/till/policy"
)

// Badge is an enrolled card. Only the keyed hash of its canonical ID is
// stored; Hint (its last two characters, see BadgeHint) lets an admin tell a
// user's cards apart.
type Badge struct {
	ID      int64
	User    policy.UserID
	Hint    string
	Created time.Time
}

// BadgeHint is what the till keeps and shows of a badge: the last two
// characters of its canonical ID. For an EM-Marine card ("EM:088,15793",
// printed on the card as "088,15793") they are the last two digits of the
// number printed after the comma; for a full 32-bit ID ("EM32:0005781857")
// the last two of the 10-digit number printed on it. Two characters of an
// ID of five or more leave at least 10^3 candidates: enough to tell a
// person's two or three cards apart, not enough to narrow a guess. IDs of
// four characters or fewer show nothing.
func BadgeHint(id string) string {
	r := []rune(strings.TrimSpace(id))
	if len(r) <= 4 {
		return ""
	}
	return string(r[len(r)-2:])
}

// EnrolBadge binds a badge (its canonical ID, as device/scan produces it) to
// a user. A badge already enrolled (to anyone) wraps ErrExists inside a
// *BadgeTakenError naming the holder (an admin enrolling cards must know
// whose card it is); the actor's own card (or the approver's) ErrOwnBadge.
// The raw ID is never stored, logged or audited; the audit row carries only
// the two-character hint.
func (d *DB) EnrolBadge(ctx context.Context, user policy.UserID, canonicalID string, by Actor) (Badge, error) {
	return d.EnrolBadgeHint(ctx, user, canonicalID, "", by)
}

// EnrolBadgeHint is EnrolBadge keeping hint — the last two characters of
// the number printed on the card, as the reader read it
// (device.BadgeID.HintChars) — instead of the canonical ID's. A hint of
// more than two characters keeps its last two; "" uses BadgeHint.
func (d *DB) EnrolBadgeHint(ctx context.Context, user policy.UserID, canonicalID, hint string, by Actor) (Badge, error) {
	if by.owns(user) {
		return Badge{}, fmt.Errorf("enrol badge for user #%d: %w", user, ErrOwnBadge)
	}
	canonicalID = strings.TrimSpace(canonicalID)
	if canonicalID == "" {
		return Badge{}, fmt.Errorf("enrol badge: empty badge ID")
	}
	key, err := d.loadKey(ctx)
	if err != nil {
		return Badge{}, fmt.Errorf("enrol badge: %w", err)
	}
	if r := []rune(strings.TrimSpace(hint)); len(r) > 2 {
		hint = string(r[len(r)-2:])
	}
	if hint == "" || BadgeHint(canonicalID) == "" {
		hint = BadgeHint(canonicalID)
	}
	b := Badge{User: user, Hint: hint, Created: fromUS(us(time.Now()))}
	h := keyed(key, purposeBadge, canonicalID)
	err = d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO badges(hash, last4, user_id, created) VALUES(?,?,?,?)`,
			h, b.Hint, int64(user), us(b.Created))
		if isUnique(err) {
			return badgeTaken(ctx, tx, h)
		}
		if err != nil {
			return err
		}
		if b.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, by.entry("badges.enrol", map[string]any{"user": user, "badge": b.ID, "hint": b.Hint}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return Badge{}, fmt.Errorf("enrol badge …%s for user #%d: %w", b.Hint, user, err)
	}
	return b, nil
}

// owns reports whether user is the person acting or the one whose rights
// are lent to them: nobody enrols or revokes a badge on their own card
// (whoever could bind a card to themselves could sign in with a card
// someone else handed them). The zero Actor, an operator at the command
// line, owns no card.
func (a Actor) owns(user policy.UserID) bool {
	return user != 0 && (user == a.User || user == a.Approver)
}

// RevokeBadge removes an enrolment; ErrOwnBadge on the actor's own card.
func (d *DB) RevokeBadge(ctx context.Context, badge int64, by Actor) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var holder int64
		if err := tx.QueryRowContext(ctx, `SELECT user_id FROM badges WHERE id = ?`, badge).Scan(&holder); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if by.owns(policy.UserID(holder)) {
			return ErrOwnBadge
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM badges WHERE id = ?`, badge)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = appendAudit(ctx, tx, by.entry("badges.revoke", map[string]any{"badge": badge}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke badge #%d: %w", badge, err)
	}
	return nil
}

// Badges lists a user's enrolled badges.
func (d *DB) Badges(ctx context.Context, user policy.UserID) ([]Badge, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT id, user_id, last4, created FROM badges WHERE user_id = ? ORDER BY id`, int64(user))
	if err != nil {
		return nil, fmt.Errorf("list badges: %w", err)
	}
	defer rows.Close()
	var out []Badge
	for rows.Next() {
		var b Badge
		var created int64
		if err := rows.Scan(&b.ID, (*int64)(&b.User), &b.Hint, &created); err != nil {
			return nil, fmt.Errorf("list badges: %w", err)
		}
		b.Created = fromUS(created)
		out = append(out, b)
	}
	return out, rows.Err()
}

// UserByBadge finds the user a badge is enrolled to, through the keyed
// hash. Unknown badge wraps ErrUnknownBadge; the caller checks Active (an
// inactive approver is a policy reason, not a lookup failure).
func (d *DB) UserByBadge(ctx context.Context, canonicalID string) (User, error) {
	key, err := d.loadKey(ctx)
	if err != nil {
		return User{}, fmt.Errorf("find badge: %w", err)
	}
	h := keyed(key, purposeBadge, strings.TrimSpace(canonicalID))
	u, err := scanUser(d.db.QueryRowContext(ctx, `SELECT `+prefixed("u.", userCols)+` FROM badges b JOIN users u ON u.id = b.user_id WHERE b.hash = ?`, h))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrUnknownBadge
	}
	if err != nil {
		return User{}, fmt.Errorf("find badge: %w", err)
	}
	return u, nil
}

// SetPIN sets the user's password-only PIN (the "password only" approval
// mode looks the approver up by it, so PINs must be unique: a taken PIN
// wraps ErrExists). An empty pin clears it.
//
// A PIN that cannot be used — taken, or too easy to guess (WeakPIN) — is
// refused and the refusal audited ("users.pin.set" failed, reason pin_taken
// or pin_weak, never whose): the back office answers both with one generic
// sentence, so setting PINs is no way to find out another user's PIN, and
// repeated tries show in the audit log.
func (d *DB) SetPIN(ctx context.Context, user policy.UserID, pin string, by Actor) error {
	err := d.setPIN(ctx, user, pin, by)
	reason := ""
	switch {
	case errors.Is(err, ErrExists):
		reason = "pin_taken"
	case errors.Is(err, ErrWeakPassword):
		reason = "pin_weak"
	}
	if reason != "" {
		if _, aerr := d.Audit(ctx, by.entry("users.pin.set", map[string]any{"user": user}, OutcomeFailed, reason)); aerr != nil {
			return errors.Join(err, aerr)
		}
	}
	return err
}

// WeakPIN reports a PIN that is too easy to guess: shorter than 4 digits,
// one digit repeated (0000), or a run up or down (1234, 9876).
func WeakPIN(pin string) bool {
	r := []rune(pin)
	if len(r) < 4 {
		return true
	}
	same, up, down := true, true, true
	for i := 1; i < len(r); i++ {
		same = same && r[i] == r[0]
		up = up && r[i] == r[i-1]+1
		down = down && r[i] == r[i-1]-1
	}
	return same || up || down
}

func (d *DB) setPIN(ctx context.Context, user policy.UserID, pin string, by Actor) error {
	var h any
	if pin != "" {
		if WeakPIN(pin) {
			return fmt.Errorf("set PIN: %w", ErrWeakPassword)
		}
		key, err := d.loadKey(ctx)
		if err != nil {
			return fmt.Errorf("set PIN: %w", err)
		}
		h = keyed(key, purposePIN, pin)
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET pin_hash = ?, updated = ? WHERE id = ?`, h, us(time.Now()), int64(user))
		if isUnique(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = appendAudit(ctx, tx, by.entry("users.pin.set", map[string]any{"user": user, "cleared": pin == ""}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("set PIN of user #%d: %w", user, err)
	}
	return nil
}

// UserByPIN finds the user with this PIN; ErrUnknownUser if none.
func (d *DB) UserByPIN(ctx context.Context, pin string) (User, error) {
	key, err := d.loadKey(ctx)
	if err != nil {
		return User{}, fmt.Errorf("find PIN: %w", err)
	}
	u, err := scanUser(d.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE pin_hash = ?`, keyed(key, purposePIN, pin)))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrUnknownUser
	}
	if err != nil {
		return User{}, fmt.Errorf("find PIN: %w", err)
	}
	return u, nil
}

// BadgeTakenError is a badge already enrolled to someone: Holder is who.
// It wraps ErrExists.
type BadgeTakenError struct {
	Holder policy.UserID
	Login  string
	Name   string // full name, else login
}

func (e *BadgeTakenError) Error() string {
	return fmt.Sprintf("%v: enrolled to user #%d", ErrExists, e.Holder)
}
func (e *BadgeTakenError) Unwrap() error { return ErrExists }

func badgeTaken(ctx context.Context, tx *sql.Tx, hash []byte) error {
	e := &BadgeTakenError{}
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT u.id, u.login, u.full_name FROM badges b JOIN users u ON u.id = b.user_id WHERE b.hash = ?`, hash).
		Scan(&id, &e.Login, &e.Name)
	if err != nil {
		return ErrExists
	}
	e.Holder = policy.UserID(id)
	if e.Name == "" {
		e.Name = e.Login
	}
	return e
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
