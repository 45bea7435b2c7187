package ui

import (
	"errors"
	"strings"

	"github.com/tillpos/till/internal/fixed"
)

// Numbers a cashier types: "12,50" or "12.50" for money, "1,5" for a
// quantity, "15" for a percentage. Parsed to the till's integer units
// without floats (money in minor units, quantities in milli-units,
// percentages in basis points).

// parseFixed reads a non-negative decimal with at most dec decimals
// (either separator; spaces, including the no-break space the formatter
// writes for thousands, are ignored) as an integer scaled by 10^dec. One
// with more digits than int64 holds is errTooLarge, not "not a number".
func parseFixed(s string, dec int) (int64, error) {
	return fixed.Parse(strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\u00a0', '\u202f':
			return -1
		}
		return r
	}, strings.TrimSpace(s)), dec)
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

// What the till takes at entry (docs/ui.md, "Numbers"). The limits are
// checked in the window before the desk (and the matrix) is asked, so a
// slip of the keyboard reads "too large", never "not a number", and no
// bill can grow past what the window shows and what can be typed back.
const (
	// maxPrice is the largest unit price: 9 999 999,99.
	maxPrice = 999_999_999
	// maxQty is the largest quantity: 99 999 pieces or 99 999,999 kg.
	maxQty = 99_999_999
	// maxAmount is the largest line amount and the largest tender: 99 999 999,99.
	maxAmount = 9_999_999_999
	// defaultTenderMultiple: a cash tender above 10 times what is left asks
	// (when it is also above largestNote: one 5 000 note is always plausible).
	defaultTenderMultiple = 10
	largestNote           = 500_000
)

var errTooLarge = fixed.ErrRange

func tooLarge(text, max string) *Message {
	return &Message{Key: "ui.dlg.too_large", Fallback: "“{{.Text}}” is too large: at most {{.Max}}.", Args: map[string]any{"Text": strings.TrimSpace(text), "Max": max}}
}

// readMoney reads a typed amount up to max; the message says what is wrong.
func (s *saleArea) readMoney(text string, max int64, zeroOK bool) (int64, *Message) {
	v, err := parseMoney(text)
	switch {
	case errors.Is(err, errTooLarge) || (err == nil && v > max):
		return 0, tooLarge(text, s.m.money.Format(max))
	case err != nil || (v == 0 && !zeroOK):
		return 0, notNumber(text)
	}
	return v, nil
}

// readQty reads a typed quantity (pieces or kg) up to maxQty.
func (s *saleArea) readQty(text string) (int64, *Message) {
	v, err := parseQuantity(text)
	switch {
	case errors.Is(err, errTooLarge) || (err == nil && v > maxQty):
		return 0, tooLarge(text, quantityText(maxQty/1000*1000, false, s.m.sep))
	case err != nil || v == 0:
		return 0, notNumber(text)
	}
	return v, nil
}

// lineFits says whether price × quantity stays within maxAmount.
func (s *saleArea) lineFits(price, qty int64) *Message {
	if price == 0 || qty == 0 || price <= maxAmount*1000/qty {
		return nil
	}
	return &Message{
		Key: "ui.dlg.line_too_large", Fallback: "The line would cost more than {{.Max}}: check the price and the quantity.",
		Args: map[string]any{"Max": s.m.money.Format(maxAmount)},
	}
}

// readTender reads a tender: at most maxAmount, or what is left when a
// bill is larger (a bill can always be paid with its own total).
func (s *saleArea) readTender(text string, left int64) (int64, *Message) {
	return s.readMoney(text, max(maxAmount, left), false)
}

// tenderMultiple is the setting ui.tender.max_multiple (0 = never ask).
func (a *App) tenderMultiple() int64 {
	if a.deps.Settings == nil {
		return defaultTenderMultiple
	}
	v, err := parseFixed(a.deps.Settings.String(SettingTenderMultiple, ""), 0)
	if err != nil {
		return defaultTenderMultiple
	}
	return v
}
