package scan

import (
	"strings"
	"unicode/utf8"
)

// Kind says which field of a Result is filled.
type Kind string

const (
	KindItem    Kind = "item"
	KindLabel   Kind = "label"
	KindGS1     Kind = "gs1"
	KindMarking Kind = "marking"
	KindOther   Kind = "other" // read correctly; not an item, label or GS1 string (Code 39 text...)
)

// Result is a parsed scan.
type Result struct {
	Symbology string // AIM ID ("]E0"), "" when the reader sent none
	Raw       string // text without the AIM ID
	Kind      Kind
	Item      ItemCode // KindItem; also KindGS1 and KindMarking when the code has a GTIN
	Label     Label
	GS1       []GS1Element
	Marking   Marking
}

// ScanConfig is what the store configures about barcodes.
type ScanConfig struct {
	Labels map[string]LabelLayout // in-store label layouts by prefix ("20".."29")
}

// aimCodes are the AIM symbology code characters the till accepts.
var aimCodes = map[byte]string{
	'A': "Code 39", 'C': "Code 128", 'd': "Data Matrix", 'E': "EAN/UPC", 'e': "GS1 DataBar",
	'F': "Codabar", 'G': "Code 93", 'I': "Interleaved 2 of 5", 'L': "PDF417", 'Q': "QR Code",
	'z': "Aztec", 'X': "other",
}

// gs1Symbologies always carry GS1 element strings.
var gs1Symbologies = map[string]bool{"]C1": true, "]d2": true, "]Q3": true, "]e0": true}

// SplitAIM removes a leading AIM identifier ("]" + code + modifier), which
// a keyboard-wedge scanner sends when so configured.
func SplitAIM(s string) (sym, rest string) {
	if len(s) >= 3 && s[0] == ']' && s[2] >= '0' && s[2] <= 'z' {
		return s[:3], s[3:]
	}
	return "", s
}

// ParseScan parses the text of one scan. The text may start with an AIM ID;
// sym, when not empty, is an AIM ID the reader gave separately (HID POS).
func ParseScan(sym, text string, cfg ScanConfig) (Result, error) {
	if strings.ContainsRune(text, utf8.RuneError) || !utf8.ValidString(text) {
		return Result{}, newErr(ErrUnknownKey, "input.scan.unknown_key",
			"The scanner sent a key the till does not understand. Check the scanner's setup", nil,
			"unmapped key or invalid byte in scan")
	}
	if sym == "" {
		sym, text = SplitAIM(text)
	}
	text = strings.TrimRight(text, "\r\n")
	r := Result{Symbology: sym, Raw: text}
	if sym != "" {
		if len(sym) != 3 || sym[0] != ']' || aimCodes[sym[1]] == "" {
			return Result{}, newErr(ErrNotItemCode, "input.scan.symbology",
				"This kind of barcode is not used at this till", nil, "unknown AIM symbology %q", sym)
		}
	}
	if text == "" {
		return Result{}, newErr(ErrIncomplete, "input.scan.incomplete", "The scan was cut off. Scan again", nil, "empty scan")
	}
	gs1 := gs1Symbologies[sym] || strings.HasPrefix(text, string(rune(GS)))
	if LooksLikeMarking(text) && (sym == "" || gs1 || sym == "]d1" || sym == "]Q1") {
		m, err := ParseMarking(text)
		if err != nil {
			return Result{}, err
		}
		r.Kind, r.Marking, r.GS1 = KindMarking, m, m.Elements
		r.Item, _ = ParseItemCode("", m.GTIN)
		return r, nil
	}
	if gs1 || (sym == "" && strings.ContainsRune(text, GS)) {
		els, err := ParseGS1(text)
		if err != nil {
			return Result{}, err
		}
		r.Kind, r.GS1 = KindGS1, els
		if g, ok := GS1Value(els, "01"); ok {
			r.Item, _ = ParseItemCode("", g)
		}
		return r, nil
	}
	if sym == "]E3" {
		// EAN/UPC with a 2- or 5-digit add-on (periodicals): the item is
		// the main code; the add-on (issue number, price) stays in Raw.
		switch n := len(text); {
		case allDigits(text) && (n == 15 || n == 18):
			text = text[:13]
		case allDigits(text) && (n == 10 || n == 13):
			text = text[:8]
		}
	}
	itemSym := sym == "" || sym[1] == 'E' || sym[1] == 'I'
	if itemSym && allDigits(text) && isItemLen(len(text)) {
		it, err := ParseItemCode(sym, text)
		if err != nil {
			return Result{}, err
		}
		if IsInStore(it.GTIN) {
			if _, ok := cfg.Labels[it.GTIN[:2]]; ok {
				l, err := ParseLabel(it.GTIN, cfg.Labels)
				if err != nil {
					return Result{}, err
				}
				r.Kind, r.Label = KindLabel, l
				return r, nil
			}
		}
		r.Kind, r.Item = KindItem, it
		return r, nil
	}
	if sym != "" && sym[1] == 'E' {
		return Result{}, newErr(ErrNotItemCode, "input.scan.not_item", "This barcode is not an item code",
			nil, "EAN/UPC symbology with %d characters", len(text))
	}
	r.Kind = KindOther
	return r, nil
}

func isItemLen(n int) bool { return n == 8 || n == 12 || n == 13 || n == 14 }
