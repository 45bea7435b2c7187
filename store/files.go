package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
)

// The database's files: what Open refuses, what it locks and what it warns
// about. See docs/store.md, "Files".

// checkExisting looks at the database file before SQLite does: a file that
// exists must be a regular, non-empty file (SQLite would silently turn a
// 0-byte file into a new empty database). It sets realPath. It returns an
// error wrapping fs.ErrNotExist when there is no file yet.
func (d *DB) checkExisting() error {
	st, err := os.Stat(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		d.realPath = resolvePath(d.path)
		if d.readOnly {
			return fmt.Errorf("open database: %w", err)
		}
		return err
	}
	if err != nil {
		return classify(d.path, fmt.Errorf("open database: %w", err))
	}
	d.realPath = resolvePath(d.path)
	if !st.Mode().IsRegular() {
		return &PathError{Kind: ErrForeign, Path: d.path, Err: fmt.Errorf("not a regular file (%s)", st.Mode().Type())}
	}
	if st.Size() == 0 && fileSize(d.realPath+"-wal") <= 0 {
		return &PathError{Kind: ErrEmpty, Path: d.path}
	}
	return nil
}

// resolvePath is path made absolute with every symlink resolved (for a file
// that does not exist yet: its directory resolved).
func resolvePath(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		path = r
	} else if dir, err := filepath.EvalSymlinks(filepath.Dir(path)); err == nil {
		path = filepath.Join(dir, filepath.Base(path))
	}
	if a, err := filepath.Abs(path); err == nil {
		path = a
	}
	return path
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return st.Size()
}

// lockFiles creates the database file 0600 when it does not exist (SQLite
// then makes its -wal and -shm with the same mode), takes the lock file of
// its real path (a second till through a symlink meets the same lock) and
// flocks the database file itself (a hard link or another mount of the same
// file meets that one).
func (d *DB) lockFiles() error {
	f, err := os.OpenFile(d.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return classify(d.path, fmt.Errorf("open database: %w", err))
	}
	d.realPath = resolvePath(d.path)
	lockPath := d.realPath + ".lock"
	lock, err := takeLock(lockPath)
	if err != nil {
		f.Close()
		return err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return &PathError{Kind: ErrLocked, Path: lockPath, Err: errors.New("the database file is locked by another process")}
		}
		return fmt.Errorf("lock %s: %w", d.path, err)
	}
	d.lock, d.dbLock = lock, f
	return nil
}

// roNeedsImmutable: a read-only open on read-only media. SQLite opens a WAL
// database read-only only when it can use (or create) the -shm; on a
// read-only directory without one it cannot. When there is no -wal with
// content to read, the file alone is the whole database and opening it
// immutable (no locks, no -shm) reads exactly what is there.
func (d *DB) roNeedsImmutable() bool {
	if syscall.Access(filepath.Dir(d.realPath), 2 /* W_OK */) == nil {
		return false
	}
	if _, err := os.Stat(d.realPath + "-shm"); err == nil {
		return false
	}
	return fileSize(d.realPath+"-wal") <= 0
}

// refuseForeign refuses an existing file that is not a till's database: not
// SQLite at all (ErrCorrupt), an SQLite file with tables but never migrated
// by a till (another program's database), or a schema version without the
// till's tables. It looks through a plain read-only connection, without the
// till's pragmas: migrating, or only switching it to WAL, would change a
// file that is not the till's.
func (d *DB) refuseForeign(ctx context.Context, immutable bool) error {
	q := url.Values{}
	q.Set("mode", "ro")
	if immutable {
		q.Set("immutable", "1")
	}
	raw, err := sql.Open("sqlite", "file:"+(&url.URL{Path: d.path}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("open database %s: %w", d.path, err)
	}
	defer raw.Close()
	var v int
	if err := raw.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return classify(d.path, fmt.Errorf("read schema version: %w", err))
	}
	var objects, ours int
	err = raw.QueryRowContext(ctx, `SELECT count(*), count(CASE WHEN type = 'table' AND name IN ('settings', 'audit', 'bills') THEN 1 END) FROM sqlite_master`).Scan(&objects, &ours)
	if err != nil {
		return classify(d.path, fmt.Errorf("read schema: %w", err))
	}
	switch {
	case v == 0 && objects > 0:
		return &PathError{Kind: ErrForeign, Path: d.path, Err: fmt.Errorf("an SQLite database with %d objects and no till schema version", objects)}
	case v > 0 && ours != 3:
		return &PathError{Kind: ErrForeign, Path: d.path, Err: fmt.Errorf("schema version %d but not the till's tables", v)}
	}
	return nil
}

// LooseFile is a database file other users of the computer may read or
// write (mode looser than 0600).
type LooseFile struct {
	Path string
	Mode fs.FileMode
}

func (f LooseFile) String() string {
	return fmt.Sprintf("%s has mode %04o: other users of this computer can read it; run chmod 600 on it", f.Path, f.Mode.Perm())
}

// checkModes notes database files other users can read or write: the till
// creates them 0600, an operator's copy or umask may not.
func (d *DB) checkModes() {
	for _, p := range []string{d.realPath, d.realPath + "-wal", d.realPath + "-shm"} {
		if st, err := os.Stat(p); err == nil && st.Mode().Perm()&0o077 != 0 {
			d.loose = append(d.loose, LooseFile{Path: p, Mode: st.Mode().Perm()})
		}
	}
}

// LooseFiles are the database files found with modes looser than 0600 at
// open: the till runs, the window shows them, the operator fixes them.
func (d *DB) LooseFiles() []LooseFile { return append([]LooseFile(nil), d.loose...) }
