package desk_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// Every X and Z report prints the audit log's head on the register's tape:
// the anchor on paper (issue 15).
func TestReportsPrintTheAuditHead(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.signIn(t, "admin")
	for _, report := range []struct {
		name string
		run  func() error
	}{
		{"X", func() error { return r.d.XReport(ctx) }},
		{"Z", func() error { _, err := r.d.ZReport(ctx, nil); return err }},
	} {
		before := len(r.e.Tape())
		rows, head, err := r.db.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := report.run(); err != nil {
			t.Fatalf("%s report: %v", report.name, err)
		}
		tape := strings.Join(r.e.Tape()[before:], "")
		if !strings.Contains(tape, "ЖУРНАЛ АУДИТА") || !strings.Contains(tape, fmt.Sprintf("Записей: %d", rows)) ||
			!strings.Contains(tape, hex.EncodeToString(head)) {
			t.Errorf("%s report: no audit head (%d rows, %x) on the tape:\n%s", report.name, rows, head, strings.Join(r.e.Tape()[before:], "\n"))
		}
	}
}
