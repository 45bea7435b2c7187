package scan

import "strings"

// Marking is a marking code (Chestny ZNAK). Code is what goes to the register
// (tag 1162/2000): for GS1 codes the elements joined with GS after every
// variable-length value but the last, so a code whose separators were lost
// in a keyboard wedge comes out as the scanner read it.
type Marking struct {
	Code     string
	GTIN     string // 14 digits
	Serial   string
	KeyID    string // AI 91
	Crypto   string // AI 92
	Tail     string // AI 93
	Tobacco  bool   // 29-character pack code
	Elements []GS1Element
}

func markErr(detailf string, a ...any) *Error {
	return newErr(ErrMarking, "input.scan.marking", "The marking code could not be read. Scan the code again", nil, detailf, a...)
}

// LooksLikeMarking tells a marking code from other GS1 strings: it starts
// with 01 + GTIN followed by 21 (serial), or it is a 29-character tobacco
// pack code.
func LooksLikeMarking(s string) bool {
	s = strings.TrimPrefix(s, string(rune(GS)))
	if len(s) >= 18 && s[:2] == "01" && allDigits(s[2:16]) && s[16:18] == "21" {
		return true
	}
	return isTobaccoPack(s)
}

func isTobaccoPack(s string) bool {
	if len(s) != 29 || !allDigits(s[:14]) || !ValidCheckDigit(s[:14]) {
		return false
	}
	for i := 14; i < 29; i++ {
		if s[i] < 0x21 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

// markingLens are the lengths of variable AIs in marking codes, most common
// first, for codes whose GS separators were lost: serials are 13 characters
// in most product groups, 7 on tobacco, 6 on dairy; 91 and 93 are 4
// characters; 92 is 44 (88 in some groups).
var markingLens = map[string][]int{
	"21": {13, 7, 6, 20, 8, 11, 12, 14, 15, 16, 17, 18, 19, 9, 10, 5, 4, 3, 2, 1},
	"91": {4},
	"92": {44, 88},
	"93": {4},
}

// markingFixed are fixed-length AIs that follow the serial in some groups:
// 8005 price (tobacco blocks), 3103 net weight (dairy, weighed goods), 17
// expiry, 11 production date.
var markingFixed = map[string]int{"8005": 6, "3103": 6, "17": 6, "11": 6, "7003": 10}

// ParseMarking parses a marking code, with or without GS separators.
func ParseMarking(s string) (Marking, error) {
	s = strings.TrimPrefix(s, string(rune(GS)))
	if isTobaccoPack(s) {
		// GTIN (14), serial (7), coded maximum retail price (4), crypto (4).
		return Marking{Code: s, GTIN: s[:14], Serial: s[14:21], Crypto: s[25:29], Tobacco: true}, nil
	}
	if !LooksLikeMarking(s) {
		return Marking{}, markErr("does not start with 01 GTIN 21")
	}
	var els []GS1Element
	if strings.IndexByte(s, GS) >= 0 {
		var err error
		if els, err = ParseGS1(s); err != nil {
			return Marking{}, markErr("%v", err)
		}
	} else {
		// No GS: either a code with a single variable field (01 + 21 only)
		// or one whose separators were lost. Split by the known lengths.
		if !ValidCheckDigit(s[2:16]) {
			return Marking{}, checkErr("GTIN in marking code")
		}
		rest, ok := splitMarking(s[16:], nil)
		if !ok {
			return Marking{}, markErr("cannot split %d characters after GTIN", len(s)-16)
		}
		els = append([]GS1Element{{AI: "01", Value: s[2:16]}}, rest...)
	}
	m := Marking{Elements: els}
	m.GTIN, _ = GS1Value(els, "01")
	m.Serial, _ = GS1Value(els, "21")
	m.KeyID, _ = GS1Value(els, "91")
	m.Crypto, _ = GS1Value(els, "92")
	m.Tail, _ = GS1Value(els, "93")
	if m.GTIN == "" || m.Serial == "" {
		return Marking{}, markErr("no GTIN or serial")
	}
	m.Code = joinGS1(els)
	return m, nil
}

// splitMarking splits s (starting at an AI) into elements, trying the known
// lengths with backtracking; the whole of s must be used.
func splitMarking(s string, acc []GS1Element) ([]GS1Element, bool) {
	if s == "" {
		return acc, len(acc) > 0
	}
	for ai, n := range markingFixed {
		if strings.HasPrefix(s, ai) && len(s) >= len(ai)+n {
			el := GS1Element{AI: ai, Value: s[len(ai) : len(ai)+n]}
			if checkAIValue(el.AI, aiTable[el.AI], el.Value) != nil {
				continue
			}
			if r, ok := splitMarking(s[len(ai)+n:], append(acc[:len(acc):len(acc)], el)); ok {
				return r, true
			}
		}
	}
	if len(s) < 2 {
		return nil, false
	}
	lens, ok := markingLens[s[:2]]
	if !ok {
		return nil, false
	}
	ai := s[:2]
	for _, n := range lens {
		if len(s) < 2+n {
			continue
		}
		el := GS1Element{AI: ai, Value: s[2 : 2+n]}
		if checkAIValue(el.AI, aiTable[el.AI], el.Value) != nil {
			continue
		}
		if r, ok := splitMarking(s[2+n:], append(acc[:len(acc):len(acc)], el)); ok {
			return r, true
		}
	}
	return nil, false
}

// predefinedLength reports whether an AI is in the GS1 table of predefined
// lengths (first two digits 00-04, 11-20, 31-36, 41): only those need no FNC1
// after them. 8005 and 7003 are fixed-length but not predefined, so they are
// followed by GS like variable fields.
func predefinedLength(ai string) bool {
	if len(ai) < 2 {
		return false
	}
	p := int(ai[0]-'0')*10 + int(ai[1]-'0')
	return p <= 4 || (p >= 11 && p <= 20) || (p >= 31 && p <= 36) || p == 41
}

// joinGS1 writes elements back as an element string with GS after each
// value that is not last and whose AI is not of predefined length.
func joinGS1(els []GS1Element) string {
	var b strings.Builder
	for i, e := range els {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if !predefinedLength(e.AI) && i < len(els)-1 {
			b.WriteByte(GS)
		}
	}
	return b.String()
}
