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
// stored; Last4 lets an admin tell a user's cards apart.
type Badge struct {
	ID      int64
	User    policy.UserID
	Last4   string
	Created time.Time
}

func last4(id string) string {
	r := []rune(id)
	if len(r) > 4 {
		r = r[len(r)-4:]
	}
	return string(r)
}

// EnrolBadge binds a badge (its canonical ID, as device/scan produces it) to
// a user. A badge already enrolled (to anyone) wraps ErrExists; the actor's
// own card (or the approver's) ErrOwnBadge. The raw ID
// is never stored, logged or audited; the audit row carries only Last4.
func (d *DB) EnrolBadge(ctx context.Context, user policy.UserID, canonicalID string, by Actor) (Badge, error) {
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
	b := Badge{User: user, Last4: last4(canonicalID), Created: fromUS(us(time.Now()))}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO badges(hash, last4, user_id, created) VALUES(?,?,?,?)`,
			keyed(key, purposeBadge, canonicalID), b.Last4, int64(user), us(b.Created))
		if isUnique(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		if b.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, by.entry("badges.enrol", map[string]any{"user": user, "badge": b.ID, "last4": b.Last4}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return Badge{}, fmt.Errorf("enrol badge …%s for user #%d: %w", b.Last4, user, err)
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
		if err := rows.Scan(&b.ID, (*int64)(&b.User), &b.Last4, &created); err != nil {
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
func (d *DB) SetPIN(ctx context.Context, user policy.UserID, pin string, by Actor) error {
	var h any
	if pin != "" {
		if len([]rune(pin)) < 4 {
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

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
