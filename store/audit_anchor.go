package store

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The anchor: the head of the audit log (its row count and the MAC of its
// last row) kept outside the database, beside the key file, in a small text
// file with its own MAC. The till rewrites it (atomically, fsync'd) after
// every transaction that appended audit rows. Whoever can write the database
// but not the key's directory cannot roll the log back, cut its tail or
// empty it without the anchor saying so. The Z and X reports print the head
// on the register's tape too (desk/shift.go), a copy nobody can edit.
//
// One anchor per database path: its name comes from the database's real
// path, so a backup opened elsewhere gets its own anchor, while an older
// copy restored over the database, or another (empty) database put in its
// place, meets the anchor of the one that was there (which names its random
// id, audit_keying.db_id).

// AuditAnchor is the content of an anchor file.
type AuditAnchor struct {
	File      string // where it was read from
	DBID      string
	Path      string // the database's real path when it was written
	KeyedFrom int64
	Rows      int64 // id of the last anchored row (ids are contiguous from 1)
	Head      []byte
	Time      time.Time // when it was written
}

const (
	anchorMagic   = "till-audit-anchor 1"
	anchorMaxSize = 4096
	purposeAnchor = "anchor\x00"

	// Actions the store itself writes into the log.
	actionAuditKeyed       = "audit.keyed"        // the switch from the plain to the keyed chain
	actionAuditAnchorNew   = "audit.anchor.new"   // first anchor for this database at this path
	actionAuditAnchorReset = "audit.anchor.reset" // the anchor did not match: rolled back, cut or replaced
)

func (d *DB) auditKeyForAppend() ([]byte, error) {
	d.keyMu.Lock()
	defer d.keyMu.Unlock()
	switch {
	case d.readOnly:
		return nil, &PathError{Kind: ErrReadOnly, Path: d.path}
	case d.auditKey != nil:
		return d.auditKey, nil
	case d.auditErr != nil:
		return nil, fmt.Errorf("audit log cannot be written: %w", d.auditErr)
	}
	return nil, errors.New("audit log is not keyed yet")
}

// keyAudit runs at every writable open, after the migrations: it loads the
// key (a key problem is kept and returned by every append; CheckKey reports
// it at start), switches an old plain chain to the keyed one once, and
// checks the anchor against the database.
func (d *DB) keyAudit(ctx context.Context) error {
	key, err := d.loadKey(ctx)
	if err != nil {
		d.keyMu.Lock()
		d.auditErr = err
		d.keyMu.Unlock()
		return nil
	}
	ak := keyed(key, purposeAudit, "")
	// The anchor as it is before this open writes anything.
	pre, preErr := readAnchor(d.anchorFile(), ak, "")
	fresh := false
	k, err := d.keying(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		fresh = true
		k, err = d.switchToKeyed(ctx, ak)
	}
	if err != nil {
		return classify(d.path, err)
	}
	d.keyMu.Lock()
	d.auditKey, d.dbID, d.keyedFrom = ak, k.dbID, k.keyedFrom
	d.keyMu.Unlock()
	return d.checkAnchorAtOpen(ctx, fresh, pre, preErr)
}

type keyingRow struct {
	dbID      string
	keyedFrom int64
}

func (d *DB) keying(ctx context.Context) (keyingRow, error) {
	var k keyingRow
	err := d.db.QueryRowContext(ctx, `SELECT db_id, keyed_from FROM audit_keying WHERE one = 1`).Scan(&k.dbID, &k.keyedFrom)
	return k, err
}

// switchToKeyed verifies the plain chain once, records where the keyed chain
// starts and, when there were plain rows, appends the switch-over row whose
// MAC seals them. One pass over the log: about a second for 300k rows.
func (d *DB) switchToKeyed(ctx context.Context, ak []byte) (keyingRow, error) {
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return keyingRow{}, fmt.Errorf("audit id: %w", err)
	}
	k := keyingRow{dbID: hex.EncodeToString(id[:])}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, time, terminal, actor, approver, action, args, outcome, reason, prev, hash
			FROM audit ORDER BY id`)
		if err != nil {
			return fmt.Errorf("read plain audit chain: %w", err)
		}
		prevHash, last := genesis, int64(0)
		var firstBad int64
		for rows.Next() {
			e, prev, hash, err := scanAudit(rows, true)
			if err != nil {
				rows.Close()
				return err
			}
			if firstBad == 0 && (e.ID != last+1 || !bytes.Equal(prev, prevHash) || !bytes.Equal(hash, chainHash(prev, e))) {
				firstBad = e.ID
			}
			prevHash, last = hash, e.ID
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read plain audit chain: %w", err)
		}
		k.keyedFrom = last + 1
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_keying(one, db_id, keyed_from, switched) VALUES(1, ?, ?, ?)`,
			k.dbID, k.keyedFrom, us(time.Now())); err != nil {
			return fmt.Errorf("record audit keying: %w", err)
		}
		if last == 0 {
			return nil // a new log: keyed from its first row
		}
		d.keyMu.Lock()
		d.auditKey = ak
		d.keyMu.Unlock()
		args := map[string]any{"plain_rows": last, "plain_head": hex.EncodeToString(prevHash)}
		if firstBad != 0 {
			args["plain_first_bad"] = firstBad
		}
		_, err = appendAudit(ctx, tx, Actor{Terminal: "till"}.entry(actionAuditKeyed, args, OutcomeOK, ""))
		return err
	})
	if err != nil {
		d.keyMu.Lock()
		d.auditKey = nil
		d.keyMu.Unlock()
	}
	return k, err
}

