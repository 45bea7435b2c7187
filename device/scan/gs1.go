package scan

import "strings"

// GS1Element is one application identifier and its value.
type GS1Element struct {
	AI    string
	Value string
}

// aiDef says how long an AI's value is: Fixed digits/characters, or at most
// Max when variable (ended by GS or the end of the data).
type aiDef struct {
	fixed   int
	max     int
	numeric bool
}

// aiTable holds the AIs a grocery till meets (GS1 General Specifications,
// section 3); an AI not in it cannot be split safely, so it is an error
// rather than a guess. 4-digit AIs with a decimal-point digit (310n, 392n)
// are added in init.
var aiTable = map[string]aiDef{
	"00": {fixed: 18, numeric: true}, "01": {fixed: 14, numeric: true}, "02": {fixed: 14, numeric: true},
	"10": {max: 20}, "11": {fixed: 6, numeric: true}, "12": {fixed: 6, numeric: true},
	"13": {fixed: 6, numeric: true}, "15": {fixed: 6, numeric: true}, "16": {fixed: 6, numeric: true},
	"17": {fixed: 6, numeric: true}, "20": {fixed: 2, numeric: true}, "21": {max: 20}, "22": {max: 20},
	"240": {max: 30}, "241": {max: 30}, "250": {max: 30}, "251": {max: 30}, "253": {max: 30},
	"254": {max: 20}, "30": {max: 8, numeric: true}, "37": {max: 8, numeric: true},
	"400": {max: 30}, "401": {max: 30}, "402": {fixed: 17, numeric: true}, "403": {max: 30},
	"410": {fixed: 13, numeric: true}, "411": {fixed: 13, numeric: true}, "412": {fixed: 13, numeric: true},
	"413": {fixed: 13, numeric: true}, "414": {fixed: 13, numeric: true}, "415": {fixed: 13, numeric: true},
	"420": {max: 20}, "421": {max: 12}, "422": {fixed: 3, numeric: true},
	"7003": {fixed: 10, numeric: true}, "8005": {fixed: 6, numeric: true}, "8008": {max: 12, numeric: true},
	"90": {max: 30},
	// 91-99: company internal. In marking codes 91 is the 4-character key
	// ID, 92 the crypto code (44 or 88 characters), 93 a 4-character tail.
	"91": {max: 90}, "92": {max: 90}, "93": {max: 90}, "94": {max: 90}, "95": {max: 90},
	"96": {max: 90}, "97": {max: 90}, "98": {max: 90}, "99": {max: 90},
}

func init() {
	for p := 310; p <= 369; p++ {
		for n := 0; n <= 9; n++ {
			aiTable[itoa(p)+string(rune('0'+n))] = aiDef{fixed: 6, numeric: true}
		}
	}
	for n := 0; n <= 9; n++ {
		d := string(rune('0' + n))
		aiTable["390"+d] = aiDef{max: 15, numeric: true}
		aiTable["391"+d] = aiDef{max: 18, numeric: true}
		aiTable["392"+d] = aiDef{max: 15, numeric: true}
		aiTable["393"+d] = aiDef{max: 18, numeric: true}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func lookupAI(s string) (string, aiDef, bool) {
	for n := 2; n <= 4 && n <= len(s); n++ {
		if !allDigits(s[:n]) {
			return "", aiDef{}, false
		}
		if d, ok := aiTable[s[:n]]; ok {
			return s[:n], d, true
		}
	}
	return "", aiDef{}, false
}

func gs1Err(detailf string, a ...any) *Error {
	return newErr(ErrGS1, "input.scan.gs1", "This code could not be read (GS1). Scan again", nil, detailf, a...)
}

// ParseGS1 splits a GS1 element string (AIM prefix already removed) into
// elements. GS (0x1D) ends a variable-length value; a leading GS (FNC1 in
// first position) and a GS after a fixed-length value are allowed. A GTIN
// (01, 02) must have a valid check digit and a date (11-17) a valid month.
func ParseGS1(s string) ([]GS1Element, error) {
	s = strings.TrimPrefix(s, string(rune(GS)))
	if s == "" {
		return nil, gs1Err("empty")
	}
	var out []GS1Element
	for len(s) > 0 {
		if s[0] == GS {
			s = s[1:]
			continue
		}
		ai, def, ok := lookupAI(s)
		if !ok {
			return nil, gs1Err("unknown AI at %q", prefix(s, 4))
		}
		s = s[len(ai):]
		var v string
		if def.fixed > 0 {
			if len(s) < def.fixed {
				return nil, gs1Err("AI %s needs %d characters, has %d", ai, def.fixed, len(s))
			}
			v, s = s[:def.fixed], s[def.fixed:]
		} else {
			end := strings.IndexByte(s, GS)
			if end < 0 {
				end = len(s)
			}
			if end > def.max {
				return nil, gs1Err("AI %s value of %d characters, at most %d", ai, end, def.max)
			}
			v, s = s[:end], s[end:]
		}
		if err := checkAIValue(ai, def, v); err != nil {
			return nil, err
		}
		out = append(out, GS1Element{AI: ai, Value: v})
	}
	if len(out) == 0 {
		return nil, gs1Err("only separators")
	}
	return out, nil
}

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func checkAIValue(ai string, def aiDef, v string) error {
	if v == "" {
		return gs1Err("AI %s empty", ai)
	}
	if def.numeric && !allDigits(v) {
		return gs1Err("AI %s not numeric", ai)
	}
	for i := 0; i < len(v); i++ {
		// GS1 AI values are printable ASCII (the 82-character set is a
		// subset); anything else means a garbled read.
		if v[i] < 0x21 || v[i] > 0x7E {
			return gs1Err("AI %s has a non-printable character", ai)
		}
	}
	switch ai {
	case "01", "02":
		if !ValidCheckDigit(v) {
			return checkErr("GTIN in AI " + ai)
		}
	case "11", "12", "13", "15", "16", "17":
		if m := (v[2]-'0')*10 + v[3] - '0'; m < 1 || m > 12 {
			return gs1Err("AI %s month %d", ai, m)
		}
		if d := (v[4]-'0')*10 + v[5] - '0'; d > 31 {
			return gs1Err("AI %s day %d", ai, d)
		}
	}
	return nil
}

// GS1Value returns the value of the first element with the AI.
func GS1Value(els []GS1Element, ai string) (string, bool) {
	for _, e := range els {
		if e.AI == ai {
			return e.Value, true
		}
	}
	return "", false
}
