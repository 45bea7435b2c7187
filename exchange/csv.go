package exchange

import (
	"io"
	"strconv"
	"strings"
)

// Columns of the till's CSV, in the order export writes them. Import finds
// them by name (case and surrounding spaces ignored), so any order works;
// code, name, price and vat are required, the others keep the till's value
// when absent. Columns the till does not know are ignored.
var Columns = []string{"code", "barcodes", "name", "receipt_name", "price", "vat", "unit", "weighed", "marking", "department", "group", "active"}

var requiredColumns = []string{"code", "name", "price", "vat"}

// CSVReader reads the till's CSV. The separator is what the header uses
// most: a comma, or the semicolon a spreadsheet writes where the decimal
// separator is a comma (Russia, Italy), or a tab. Prices take a dot or a
// comma. The file is UTF-8, with or without a byte order mark; other bytes
// refuse the file (a Windows-1251 or -1252 CSV cannot be told apart
// reliably, and a guess would garble every name).
type CSVReader struct {
	l      *lines
	sep    byte
	col    map[string]int // column name -> index
	ncol   int
	fields []string
	fatal  error // once the file is refused, every Next says so again
}

// NewCSVReader reads the header at the first Next.
func NewCSVReader(r io.Reader) *CSVReader { return &CSVReader{l: newLines(r, false)} }

// Separator is the separator found in the header (0 before it is read).
func (c *CSVReader) Separator() byte { return c.sep }

func (c *CSVReader) header() error {
	var line string
	for {
		s, err := c.l.next()
		if err == io.EOF {
			return &Problem{Line: c.l.n, Reason: ReasonNoHeader, Fatal: true}
		}
		if p, ok := err.(*Problem); ok {
			p.Fatal = true
			return p
		}
		if err != nil {
			return err
		}
		if strings.TrimSpace(s) != "" {
			line = s
			break
		}
	}
	c.sep = ','
	best := countOutsideQuotes(line, ',')
	for _, s := range []byte{';', '\t'} {
		if n := countOutsideQuotes(line, s); n > best {
			c.sep, best = s, n
		}
	}
	names, ok := splitQuoted(nil, line, c.sep)
	if !ok {
		return &Problem{Line: c.l.n, Reason: ReasonQuote, Fatal: true}
	}
	c.col = make(map[string]int, len(names))
	for i, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if _, dup := c.col[n]; dup && n != "" {
			return &Problem{Line: c.l.n, Reason: ReasonDupColumn, Args: map[string]string{"Column": n}, Fatal: true}
		}
		c.col[n] = i
	}
	c.ncol = len(names)
	for _, r := range requiredColumns {
		if _, ok := c.col[r]; !ok {
			known := 0
			for _, k := range Columns {
				if _, ok := c.col[k]; ok {
					known++
				}
			}
			if known == 0 { // a data row where the header should be
				return &Problem{Line: c.l.n, Reason: ReasonNoHeader, Fatal: true}
			}
			return &Problem{Line: c.l.n, Reason: ReasonMissingColumn, Args: map[string]string{"Column": r}, Fatal: true}
		}
	}
	return nil
}

func countOutsideQuotes(s string, sep byte) int {
	n, in := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			in = !in
		case sep:
			if !in {
				n++
			}
		}
	}
	return n
}

// Next returns the next item. A *Problem with Fatal false is a refused row
// (call Next again); Fatal true, or any other error, ends the file; io.EOF
// is its end. Blank lines are skipped.
func (c *CSVReader) Next() (Record, error) {
	if c.fatal != nil {
		return Record{}, c.fatal
	}
	rec, err := c.next()
	if p, ok := err.(*Problem); ok && p.Fatal || err != nil && err != io.EOF && !ok {
		c.fatal = err
	}
	return rec, err
}

