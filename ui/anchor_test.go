package ui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/store"
)

// The wiring of cmd/till (wire_anchor.go), repeated here on the rig's
// real store.
func rigAnchor(db *store.DB) func() AnchorWarning {
	return func() AnchorWarning {
		st := db.AnchorState()
		w := AnchorWarning{File: st.File}
		switch {
		case st.WriteErr != nil:
			w.Problem, w.Detail = AnchorWrite, st.WriteErr.Error()
		case st.Missing:
			w.Problem = AnchorMissing
		case st.Invalid != nil:
			w.Problem, w.Detail = AnchorInvalid, st.Invalid.Error()
		}
		return w
	}
}

// anchorAfter appends an audit row and waits for the background anchor
// writer to have tried.
func anchorAfter(t *testing.T, r *rig, want func(store.AnchorState) bool) {
	t.Helper()
	if _, err := r.db.Audit(context.Background(), store.AuditEntry{Terminal: "till-test", Action: "test.anchor", Outcome: store.OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if want(r.db.AnchorState()) {
			return
		}
	}
	t.Fatalf("anchor state %+v", r.db.AnchorState())
}

// Issue 15: a failed anchor write is said on the main screen (the status
// poll finds it), in the window's language, and goes once a write
// succeeds; a deleted anchor is said too. The sale goes on meanwhile.
func TestAnchorProblemShownOnTheMainScreen(t *testing.T) {
	r := newRig(t, "en")
	r.a.deps.AuditAnchor = rigAnchor(r.db)
	m := r.signIn("cashier")
	if got := m.anchorText(); got != "" {
		t.Fatalf("a current anchor warns: %q", got)
	}
	file := r.db.AnchorState().File
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(file, 0o700); err != nil { // the anchor cannot be replaced
		t.Fatal(err)
	}
	anchorAfter(t, r, func(st store.AnchorState) bool { return st.WriteErr != nil })
	m.pollDesk()
	if got := m.anchorText(); !strings.Contains(got, "anchor could not be written") || !strings.Contains(got, "tell the administrator") {
		t.Fatalf("failed anchor write: warning %q", got)
	}
	r.scan(r.item(0).Barcode) // the sale goes on
	if b, _ := r.bill(); len(b.Lines) != 1 {
		t.Fatalf("scan under the anchor warning: notice %q", r.notice())
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	anchorAfter(t, r, func(st store.AnchorState) bool { return st.OK() })
	m.pollDesk()
	if got := m.anchorText(); got != "" {
		t.Fatalf("after a good write the warning stays: %q", got)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	m.pollDesk()
	if got := m.anchorText(); !strings.Contains(got, "is missing") {
		t.Fatalf("deleted anchor: warning %q", got)
	}
}

// The warning in Russian and Italian.
func TestAnchorProblemTranslated(t *testing.T) {
	for lang, want := range map[string]string{"ru": "Не удалось записать якорь", "it": "Non è stato possibile scrivere l'ancora"} {
		r := newRig(t, lang)
		r.a.deps.AuditAnchor = func() AnchorWarning {
			return AnchorWarning{Problem: AnchorWrite, File: "/k/a.anchor", Detail: "disk full"}
		}
		m := r.signIn("cashier")
		if got := m.anchorText(); !strings.Contains(got, want) || !strings.Contains(got, "disk full") {
			t.Errorf("%s: %q", lang, got)
		}
	}
}
