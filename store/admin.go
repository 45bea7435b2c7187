package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// The back office's use cases beyond the matrix as a whole: single group
// operations with their own audit rows, and audit search.

// checkCard validates what CreateUser and UpdateUser store for the register:
// an INN is empty or checksum-valid (the register would send a wrong one to
// the tax service), a journal depth is not negative.
func checkCard(inn string, journalDays int) error {
	if inn != "" && !sale.ValidINN(inn) {
		return ErrInvalidINN
	}
	if journalDays < 0 {
		return fmt.Errorf("journal depth %d days: %w", journalDays, ErrInvalid)
	}
	return nil
}

// Group is a group's ID, name and how many users belong to it.
type Group struct {
	ID    policy.GroupID
	Name  string
	Users int
}

// Groups lists the groups by name with their user counts.
func (d *DB) Groups(ctx context.Context) ([]Group, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT g.id, g.name, (SELECT count(*) FROM users u WHERE u.group_id = g.id)
		FROM groups g ORDER BY g.name`)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan((*int64)(&g.ID), &g.Name, &g.Users); err != nil {
			return nil, fmt.Errorf("list groups: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func groupName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", fmt.Errorf("empty group name: %w", ErrInvalid)
	}
	return name, nil
}

// CreateGroup adds a group holding nothing, or the rights of copyFrom when
// it is not 0, and bumps the matrix version. A taken name wraps ErrExists.
func (d *DB) CreateGroup(ctx context.Context, name string, copyFrom policy.GroupID, by Actor) (policy.GroupID, error) {
	name, err := groupName(name)
	if err != nil {
		return 0, fmt.Errorf("create group: %w", err)
	}
	var id int64
	err = d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO groups(name) VALUES(?)`, name)
		if isUnique(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		if copyFrom != 0 {
			if err := copyRights(ctx, tx, int64(copyFrom), id); err != nil {
				return err
			}
		}
		if _, err := appendAudit(ctx, tx, by.entry("security.group.create", map[string]any{"group": id, "name": name, "copy_from": copyFrom}, OutcomeOK, "")); err != nil {
			return err
		}
		return bumpMatrix(ctx, tx, "local")
	})
	if err != nil {
		return 0, fmt.Errorf("create group %q: %w", name, err)
	}
	return policy.GroupID(id), nil
}

// RenameGroup gives a group a new name.
func (d *DB) RenameGroup(ctx context.Context, id policy.GroupID, name string, by Actor) error {
	name, err := groupName(name)
	if err != nil {
		return fmt.Errorf("rename group #%d: %w", id, err)
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE groups SET name = ? WHERE id = ?`, name, int64(id))
		if isUnique(err) {
			return ErrExists
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := appendAudit(ctx, tx, by.entry("security.group.rename", map[string]any{"group": id, "name": name}, OutcomeOK, "")); err != nil {
			return err
		}
		return bumpMatrix(ctx, tx, "local")
	})
	if err != nil {
		return fmt.Errorf("rename group #%d to %q: %w", id, name, err)
	}
	return nil
}

// DeleteGroup removes a group and its rights. It is refused with
// ErrGroupInUse while any user, active or not, belongs to it: bills and the
// audit log keep referring to users, so a user is moved, never orphaned.
func (d *DB) DeleteGroup(ctx context.Context, id policy.GroupID, by Actor) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if err := groupUnused(ctx, tx, int64(id)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_actions WHERE group_id = ?`, int64(id)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_limits WHERE group_id = ?`, int64(id)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = ?`, int64(id))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if _, err := appendAudit(ctx, tx, by.entry("security.group.delete", map[string]any{"group": id}, OutcomeOK, "")); err != nil {
			return err
		}
		return bumpMatrix(ctx, tx, "local")
	})
	if err != nil {
		return fmt.Errorf("delete group #%d: %w", id, err)
	}
	return nil
}

