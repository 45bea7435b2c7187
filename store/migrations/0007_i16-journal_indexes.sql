-- 0007: a year of journal. Indexes so that bill history, parked bills,
-- receipt lookup and every audit-viewer filter read only the rows they
-- return (a busy till's year is ~110k bills and ~300k audit rows; without
-- these each opening of the history or the audit viewer read all of them).
-- Only CREATE INDEX: no table is rebuilt, nothing is rewritten, so the
-- migration runs in about a second on a year-sized database (docs/store.md).

-- Bill history: one cashier's bills newest first, keyset-paged by
-- (opened, id) (id is the rowid, carried by every index).
CREATE INDEX IF NOT EXISTS bills_cashier_opened ON bills(cashier_id, opened);
-- Bill history of every cashier (journal.view_all).
CREATE INDEX IF NOT EXISTS bills_opened ON bills(opened);
-- A cashier's open and parked bills (sign-in, F9, stale parked bills).
CREATE INDEX IF NOT EXISTS bills_state_cashier ON bills(state, cashier_id, updated);

-- Receipt lookup by fiscal document number (and the document's date).
CREATE INDEX IF NOT EXISTS fiscal_docs_number ON fiscal_docs(number, time);

-- The audit viewer: newest first is ORDER BY time DESC, id DESC, which each
-- of these indexes delivers in order for its filter.
CREATE INDEX IF NOT EXISTS audit_time ON audit(time);
CREATE INDEX IF NOT EXISTS audit_action_time ON audit(action, time);
CREATE INDEX IF NOT EXISTS audit_actor_time ON audit(actor, time);
CREATE INDEX IF NOT EXISTS audit_approver_time ON audit(approver, time) WHERE approver IS NOT NULL;
