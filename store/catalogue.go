package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/tillpos/till/exchange"
	"github.com/tillpos/till/sale"
)

// CatalogueItem is an item as the back office and the exchange files see
// it. Barcodes[0] is the primary barcode (items.barcode, what the scan
// index serves); the others live in item_barcodes. ReceiptName "" prints
// Name. Items are never deleted: Active false takes one off sale.
type CatalogueItem struct {
	ID          sale.ItemID
	Code        string
	Barcodes    []string
	Name        string
	ReceiptName string
	Price       int64
	VAT         sale.VATCode
	Unit        string
	Weighed     bool
	Marking     bool
	Dept        byte
	Group       string
	Active      bool
}

const catalogueCols = `id, code, barcode, name, receipt_name, price, vat, unit, weighed, marking, dept, grp, active`

func scanCatalogue(r rowScanner) (CatalogueItem, error) {
	var it CatalogueItem
	var barcode string
	err := r.Scan((*int64)(&it.ID), &it.Code, &barcode, &it.Name, &it.ReceiptName, &it.Price, (*string)(&it.VAT),
		&it.Unit, &it.Weighed, &it.Marking, &it.Dept, &it.Group, &it.Active)
	if barcode != "" {
		it.Barcodes = []string{barcode}
	}
	return it, err
}

type rowsQueryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// extraBarcodes appends the item's barcodes beyond the first, in the order
// they were given (barcode order is the file's; rowid-less table: by code).
func extraBarcodes(ctx context.Context, q rowsQueryer, it *CatalogueItem) error {
	rows, err := q.QueryContext(ctx, `SELECT barcode FROM item_barcodes WHERE item_id = ? ORDER BY barcode`, int64(it.ID))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return err
		}
		it.Barcodes = append(it.Barcodes, b)
	}
	return rows.Err()
}

// CatalogueItem returns one item with all its barcodes.
func (d *DB) CatalogueItem(ctx context.Context, id sale.ItemID) (CatalogueItem, error) {
	return catalogueItem(ctx, d.db, id)
}