func groupUnused(ctx context.Context, tx *sql.Tx, id int64) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users WHERE group_id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%d users: %w", n, ErrGroupInUse)
	}
	return nil
}

// CopyGroupRights replaces the actions and limits of group to by those of
// group from ("copy permissions from").
func (d *DB) CopyGroupRights(ctx context.Context, from, to policy.GroupID, by Actor) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if err := copyRights(ctx, tx, int64(from), int64(to)); err != nil {
			return err
		}
		if _, err := appendAudit(ctx, tx, by.entry("security.group.copy", map[string]any{"from": from, "group": to}, OutcomeOK, "")); err != nil {
			return err
		}
		return bumpMatrix(ctx, tx, "local")
	})
	if err != nil {
		return fmt.Errorf("copy rights of group #%d to #%d: %w", from, to, err)
	}
	return nil
}

func copyRights(ctx context.Context, tx *sql.Tx, from, to int64) error {
	for _, id := range []int64{from, to} {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM groups WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("group #%d: %w", id, ErrNotFound)
		} else if err != nil {
			return err
		}
	}
	if from == to {
		return nil
	}
	for _, q := range []string{
		`DELETE FROM group_actions WHERE group_id = ?2`,
		`DELETE FROM group_limits WHERE group_id = ?2`,
		`INSERT INTO group_actions(group_id, action) SELECT ?2, action FROM group_actions WHERE group_id = ?1`,
		`INSERT INTO group_limits(group_id, name, value) SELECT ?2, name, value FROM group_limits WHERE group_id = ?1`,
	} {
		if _, err := tx.ExecContext(ctx, q, from, to); err != nil {
			return fmt.Errorf("copy rights: %w", err)
		}
	}
	return nil
}

// SetSettings stores several settings in one transaction with one audit
// row, bumping the matrix version once when a security setting is among
// them: the settings screen saves the security switches and the approval
// numbers together, and half of them must never take.
func (d *DB) SetSettings(ctx context.Context, kv map[string]string, by Actor) error {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	err := d.tx(ctx, func(tx *sql.Tx) error {
		bump := false
		for _, k := range keys {
			if err := setSetting(ctx, tx, k, kv[k]); err != nil {
				return err
			}
			bump = bump || k == SettingSecurityEnabled || k == SettingHideDisabled
		}
		if bump {
			if err := bumpMatrix(ctx, tx, ""); err != nil {
				return err
			}
		}
		args := map[string]any{}
		for k, v := range kv {
			args[k] = v
		}
		_, err := appendAudit(ctx, tx, by.entry("config.set", args, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

// adminRights are the rights that let someone change who may do what: the
// last active user holding each of them keeps it (ErrLastAdmin), or the till
// could no longer be administered without SQL.
var adminRights = []policy.Action{policy.ActionManageSecurity, policy.ActionManageAdmins}

// adminHolders counts, for each of adminRights, the active users whose group
// holds it.
func adminHolders(ctx context.Context, tx *sql.Tx) (map[policy.Action]int, error) {
	out := make(map[policy.Action]int, len(adminRights))
	for _, a := range adminRights {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users u JOIN group_actions ga ON ga.group_id = u.group_id
			WHERE u.active = 1 AND ga.action = ?`, string(a)).Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("count administrators: %w", err)
		}
		out[a] = n
	}
	return out, nil
}

// keepAdmins runs change inside tx and refuses it (ErrLastAdmin) when it
// leaves no active user holding a right of adminRights that some active
// user held before. A till that had no such user (a fresh test database)
// is not held to it.
func keepAdmins(ctx context.Context, tx *sql.Tx, change func() error) error {
	before, err := adminHolders(ctx, tx)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	after, err := adminHolders(ctx, tx)
	if err != nil {
		return err
	}
	for _, a := range adminRights {
		if before[a] > 0 && after[a] == 0 {
			return fmt.Errorf("%w (%s)", ErrLastAdmin, a)
		}
	}
	return nil
}
