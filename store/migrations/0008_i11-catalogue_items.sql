-- 0008 (i11-catalogue): the catalogue a shop loads from its accounting
-- system. An item gets its accounting code (what exchange files match on),
-- a receipt name, a unit, the marking flag, a group and an active flag;
-- barcodes beyond the first live in item_barcodes. items.barcode stays the
-- first barcode, so the scan lookup keeps its one-index plan and only a
-- miss looks at the extra barcodes. Every ALTER adds a column with a
-- constant default (no table rewrite); the UPDATE and the indexes touch the
-- items table only, which is small next to the bills of a 200 MB database.
ALTER TABLE items ADD COLUMN code         TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN receipt_name TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN unit         TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN marking      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN grp          TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN active       INTEGER NOT NULL DEFAULT 1;
-- Items made before codes existed (the demo's, hand-made ones) take their id
-- as code, so an export names every item and its import finds it again. The
-- generic item (sold with a typed price) is the till's own: no code, never
-- exported, never matched by an import.
UPDATE items SET code = CAST(id AS TEXT) WHERE code = '' AND generic = 0;
CREATE UNIQUE INDEX items_code ON items(code) WHERE code <> '';

-- The second and further barcodes of an item. A barcode is on one item only:
-- the primary key here, the unique index on items.barcode, and the triggers
-- below for a code on both sides.
CREATE TABLE item_barcodes (
	barcode TEXT PRIMARY KEY,
	item_id INTEGER NOT NULL REFERENCES items(id)
) WITHOUT ROWID;
CREATE INDEX item_barcodes_item ON item_barcodes(item_id);
CREATE TRIGGER item_barcodes_unique BEFORE INSERT ON item_barcodes
	WHEN EXISTS (SELECT 1 FROM items WHERE barcode = NEW.barcode AND barcode <> '')
	BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: item_barcodes.barcode'); END;
CREATE TRIGGER items_barcode_unique_ins BEFORE INSERT ON items
	WHEN NEW.barcode <> '' AND EXISTS (SELECT 1 FROM item_barcodes WHERE barcode = NEW.barcode)
	BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: items.barcode'); END;
CREATE TRIGGER items_barcode_unique_upd BEFORE UPDATE OF barcode ON items
	WHEN NEW.barcode <> '' AND EXISTS (SELECT 1 FROM item_barcodes WHERE barcode = NEW.barcode)
	BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: items.barcode'); END;

-- The back office's catalogue rights go to the administrators: the group
-- named so by the seed and first start, and any group that runs security.
INSERT OR IGNORE INTO group_actions(group_id, action)
	SELECT g.id, a.column1 FROM groups g,
		(VALUES ('catalogue.item.edit'), ('catalogue.item.price'), ('catalogue.item.active'),
		        ('catalogue.import'), ('catalogue.export')) a
	WHERE g.name = 'Administrator'
	   OR g.id IN (SELECT group_id FROM group_actions WHERE action = 'security.manage');
