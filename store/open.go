package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is the till's database: one SQLite file, its lock file and its key
// file. Methods are safe for concurrent use; each runs one transaction.
type DB struct {
	db       *sql.DB
	path     string
	realPath string   // path with symlinks resolved: what the lock and the anchor are about
	lock     *os.File // nil for a read-only open
	dbLock   *os.File // the database file itself, flock'ed (catches hard links and bind mounts)
	keyPath  string
	readOnly bool
	loose    []LooseFile // file modes looser than 0600, see LooseFiles

	keyMu     sync.Mutex
	key       []byte // loaded on first use, see keys.go
	auditKey  []byte // derived from key at open, see audit_anchor.go
	auditErr  error  // why the audit key could not be loaded
	dbID      string
	keyedFrom int64

	anchorMu      sync.Mutex
	anchorReady   bool  // the anchor was checked at open; appends may advance it
	anchoredRows  int64 // the head the anchor file holds
	wantRows      int64 // the newest committed head, for the writer
	wantHead      []byte
	anchorErr     error
	anchorKick    chan struct{} // wakes anchorWriter; nil for a read-only open
	anchorDone    chan struct{}
	anchorClosed  bool
	anchorWriteMu sync.Mutex // one anchor file write at a time

	stmts      stmtCache              // statements that fire the outbox triggers, see outbox.go
	outboxHook atomic.Pointer[func()] // see OnOutboxEvent
}

// Options tune Open. The zero value is what the till uses.
type Options struct {
	// KeyPath is the key file for badge and PIN hashes; "" means
	// DefaultKeyPath(). Tills of one store that share badges share this file.
	KeyPath string
	// ReadOnly opens without the lock file, without migrating and without
	// writing: for `till audit verify` next to a running till. Any write
	// fails with ErrReadOnly.
	ReadOnly bool

	// forceReadOnlyMedium opens the file with mode=ro but otherwise as a
	// normal open, to test how a read-only medium is reported when tests run
	// as root (chmod does not stop root).
	forceReadOnlyMedium bool
	// immutable: a read-only open where SQLite could not create the -shm
	// (read-only media) and there is no -wal to read: see roNeedsImmutable.
	immutable bool
}

// DefaultPath is where the till keeps its database when -db is not given:
// the user's config dir, till/till.db.
func DefaultPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("default database path: %w", err)
	}
	return filepath.Join(dir, "till", "till.db"), nil
}

// DefaultKeyPath is where the key file lives by default: the user's config
// dir, till/till.key — not next to a database that may be copied elsewhere.
func DefaultKeyPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("default key path: %w", err)
	}
	return filepath.Join(dir, "till", "till.key"), nil
}

// Required pragmas, applied through the DSN so every pooled connection gets
// them, and read back after open.
const busyTimeoutMS = 5000