// anchorFile is the anchor's path for this database: beside the key file,
// named by the database's real path.
func (d *DB) anchorFile() string {
	sum := sha256.Sum256([]byte(d.realPath))
	return filepath.Join(filepath.Dir(d.keyPath), "till-audit-"+hex.EncodeToString(sum[:8])+".anchor")
}

func anchorMAC(ak []byte, body string) []byte {
	m := hmac.New(sha256.New, ak)
	m.Write([]byte(purposeAnchor))
	m.Write([]byte(body))
	return m.Sum(nil)
}

func encodeAnchor(ak []byte, a AuditAnchor) []byte {
	body := fmt.Sprintf("%s\ndb %s\npath %s\nkeyed_from %d\nrows %d\nhead %s\ntime %s\n",
		anchorMagic, a.DBID, strings.ReplaceAll(a.Path, "\n", "?"), a.KeyedFrom, a.Rows, hex.EncodeToString(a.Head),
		a.Time.UTC().Format(time.RFC3339Nano))
	return []byte(body + "mac " + hex.EncodeToString(anchorMAC(ak, body)) + "\n")
}

// errNoAnchor: there is no anchor file for this database here.
var errNoAnchor = errors.New("no anchor file")

// readAnchor reads and checks an anchor file: size-bounded, its MAC with
// the audit key, and that it is this database's.
func readAnchor(file string, ak []byte, dbID string) (AuditAnchor, error) {
	a := AuditAnchor{File: file}
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return a, errNoAnchor
	}
	if err != nil {
		return a, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, anchorMaxSize+1))
	if err != nil {
		return a, err
	}
	if len(b) > anchorMaxSize {
		return a, errors.New("anchor file too large")
	}
	text := string(b)
	i := strings.LastIndex(text, "mac ")
	if i < 0 || !strings.HasPrefix(text, anchorMagic+"\n") {
		return a, errors.New("not an anchor file")
	}
	body := text[:i]
	mac, err := hex.DecodeString(strings.TrimSpace(text[i+4:]))
	if err != nil || !hmac.Equal(mac, anchorMAC(ak, body)) {
		return a, errors.New("the anchor's MAC does not match (edited, or made with another key)")
	}
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Scan() // magic
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		switch k {
		case "db":
			a.DBID = v
		case "path":
			a.Path = v
		case "keyed_from":
			a.KeyedFrom, err = strconv.ParseInt(v, 10, 64)
		case "rows":
			a.Rows, err = strconv.ParseInt(v, 10, 64)
		case "head":
			a.Head, err = hex.DecodeString(v)
		case "time":
			a.Time, err = time.Parse(time.RFC3339Nano, v)
		}
		if err != nil {
			return a, fmt.Errorf("anchor %s: %w", k, err)
		}
	}
	if dbID != "" && a.DBID != dbID {
		return a, fmt.Errorf("the anchor is for database %s, not %s", a.DBID, dbID)
	}
	return a, nil
}

