package admin

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/policy"
)

type anchorStore struct {
	*fakeStore
	rep AnchorReport
}

func (a *anchorStore) AuditAnchor(context.Context) (AnchorReport, error) { return a.rep, nil }

func (a *anchorStore) VerifyAudit(context.Context) (ChainReport, error) {
	return ChainReport{Rows: 12}, nil
}

// The audit tab says what is wrong with the anchor as soon as it opens
// (missing), and again with Verify chain (a failed write), in the danger
// colour; a current anchor is named with its rows.
func TestAuditTabShowsTheAnchor(t *testing.T) {
	s, f := newFakeScreen(t, policy.ActionViewAudit)
	a := &anchorStore{fakeStore: f, rep: AnchorReport{Problem: AnchorMissing, File: "/keys/till-audit-1.anchor"}}
	s.deps.Store = a
	for i, it := range s.tabs.Items {
		if it.Content == s.audit.content {
			s.tabs.SelectIndex(i)
		}
	}
	at := s.audit
	if !at.anchor.Visible() || !strings.Contains(at.anchor.Text, "/keys/till-audit-1.anchor is missing") || at.anchor.Importance != widget.DangerImportance {
		t.Fatalf("opening the tab with the anchor missing: %q (visible %v)", at.anchor.Text, at.anchor.Visible())
	}
	a.rep = AnchorReport{Problem: AnchorWriteFailed, File: "/keys/a.anchor", Detail: "no space left on device"}
	at.verify()
	if !strings.Contains(at.anchor.Text, "could not be written (no space left on device)") || at.anchor.Importance != widget.DangerImportance {
		t.Fatalf("verify with a failed anchor write: %q", at.anchor.Text)
	}
	if !strings.Contains(at.verdict.Text, "12 rows") {
		t.Errorf("verdict %q", at.verdict.Text)
	}
	a.rep = AnchorReport{File: "/keys/a.anchor", Rows: 12, Time: time.Now()}
	at.verify()
	if strings.Contains(at.anchor.Text, "could not") || !strings.Contains(at.anchor.Text, "12 rows") || at.anchor.Importance == widget.DangerImportance {
		t.Fatalf("a current anchor: %q", at.anchor.Text)
	}
}
