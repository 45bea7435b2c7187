-- 0009: the chain's outbox. Every row the head office must see is copied
-- into outbox by a trigger, inside the transaction that writes the row: no
-- write path can forget it, a rolled-back change is never sent, and a
-- crash leaves both or neither. seq is the till's own order and the second
-- half of the message ID (till:seq). It is a plain rowid, not AUTOINCREMENT
-- (which writes sqlite_sequence on every insert): PruneOutbox always keeps
-- the newest row, so the next rowid never goes back. What is reported:
--   receipt      a fiscal document recorded for a bill (bill, lines, payments, FD)
--   shift.open   a shift opened; shift.close  a shift closed
--   audit        every audit row: approvals, denials, cash in/out, X and Z
--                reports, users and matrix changes (with the chain's hashes)
CREATE TABLE outbox (
	seq  INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	at   INTEGER NOT NULL,  -- Unix µs of the reported fact
	body TEXT NOT NULL      -- JSON object
);

-- enabled: the triggers write only while the till is in a chain (set when
-- its publisher first starts): a till on its own would otherwise keep a
-- second, JSON copy of its whole journal that nobody ever collects.
-- sent: the highest seq the till's own JetStream acknowledged (rows up to it
-- never need publishing again); the centre's own high-water mark is what
-- decides pruning and gap re-sends.
CREATE TABLE outbox_meta (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	enabled INTEGER NOT NULL,
	sent    INTEGER NOT NULL,
	centre  INTEGER NOT NULL  -- highest seq the centre has stored, as last heard
);
INSERT INTO outbox_meta(id, enabled, sent, centre) VALUES (1, 0, 0, 0);

CREATE TRIGGER outbox_receipt AFTER INSERT ON fiscal_docs
WHEN (SELECT enabled FROM outbox_meta WHERE id = 1) BEGIN
	INSERT INTO outbox(kind, at, body)
	SELECT 'receipt', NEW.time, json_object(
		'bill', b.id, 'kind', b.kind, 'cashier', b.cashier_id,
		'cashier_login', (SELECT login FROM users WHERE id = b.cashier_id),
		'return_of', b.return_of, 'opened', b.opened,
		'discount_kind', b.discount_kind, 'discount_value', b.discount_value,
		'total', b.fiscal_total,
		'fd', NEW.number, 'sign', NEW.sign, 'time', NEW.time, 'shift', NEW.shift,
		'lines', json((SELECT json_group_array(json_object(
				'item', l.item_id, 'barcode', l.barcode, 'name', l.name, 'qty_milli', l.qty_milli,
				'unit_price', l.unit_price, 'vat', l.vat, 'dept', l.dept,
				'discount_kind', l.discount_kind, 'discount_value', l.discount_value,
				'manual_price', l.manual_price, 'voided', l.voided))
			FROM (SELECT * FROM bill_lines WHERE bill_id = b.id ORDER BY id) l)),
		'payments', json((SELECT json_group_array(json_object('kind', p.kind, 'amount', p.amount, 'at', p.at))
			FROM (SELECT * FROM payments WHERE bill_id = b.id ORDER BY id) p)))
	FROM bills b WHERE b.id = NEW.bill_id;
END;

CREATE TRIGGER outbox_shift_open AFTER INSERT ON shifts
WHEN (SELECT enabled FROM outbox_meta WHERE id = 1) BEGIN
	INSERT INTO outbox(kind, at, body) VALUES ('shift.open', NEW.opened,
		json_object('shift', NEW.number, 'opened', NEW.opened, 'by', NEW.opened_by,
			'by_login', (SELECT login FROM users WHERE id = NEW.opened_by)));
END;

CREATE TRIGGER outbox_shift_close AFTER UPDATE OF closed ON shifts
WHEN OLD.closed IS NULL AND NEW.closed IS NOT NULL AND (SELECT enabled FROM outbox_meta WHERE id = 1) BEGIN
	INSERT INTO outbox(kind, at, body) VALUES ('shift.close', NEW.closed,
		json_object('shift', NEW.number, 'opened', NEW.opened, 'closed', NEW.closed, 'by', NEW.closed_by,
			'by_login', (SELECT login FROM users WHERE id = NEW.closed_by)));
END;

CREATE TRIGGER outbox_audit AFTER INSERT ON audit
WHEN (SELECT enabled FROM outbox_meta WHERE id = 1) BEGIN
	INSERT INTO outbox(kind, at, body) VALUES ('audit', NEW.time,
		json_object('id', NEW.id, 'time', NEW.time, 'terminal', NEW.terminal, 'actor', NEW.actor,
			'approver', NEW.approver, 'action', NEW.action, 'args', json(NEW.args),
			'outcome', NEW.outcome, 'reason', NEW.reason, 'prev', hex(NEW.prev), 'hash', hex(NEW.hash)));
END;
