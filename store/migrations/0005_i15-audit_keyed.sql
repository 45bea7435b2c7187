-- 0005 (i15-audit): the audit log becomes keyed. Each row's hash becomes an
-- HMAC-SHA-256 with a key outside the database (derived from the key file),
-- from the row keyed_from on; rows before it keep their plain SHA-256 chain,
-- which the first keyed row seals (its MAC covers the last plain hash).
-- The row below is written by the till at its first start with the key
-- (store/audit.go, keyAudit), not here: SQL cannot compute an HMAC. So this
-- migration is instant on any size of log; the switch-over itself reads the
-- old chain once.
CREATE TABLE audit_keying (
	one        INTEGER PRIMARY KEY CHECK (one = 1),
	db_id      TEXT NOT NULL,    -- random, names this database's anchor file
	keyed_from INTEGER NOT NULL, -- first row whose hash is an HMAC
	switched   INTEGER NOT NULL  -- when (Unix microseconds)
);