func dsn(path string, o Options) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(busyTimeoutMS)+")")
	// Write transactions take the write lock at BEGIN, so two writers never
	// deadlock upgrading read locks; busy_timeout then simply queues them.
	q.Set("_txlock", "immediate")
	if o.ReadOnly || o.forceReadOnlyMedium {
		q.Set("mode", "ro")
	}
	if o.immutable {
		q.Set("immutable", "1")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path, takes its lock file,
// checks the pragmas and applies pending migrations. Errors wrap ErrLocked,
// ErrCorrupt, ErrReadOnly, ErrPragma or ErrTooNew in a *PathError.
func Open(ctx context.Context, path string, o Options) (*DB, error) {
	if o.KeyPath == "" {
		kp, err := DefaultKeyPath()
		if err != nil {
			return nil, err
		}
		o.KeyPath = kp
	}
	d := &DB{path: path, keyPath: o.KeyPath, readOnly: o.ReadOnly}
	existed := true
	if o.ReadOnly {
		if err := d.checkExisting(); err != nil {
			return nil, err
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, classify(path, fmt.Errorf("create directory: %w", err))
		}
		if err := d.checkExisting(); errors.Is(err, fs.ErrNotExist) {
			existed = false
		} else if err != nil {
			return nil, err
		}
		if err := d.lockFiles(); err != nil {
			return nil, err
		}
	}
	if o.ReadOnly && d.roNeedsImmutable() {
		o.immutable = true
	}
	if existed {
		// Before the till's own connection, whose WAL pragma would
		// already write to another program's file.
		if err := d.refuseForeign(ctx, o.immutable); err != nil {
			d.releaseLock()
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", dsn(path, o))
	if err != nil {
		d.releaseLock()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Keep connections: each new one re-runs the pragmas.
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(0)
	d.db = db
	if !o.ReadOnly {
		d.anchorKick, d.anchorDone = make(chan struct{}, 1), make(chan struct{})
		go d.anchorWriter()
	}
	if err := d.start(ctx, o); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (d *DB) start(ctx context.Context, o Options) error {
	if err := d.checkPragmas(ctx); err != nil {
		return err
	}
	if o.ReadOnly {
		v, err := d.userVersion(ctx)
		if err != nil {
			return classify(d.path, err)
		}
		switch {
		case v > latestVersion():
			return &PathError{Kind: ErrTooNew, Path: d.path, Err: fmt.Errorf("schema %d, this till knows up to %d", v, latestVersion())}
		case v < latestVersion():
			// Migrating is a write; a read-only open leaves that to the till.
			return fmt.Errorf("database %s has schema %d, this till needs %d: start the till once to migrate it", d.path, v, latestVersion())
		}
		return nil
	}
	if err := d.migrate(ctx); err != nil {
		return err
	}
	d.checkModes()
	if err := d.keyAudit(ctx); err != nil {
		return err
	}
	// A real write: a read-only medium (or a file root cannot write) shows
	// here, at start, not at the first sale.
	if _, err := d.db.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES('store.last_open', ?)
		ON CONFLICT(key) DO UPDATE SET value = excluded.value`, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return classify(d.path, fmt.Errorf("write probe: %w", err))
	}
	return nil
}

// Path is the database file.
func (d *DB) Path() string { return d.path }

// Close closes the database and releases the lock file.
func (d *DB) Close() error {
	d.stopAnchorWriter()
	var err error
	if d.db != nil {
		err = d.db.Close()
	}
	d.releaseLock()
	return err
}

// Warnings are problems the till runs with but an operator should fix, in
// English for the log: database files readable by other users (LooseFiles).
func (d *DB) Warnings() []string {
	var out []string
	for _, f := range d.loose {
		out = append(out, f.String())
	}
	return out
}

func (d *DB) releaseLock() {
	if d.dbLock != nil {
		d.dbLock.Close()
		d.dbLock = nil
	}
	if d.lock != nil {
		// Closing the descriptor drops the flock. The file stays: removing
		// it would race with a second till that already opened it.
		d.lock.Close()
		d.lock = nil
	}
}

// takeLock holds an exclusive flock on path for the life of the process (or
// until Close). flock, not fcntl, because fcntl locks are per process and
// would let a second Open in the same process through.
func takeLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, classify(path, fmt.Errorf("lock file: %w", err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &PathError{Kind: ErrLocked, Path: path}
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	// The PID helps an operator find the other till; it is informative only.
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
	}
	return f, nil
}

// checkPragmas reads the pragmas back on two connections held at once, so a
// pool that configured only its first connection is caught too.
func (d *DB) checkPragmas(ctx context.Context) error {
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 2 {
		c, err := d.db.Conn(ctx)
		if err != nil {
			return classify(d.path, err)
		}
		conns = append(conns, c)
		if err := checkConn(ctx, c, d.readOnly); err != nil {
			return classify(d.path, err)
		}
	}
	return nil
}

func checkConn(ctx context.Context, c *sql.Conn, readOnly bool) error {
	var mode string
	var sync, fk, busy int
	if err := c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	if err := c.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if err := c.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
		return fmt.Errorf("read busy_timeout: %w", err)
	}
	var bad []string
	// A read-only open of a file never switched to WAL stays in its mode;
	// only a writable open must be WAL.
	if !strings.EqualFold(mode, "wal") && !readOnly {
		bad = append(bad, "journal_mode="+mode)
	}
	if sync != 2 {
		bad = append(bad, "synchronous="+strconv.Itoa(sync))
	}
	if fk != 1 {
		bad = append(bad, "foreign_keys="+strconv.Itoa(fk))
	}
	if busy != busyTimeoutMS {
		bad = append(bad, "busy_timeout="+strconv.Itoa(busy))
	}
	if len(bad) > 0 {
		return &pragmaError{bad: bad}
	}
	return nil
}

type pragmaError struct{ bad []string }

func (e *pragmaError) Error() string { return "pragmas did not take: " + strings.Join(e.bad, ", ") }

// classify turns an SQLite or OS error into a typed *PathError when it is one
// the caller must tell apart; other errors are returned wrapped as they are.
func classify(path string, err error) error {
	if err == nil {
		return nil
	}
	if te := typed(path, err); te != nil {
		return te
	}
	return fmt.Errorf("database %s: %w", path, err)
}

// typed returns err as a *PathError when it is one the caller must tell
// apart (corrupt, read-only, pragma), else nil.
func typed(path string, err error) error {
	var already *PathError
	if errors.As(err, &already) {
		return err
	}
	var pe *pragmaError
	if errors.As(err, &pe) {
		return &PathError{Kind: ErrPragma, Path: path, Err: err}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return &PathError{Kind: ErrCorrupt, Path: path, Err: err}
		case sqlite3.SQLITE_READONLY:
			return &PathError{Kind: ErrReadOnly, Path: path, Err: err}
		case sqlite3.SQLITE_FULL:
			// ENOSPC in the chain lets the sale core and the desk, which do
			// not import the store, tell a full disk apart.
			return &PathError{Kind: ErrDiskFull, Path: path, Err: fmt.Errorf("%w (%w)", err, syscall.ENOSPC)}
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			if os.IsPermission(statErr(path)) {
				return &PathError{Kind: ErrReadOnly, Path: path, Err: err}
			}
		}
	}
	if errors.Is(err, syscall.ENOSPC) {
		return &PathError{Kind: ErrDiskFull, Path: path, Err: err}
	}
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		return &PathError{Kind: ErrReadOnly, Path: path, Err: err}
	}
	return nil
}

func statErr(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err == nil {
		f.Close()
	}
	return err
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var ms []migration
	for _, e := range ents {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: versions must be 1, 2, 3... without gaps", m.name)
		}
	}
	return ms, nil
}

func latestVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

func (d *DB) userVersion(ctx context.Context) (int, error) {
	var v int
	err := d.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate applies every migration newer than PRAGMA user_version, each with
// its version bump in one transaction, so a crash leaves either the old or
// the new schema.
func (d *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	cur, err := d.userVersion(ctx)
	if err != nil {
		return classify(d.path, fmt.Errorf("read schema version: %w", err))
	}
	if cur > len(ms) {
		return &PathError{Kind: ErrTooNew, Path: d.path, Err: fmt.Errorf("schema %d, this till knows up to %d", cur, len(ms))}
	}
	for _, m := range ms[cur:] {
		err := d.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "PRAGMA user_version = "+strconv.Itoa(m.version))
			return err
		})
		if err != nil {
			return classify(d.path, fmt.Errorf("migration %s: %w", m.name, err))
		}
	}
	return nil
}

// tx runs fn in one transaction and commits it; any error (or panic) rolls
// back. With _txlock=immediate the write lock is taken at BEGIN.
func (d *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return classify(d.path, fmt.Errorf("begin: %w", err))
	}
	committed, release := d.trackAudit(tx)
	defer release()
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		// A write refused by a read-only medium or a page found corrupt
		// mid-use must reach the UI typed, like at open.
		if te := typed(d.path, err); te != nil {
			return te
		}
		return err
	}
	if err = tx.Commit(); err != nil {
		return classify(d.path, fmt.Errorf("commit: %w", err))
	}
	committed()
	return nil
}

// Times are stored as Unix microseconds, UTC: exact, sortable, and the same
// bytes in the audit chain on every machine.
func us(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromUS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}
