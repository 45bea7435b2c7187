package main

import (
	"context"

	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/admin"
)

// anchorWarning is the window's view of the audit anchor (issue 15): the
// main screen polls it with the status bar.
func anchorWarning(db *store.DB) func() ui.AnchorWarning {
	return func() ui.AnchorWarning { return toAnchorWarning(db.AnchorState()) }
}

func toAnchorWarning(st store.AnchorState) ui.AnchorWarning {
	w := ui.AnchorWarning{File: st.File}
	switch {
	case st.WriteErr != nil:
		w.Problem, w.Detail = ui.AnchorWrite, st.WriteErr.Error()
	case st.Missing:
		w.Problem = ui.AnchorMissing
	case st.Invalid != nil:
		w.Problem, w.Detail = ui.AnchorInvalid, st.Invalid.Error()
	}
	return w
}

// AuditAnchor gives the back office's audit tab the anchor's state.
func (s adminStore) AuditAnchor(context.Context) (admin.AnchorReport, error) {
	st := s.db.AnchorState()
	r := admin.AnchorReport{File: st.File, Rows: st.Rows, Time: st.Time}
	switch {
	case st.WriteErr != nil:
		r.Problem, r.Detail = admin.AnchorWriteFailed, st.WriteErr.Error()
	case st.Missing:
		r.Problem = admin.AnchorMissing
	case st.Invalid != nil:
		r.Problem, r.Detail = admin.AnchorInvalid, st.Invalid.Error()
	}
	return r, nil
}
