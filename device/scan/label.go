package scan

import "strconv"

// LabelLayout says how an in-store EAN-13 (prefix 20-29) is read. The
// 13 digits are: prefix (2), item code (ItemDigits), value (13-3-ItemDigits
// digits, or one fewer when PriceCheck), check digit. Stores configure one
// layout per prefix.
type LabelLayout struct {
	Prefix     string     // "20".."29"
	ItemDigits int        // 4..6 commonly
	Value      LabelValue // weight in grams or price in minor units
	// PriceCheck: the digit before the value is a price check digit. It is
	// skipped, not verified: vendors compute it differently, and the label's
	// own check digit already guards the whole code.
	PriceCheck bool
}

// LabelValue is what the value field holds.
type LabelValue string

const (
	LabelWeight LabelValue = "weight" // grams = milli-kg, the till's quantity unit
	LabelPrice  LabelValue = "price"  // minor units
)

// Label is a decoded in-store label.
type Label struct {
	Prefix   string
	ItemCode string
	Kind     LabelValue
	Value    int64
}

// DefaultLabelLayouts is what Russian scales most often print: prefixes 20-23
// as weight labels PP IIIII WWWWW C. Prefixes 24-29 have no default: a store
// that uses them says how.
func DefaultLabelLayouts() map[string]LabelLayout {
	m := map[string]LabelLayout{}
	for _, p := range []string{"20", "21", "22", "23"} {
		m[p] = LabelLayout{Prefix: p, ItemDigits: 5, Value: LabelWeight}
	}
	return m
}

// IsInStore reports whether a verified 13-digit code has an in-store prefix.
func IsInStore(gtin13 string) bool {
	return len(gtin13) == 13 && gtin13[0] == '2'
}

// ParseLabel decodes a 13-digit in-store code by the layout of its prefix.
func ParseLabel(code string, layouts map[string]LabelLayout) (Label, error) {
	if len(code) != 13 || !allDigits(code) || !IsInStore(code) {
		return Label{}, newErr(ErrNotItemCode, "input.scan.not_item", "This barcode is not an item code",
			nil, "not an in-store EAN-13")
	}
	if !ValidCheckDigit(code) {
		return Label{}, checkErr("label EAN-13")
	}
	l, ok := layouts[code[:2]]
	if !ok {
		return Label{}, newErr(ErrNoLabelLayout, "input.label.no_layout",
			"Labels with prefix {{.Prefix}} are not set up on this till", map[string]any{"Prefix": code[:2]},
			"no layout for prefix %s", code[:2])
	}
	start := 2 + l.ItemDigits
	if l.PriceCheck {
		start++
	}
	if l.ItemDigits < 1 || start >= 12 {
		return Label{}, newErr(ErrNoLabelLayout, "input.label.bad_layout",
			"The label layout for prefix {{.Prefix}} is wrong. Ask the administrator", map[string]any{"Prefix": code[:2]},
			"layout for prefix %s has %d item digits", code[:2], l.ItemDigits)
	}
	v, err := strconv.ParseInt(code[start:12], 10, 64)
	if err != nil {
		return Label{}, newErr(ErrNotItemCode, "input.scan.not_item", "This barcode is not an item code", nil, "label value: %v", err)
	}
	return Label{Prefix: code[:2], ItemCode: code[2 : 2+l.ItemDigits], Kind: l.Value, Value: v}, nil
}