// writeAnchor replaces the anchor file atomically: a 0600 temporary file in
// the same directory, fsync'd, renamed over the old one, the directory
// fsync'd. A crash leaves the old anchor or the new one, never half of one.
func writeAnchor(file string, content []byte) error {
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("write audit anchor: %w", err)
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return fmt.Errorf("write audit anchor: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync audit anchor: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write audit anchor: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("replace audit anchor: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(file)); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}

// advanceAnchor records a committed head for the anchor writer.
// Transactions commit in order but may reach here out of order: an older
// head never replaces a newer one. The file is written by anchorWriter, off
// the caller's path (two fsyncs would cost a security action several times
// its own commit): after a crash the anchor may lag the database by the
// last rows, which verify allows and reports as rows written since; it is
// never ahead of it.
func (d *DB) advanceAnchor(rows int64, head []byte) {
	d.anchorMu.Lock()
	defer d.anchorMu.Unlock()
	if !d.anchorReady || rows <= d.wantRows {
		return
	}
	d.wantRows, d.wantHead = rows, head
	if d.anchorKick == nil || d.anchorClosed {
		go d.flushAnchor()
		return
	}
	select {
	case d.anchorKick <- struct{}{}:
	default: // a kick is pending: the writer will take the newest head
	}
}

// anchorWriter writes the anchor whenever advanceAnchor kicks it, until
// Close.
func (d *DB) anchorWriter() {
	defer close(d.anchorDone)
	for range d.anchorKick {
		d.flushAnchor()
	}
}

// flushAnchor writes the newest committed head if the anchor file lags
// behind it. A failure (disk full) does not undo the committed action: it
// is kept for AnchorProblem, and the next append or start writes again.
func (d *DB) flushAnchor() {
	d.anchorWriteMu.Lock()
	defer d.anchorWriteMu.Unlock()
	d.anchorMu.Lock()
	rows, head, done := d.wantRows, d.wantHead, d.anchoredRows
	d.anchorMu.Unlock()
	if rows <= done {
		return
	}
	d.keyMu.Lock()
	ak, dbID, from := d.auditKey, d.dbID, d.keyedFrom
	d.keyMu.Unlock()
	if ak == nil {
		return
	}
	a := AuditAnchor{DBID: dbID, Path: d.realPath, KeyedFrom: from, Rows: rows, Head: head, Time: time.Now()}
	err := writeAnchor(d.anchorFile(), encodeAnchor(ak, a))
	d.anchorMu.Lock()
	defer d.anchorMu.Unlock()
	if err != nil {
		d.anchorErr = err
		return
	}
	d.anchorErr = nil
	d.anchoredRows = max(d.anchoredRows, rows)
}

// stopAnchorWriter ends the writer and writes what is left (Close).
func (d *DB) stopAnchorWriter() {
	d.anchorMu.Lock()
	kick := d.anchorKick
	if kick != nil && !d.anchorClosed {
		d.anchorClosed = true
		close(kick)
	} else {
		kick = nil
	}
	d.anchorMu.Unlock()
	if kick != nil {
		<-d.anchorDone
	}
	d.flushAnchor()
}

// AnchorProblem is the last failure to write the audit anchor, nil when the
// anchor is current.
func (d *DB) AnchorProblem() error {
	d.anchorMu.Lock()
	defer d.anchorMu.Unlock()
	return d.anchorErr
}

