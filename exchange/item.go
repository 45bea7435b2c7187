package exchange

import (
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/tillpos/till/internal/fixed"
)

// Limits of an item's fields. Names follow the register: the Shtrih-M's
// FF46h operation carries 128 characters of Windows-1251 text.
const (
	MaxCode    = 40
	MaxBarcode = 40 // the ATOL format's limit per barcode
	MaxName    = 128
	MaxUnit    = 16
	MaxGroup   = 100
	// MaxPrice is 99 999 999.99 in minor units: far above any shelf price,
	// far below what a line total (price × quantity in milli-units) and the
	// register's 5-byte money fields can carry.
	MaxPrice = 9_999_999_999
	// MaxLine caps one line of a file: a row of a real 1C export is a few
	// hundred bytes; a longer line is refused, never buffered.
	MaxLine = 64 << 10
)

// Field is a bit set of the item fields a file gave. A format that does not
// carry a field (the ATOL file has no unit or marking flag) leaves it out,
// and the importer keeps the till's value for it (a new item gets the
// default).
type Field uint16

const (
	FieldBarcodes Field = 1 << iota
	FieldReceiptName
	FieldPrice
	FieldVAT
	FieldUnit
	FieldWeighed
	FieldMarking
	FieldDept
	FieldGroup
	FieldActive
)

// Item is one goods row of a file. Price is in minor units; VAT is the
// till's VAT code in a CSV and the file's tax group code in an ATOL file
// (Rules.VAT maps it); Group is a group's name in a CSV and its code in an
// ATOL file (the importer resolves it to the name).
type Item struct {
	Code        string
	Barcodes    []string
	Name        string
	ReceiptName string
	Price       int64
	VAT         string
	Unit        string
	Weighed     bool
	Marking     bool
	Dept        int
	Group       string
	Active      bool
	Fields      Field
}

// Has reports whether the file gave f.
func (it *Item) Has(f Field) bool { return it.Fields&f != 0 }

// Rules are the store's checks on a row: its VAT codes and the register's
// character set.
type Rules struct {
	// VAT maps a file's VAT value to the store's VAT code; false when it
	// names no rate. Known lists the accepted values for the message.
	VAT   func(string) (string, bool)
	Known string
	// Charset is what the register prints (Windows-1251 for a Russian
	// Shtrih-M); nil accepts any printable character.
	Charset *charmap.Charmap
}

// Check validates one row in place (VAT mapped to the store's code) and
// returns the first problem, or nil.
func (r Rules) Check(line int, it *Item) *Problem {
	if it.Code == "" {
		return newProblem(line, ReasonCodeEmpty)
	}
	if utf8.RuneCountInString(it.Code) > MaxCode || strings.ContainsAny(it.Code, ";,\"\t") || hasControl(it.Code) {
		return newProblem(line, ReasonCodeBad, "Value", clip(it.Code), "Max", strconv.Itoa(MaxCode))
	}
	for _, b := range it.Barcodes {
		if p := checkBarcode(line, b); p != nil {
			return p
		}
	}
	if strings.TrimSpace(it.Name) == "" {
		return newProblem(line, ReasonNameEmpty)
	}
	for _, s := range []string{it.Name, it.ReceiptName} {
		if p := r.checkText(line, s); p != nil {
			return p
		}
	}
	if it.Price < 0 || it.Price > MaxPrice {
		return newProblem(line, ReasonPriceRange, "Value", FormatPrice(it.Price), "Max", FormatPrice(MaxPrice))
	}
	if it.Has(FieldVAT) && r.VAT != nil {
		code, ok := r.VAT(it.VAT)
		if !ok {
			return newProblem(line, ReasonVAT, "Value", clip(it.VAT), "Known", r.Known)
		}
		it.VAT = code
	}
	if it.Has(FieldDept) && (it.Dept < 1 || it.Dept > 16) {
		return newProblem(line, ReasonDept, "Value", strconv.Itoa(it.Dept))
	}
	if utf8.RuneCountInString(it.Unit) > MaxUnit || hasControl(it.Unit) {
		return newProblem(line, ReasonUnit, "Value", clip(it.Unit), "Max", strconv.Itoa(MaxUnit))
	}
	if utf8.RuneCountInString(it.Group) > MaxGroup || hasControl(it.Group) {
		return newProblem(line, ReasonGroup, "Value", clip(it.Group), "Max", strconv.Itoa(MaxGroup))
	}
	return nil
}

