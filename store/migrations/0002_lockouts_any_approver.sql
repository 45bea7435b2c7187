-- 0002: lockouts.approver is a bucket, not always a user. The desk counts a
-- credential that names nobody (an unknown badge, PIN or login) under
-- approver 0, "this terminal", so that probing cards locks the terminal;
-- the foreign key to users(id) refused those rows. Users are never deleted
-- (bills and the audit log refer to them), so the cascade it carried never
-- ran. SQLite cannot drop a constraint: the table is rebuilt.
CREATE TABLE lockouts_new (
	id       INTEGER PRIMARY KEY,
	approver INTEGER NOT NULL, -- a user's id, or 0 for credentials that match nobody
	terminal TEXT NOT NULL,
	at       INTEGER NOT NULL
);
INSERT INTO lockouts_new(id, approver, terminal, at) SELECT id, approver, terminal, at FROM lockouts;
DROP TABLE lockouts;
ALTER TABLE lockouts_new RENAME TO lockouts;
CREATE INDEX lockouts_key ON lockouts(approver, terminal, at);
