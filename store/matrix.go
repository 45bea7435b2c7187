package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/tillpos/till/policy"
)

// Settings keys of the security module.
const (
	SettingSecurityEnabled = "security.enabled"
	SettingHideDisabled    = "security.hide_disabled"
)

// MatrixVersion is the stored matrix version: one indexed row read, cheap
// enough for the snapshot holder to poll every second. It changes whenever
// groups, their actions or limits, users or the security settings change.
func (d *DB) MatrixVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := d.db.QueryRowContext(ctx, `SELECT version FROM matrix_meta WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("matrix version: %w", err)
	}
	return v, nil
}

// MatrixSource says where the stored matrix came from ("demo", "local",
// "bundle:...").
func (d *DB) MatrixSource(ctx context.Context) (string, error) {
	var s string
	if err := d.db.QueryRowContext(ctx, `SELECT source FROM matrix_meta WHERE id = 1`).Scan(&s); err != nil {
		return "", fmt.Errorf("matrix source: %w", err)
	}
	return s, nil
}

// LoadMatrix reads groups, actions, limits, users and security settings in
// one read transaction, so the version matches the content.
func (d *DB) LoadMatrix(ctx context.Context) (policy.Matrix, error) {
	var m policy.Matrix
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return m, fmt.Errorf("load matrix: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT version FROM matrix_meta WHERE id = 1`).Scan(&m.Version); err != nil {
		return m, fmt.Errorf("load matrix version: %w", err)
	}
	m.Settings.SecurityEnabled, err = boolSetting(ctx, tx, SettingSecurityEnabled, true)
	if err != nil {
		return m, err
	}
	m.Settings.HideDisabled, err = boolSetting(ctx, tx, SettingHideDisabled, false)
	if err != nil {
		return m, err
	}

	groups := map[policy.GroupID]*policy.Group{}
	rows, err := tx.QueryContext(ctx, `SELECT id, name FROM groups ORDER BY id`)
	if err != nil {
		return m, fmt.Errorf("load groups: %w", err)
	}
	for rows.Next() {
		g := policy.Group{Actions: map[policy.Action]bool{}, Limits: map[policy.Limit]int64{}}
		if err := rows.Scan((*int64)(&g.ID), &g.Name); err != nil {
			rows.Close()
			return m, fmt.Errorf("load groups: %w", err)
		}
		m.Groups = append(m.Groups, g)
	}
	rows.Close()
	for i := range m.Groups {
		groups[m.Groups[i].ID] = &m.Groups[i]
	}
	rows, err = tx.QueryContext(ctx, `SELECT group_id, action FROM group_actions`)
	if err != nil {
		return m, fmt.Errorf("load group actions: %w", err)
	}
	for rows.Next() {
		var gid int64
		var a string
		if err := rows.Scan(&gid, &a); err != nil {
			rows.Close()
			return m, fmt.Errorf("load group actions: %w", err)
		}
		if g := groups[policy.GroupID(gid)]; g != nil {
			g.Actions[policy.Action(a)] = true
		}
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT group_id, name, value FROM group_limits`)
	if err != nil {
		return m, fmt.Errorf("load group limits: %w", err)
	}
	for rows.Next() {
		var gid, v int64
		var n string
		if err := rows.Scan(&gid, &n, &v); err != nil {
			rows.Close()
			return m, fmt.Errorf("load group limits: %w", err)
		}
		if g := groups[policy.GroupID(gid)]; g != nil {
			g.Limits[policy.Limit(n)] = v
		}
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT id, login, full_name, group_id, active FROM users ORDER BY id`)
	if err != nil {
		return m, fmt.Errorf("load users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u policy.User
		if err := rows.Scan((*int64)(&u.ID), &u.Login, &u.Name, (*int64)(&u.Group), &u.Active); err != nil {
			return m, fmt.Errorf("load users: %w", err)
		}
		m.Users = append(m.Users, u)
	}
	return m, rows.Err()
}

// SaveMatrix replaces the stored groups (with their actions and limits) and
// the security settings by m's, and bumps the version, in one transaction.
// Groups with ID 0 are created; stored groups absent from m are deleted
// (failing if a user still belongs to one). m.Users and m.Version are
// ignored: users are managed through the user methods. source says where
// the matrix came from ("local" for the editor, "bundle:<id>" for an
// import). It returns the new version.
func (d *DB) SaveMatrix(ctx context.Context, m policy.Matrix, source string, by Actor) (int64, error) {
	if source == "" {
		source = "local"
	}
	var version int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		// Unticking an administrator right of the last group that gives
		// it to an active user is refused (ErrLastAdmin).
		return keepAdmins(ctx, tx, func() error {
			var err error
			version, err = saveMatrix(ctx, tx, m, source, by)
			return err
		})
	})
	if err != nil {
		return 0, fmt.Errorf("save matrix: %w", err)
	}
	return version, nil
}