// checkAnchorAtOpen compares the anchor found at start (pre, read before
// anything was written) with the database. A database behind its anchor (an
// older copy restored, rows cut, the table emptied), one whose anchored row
// changed, or another database in its place is not silently accepted: the
// old anchor is kept as evidence (renamed .bad-TIME), an audit.anchor.reset
// row records what was found, and `till audit verify` reports that row for
// ever after. A missing anchor for an existing keyed log (first open at this
// path, e.g. a backup opened elsewhere, or a deleted anchor) is recorded as
// audit.anchor.new.
func (d *DB) checkAnchorAtOpen(ctx context.Context, fresh bool, pre AuditAnchor, preErr error) error {
	d.keyMu.Lock()
	ak, dbID, from := d.auditKey, d.dbID, d.keyedFrom
	d.keyMu.Unlock()
	file := d.anchorFile()
	rows, head, err := d.AuditHead(ctx)
	if err != nil {
		return err
	}
	var note *AuditEntry
	args := map[string]any{"rows": rows, "anchor_file": file}
	reason := ""
	switch {
	case errors.Is(preErr, errNoAnchor):
		if !fresh {
			args["path"] = d.realPath
			e := Actor{Terminal: "till"}.entry(actionAuditAnchorNew, args, OutcomeOK, "")
			note = &e
		}
	case preErr != nil:
		reason, args["anchor_error"] = "anchor_invalid", preErr.Error()
	case pre.DBID != dbID:
		reason, args["anchor_db"] = "other_database", pre.DBID
	case rows < pre.Rows:
		reason = "rolled_back"
	case pre.Rows > 0 && !d.rowHashIs(ctx, pre.Rows, pre.Head):
		reason = "anchored_row_changed"
	}
	if reason != "" {
		if preErr == nil {
			args["anchor_rows"], args["anchor_head"], args["anchor_time"] = pre.Rows, hex.EncodeToString(pre.Head), pre.Time.UTC().Format(time.RFC3339)
		}
		bad := fmt.Sprintf("%s.bad-%d", file, time.Now().UnixNano())
		if err := os.Rename(file, bad); err == nil {
			args["anchor_kept"] = bad
		}
		e := Actor{Terminal: "till"}.entry(actionAuditAnchorReset, args, OutcomeFailed, reason)
		note = &e
	}
	d.anchorMu.Lock()
	d.anchorReady = true
	if note == nil && preErr == nil {
		d.anchoredRows, d.wantRows = pre.Rows, pre.Rows
	}
	d.anchorMu.Unlock()
	if note != nil {
		// Its transaction writes the new anchor.
		_, err := d.Audit(ctx, *note)
		return err
	}
	if rows > 0 {
		d.advanceAnchor(rows, head)
		return nil
	}
	// An empty log: anchor it at zero rows.
	d.anchorWriteMu.Lock()
	defer d.anchorWriteMu.Unlock()
	a := AuditAnchor{DBID: dbID, Path: d.realPath, KeyedFrom: from, Head: genesis, Time: time.Now()}
	if err := writeAnchor(file, encodeAnchor(ak, a)); err != nil {
		d.anchorMu.Lock()
		d.anchorErr = err
		d.anchorMu.Unlock()
	}
	return nil
}

func (d *DB) rowHashIs(ctx context.Context, id int64, want []byte) bool {
	var h []byte
	if err := d.db.QueryRowContext(ctx, `SELECT hash FROM audit WHERE id = ?`, id).Scan(&h); err != nil {
		return false
	}
	return hmac.Equal(h, want)
}

// AuditHead returns the id and hash of the newest row (0 and the genesis
// hash for an empty log): what the anchor holds and the tape prints.
func (d *DB) AuditHead(ctx context.Context) (int64, []byte, error) {
	var id int64
	h := genesis
	err := d.db.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&id, &h)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, nil, fmt.Errorf("audit head: %w", err)
	}
	return id, h, nil
}
