-- 0010: an outbox row refers to the row it reports instead of holding a
-- JSON copy of it. The copy made every fiscal commit build a document of
-- the bill, its lines and payments and write about a kilobyte more (a page
-- more of WAL every few sales); the reference is a few bytes, and the
-- publisher builds the same document when it reads the row (store/outbox.go).
-- That is safe because what is reported never changes once written: a
-- fiscal document and its bill's lines and payments (a bill is changed only
-- while open), an audit row (its triggers refuse updates and deletes), a
-- shift's opening, and its closing (closed is set once, from NULL); logins
-- are never renamed.
-- ref is the rowid in the kind's table: fiscal_docs (receipt, = bill id),
-- shifts (shift.open, shift.close), audit (audit). Rows written under 0009
-- keep their body and have no ref; new rows have body ''.
ALTER TABLE outbox ADD COLUMN ref INTEGER;

DROP TRIGGER outbox_receipt;
CREATE TRIGGER outbox_receipt AFTER INSERT ON fiscal_docs
WHEN (SELECT enabled FROM outbox_meta WHERE id = 1) BEGIN
	INSERT INTO outbox(kind, at, body, ref) VALUES ('receipt', NEW.time, '', NEW.bill_id);
END;

DROP TRIGGER outbox_shift_open;
CREATE TRIGGER outbox_shift_open AFTER INSERT ON shifts
WHEN (SELECT enabled FROM outbox_meta WHERE id = 1) BEGIN
	INSERT INTO outbox(kind, at, body, ref) VALUES ('shift.open', NEW.opened, '', NEW.id);
END;

DROP TRIGGER outbox_shift_close;
CREATE TRIGGER outbox_shift_close AFTER UPDATE OF closed ON shifts
WHEN OLD.closed IS NULL AND NEW.closed IS NOT NULL AND (SELECT enabled FROM outbox_meta WHERE id = 1) BEGIN
	INSERT INTO outbox(kind, at, body, ref) VALUES ('shift.close', NEW.closed, '', NEW.id);
END;

DROP TRIGGER outbox_audit;
CREATE TRIGGER outbox_audit AFTER INSERT ON audit
WHEN (SELECT enabled FROM outbox_meta WHERE id = 1) BEGIN
	INSERT INTO outbox(kind, at, body, ref) VALUES ('audit', NEW.time, '', NEW.id);
END;
