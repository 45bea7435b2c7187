package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Backup writes a consistent copy of the database to dest with VACUUM INTO:
// one file, no -wal to forget, taken while the till keeps selling. dest must
// not exist. The key file is not included: back it up separately (see
// docs/store.md), because a backup that carries its key protects nothing.
func (d *DB) Backup(ctx context.Context, dest string, by Actor) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup to %s: %w", dest, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	// Created empty and 0600 first (SQLite fills an empty file): a backup
	// holds what the database does, for the till's user only.
	f, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	f.Close()
	if _, err := d.db.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		os.Remove(dest)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	if _, err := d.Audit(ctx, by.entry("data.backup", map[string]any{"file": dest}, OutcomeOK, "")); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return nil
}