func catalogueItem(ctx context.Context, q rowsQueryer, id sale.ItemID) (CatalogueItem, error) {
	it, err := scanCatalogue(q.QueryRowContext(ctx, `SELECT `+catalogueCols+` FROM items WHERE id = ?`, int64(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return it, fmt.Errorf("item #%d: %w", id, ErrNotFound)
	}
	if err == nil {
		err = extraBarcodes(ctx, q, &it)
	}
	if err != nil {
		return it, fmt.Errorf("item #%d: %w", id, err)
	}
	return it, nil
}

// FindItems is the back office's search, for 100k items as one types:
// an exact code or barcode first (one statement of three index lookups,
// skipped when q has a space), then names starting with q (the NOCASE name
// index, as SearchItems). With contains, and for three characters or more
// while fewer than limit were found, names that contain q anywhere: a scan
// of the table that stops at limit — about 45 ms per case variant on 100k
// items when few match (docs/catalogue.md), so the back office asks it on
// Enter, not on every keystroke. Inactive items are included: the back
// office reactivates them.
func (d *DB) FindItems(ctx context.Context, q string, limit int, contains bool) ([]CatalogueItem, error) {
	q = strings.TrimSpace(q)
	if limit <= 0 {
		limit = 50
	}
	var out []CatalogueItem
	seen := map[sale.ItemID]bool{}
	add := func(query string, args ...any) error {
		rows, err := d.db.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanCatalogue(rows)
			if err != nil {
				return err
			}
			if !seen[it.ID] && len(out) < limit {
				seen[it.ID] = true
				out = append(out, it)
			}
		}
		return rows.Err()
	}
	run := func() error {
		if q == "" {
			return add(`SELECT `+catalogueCols+` FROM items WHERE generic = 0 ORDER BY name COLLATE NOCASE LIMIT ?`, limit)
		}
		// A code or a barcode has no spaces: one statement for the three
		// exact lookups, skipped for a name being typed.
		if !strings.ContainsAny(q, " \t") {
			if err := add(`SELECT `+catalogueCols+` FROM items WHERE code = ?1 AND code <> ''
				UNION ALL SELECT `+catalogueCols+` FROM items WHERE barcode = ?1 AND barcode <> ''
				UNION ALL SELECT `+catalogueCols+` FROM items WHERE id = (SELECT item_id FROM item_barcodes WHERE barcode = ?1)`, q); err != nil {
				return err
			}
		}
		// Names are written capitalised and NOCASE folds ASCII only: the
		// capitalised prefix is tried first, then as typed, then in lower
		// case, each a range on the NOCASE name index, until limit rows.
		v := caseVariants(q)
		if len(v) > 1 {
			v[0], v[1] = v[1], v[0]
		}
		for _, p := range v {
			if len(out) >= limit {
				return nil
			}
			// The limit is written into the statement: a bound LIMIT makes
			// SQLite prepare the statement a second time at its first step.
			if err := add(`SELECT `+catalogueCols+` FROM items
				WHERE name >= ?1 COLLATE NOCASE AND name < (?1 || char(1114111)) COLLATE NOCASE AND generic = 0
				ORDER BY name COLLATE NOCASE LIMIT `+strconv.Itoa(limit), p); err != nil {
				return err
			}
		}
		if contains && len(out) < limit && utf8.RuneCountInString(q) >= 3 {
			// instr is case-sensitive; LIKE folds ASCII only. Both the typed
			// and the capitalised form are tried, as for the prefix.
			for _, p := range caseVariants(q) {
				if err := add(`SELECT `+catalogueCols+` FROM items WHERE instr(name, ?) > 1 AND generic = 0 LIMIT ?`, p, limit); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := run(); err != nil {
		return nil, fmt.Errorf("find items %q: %w", q, err)
	}
	return out, nil
}

// caseVariants is q as typed, with its first letter upper-cased, and in
// lower case: SQLite's NOCASE folds ASCII only, and catalogue names are
// written capitalised.
func caseVariants(q string) []string {
	out := []string{q}
	if r := []rune(q); len(r) > 0 {
		up := string(append([]rune(strings.ToUpper(string(r[0]))), r[1:]...))
		for _, v := range []string{up, strings.ToLower(q)} {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// Audit actions of the catalogue (the policy's action IDs where one
// decided it).
const (
	auditItemCreate = "catalogue.item.create"
	auditItemEdit   = "catalogue.item.edit"
	auditItemPrice  = "catalogue.item.price"
	auditItemActive = "catalogue.item.active"
	auditImport     = "catalogue.import"
	auditImportItem = "catalogue.import.changes"
	auditChunk      = 500 // changed items per catalogue.import.changes row
)

// ItemChange is what SaveCatalogueItem changed, for the caller's checks
// before (the back office asks the policy for each kind) and the audit
// rows after.
type ItemChange struct {
	New    bool
	Fields bool // anything but the price and the active flag
	Price  bool
	Active bool
}

// DiffItem says what saving it over old would change.
func DiffItem(old, it CatalogueItem) ItemChange {
	var c ItemChange
	c.New = old.ID == 0
	c.Price = old.Price != it.Price
	c.Active = old.Active != it.Active
	it.Price, it.Active = old.Price, old.Active
	it.ID = old.ID
	c.Fields = !c.New && !equalItems(old, it)
	return c
}

func equalItems(a, b CatalogueItem) bool {
	return a.ID == b.ID && a.Code == b.Code && slices.Equal(a.Barcodes, b.Barcodes) && a.Name == b.Name &&
		a.ReceiptName == b.ReceiptName && a.Price == b.Price && a.VAT == b.VAT && a.Unit == b.Unit &&
		a.Weighed == b.Weighed && a.Marking == b.Marking && a.Dept == b.Dept && a.Group == b.Group && a.Active == b.Active
}

// normalise trims, drops an empty or repeated barcode and a receipt name
// equal to the name, so what is stored compares equal after a round trip.
func (it *CatalogueItem) normalise() {
	it.Code = strings.TrimSpace(it.Code)
	it.Name = strings.TrimSpace(it.Name)
	it.ReceiptName = strings.TrimSpace(it.ReceiptName)
	if it.ReceiptName == it.Name {
		it.ReceiptName = ""
	}
	var bs []string
	for _, b := range it.Barcodes {
		if b = strings.TrimSpace(b); b != "" && !slices.Contains(bs, b) {
			bs = append(bs, b)
		}
	}
	it.Barcodes = bs
	if len(bs) > 1 {
		slices.Sort(bs[1:]) // extras are kept sorted: item_barcodes reads them so
	}
	if it.Dept == 0 {
		it.Dept = 1
	}
}

// SaveCatalogueItem creates (ID 0) or updates an item in one transaction,
// with its audit rows: one for a new item, else one per kind of change —
// the price and the name with their old and new values, the active flag,
// the other fields. rules checks the values as an import would (VAT codes,
// the register's characters). A code or barcode another item has wraps
// ErrExists; a value the rules refuse wraps ErrInvalid and the *Problem.
func (d *DB) SaveCatalogueItem(ctx context.Context, it CatalogueItem, rules exchange.Rules, by Actor) (sale.ItemID, error) {
	it.normalise()
	if it.ID == 0 && it.Unit == "" {
		it.Unit = "pcs"
		if it.Weighed {
			it.Unit = "kg"
		}
	}
	ei := exchange.Item{
		Code: it.Code, Barcodes: it.Barcodes, Name: it.Name, ReceiptName: it.ReceiptName, Price: it.Price,
		VAT: string(it.VAT), Unit: it.Unit, Dept: int(it.Dept), Group: it.Group, Fields: exchange.FieldVAT | exchange.FieldDept,
	}
	if p := rules.Check(0, &ei); p != nil {
		return 0, fmt.Errorf("save item %q: %w: %w", it.Name, ErrInvalid, p)
	}
	it.VAT = sale.VATCode(ei.VAT)
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var old CatalogueItem
		if it.ID != 0 {
			var err error
			if old, err = catalogueItem(ctx, tx, it.ID); err != nil {
				return err
			}
		}
		if err := barcodesFree(ctx, tx, it); err != nil {
			return err
		}
		id, err := writeCatalogueItem(ctx, tx, it)
		if err != nil {
			return err
		}
		it.ID = id
		return auditItemSave(ctx, tx, old, it, by)
	})
	if err != nil {
		return 0, fmt.Errorf("save item %q: %w", it.Name, err)
	}
	return it.ID, nil
}

func barcodesFree(ctx context.Context, tx *sql.Tx, it CatalogueItem) error {
	for _, b := range it.Barcodes {
		var owner int64
		var code string
		err := tx.QueryRowContext(ctx, `SELECT id, code FROM items WHERE barcode = ?1 AND barcode <> '' AND id <> ?2
			UNION ALL SELECT i.id, i.code FROM item_barcodes b JOIN items i ON i.id = b.item_id WHERE b.barcode = ?1 AND b.item_id <> ?2
			LIMIT 1`, b, int64(it.ID)).Scan(&owner, &code)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("%w: %w", ErrExists, exchange.NewProblem(0, exchange.ReasonBarcodeTwice, "Value", b, "Other", code))
	}
	var other int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM items WHERE code = ? AND code <> '' AND id <> ?`, it.Code, int64(it.ID)).Scan(&other)
	if err == nil {
		return fmt.Errorf("code %s is on item #%d: %w", it.Code, other, ErrExists)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

func writeCatalogueItem(ctx context.Context, tx *sql.Tx, it CatalogueItem) (sale.ItemID, error) {
	first := ""
	if len(it.Barcodes) > 0 {
		first = it.Barcodes[0]
	}
	id := int64(it.ID)
	if id != 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM item_barcodes WHERE item_id = ?`, id); err != nil {
			return 0, err
		}
		_, err := tx.ExecContext(ctx, `UPDATE items SET code=?, barcode=?, name=?, receipt_name=?, price=?, vat=?, unit=?,
			weighed=?, marking=?, dept=?, grp=?, active=? WHERE id = ?`,
			it.Code, first, it.Name, it.ReceiptName, it.Price, string(it.VAT), it.Unit, it.Weighed, it.Marking, it.Dept, it.Group, it.Active, id)
		if err != nil {
			return 0, err
		}
	} else {
		res, err := tx.ExecContext(ctx, `INSERT INTO items(code, barcode, name, receipt_name, price, vat, unit, weighed, marking, dept, grp, active)
			VALUES(?,?,?,?,?,?,?,?,?,?,?,?)`,
			it.Code, first, it.Name, it.ReceiptName, it.Price, string(it.VAT), it.Unit, it.Weighed, it.Marking, it.Dept, it.Group, it.Active)
		if err != nil {
			return 0, err
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, err
		}
	}
	for _, b := range it.Barcodes[min(1, len(it.Barcodes)):] {
		if _, err := tx.ExecContext(ctx, `INSERT INTO item_barcodes(barcode, item_id) VALUES(?, ?)`, b, id); err != nil {
			return 0, err
		}
	}
	return sale.ItemID(id), nil
}

func auditItemSave(ctx context.Context, tx *sql.Tx, old, it CatalogueItem, by Actor) error {
	base := func() map[string]any { return map[string]any{"item": int64(it.ID), "code": it.Code} }
	c := DiffItem(old, it)
	if c.New {
		a := base()
		a["name"], a["price"], a["active"] = it.Name, it.Price, it.Active
		_, err := appendAudit(ctx, tx, by.entry(auditItemCreate, a, OutcomeOK, ""))
		return err
	}
	if c.Fields {
		a := base()
		a["changed"] = changedFields(old, it)
		if old.Name != it.Name {
			a["old_name"], a["new_name"] = old.Name, it.Name
		}
		if old.ReceiptName != it.ReceiptName {
			a["old_receipt_name"], a["new_receipt_name"] = old.ReceiptName, it.ReceiptName
		}
		if _, err := appendAudit(ctx, tx, by.entry(auditItemEdit, a, OutcomeOK, "")); err != nil {
			return err
		}
	}
	if c.Price {
		a := base()
		a["old_price"], a["new_price"] = old.Price, it.Price
		if _, err := appendAudit(ctx, tx, by.entry(auditItemPrice, a, OutcomeOK, "")); err != nil {
			return err
		}
	}
	if c.Active {
		a := base()
		a["active"] = it.Active
		if _, err := appendAudit(ctx, tx, by.entry(auditItemActive, a, OutcomeOK, "")); err != nil {
			return err
		}
	}
	return nil
}

func changedFields(a, b CatalogueItem) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("code", a.Code != b.Code)
	add("barcodes", !slices.Equal(a.Barcodes, b.Barcodes))
	add("name", a.Name != b.Name)
	add("receipt_name", a.ReceiptName != b.ReceiptName)
	add("vat", a.VAT != b.VAT)
	add("unit", a.Unit != b.Unit)
	add("weighed", a.Weighed != b.Weighed)
	add("marking", a.Marking != b.Marking)
	add("dept", a.Dept != b.Dept)
	add("group", a.Group != b.Group)
	return out
}

// SetItemActive takes an item off sale or back on, audited. Items are
// never deleted: bills and the journal refer to them.
func (d *DB) SetItemActive(ctx context.Context, id sale.ItemID, active bool, by Actor) error {
	err := d.tx(ctx, func(tx *sql.Tx) error {
		old, err := catalogueItem(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Active == active {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE items SET active = ? WHERE id = ?`, active, int64(id)); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, by.entry(auditItemActive, map[string]any{"item": int64(id), "code": old.Code, "active": active}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("item #%d active=%v: %w", id, active, err)
	}
	return nil
}

// ExportCatalogue calls fn with every item but the generic one, by code,
// with all its barcodes. One read transaction: the file is one state.
func (d *DB) ExportCatalogue(ctx context.Context, fn func(CatalogueItem) error) error {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("export catalogue: %w", err)
	}
	defer tx.Rollback()
	// The extra barcodes come in one ordered pass beside the items, not one
	// query per item.
	rows, err := tx.QueryContext(ctx, `SELECT `+catalogueCols+`,
		(SELECT group_concat(barcode, ',') FROM (SELECT barcode FROM item_barcodes WHERE item_id = items.id ORDER BY barcode))
		FROM items WHERE generic = 0 ORDER BY code`)
	if err != nil {
		return fmt.Errorf("export catalogue: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it CatalogueItem
		var barcode string
		var extra sql.NullString
		if err := rows.Scan((*int64)(&it.ID), &it.Code, &barcode, &it.Name, &it.ReceiptName, &it.Price, (*string)(&it.VAT),
			&it.Unit, &it.Weighed, &it.Marking, &it.Dept, &it.Group, &it.Active, &extra); err != nil {
			return fmt.Errorf("export catalogue: %w", err)
		}
		if barcode != "" {
			it.Barcodes = []string{barcode}
		}
		if extra.Valid && extra.String != "" {
			it.Barcodes = append(it.Barcodes, strings.Split(extra.String, ",")...)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export catalogue: %w", err)
	}
	return nil
}

// ErrImportRefused: the file had rejected rows or could not be read; the
// catalogue was not changed. The ImportResult says why.
var ErrImportRefused = errors.New("store: import refused, the catalogue is unchanged")

// ImportOptions tune ImportCatalogue.
type ImportOptions struct {
	DryRun bool
	Rules  exchange.Rules
	// Source names the file in the audit rows.
	Source string
	Format string
	// Listed is how many problems the result keeps (the rest are counted);
	// 0 means 100.
	Listed int
	// Rejects, when set, gets every problem as "line N: reason", one a line.
	Rejects io.Writer
	// Progress is called now and then with the lines read so far and the
	// phase ("read", "check", "apply").
	Progress func(phase string, lines int)

	// inTx, when set, runs in the applying transaction after the catalogue
	// is written and before the commit; an error rolls everything back (a
	// catalogue bundle's version check and audit, bundle_catalogue.go).
	inTx func(ctx context.Context, tx *sql.Tx) error
}

// ImportResult is what an import did, or would do in a dry run.
type ImportResult struct {
	Lines       int // last line read
	Items       int // goods rows accepted
	Groups      int // ATOL group lines
	New         int
	Changed     int
	Unchanged   int
	Deactivated int
	Rejected    int                 // rows refused
	Problems    []*exchange.Problem // the first Listed of them, by line
	Fatal       *exchange.Problem   // the file as a whole was refused
	Skipped     map[string]int      // ATOL sections the till does not apply, lines per command
	Loaded      bool                // ATOL flag "@": some loader took this file before
	Applied     bool                // committed (false in a dry run and when refused)
}

type importer struct {
	d          *DB
	opt        ImportOptions
	res        *ImportResult
	deleteAll  bool
	stmtItem   *sql.Stmt
	stmtGroup  *sql.Stmt
	stmtDelBar *sql.Stmt
}

func (im *importer) reject(p *exchange.Problem) {
	im.res.Rejected++
	if len(im.res.Problems) < im.opt.Listed {
		im.res.Problems = append(im.res.Problems, p)
	}
	if im.opt.Rejects != nil {
		fmt.Fprintln(im.opt.Rejects, p.Error())
	}
}

// ImportCatalogue reads r to its end and applies it in one transaction, all
// or nothing: any rejected row refuses the whole file (ErrImportRefused,
// the result lists the rejects), so the catalogue is never half loaded.
// Rows are staged in temporary tables (bounded memory whatever the file's
// size) and checked across the file and against the catalogue with
// set-based queries: a code on two lines, a barcode on two items, a barcode
// another item keeps, a new item without VAT. Items are matched by code;
// fields a format does not carry keep the till's value. A dry run does all
// of it and rolls back. Every price or name that changes gets an audit row
// with old and new value and the file's name, and the import one summary.
func (d *DB) ImportCatalogue(ctx context.Context, r exchange.Reader, opt ImportOptions, by Actor) (ImportResult, error) {
	if opt.Listed <= 0 {
		opt.Listed = 100
	}
	res := ImportResult{}
	im := &importer{d: d, opt: opt, res: &res}
	// One connection holds the staging tables (they are per connection).
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("import catalogue: %w", classify(d.path, err))
	}
	defer conn.Close()
	defer dropStaging(context.WithoutCancel(ctx), conn)
	applied, err := im.run(ctx, conn, r, by)
	if err != nil {
		if te := typed(d.path, err); te != nil {
			err = te
		}
		return res, fmt.Errorf("import catalogue: %w", err)
	}
	if res.Fatal != nil || res.Rejected > 0 {
		return res, ErrImportRefused
	}
	res.Applied = applied
	return res, nil
}

// run is the import in two transactions on conn. The first, deferred,
// writes only the temporary tables and reads the catalogue: reading the
// file, the checks and a dry run take no write lock, so the till sells on
// while a 100k file is read. The second, immediate (the DSN's _txlock),
// checks again against the catalogue as it is now (a change made in
// between is caught, not overwritten), then audits and applies: the only
// time other writers wait.
func (im *importer) run(ctx context.Context, conn *sql.Conn, r exchange.Reader, by Actor) (applied bool, err error) {
	dropStaging(ctx, conn)
	if _, err := conn.ExecContext(ctx, "BEGIN DEFERRED"); err != nil {
		return false, err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := im.stage(ctx, conn, r); err != nil {
		return false, err
	}
	if at, ok := r.(*exchange.ATOLReader); ok {
		im.res.Skipped, im.res.Loaded = at.Skipped, at.Loaded
	}
	if im.res.Fatal != nil {
		return false, nil
	}
	if im.opt.Progress != nil {
		im.opt.Progress("check", im.res.Lines)
	}
	// data_version changes when another connection commits: read before
	// the checks read the catalogue, and again once the write lock is
	// held, it says whether the checks must run again.
	var seen, now int64
	if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&seen); err != nil {
		return false, err
	}
	if err := im.resolveGroups(ctx, conn); err != nil {
		return false, err
	}
	if err := im.check(ctx, conn); err != nil || im.res.Rejected > 0 {
		return false, err
	}
	if im.opt.DryRun {
		return false, im.summarise(ctx, conn)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return false, err
	}
	committed = true
	if testHookBetweenPhases != nil {
		testHookBetweenPhases()
	}

	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	done, release := im.d.trackAudit(tx)
	defer release()
	defer func() {
		if err != nil || !applied {
			tx.Rollback()
		}
	}()
	if err := tx.QueryRowContext(ctx, "PRAGMA data_version").Scan(&now); err != nil {
		return false, err
	}
	if now != seen {
		if err := im.check(ctx, tx); err != nil || im.res.Rejected > 0 {
			return false, err
		}
	}
	if err := im.summarise(ctx, tx); err != nil {
		return false, err
	}
	if im.opt.Progress != nil {
		im.opt.Progress("apply", im.res.Lines)
	}
	if err := im.audit(ctx, tx, by); err != nil {
		return false, err
	}
	if err := im.apply(ctx, tx); err != nil {
		return false, err
	}
	if im.opt.inTx != nil {
		if err := im.opt.inTx(ctx, tx); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	done()
	return true, nil
}

// testHookBetweenPhases, when set by a test, runs between the two
// transactions of an import: another writer's moment.
var testHookBetweenPhases func()

// sqlRunner is what *sql.Conn and *sql.Tx both offer.
type sqlRunner interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, q string) (*sql.Stmt, error)
}

const stagingDDL = `
CREATE TEMP TABLE imp_items (
	line INTEGER PRIMARY KEY, code TEXT NOT NULL, barcode1 TEXT, name TEXT NOT NULL, receipt_name TEXT,
	price INTEGER, vat TEXT, unit TEXT, weighed INTEGER, marking INTEGER, dept INTEGER, grp TEXT, active INTEGER,
	barcodes TEXT); -- all the row's barcodes, a JSON array; imp_barcodes is filled from it in one statement
CREATE TEMP TABLE imp_barcodes (barcode TEXT NOT NULL, line INTEGER NOT NULL, first INTEGER NOT NULL);
CREATE TEMP TABLE imp_groups (code TEXT PRIMARY KEY, name TEXT NOT NULL) WITHOUT ROWID;
CREATE TEMP TABLE imp_delbarcodes (code TEXT PRIMARY KEY) WITHOUT ROWID;`

func dropStaging(ctx context.Context, tx sqlRunner) {
	for _, t := range []string{"imp_items", "imp_barcodes", "imp_groups", "imp_delbarcodes", "imp_new", "imp_changed"} {
		tx.ExecContext(ctx, `DROP TABLE IF EXISTS temp.`+t)
	}
}

func (im *importer) stage(ctx context.Context, tx sqlRunner, r exchange.Reader) error {
	if _, err := tx.ExecContext(ctx, stagingDDL); err != nil {
		return err
	}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var s *sql.Stmt
		s, err = tx.PrepareContext(ctx, q)
		return s
	}
	im.stmtItem = prep(`INSERT INTO imp_items VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	im.stmtGroup = prep(`INSERT OR REPLACE INTO imp_groups VALUES(?,?)`)
	im.stmtDelBar = prep(`INSERT OR IGNORE INTO imp_delbarcodes VALUES(?)`)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range []*sql.Stmt{im.stmtItem, im.stmtGroup, im.stmtDelBar} {
			s.Close()
		}
	}()
	nullable := func(it *exchange.Item, f exchange.Field, v any) any {
		if it.Has(f) {
			return v
		}
		return nil
	}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if im.opt.Progress != nil {
				im.opt.Progress("read", im.res.Lines)
			}
		}
		rec, err := r.Next()
		if rec.Line > im.res.Lines {
			im.res.Lines = rec.Line
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		var p *exchange.Problem
		if errors.As(err, &p) {
			if p.Fatal {
				im.res.Fatal = p
				return nil
			}
			im.reject(p)
			continue
		}
		if err != nil {
			return err
		}
		switch rec.Kind {
		case exchange.KindDeleteAll:
			im.deleteAll = true
		case exchange.KindDeleteBarcodes:
			if _, err := im.stmtDelBar.ExecContext(ctx, rec.Item.Code); err != nil {
				return err
			}
		case exchange.KindGroup:
			im.res.Groups++
			if _, err := im.stmtGroup.ExecContext(ctx, rec.Group.Code, rec.Group.Name); err != nil {
				return err
			}
		case exchange.KindItem:
			it := &rec.Item
			if p := im.opt.Rules.Check(rec.Line, it); p != nil {
				im.reject(p)
				continue
			}
			ci := CatalogueItem{Code: it.Code, Barcodes: it.Barcodes, Name: it.Name, ReceiptName: it.ReceiptName, Unit: it.Unit, Dept: 1}
			ci.normalise()
			var first any
			if it.Has(exchange.FieldBarcodes) {
				first = ""
				if len(ci.Barcodes) > 0 {
					first = ci.Barcodes[0]
				}
			}
			var barcodes any
			if len(ci.Barcodes) > 0 {
				barcodes = jsonStrings(ci.Barcodes)
			}
			im.res.Items++
			if _, err := im.stmtItem.ExecContext(ctx, rec.Line, ci.Code, first, ci.Name,
				nullable(it, exchange.FieldReceiptName, ci.ReceiptName),
				nullable(it, exchange.FieldPrice, it.Price), nullable(it, exchange.FieldVAT, it.VAT),
				nullable(it, exchange.FieldUnit, strings.TrimSpace(it.Unit)), nullable(it, exchange.FieldWeighed, it.Weighed),
				nullable(it, exchange.FieldMarking, it.Marking), nullable(it, exchange.FieldDept, it.Dept),
				nullable(it, exchange.FieldGroup, it.Group), nullable(it, exchange.FieldActive, it.Active), barcodes); err != nil {
				return err
			}
		}
	}
}

// jsonStrings is a JSON array of barcodes (printable ASCII without quotes:
// only the backslash needs escaping).
func jsonStrings(ss []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(s, `\`, `\\`))
		b.WriteByte('"')
	}
	b.WriteByte(']')
	return b.String()
}

// resolveGroups fills imp_barcodes, indexes the staging tables and turns
// an ATOL parent code into its group's name; a code
// the file does not define leaves the item's group as it is.
func (im *importer) resolveGroups(ctx context.Context, tx sqlRunner) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO imp_barcodes
		SELECT j.value, s.line, j.key = 0 FROM imp_items s, json_each(s.barcodes) j WHERE s.barcodes IS NOT NULL;
		CREATE INDEX temp.imp_items_code ON imp_items(code);
		CREATE INDEX temp.imp_barcodes_barcode ON imp_barcodes(barcode, line);
		CREATE INDEX temp.imp_barcodes_line ON imp_barcodes(line, first)`); err != nil {
		return err
	}
	var err error
	switch {
	case im.res.Groups > 0:
		_, err = tx.ExecContext(ctx, `UPDATE imp_items SET grp = (SELECT name FROM imp_groups g WHERE g.code = imp_items.grp) WHERE grp IS NOT NULL`)
	case im.opt.Format == "atol":
		_, err = tx.ExecContext(ctx, `UPDATE imp_items SET grp = NULL`)
	}
	return err
}

// check runs the checks that need the whole file and the catalogue.
func (im *importer) check(ctx context.Context, tx sqlRunner) error {
	var found []*exchange.Problem
	collect := func(q string, mk func(line int, a, b string) *exchange.Problem) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line int
			var a, b string
			if err := rows.Scan(&line, &a, &b); err != nil {
				return err
			}
			found = append(found, mk(line, a, b))
		}
		return rows.Err()
	}
	err := collect(`SELECT s.line, s.code, f.line FROM imp_items s
		JOIN (SELECT code, min(line) AS line FROM imp_items GROUP BY code HAVING count(*) > 1) f ON f.code = s.code
		WHERE s.line > f.line`,
		func(line int, code, other string) *exchange.Problem {
			return exchange.NewProblem(line, exchange.ReasonCodeTwice, "Value", code, "Other", other)
		})
	if err != nil {
		return err
	}
	// A barcode on two items of the file: the later line is refused.
	err = collect(`SELECT b.line, b.barcode, (SELECT s.code FROM imp_barcodes b2 JOIN imp_items s ON s.line = b2.line
			WHERE b2.barcode = b.barcode AND b2.line < b.line ORDER BY b2.line LIMIT 1)
		FROM imp_barcodes b
		WHERE EXISTS (SELECT 1 FROM imp_barcodes b2 WHERE b2.barcode = b.barcode AND b2.line < b.line)`,
		func(line int, barcode, code string) *exchange.Problem {
			return exchange.NewProblem(line, exchange.ReasonBarcodeTwice, "Value", barcode, "Other", code)
		})
	if err != nil {
		return err
	}
	// A barcode another item keeps: one the file does not list, or lists
	// without giving its barcodes (they are released only when the file
	// gives them anew, by $$$DELETEALLWARES or $$$DELETEBARCODESBYWARECODE).
	if !im.deleteAll {
		// Two statements, one per place a barcode lives, each on its index.
		const free = ` WHERE o.code <> s.code
			  AND NOT EXISTS (SELECT 1 FROM imp_items s2 WHERE s2.code = o.code AND s2.barcode1 IS NOT NULL)
			  AND NOT EXISTS (SELECT 1 FROM imp_delbarcodes d WHERE d.code = o.code)`
		for _, q := range []string{
			`SELECT b.line, b.barcode, o.code FROM imp_barcodes b JOIN imp_items s ON s.line = b.line
				JOIN items o ON o.barcode = b.barcode AND o.barcode <> ''` + free,
			`SELECT b.line, b.barcode, o.code FROM imp_barcodes b JOIN imp_items s ON s.line = b.line
				JOIN item_barcodes x ON x.barcode = b.barcode JOIN items o ON o.id = x.item_id` + free,
		} {
			err = collect(q, func(line int, barcode, code string) *exchange.Problem {
				if code == "" {
					code = "—"
				}
				return exchange.NewProblem(line, exchange.ReasonBarcodeTwice, "Value", barcode, "Other", code)
			})
			if err != nil {
				return err
			}
		}
	}
	// A new item needs a VAT rate (an ATOL line without field 23).
	err = collect(`SELECT s.line, '', '' FROM imp_items s WHERE s.vat IS NULL AND NOT EXISTS (SELECT 1 FROM items i WHERE i.code = s.code AND i.code <> '')`,
		func(line int, _, _ string) *exchange.Problem {
			return exchange.NewProblem(line, exchange.ReasonVAT, "Value", "—", "Known", im.opt.Rules.Known)
		})
	if err != nil {
		return err
	}
	slices.SortStableFunc(found, func(a, b *exchange.Problem) int { return a.Line - b.Line })
	for _, p := range found {
		im.reject(p)
	}
	if len(found) > 0 && len(im.res.Problems) > 1 {
		slices.SortStableFunc(im.res.Problems, func(a, b *exchange.Problem) int { return a.Line - b.Line })
	}
	return nil
}

// changedWhere is true for a staged row that changes its existing item.
// Every join of items on code says `code <> ”` too: items_code is a
// partial index, used only when the query implies its WHERE (without it a
// re-import of 100k items compared each line with every item).
const changedWhere = `(i.name <> s.name OR i.barcode <> COALESCE(s.barcode1, i.barcode)
	OR (s.receipt_name IS NOT NULL AND i.receipt_name <> s.receipt_name)
	OR i.price <> COALESCE(s.price, i.price) OR i.vat <> COALESCE(s.vat, i.vat) OR i.unit <> COALESCE(s.unit, i.unit)
	OR i.weighed <> COALESCE(s.weighed, i.weighed) OR i.marking <> COALESCE(s.marking, i.marking)
	OR i.dept <> COALESCE(s.dept, i.dept) OR i.grp <> COALESCE(s.grp, i.grp) OR i.active <> COALESCE(s.active, i.active)
	OR (s.barcode1 IS NOT NULL AND
		(SELECT group_concat(barcode) FROM (SELECT barcode FROM item_barcodes WHERE item_id = i.id ORDER BY barcode)) IS NOT
		(SELECT group_concat(barcode) FROM (SELECT barcode FROM imp_barcodes WHERE line = s.line AND first = 0 ORDER BY barcode))))`

// summarise sorts the staged lines into new (imp_new) and changing
// (imp_changed), which the apply then touches alone: a daily full file
// where little changed rewrites little.
// The statements that match staged lines with items by code; a test reads
// their plans.
const (
	newLinesSQL     = `SELECT s.line FROM imp_items s WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.code = s.code AND i.code <> '')`
	changedLinesSQL = `SELECT s.line FROM imp_items s JOIN items i ON i.code = s.code AND i.code <> '' WHERE ` + changedWhere
	auditSQL        = `SELECT i.id, i.code, i.name, s.name, i.price, COALESCE(s.price, i.price) FROM imp_items s JOIN items i ON i.code = s.code AND i.code <> ''
		WHERE i.name <> s.name OR i.price <> COALESCE(s.price, i.price) ORDER BY s.line`
	extraBarcodesSQL = `INSERT INTO item_barcodes(barcode, item_id)
			SELECT b.barcode, i.id FROM imp_barcodes b JOIN imp_items s ON s.line = b.line JOIN items i ON i.code = s.code AND i.code <> ''
			WHERE b.first = 0 AND (b.line IN (SELECT line FROM imp_new) OR b.line IN (SELECT line FROM imp_changed) AND s.barcode1 IS NOT NULL)`
)

func (im *importer) summarise(ctx context.Context, tx sqlRunner) error {
	_, err := tx.ExecContext(ctx, `DROP TABLE IF EXISTS temp.imp_new; DROP TABLE IF EXISTS temp.imp_changed;
		CREATE TEMP TABLE imp_new AS `+newLinesSQL+`;
		CREATE TEMP TABLE imp_changed AS `+changedLinesSQL+`;
		CREATE INDEX temp.imp_new_line ON imp_new(line); CREATE INDEX temp.imp_changed_line ON imp_changed(line)`)
	if err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM imp_new), (SELECT count(*) FROM imp_changed)`).Scan(&im.res.New, &im.res.Changed); err != nil {
		return err
	}
	im.res.Unchanged = im.res.Items - im.res.New - im.res.Changed
	if im.deleteAll {
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM items i WHERE i.generic = 0 AND i.active = 1
			AND NOT EXISTS (SELECT 1 FROM imp_items s WHERE s.code = i.code)`).Scan(&im.res.Deactivated); err != nil {
			return err
		}
	}
	return nil
}

