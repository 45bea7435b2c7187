package ui

import (
	"errors"
	"strings"
)

// Numbers a cashier types: "12,50" or "12.50" for money, "1,5" for a
// quantity, "15" for a percentage. Parsed to the till's integer units
// without floats (money in minor units, quantities in milli-units,
// percentages in basis points).

var errNumber = errors.New("not a number")

// parseFixed reads a non-negative decimal with at most dec decimals
// (either separator; spaces, including the no-break space the formatter
// writes for thousands, are ignored) as an integer scaled by 10^dec.
func parseFixed(s string, dec int) (int64, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f':
			return -1
		case ',':
			return '.'
		}
		return r
	}, strings.TrimSpace(s))
	if s == "" {
		return 0, errNumber
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > dec || (whole == "" && frac == "") || len(whole) > 13 {
		return 0, errNumber
	}
	var v int64
	for _, r := range whole + frac + strings.Repeat("0", dec-len(frac)) {
		if r < '0' || r > '9' {
			return 0, errNumber
		}
		v = v*10 + int64(r-'0')
	}
	return v, nil
}

func parseMoney(s string) (int64, error)    { return parseFixed(s, 2) }
func parseQuantity(s string) (int64, error) { return parseFixed(s, 3) }
func parsePercent(s string) (int64, error) {
	return parseFixed(strings.TrimSuffix(strings.TrimSpace(s), "%"), 2)
}

// quantityText writes a quantity for the bill: "2" for pieces, "0,350"
// for weights, with the window language's decimal separator.
func quantityText(milli int64, weighed bool, sep string) string {
	if !weighed && milli%1000 == 0 {
		return itoa(milli / 1000)
	}
	frac := itoa(1000 + milli%1000)[1:]
	return itoa(milli/1000) + sep + frac
}

// percentText writes basis points as "15" or "12,5".
func percentText(bp int64, sep string) string {
	s := itoa(bp / 100)
	if r := bp % 100; r != 0 {
		f := itoa(100 + r)[1:]
		s += sep + strings.TrimRight(f, "0")
	}
	return s
}

func itoa(v int64) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// decimalSep is the decimal separator of a language the till ships.
func decimalSep(tag string) string {
	if tag == "en" {
		return "."
	}
	return ","
}

// ean13 completes 12 digits with their EAN-13 check digit; how the
// catalogue stores the item of an in-store weight label (the label's item
// code with a zero weight).
func ean13(twelve string) string {
	sum := 0
	for i, r := range twelve {
		d := int(r - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	return twelve + string(rune('0'+(10-sum%10)%10))
}
