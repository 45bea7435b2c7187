package store

import (
	"context"
	"os"
	"testing"
)

// The anchor's state as the window polls it: well after open; a failed
// write (the anchor's place taken by a folder) is reported and clears once
// a write succeeds; a deleted anchor is missing; an edited one invalid.
func TestAnchorStateSaysWhatIsWrong(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	db.flushAnchor()
	if st := db.AnchorState(); !st.OK() || st.File == "" {
		t.Fatalf("fresh database: %+v", st)
	}
	file := db.AnchorState().File
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if st := db.AnchorState(); !st.Missing || st.OK() {
		t.Fatalf("deleted anchor: %+v", st)
	}
	// A write that cannot replace the file: its place is a folder.
	if err := os.Mkdir(file, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Audit(ctx, Actor{Terminal: "t"}.entry("test.action", nil, OutcomeOK, "")); err != nil {
		t.Fatal(err)
	}
	db.flushAnchor()
	if st := db.AnchorState(); st.WriteErr == nil {
		t.Fatalf("failed write not reported: %+v", st)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Audit(ctx, Actor{Terminal: "t"}.entry("test.action", nil, OutcomeOK, "")); err != nil {
		t.Fatal(err)
	}
	db.flushAnchor()
	if st := db.AnchorState(); !st.OK() || st.Rows == 0 {
		t.Fatalf("after a good write: %+v", st)
	}
	if err := os.WriteFile(file, []byte("till-audit-anchor 1\nrows 1\nmac 00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if st := db.AnchorState(); st.Invalid == nil {
		t.Fatalf("edited anchor: %+v", st)
	}
}