// audit writes the old and new name and price of every item whose name or
// price changes, with the file, then the import's summary row.
func (im *importer) audit(ctx context.Context, tx *sql.Tx, by Actor) error {
	rows, err := tx.QueryContext(ctx, auditSQL)
	if err != nil {
		return err
	}
	type change struct {
		id               int64
		code, oldN, newN string
		oldP, newP       int64
	}
	var changes []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.code, &c.oldN, &c.newN, &c.oldP, &c.newP); err != nil {
			rows.Close()
			return err
		}
		changes = append(changes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// The changes go in rows of auditChunk items each: every one with its
	// old and new value, without 100k hash-chain appends under the write
	// lock (a price list that changes every item would hold the till up
	// for seconds).
	for start := 0; start < len(changes); start += auditChunk {
		chunk := changes[start:min(start+auditChunk, len(changes))]
		list := make([]map[string]any, 0, len(chunk))
		for _, c := range chunk {
			a := map[string]any{"item": c.id, "code": c.code}
			if c.oldN != c.newN {
				a["old_name"], a["new_name"] = c.oldN, c.newN
			}
			if c.oldP != c.newP {
				a["old_price"], a["new_price"] = c.oldP, c.newP
			}
			list = append(list, a)
		}
		if _, err := appendAudit(ctx, tx, by.entry(auditImportItem, map[string]any{"file": im.opt.Source, "items": list}, OutcomeOK, "")); err != nil {
			return err
		}
	}
	_, err = appendAudit(ctx, tx, by.entry(auditImport, map[string]any{
		"file": im.opt.Source, "format": im.opt.Format, "lines": im.res.Lines, "items": im.res.Items,
		"new": im.res.New, "changed": im.res.Changed, "deactivated": im.res.Deactivated,
	}, OutcomeOK, ""))
	return err
}

