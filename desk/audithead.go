package desk

import "context"

// AuditHeader is a Store that gives the audit log's head: the row count and
// the MAC of the last row. The X and Z reports print it on the register's
// tape (issue 15): a paper copy of the anchor that whoever can write the
// database cannot roll back.
type AuditHeader interface {
	AuditHead(ctx context.Context) (int64, []byte, error)
}

// printAuditHead prints the audit head on the tape before a report, when
// the store gives it and the register prints text. A failure stops the
// report like any register error: the head and the report go together.
func (d *Desk) printAuditHead(ctx context.Context) error {
	h, ok := d.cfg.Store.(AuditHeader)
	p, printer := d.textPrinter()
	if !ok || !printer {
		return nil
	}
	rows, head, err := h.AuditHead(ctx)
	if err != nil {
		return err
	}
	if err := p.PrintText(ctx, d.cfg.Tape.AuditHead(rows, head)); err != nil {
		return registerErr("print audit head", err)
	}
	return nil
}