func saveMatrix(ctx context.Context, tx *sql.Tx, m policy.Matrix, source string, by Actor) (version int64, err error) {
	err = func() error {
		keep := map[int64]bool{}
		for i := range m.Groups {
			g := &m.Groups[i]
			id := int64(g.ID)
			if id == 0 {
				res, err := tx.ExecContext(ctx, `INSERT INTO groups(name) VALUES(?)`, g.Name)
				if isUnique(err) {
					return fmt.Errorf("group %q: %w", g.Name, ErrExists)
				}
				if err != nil {
					return fmt.Errorf("create group %q: %w", g.Name, err)
				}
				if id, err = res.LastInsertId(); err != nil {
					return err
				}
			} else if _, err := tx.ExecContext(ctx, `INSERT INTO groups(id, name) VALUES(?, ?)
				ON CONFLICT(id) DO UPDATE SET name = excluded.name`, id, g.Name); err != nil {
				if isUnique(err) {
					return fmt.Errorf("group %q: %w", g.Name, ErrExists)
				}
				return fmt.Errorf("save group %q: %w", g.Name, err)
			}
			keep[id] = true
			if err := writeGroupRights(ctx, tx, id, g); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM groups`)
		if err != nil {
			return err
		}
		var drop []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if !keep[id] {
				drop = append(drop, id)
			}
		}
		rows.Close()
		for _, id := range drop {
			if err := groupUnused(ctx, tx, id); err != nil {
				return fmt.Errorf("delete group #%d: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = ?`, id); err != nil {
				return fmt.Errorf("delete group #%d (does a user still belong to it?): %w", id, err)
			}
		}
		if err := setSetting(ctx, tx, SettingSecurityEnabled, strconv.FormatBool(m.Settings.SecurityEnabled)); err != nil {
			return err
		}
		if err := setSetting(ctx, tx, SettingHideDisabled, strconv.FormatBool(m.Settings.HideDisabled)); err != nil {
			return err
		}
		if err := bumpMatrix(ctx, tx, source); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT version FROM matrix_meta WHERE id = 1`).Scan(&version); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, by.entry("security.matrix.save",
			map[string]any{"version": version, "source": source, "groups": len(m.Groups)}, OutcomeOK, ""))
		return err
	}()
	return version, err
}

func writeGroupRights(ctx context.Context, tx *sql.Tx, id int64, g *policy.Group) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_actions WHERE group_id = ?`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM group_limits WHERE group_id = ?`, id); err != nil {
		return err
	}
	acts := make([]string, 0, len(g.Actions))
	for a, on := range g.Actions {
		if on {
			acts = append(acts, string(a))
		}
	}
	sort.Strings(acts)
	for _, a := range acts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_actions(group_id, action) VALUES(?, ?)`, id, a); err != nil {
			return fmt.Errorf("group %q action %s: %w", g.Name, a, err)
		}
	}
	for l, v := range g.Limits {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_limits(group_id, name, value) VALUES(?, ?, ?)`, id, string(l), v); err != nil {
			return fmt.Errorf("group %q limit %s: %w", g.Name, l, err)
		}
	}
	return nil
}

// GroupByName returns a group's ID; ErrNotFound if there is none.
func (d *DB) GroupByName(ctx context.Context, name string) (policy.GroupID, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `SELECT id FROM groups WHERE name = ?`, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("group %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("group %q: %w", name, err)
	}
	return policy.GroupID(id), nil
}

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func boolSetting(ctx context.Context, q queryer, key string, def bool) (bool, error) {
	s, ok, err := rawSetting(ctx, q, key)
	if err != nil || !ok {
		return def, err
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return def, fmt.Errorf("setting %s=%q: %w", key, s, err)
	}
	return v, nil
}

func rawSetting(ctx context.Context, q queryer, key string) (string, bool, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("setting %s: %w", key, err)
	}
	return s, true, nil
}

func setSetting(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES(?, ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	return nil
}

// Settings are typed getters over the key/value settings table: a missing
// key yields the default; a malformed value is an error naming the key.

// SettingString returns a setting or def.
func (d *DB) SettingString(ctx context.Context, key, def string) (string, error) {
	s, ok, err := rawSetting(ctx, d.db, key)
	if err != nil || !ok {
		return def, err
	}
	return s, nil
}

// SettingInt returns an integer setting or def.
func (d *DB) SettingInt(ctx context.Context, key string, def int64) (int64, error) {
	s, ok, err := rawSetting(ctx, d.db, key)
	if err != nil || !ok {
		return def, err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return def, fmt.Errorf("setting %s=%q: %w", key, s, err)
	}
	return v, nil
}

// SettingBool returns a boolean setting or def.
func (d *DB) SettingBool(ctx context.Context, key string, def bool) (bool, error) {
	return boolSetting(ctx, d.db, key, def)
}

// SettingDuration returns a duration setting ("2m", "90s") or def.
func (d *DB) SettingDuration(ctx context.Context, key string, def time.Duration) (time.Duration, error) {
	s, ok, err := rawSetting(ctx, d.db, key)
	if err != nil || !ok {
		return def, err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return def, fmt.Errorf("setting %s=%q: %w", key, s, err)
	}
	return v, nil
}

// SetSetting stores a setting. Security settings bump the matrix version
// so the policy snapshot picks them up.
func (d *DB) SetSetting(ctx context.Context, key, value string, by Actor) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		if err := setSetting(ctx, tx, key, value); err != nil {
			return err
		}
		if key == SettingSecurityEnabled || key == SettingHideDisabled {
			if err := bumpMatrix(ctx, tx, ""); err != nil {
				return err
			}
		}
		_, err := appendAudit(ctx, tx, by.entry("config.set", map[string]any{"key": key, "value": value}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("set %s: %w", key, err)
	}
	return nil
}