func (im *importer) apply(ctx context.Context, tx *sql.Tx) error {
	steps := []string{}
	if im.deleteAll {
		steps = append(steps,
			`DELETE FROM item_barcodes WHERE item_id IN (SELECT i.id FROM items i WHERE i.generic = 0
				AND NOT EXISTS (SELECT 1 FROM imp_items s WHERE s.code = i.code))`,
			`UPDATE items SET active = 0, barcode = '' WHERE generic = 0
				AND NOT EXISTS (SELECT 1 FROM imp_items s WHERE s.code = items.code)`)
	}
	// The lines that change an item and give its barcodes.
	const rebarcoded = `SELECT s.code FROM imp_changed c JOIN imp_items s ON s.line = c.line WHERE s.barcode1 IS NOT NULL`
	steps = append(steps,
		// Released barcodes first: those of $$$DELETEBARCODESBYWARECODE and
		// of every changing item whose barcodes the file gives anew, so a
		// barcode that moves from one item to another in the file is free
		// for it. A primary barcode that stays is not touched.
		`DELETE FROM item_barcodes WHERE item_id IN (SELECT i.id FROM items i WHERE i.code IN (SELECT code FROM imp_delbarcodes)
			OR i.code IN (`+rebarcoded+`))`,
		`UPDATE items SET barcode = '' WHERE barcode <> '' AND (code IN (SELECT code FROM imp_delbarcodes)
			OR code IN (`+rebarcoded+`) AND barcode <> (SELECT s.barcode1 FROM imp_items s WHERE s.code = items.code))`,
		`UPDATE items SET name = s.name, barcode = COALESCE(s.barcode1, items.barcode),
			receipt_name = COALESCE(s.receipt_name, items.receipt_name), price = COALESCE(s.price, items.price),
			vat = COALESCE(s.vat, items.vat), unit = COALESCE(s.unit, items.unit), weighed = COALESCE(s.weighed, items.weighed),
			marking = COALESCE(s.marking, items.marking), dept = COALESCE(s.dept, items.dept), grp = COALESCE(s.grp, items.grp),
			active = COALESCE(s.active, items.active)
			FROM imp_changed c JOIN imp_items s ON s.line = c.line WHERE items.code = s.code AND items.code <> ''`,
		`INSERT INTO items(code, barcode, name, receipt_name, price, vat, unit, weighed, marking, dept, grp, active)
			SELECT s.code, COALESCE(s.barcode1, ''), s.name, COALESCE(s.receipt_name, ''), COALESCE(s.price, 0), s.vat,
				COALESCE(NULLIF(s.unit, ''), CASE WHEN s.weighed THEN 'kg' ELSE 'pcs' END), COALESCE(s.weighed, 0),
				COALESCE(s.marking, 0), COALESCE(s.dept, 1), COALESCE(s.grp, ''), COALESCE(s.active, 1)
			FROM imp_new n JOIN imp_items s ON s.line = n.line ORDER BY s.line`,
		extraBarcodesSQL,
	)
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			if isUnique(err) || strings.Contains(err.Error(), "UNIQUE constraint failed") {
				return fmt.Errorf("%w: %w", ErrExists, err)
			}
			return err
		}
	}
	return nil
}