func (c *CSVReader) next() (Record, error) {
	if c.col == nil {
		if err := c.header(); err != nil {
			return Record{}, err
		}
	}
	for {
		s, err := c.l.next()
		if err != nil {
			return Record{Line: c.l.n}, err
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		line := c.l.n
		var ok bool
		c.fields, ok = splitQuoted(c.fields[:0], s, c.sep)
		if !ok {
			return Record{Line: line}, newProblem(line, ReasonQuote)
		}
		if len(c.fields) != c.ncol {
			return Record{Line: line}, newProblem(line, ReasonFieldCount, "Got", strconv.Itoa(len(c.fields)), "Want", strconv.Itoa(c.ncol))
		}
		rec := Record{Line: line, Kind: KindItem}
		if p := c.item(line, &rec.Item); p != nil {
			return rec, p
		}
		return rec, nil
	}
}

func (c *CSVReader) get(name string) (string, bool) {
	i, ok := c.col[name]
	if !ok {
		return "", false
	}
	return strings.TrimSpace(c.fields[i]), true
}

func (c *CSVReader) item(line int, it *Item) *Problem {
	it.Code, _ = c.get("code")
	it.Name, _ = c.get("name")
	it.Active = true
	if v, ok := c.get("barcodes"); ok {
		it.Barcodes, it.Fields = splitBarcodes(v), it.Fields|FieldBarcodes
	}
	if v, ok := c.get("receipt_name"); ok {
		it.ReceiptName, it.Fields = v, it.Fields|FieldReceiptName
	}
	v, _ := c.get("price")
	p, ok := ParsePrice(v)
	if !ok {
		return newProblem(line, ReasonPriceBad, "Value", clip(v))
	}
	it.Price, it.Fields = p, it.Fields|FieldPrice
	it.VAT, _ = c.get("vat")
	it.Fields |= FieldVAT
	// An empty unit is not given: a new item takes its kind's default
	// (pcs, kg), an existing one keeps its own — so the same file imported
	// again changes nothing.
	if v, ok := c.get("unit"); ok && v != "" {
		it.Unit, it.Fields = v, it.Fields|FieldUnit
	}
	for _, b := range []struct {
		col string
		dst *bool
		f   Field
	}{{"weighed", &it.Weighed, FieldWeighed}, {"marking", &it.Marking, FieldMarking}, {"active", &it.Active, FieldActive}} {
		v, ok := c.get(b.col)
		if !ok {
			continue
		}
		switch v {
		case "1":
			*b.dst = true
		case "0":
			*b.dst = false
		case "":
			continue // empty: the till's value (or the default) stays
		default:
			return newProblem(line, ReasonFlagValue, "Column", b.col, "Value", clip(v))
		}
		it.Fields |= b.f
	}
	if v, ok := c.get("department"); ok && v != "" {
		d, err := strconv.Atoi(v)
		if err != nil {
			return newProblem(line, ReasonDept, "Value", clip(v))
		}
		it.Dept, it.Fields = d, it.Fields|FieldDept
	}
	if v, ok := c.get("group"); ok {
		it.Group, it.Fields = v, it.Fields|FieldGroup
	}
	return nil
}

// CSVWriter writes the till's CSV: UTF-8 without a byte order mark, comma
// separated, CR LF line ends (what spreadsheets and 1C expect), every
// column of Columns. Fields with a separator, a quote or edge spaces are
// quoted.
type CSVWriter struct {
	w   io.Writer
	buf []byte
	err error
}

// NewCSVWriter writes the header at once.
func NewCSVWriter(w io.Writer) *CSVWriter {
	c := &CSVWriter{w: w}
	c.row(Columns)
	return c
}

func (c *CSVWriter) row(fields []string) {
	if c.err != nil {
		return
	}
	c.buf = c.buf[:0]
	for i, f := range fields {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		if strings.ContainsAny(f, ",;\"\t") || strings.TrimSpace(f) != f {
			c.buf = append(c.buf, '"')
			c.buf = append(c.buf, strings.ReplaceAll(f, `"`, `""`)...)
			c.buf = append(c.buf, '"')
		} else {
			c.buf = append(c.buf, f...)
		}
	}
	c.buf = append(c.buf, '\r', '\n')
	_, c.err = c.w.Write(c.buf)
}

// Write writes one item (every field, whatever Fields says).
func (c *CSVWriter) Write(it *Item) error {
	c.row([]string{
		it.Code, strings.Join(it.Barcodes, ","), it.Name, it.ReceiptName, FormatPrice(it.Price), it.VAT, it.Unit,
		bit(it.Weighed), bit(it.Marking), strconv.Itoa(it.Dept), it.Group, bit(it.Active),
	})
	return c.err
}

// Err is the first write error.
func (c *CSVWriter) Err() error { return c.err }

func bit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
