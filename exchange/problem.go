package exchange

import (
	"fmt"
	"strconv"

	"github.com/tillpos/till/policy"
)

// Reason says why a row or a file was refused; its text is in
// assets/lang/exchange under "exchange.reason." + the reason.
type Reason string

// The reasons. Never rename one: the back office translates them by key.
const (
	ReasonSignature     Reason = "signature"      // ATOL line 1 is not ##@@&&
	ReasonFlag          Reason = "flag"           // ATOL line 2 is not # or @
	ReasonNotUTF8       Reason = "not_utf8"       // a CSV byte sequence that is not UTF-8
	ReasonNoHeader      Reason = "no_header"      // an empty file, or a CSV without its header
	ReasonMissingColumn Reason = "missing_column" // a required CSV column is absent
	ReasonDupColumn     Reason = "dup_column"     // a CSV column named twice
	ReasonLineTooLong   Reason = "line_too_long"
	ReasonFieldCount    Reason = "field_count" // a CSV row with more or fewer fields than the header
	ReasonQuote         Reason = "quote"       // an unclosed or stray quote
	ReasonNoCommand     Reason = "no_command"  // ATOL data before any $$$ command
	ReasonCodeEmpty     Reason = "code_empty"
	ReasonCodeBad       Reason = "code_bad"
	ReasonCodeTwice     Reason = "code_twice"    // importer: the same code on two lines
	ReasonBarcodeBad    Reason = "barcode_bad"   // characters or length a scanner cannot send
	ReasonCheckDigit    Reason = "check_digit"   // an EAN/UPC whose check digit is wrong
	ReasonBarcodeTwice  Reason = "barcode_twice" // importer: a barcode on two items
	ReasonNameEmpty     Reason = "name_empty"
	ReasonNameLong      Reason = "name_long"
	ReasonNameChar      Reason = "name_char" // a character the register cannot print
	ReasonPriceBad      Reason = "price_bad"
	ReasonPriceRange    Reason = "price_range"
	ReasonVAT           Reason = "vat"  // not a VAT rate of the store (or no ATOL tax group mapped to one)
	ReasonFlagValue     Reason = "bool" // a 0/1 column with something else
	ReasonDept          Reason = "dept"
	ReasonUnit          Reason = "unit"
	ReasonGroup         Reason = "group"
	ReasonTooManyErrors Reason = "too_many" // summary line: more rejects than listed
)

// reasonText is the English text of each reason, in go-i18n template syntax
// with string arguments. en.json carries the same text (a test checks).
var reasonText = map[Reason]string{
	ReasonSignature:     "Line 1 is not the ATOL signature ##@@&&: this is not an ATOL/Frontol exchange file.",
	ReasonFlag:          "Line 2 must be # (not loaded) or @ (loaded), not {{.Value}}.",
	ReasonNotUTF8:       "The file is not UTF-8 (line {{.Line}}): save it as \"CSV UTF-8\" and import it again.",
	ReasonNoHeader:      "The file has no header row: line 1 must name the columns (code, barcodes, name, price, vat, ...).",
	ReasonMissingColumn: "The header has no column {{.Column}}.",
	ReasonDupColumn:     "The header names column {{.Column}} twice.",
	ReasonLineTooLong:   "The line is longer than {{.Max}} bytes.",
	ReasonFieldCount:    "The row has {{.Got}} fields, the header has {{.Want}}.",
	ReasonQuote:         "A quote is not closed or stands inside a field.",
	ReasonNoCommand:     "A data line before any $$$ command.",
	ReasonCodeEmpty:     "The item has no code.",
	ReasonCodeBad:       "Code {{.Value}} is longer than {{.Max}} characters or has a separator in it.",
	ReasonCodeTwice:     "Code {{.Value}} is also on line {{.Other}}.",
	ReasonBarcodeBad:    "Barcode {{.Value}} has characters a scanner does not send, or is longer than {{.Max}}.",
	ReasonCheckDigit:    "Barcode {{.Value}} has a wrong check digit.",
	ReasonBarcodeTwice:  "Barcode {{.Value}} is also on item {{.Other}}.",
	ReasonNameEmpty:     "The item has no name.",
	ReasonNameLong:      "The name has {{.Got}} characters; the register prints at most {{.Max}}.",
	ReasonNameChar:      "The name has the character {{.Value}}, which the register cannot print.",
	ReasonPriceBad:      "Price {{.Value}} is not a number with at most two decimals.",
	ReasonPriceRange:    "Price {{.Value}} is out of range (0 to {{.Max}}).",
	ReasonVAT:           "Tax group {{.Value}} is not one of this store's VAT rates ({{.Known}}).",
	ReasonFlagValue:     "Column {{.Column}} is {{.Value}}: write 0 or 1.",
	ReasonDept:          "Department {{.Value}} is not a number from 1 to 16.",
	ReasonUnit:          "Unit {{.Value}} is longer than {{.Max}} characters.",
	ReasonGroup:         "Group {{.Value}} is longer than {{.Max}} characters.",
	ReasonTooManyErrors: "… and {{.Count}} more rejected lines.",
}

// Reasons lists every reason, for the translation test.
func Reasons() map[Reason]string {
	out := make(map[Reason]string, len(reasonText))
	for r, t := range reasonText {
		out[r] = t
	}
	return out
}

// Problem is a refused row (Fatal false: the reader goes on) or a refused
// file (Fatal true: the reader stops). Line is 1-based.
type Problem struct {
	Line   int
	Reason Reason
	Args   map[string]string
	Fatal  bool
}

func newProblem(line int, r Reason, kv ...string) *Problem {
	p := &Problem{Line: line, Reason: r}
	if len(kv) > 0 {
		p.Args = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			p.Args[kv[i]] = kv[i+1]
		}
	}
	return p
}

// NewProblem is a problem the importer finds (a code or barcode on two
// lines); args are name, value pairs.
func NewProblem(line int, r Reason, args ...string) *Problem { return newProblem(line, r, args...) }

// Message is the problem's sentence for any translation layer.
func (p *Problem) Message() policy.Message {
	args := make(map[string]any, len(p.Args)+1)
	for k, v := range p.Args {
		args[k] = v
	}
	args["Line"] = strconv.Itoa(p.Line)
	return policy.Message{Key: "exchange.reason." + string(p.Reason), Fallback: reasonText[p.Reason], Args: args}
}

// Error is "line N: sentence" in English, for logs and operator commands.
func (p *Problem) Error() string {
	if p.Line == 0 {
		return p.Message().English()
	}
	return fmt.Sprintf("line %d: %s", p.Line, p.Message().English())
}