// Summary is the result in a few English lines for operator commands: the
// counts, then the listed problems, then how many more there were.
func (r ImportResult) Summary() string {
	var b strings.Builder
	if r.Fatal != nil {
		fmt.Fprintf(&b, "refused: %s\n", r.Fatal.Error())
		return b.String()
	}
	fmt.Fprintf(&b, "%d lines, %d items: %d new, %d changed, %d unchanged, %d deactivated, %d rejected\n",
		r.Lines, r.Items, r.New, r.Changed, r.Unchanged, r.Deactivated, r.Rejected)
	if r.Loaded {
		b.WriteString("note: line 2 of the file is @, another loader already took it\n")
	}
	for cmd, n := range r.Skipped {
		fmt.Fprintf(&b, "note: %s is not applied by this till (%d lines skipped)\n", cmd, n)
	}
	for _, p := range r.Problems {
		b.WriteString("  " + p.Error() + "\n")
	}
	if more := r.Rejected - len(r.Problems); more > 0 {
		b.WriteString("  " + exchange.NewProblem(0, exchange.ReasonTooManyErrors, "Count", strconv.Itoa(more)).Error() + "\n")
	}
	return b.String()
}

// Settings the exchange reads (and SettingStoreCountry, setup.go's, for
// the VAT table).
const (
	// SettingATOLTaxMap maps an ATOL file's tax group codes (field 23, set
	// up per installation in Frontol) to the till's VAT codes: "1=20,2=10,
	// 3=0,4=none". A group code that is itself one of the store's VAT codes
	// needs no entry.
	SettingATOLTaxMap = "exchange.atol.tax_map"
)

