-- 0001: the till's first schema. Times are INTEGER Unix microseconds (UTC),
-- money INTEGER minor units, percentages basis points, quantities milli-units.

CREATE TABLE groups (
	id   INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE
);

-- One row per action a group holds; absence means denied (default deny).
CREATE TABLE group_actions (
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	action   TEXT NOT NULL,
	PRIMARY KEY (group_id, action)
) WITHOUT ROWID;

CREATE TABLE group_limits (
	group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
	name     TEXT NOT NULL,
	value    INTEGER NOT NULL,
	PRIMARY KEY (group_id, name)
) WITHOUT ROWID;

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	login         TEXT NOT NULL UNIQUE,
	full_name     TEXT NOT NULL,
	group_id      INTEGER NOT NULL REFERENCES groups(id),
	receipt_name  TEXT NOT NULL DEFAULT '',  -- cashier name printed on receipts
	inn           TEXT NOT NULL DEFAULT '',  -- cashier INN sent to the register
	journal_days  INTEGER NOT NULL DEFAULT 1, -- how far back the user sees the journal
	active        INTEGER NOT NULL DEFAULT 1,
	password_hash TEXT NOT NULL,             -- PHC string, argon2id
	must_change   INTEGER NOT NULL DEFAULT 0,
	pin_hash      BLOB UNIQUE,               -- HMAC-SHA-256 of the password-only PIN, keyed by the key file
	created       INTEGER NOT NULL,
	updated       INTEGER NOT NULL
);

-- Badges: only the keyed hash of the canonical ID; last4 lets an admin tell
-- two cards of one user apart without revealing the ID.
CREATE TABLE badges (
	id      INTEGER PRIMARY KEY,
	hash    BLOB NOT NULL UNIQUE,
	last4   TEXT NOT NULL,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created INTEGER NOT NULL
);
CREATE INDEX badges_user ON badges(user_id);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- One row: the matrix version the snapshot holder polls, and where the
-- matrix came from ("local", "bundle:<id>", "demo").
CREATE TABLE matrix_meta (
	id      INTEGER PRIMARY KEY CHECK (id = 1),
	version INTEGER NOT NULL,
	source  TEXT NOT NULL,
	updated INTEGER NOT NULL
);
INSERT INTO matrix_meta (id, version, source, updated) VALUES (1, 0, 'empty', 0);

CREATE TABLE items (
	id      INTEGER PRIMARY KEY,
	barcode TEXT NOT NULL,
	name    TEXT NOT NULL,
	price   INTEGER NOT NULL,
	vat     TEXT NOT NULL,
	weighed INTEGER NOT NULL DEFAULT 0,
	dept    INTEGER NOT NULL DEFAULT 1,
	generic INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX items_barcode ON items(barcode) WHERE barcode <> '';
-- Name prefix search: NOCASE index so LIKE-free range scans work.
CREATE INDEX items_name ON items(name COLLATE NOCASE);

CREATE TABLE shifts (
	id        INTEGER PRIMARY KEY,
	number    INTEGER NOT NULL,            -- the register's shift number
	opened    INTEGER NOT NULL,
	opened_by INTEGER NOT NULL REFERENCES users(id),
	closed    INTEGER,
	closed_by INTEGER REFERENCES users(id)
);
CREATE INDEX shifts_open ON shifts(closed);

CREATE TABLE bills (
	id              INTEGER PRIMARY KEY,
	kind            INTEGER NOT NULL,
	state           INTEGER NOT NULL,
	cashier_id      INTEGER NOT NULL REFERENCES users(id),
	return_of       INTEGER REFERENCES bills(id),
	opened          INTEGER NOT NULL,
	updated         INTEGER NOT NULL,
	discount_kind   INTEGER NOT NULL DEFAULT 0,
	discount_value  INTEGER NOT NULL DEFAULT 0,
	-- the fiscalisation attempt (sale.Fiscal), written before the register is asked
	fiscal_expected INTEGER NOT NULL DEFAULT 0,
	fiscal_kind     INTEGER NOT NULL DEFAULT 0,
	fiscal_total    INTEGER NOT NULL DEFAULT 0,
	fiscal_attempts INTEGER NOT NULL DEFAULT 0,
	fiscal_started  INTEGER NOT NULL DEFAULT 0,
	fiscal_reason   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX bills_state ON bills(state, opened);

CREATE TABLE bill_lines (
	id             INTEGER PRIMARY KEY,
	bill_id        INTEGER NOT NULL REFERENCES bills(id),
	item_id        INTEGER,                 -- NULL for a generic item
	barcode        TEXT NOT NULL,
	name           TEXT NOT NULL,
	qty_milli      INTEGER NOT NULL,
	unit_price     INTEGER NOT NULL,
	vat            TEXT NOT NULL,
	dept           INTEGER NOT NULL,
	marking        TEXT NOT NULL DEFAULT '',
	discount_kind  INTEGER NOT NULL DEFAULT 0,
	discount_value INTEGER NOT NULL DEFAULT 0,
	manual_price   INTEGER NOT NULL DEFAULT 0,
	voided         INTEGER NOT NULL DEFAULT 0,
	added          INTEGER NOT NULL
);
CREATE INDEX bill_lines_bill ON bill_lines(bill_id, id);

CREATE TABLE payments (
	id      INTEGER PRIMARY KEY,
	bill_id INTEGER NOT NULL REFERENCES bills(id),
	kind    INTEGER NOT NULL,
	amount  INTEGER NOT NULL,
	at      INTEGER NOT NULL
);
CREATE INDEX payments_bill ON payments(bill_id, id);

-- What the register recorded for a bill: one document per bill.
CREATE TABLE fiscal_docs (
	bill_id INTEGER PRIMARY KEY REFERENCES bills(id),
	number  INTEGER NOT NULL,
	sign    INTEGER NOT NULL,
	time    INTEGER NOT NULL,
	shift   INTEGER NOT NULL
);

-- Append-only hash chain; see audit.go for the canonical encoding.
CREATE TABLE audit (
	id       INTEGER PRIMARY KEY,
	time     INTEGER NOT NULL,
	terminal TEXT NOT NULL,
	actor    INTEGER NOT NULL,
	approver INTEGER,
	action   TEXT NOT NULL,
	args     TEXT NOT NULL,
	outcome  TEXT NOT NULL,
	reason   TEXT NOT NULL,
	prev     BLOB NOT NULL,
	hash     BLOB NOT NULL
);
-- Updates and deletes through SQL are refused; the chain catches edits made
-- below SQL (or after dropping these triggers).
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;

-- Failed approval attempts per approver and terminal, for policy.CheckLockout.
CREATE TABLE lockouts (
	id       INTEGER PRIMARY KEY,
	approver INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	terminal TEXT NOT NULL,
	at       INTEGER NOT NULL
);
CREATE INDEX lockouts_key ON lockouts(approver, terminal, at);
