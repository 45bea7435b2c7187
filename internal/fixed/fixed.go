// Package fixed reads decimal numbers — typed by a person, written by an
// accounting system, carried in a receipt's QR code — into the till's
// integer units (minor units of money, milli-units of quantity, basis
// points) without floats.
//
// It knows only digits and one decimal mark. What else a source may carry
// (a sign, thousands spaces, a percent sign, trailing zeros past the
// decimals) is each caller's rule, applied before Parse.
package fixed

import "errors"

var (
	// ErrSyntax: not a number of the form Parse reads.
	ErrSyntax = errors.New("not a number")
	// ErrRange: a number, with more digits than an int64 holds once scaled.
	// It is kept apart from ErrSyntax so a person is told "too large", never
	// "not a number", for a number.
	ErrRange = errors.New("too large")
)

// maxDigits is how many digits a scaled value may have: 10^18 - 1 fits an
// int64, 10^19 - 1 does not.
const maxDigits = 18

// Parse reads digits with at most one decimal mark, '.' or ',' (Russian and
// Italian keyboards type the comma), and at most dec digits after it, as an
// integer scaled by 10^dec: Parse("12,5", 2) is 1250. Either side of the
// mark may be empty, not both.
func Parse(s string, dec int) (int64, error) {
	mark := -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' || c == ',':
			if mark >= 0 {
				return 0, ErrSyntax
			}
			mark = i
		case c < '0' || c > '9':
			return 0, ErrSyntax
		}
	}
	whole, frac := s, ""
	if mark >= 0 {
		whole, frac = s[:mark], s[mark+1:]
	}
	if whole == "" && frac == "" || len(frac) > dec {
		return 0, ErrSyntax
	}
	for len(whole) > 0 && whole[0] == '0' {
		whole = whole[1:]
	}
	if len(whole)+dec > maxDigits {
		return 0, ErrRange
	}
	var v int64
	for i := 0; i < len(whole); i++ {
		v = v*10 + int64(whole[i]-'0')
	}
	for i := 0; i < dec; i++ {
		v *= 10
		if i < len(frac) {
			v += int64(frac[i] - '0')
		}
	}
	return v, nil
}
