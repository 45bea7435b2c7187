package sale

import (
	"strings"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Formatter writes amounts for people: the screen, the pre-bill, the
// receipt text. It is built for the store's language, never the OS locale,
// because a receipt follows the store: "1 234,50 ₽" (ru), "€1,234.50" (en),
// "1.234,50 €" (it).
//
// Grouping and the decimal separator come from x/text's CLDR data. The
// amount is never turned into a float: the integer part is formatted with
// the currency's number of decimals (so x/text writes "1 234,00"), and the
// trailing zeros are replaced by the minor digits.
type Formatter struct {
	p           *message.Printer
	symbol      string
	scale       int
	pow         uint64
	symbolFirst bool
}

// NewFormatter returns a Formatter for tag and currency unit.
func NewFormatter(tag language.Tag, unit currency.Unit) *Formatter {
	p := message.NewPrinter(tag)
	scale, _ := currency.Standard.Rounding(unit)
	pow := uint64(1)
	for range scale {
		pow *= 10
	}
	base, _ := tag.Base()
	return &Formatter{
		p:      p,
		symbol: p.Sprint(currency.NarrowSymbol(unit)),
		scale:  scale,
		pow:    pow,
		// CLDR puts the symbol first ("¤#,##0.00") for English and after
		// the number with a no-break space ("#,##0.00 ¤") for Russian,
		// Italian and most of continental Europe; x/text does not expose
		// the currency pattern, so the till keeps this one fact itself.
		symbolFirst: base.String() == "en",
	}
}

// Number formats minor units without the currency symbol ("1 234,50").
func (f *Formatter) Number(minor int64) string {
	u := abs64(minor)
	major, frac := u/f.pow, u%f.pow
	var b strings.Builder
	if minor < 0 {
		b.WriteByte('-')
	}
	s := f.p.Sprint(number.Decimal(major, number.Scale(f.scale)))
	if f.scale == 0 {
		b.WriteString(s)
		return b.String()
	}
	b.WriteString(s[:len(s)-f.scale])
	d := []byte(strings.Repeat("0", f.scale))
	for i := f.scale - 1; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	b.Write(d)
	return b.String()
}

// Format formats minor units with the currency symbol.
func (f *Formatter) Format(minor int64) string {
	n := f.Number(minor)
	if f.symbolFirst {
		if strings.HasPrefix(n, "-") {
			return "-" + f.symbol + n[1:]
		}
		return f.symbol + n
	}
	return n + "\u00a0" + f.symbol
}