func (r Rules) checkText(line int, s string) *Problem {
	if n := utf8.RuneCountInString(s); n > MaxName {
		return newProblem(line, ReasonNameLong, "Got", strconv.Itoa(n), "Max", strconv.Itoa(MaxName))
	}
	for _, c := range s {
		bad := c == utf8.RuneError || !unicode.IsPrint(c) && c != ' '
		if !bad && r.Charset != nil && c >= 0x80 {
			_, ok := r.Charset.EncodeRune(c)
			bad = !ok
		}
		if bad {
			return newProblem(line, ReasonNameChar, "Value", strconv.QuoteRune(c))
		}
	}
	return nil
}

func hasControl(s string) bool {
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return true
		}
	}
	return false
}

// clip shortens a value quoted in a message: a 500-character name is not
// repeated in full in a list of rejects.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 48 {
		return s
	}
	r := []rune(s)
	return string(r[:47]) + "…"
}

// checkBarcode accepts what a scanner sends: printable ASCII without
// separators, up to MaxBarcode characters. All-digit codes of GTIN length
// (EAN-8, UPC-A, EAN-13, GTIN-14) must have a right check digit; other
// lengths (a store's own 5-digit PLU codes, Code 128 article codes) are
// taken as they are.
func checkBarcode(line int, b string) *Problem {
	if b == "" || len(b) > MaxBarcode {
		return newProblem(line, ReasonBarcodeBad, "Value", clip(b), "Max", strconv.Itoa(MaxBarcode))
	}
	digits := true
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c <= ' ' || c >= 0x7f || c == ',' || c == ';' || c == '"' || c == '|' {
			return newProblem(line, ReasonBarcodeBad, "Value", clip(strings.ToValidUTF8(b, "?")), "Max", strconv.Itoa(MaxBarcode))
		}
		digits = digits && c >= '0' && c <= '9'
	}
	if digits && (len(b) == 8 || len(b) == 12 || len(b) == 13 || len(b) == 14) && !GTINValid(b) {
		return newProblem(line, ReasonCheckDigit, "Value", b)
	}
	return nil
}

// GTINValid checks the GS1 mod-10 check digit of an all-digit code.
func GTINValid(code string) bool {
	if len(code) < 2 {
		return false
	}
	sum := 0
	for i := len(code) - 2; i >= 0; i-- {
		d := int(code[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if (len(code)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return int(code[len(code)-1]-'0') == (10-sum%10)%10
}

// ParsePrice reads a decimal price with a dot or a comma and at most two
// decimals (more are accepted when they are zeros) into minor units.
// Spaces (thousands separators) are refused: "1 234" is more often two
// fields run together than a price.
func ParsePrice(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if mark := strings.LastIndexAny(s, ".,"); mark >= 0 {
		for len(s)-mark-1 > 2 && s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
	}
	v, err := fixed.Parse(s, 2)
	switch {
	case errors.Is(err, fixed.ErrRange):
		return MaxPrice + 1, true // a number, out of any range: the range check says so
	case err != nil:
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// FormatPrice writes minor units as "89.90", what ParsePrice reads.
func FormatPrice(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return sign + strconv.FormatInt(v/100, 10) + "." + string([]byte{byte('0' + v%100/10), byte('0' + v%10)})
}

// splitBarcodes splits a barcodes field on commas (ATOL) or, in a CSV,
// also on spaces and '|'; empty parts are dropped.
func splitBarcodes(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '|' || r == '\t' })
	if len(f) == 0 {
		return nil
	}
	return f
}