// CatalogueRules are the checks of a store in country: its VAT codes, and
// the register's characters — Windows-1251, what the Shtrih-M prints, for
// Russia; Windows-1252 elsewhere (Italian accents, the euro sign). For the
// ATOL format taxMap ("1=20,2=10") maps the file's tax groups first.
func CatalogueRules(country, format, taxMap string) (exchange.Rules, error) {
	vat, err := sale.VATTableFor(country)
	if err != nil {
		return exchange.Rules{}, err
	}
	codes := vat.Codes()
	known := make([]string, 0, len(codes))
	for _, c := range codes {
		known = append(known, string(c))
	}
	m := map[string]string{}
	if format == "atol" && strings.TrimSpace(taxMap) != "" {
		for _, pair := range strings.Split(taxMap, ",") {
			k, v, ok := strings.Cut(pair, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok || k == "" || !slices.Contains(known, v) {
				return exchange.Rules{}, fmt.Errorf("tax group map %q: %q is not group=VAT code with a VAT code of %s (%s): %w",
					taxMap, pair, country, strings.Join(known, ", "), ErrInvalid)
			}
			m[k] = v
		}
	}
	r := exchange.Rules{
		VAT: func(s string) (string, bool) {
			if v, ok := m[s]; ok {
				return v, true
			}
			return s, slices.Contains(known, s)
		},
		Known:   strings.Join(known, ", "),
		Charset: charmap.Windows1252,
	}
	if country == "RU" {
		r.Charset = charmap.Windows1251
	}
	if len(m) > 0 {
		r.Known = taxMap + "; " + r.Known
	}
	return r, nil
}

// StoreCatalogueRules reads the store's country and, for ATOL, its tax
// group map from the settings; taxMap, when not "", replaces the stored map.
func (d *DB) StoreCatalogueRules(ctx context.Context, format, taxMap string) (exchange.Rules, error) {
	country, err := d.SettingString(ctx, SettingStoreCountry, "RU")
	if err != nil {
		return exchange.Rules{}, err
	}
	if taxMap == "" {
		if taxMap, err = d.SettingString(ctx, SettingATOLTaxMap, ""); err != nil {
			return exchange.Rules{}, err
		}
	}
	return CatalogueRules(country, format, taxMap)
}

// ExchangeItem is it as an exchange file carries it.
func (it CatalogueItem) ExchangeItem() exchange.Item {
	return exchange.Item{
		Code: it.Code, Barcodes: it.Barcodes, Name: it.Name, ReceiptName: it.ReceiptName, Price: it.Price,
		VAT: string(it.VAT), Unit: it.Unit, Weighed: it.Weighed, Marking: it.Marking, Dept: int(it.Dept),
		Group: it.Group, Active: it.Active,
	}
}

// WriteCatalogue exports the catalogue to w as "csv" or "atol" (cp1251:
// the ATOL file in Windows-1251) and returns how many items it wrote. The
// ATOL file carries the groups as group lines (codes G1, G2, ... unless an
// item has such a code) and items under them; it has no unit, marking or
// department field, so an ATOL round trip keeps those at the till's values.
func (d *DB) WriteCatalogue(ctx context.Context, w io.Writer, format string, cp1251 bool) (int, error) {
	n := 0
	switch format {
	case "csv":
		cw := exchange.NewCSVWriter(w)
		err := d.ExportCatalogue(ctx, func(it CatalogueItem) error {
			n++
			ei := it.ExchangeItem()
			return cw.Write(&ei)
		})
		if err == nil {
			err = cw.Err()
		}
		return n, err
	case "atol":
		groups := map[string]string{}
		rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT grp FROM items WHERE grp <> '' AND generic = 0 ORDER BY grp`)
		if err != nil {
			return 0, fmt.Errorf("export catalogue: %w", err)
		}
		var names []string
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				rows.Close()
				return 0, err
			}
			names = append(names, g)
		}
		rows.Close()
		aw := exchange.NewATOLWriter(w, cp1251)
		next := 0
		for _, g := range names {
			var code string
			for {
				next++
				code = "G" + strconv.Itoa(next)
				var x int
				err := d.db.QueryRowContext(ctx, `SELECT 1 FROM items WHERE code = ? AND code <> ''`, code).Scan(&x)
				if errors.Is(err, sql.ErrNoRows) {
					break
				}
				if err != nil {
					return 0, err
				}
			}
			groups[g] = code
			if err := aw.WriteGroup(exchange.Group{Code: code, Name: g}); err != nil {
				return 0, err
			}
		}
		err = d.ExportCatalogue(ctx, func(it CatalogueItem) error {
			n++
			ei := it.ExchangeItem()
			ei.Group = groups[it.Group]
			return aw.WriteItem(&ei)
		})
		if err == nil {
			err = aw.Err()
		}
		return n, err
	}
	return 0, fmt.Errorf("export format %q: %w", format, ErrInvalid)
}
