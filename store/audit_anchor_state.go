package store

import (
	"errors"
	"time"
)

// AnchorState is what the window and the back office say about the audit
// log's anchor (issue 15): a write that failed (disk full, the key's folder
// not writable) — the rows are committed but cutting them off would not be
// found —, or an anchor file missing or unusable. The zero value means all
// is well (or the log is not keyed yet: nothing to say).
type AnchorState struct {
	File     string
	WriteErr error     // the last write of the anchor failed
	Missing  bool      // there is no anchor file for this database
	Invalid  error     // the anchor cannot be read or checked (edited, another key or database)
	Rows     int64     // rows the anchor holds, when it is usable
	Time     time.Time // when it was written, when it is usable
}

// OK says whether there is nothing to warn about.
func (s AnchorState) OK() bool { return s.WriteErr == nil && !s.Missing && s.Invalid == nil }

// AnchorState reads the anchor file (a small bounded file, its MAC
// checked) and the last write's outcome. Cheap enough for a status poll.
func (d *DB) AnchorState() AnchorState {
	d.anchorMu.Lock()
	ready, werr := d.anchorReady, d.anchorErr
	d.anchorMu.Unlock()
	d.keyMu.Lock()
	ak, dbID := d.auditKey, d.dbID
	d.keyMu.Unlock()
	st := AnchorState{File: d.anchorFile(), WriteErr: werr}
	if !ready || ak == nil {
		return st
	}
	// The writer replaces the file by rename: a read sees the old anchor
	// or the new one, never half.
	a, err := readAnchor(st.File, ak, dbID)
	switch {
	case errors.Is(err, errNoAnchor):
		st.Missing = true
	case err != nil:
		st.Invalid = err
	default:
		st.Rows, st.Time = a.Rows, a.Time
	}
	return st
}
