package sale

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tillpos/till/internal/fixed"
)

// ReceiptQR is what the QR code on a Russian fiscal receipt holds (FNS
// format, printed by the register, not by the till):
//
//	t=20260115T1530&s=1234.50&fn=9289000100408074&i=12345&fp=3855493218&n=1
//
// t the document's date and time (register time, minutes, sometimes
// seconds), s the total in roubles, fn the fiscal storage's number, i the
// fiscal document number, fp the fiscal sign, n the operation (1 sale,
// 2 return of a sale).
type ReceiptQR struct {
	Time   time.Time // in loc, as printed
	Total  int64     // minor units
	FN     string
	Number uint32
	Sign   uint32
	Kind   int
}

// ruKeysToLatin undoes a keyboard-wedge scanner typing under the Russian
// layout: the keys of the QR code's letters and punctuation arrive as the
// Cyrillic letters on the same keys ("е=20260115Е1530?ы=12ю50?...").
var ruKeysToLatin = strings.NewReplacer(
	"е", "t", "Е", "T", "ы", "s", "а", "f", "т", "n", "ш", "i", "з", "p", "?", "&", "ю", ".", "б", ",",
)

// ErrNotReceiptQR: the text is not a receipt's QR code.
var ErrNotReceiptQR = errors.New("not a receipt QR code")

// ParseReceiptQR reads a receipt's QR code; times are read in loc (the
// register's clock is the shop's local time). i and fp are required, the
// rest is read when present and well formed.
func ParseReceiptQR(s string, loc *time.Location) (ReceiptQR, error) {
	s = ruKeysToLatin.Replace(strings.TrimSpace(s))
	if !strings.Contains(s, "i=") || !strings.Contains(s, "=") {
		return ReceiptQR{}, ErrNotReceiptQR
	}
	v, err := url.ParseQuery(s)
	if err != nil {
		return ReceiptQR{}, ErrNotReceiptQR
	}
	var r ReceiptQR
	n, err := strconv.ParseUint(v.Get("i"), 10, 32)
	if err != nil || n == 0 {
		return ReceiptQR{}, ErrNotReceiptQR
	}
	r.Number = uint32(n)
	fp, err := strconv.ParseUint(v.Get("fp"), 10, 32)
	if err != nil {
		return ReceiptQR{}, ErrNotReceiptQR
	}
	r.Sign = uint32(fp)
	r.FN = v.Get("fn")
	for _, layout := range []string{"20060102T150405", "20060102T1504"} {
		if t, err := time.ParseInLocation(layout, v.Get("t"), loc); err == nil {
			r.Time = t
			break
		}
	}
	if s := v.Get("s"); s != "" {
		if m, err := ParseMoneyText(s); err == nil {
			r.Total = m
		}
	}
	r.Kind, _ = strconv.Atoi(v.Get("n"))
	return r, nil
}

// ParseMoneyText reads "1234.50", "1234,5" or "1234" as minor units, up
// to 2^50 whole units: the QR code's s= field.
func ParseMoneyText(s string) (int64, error) {
	s = strings.TrimSpace(s)
	v, err := fixed.Parse(s, 2)
	if err != nil || strings.IndexAny(s, ".,") == 0 || v/100 > 1<<50 {
		return 0, errors.New("not an amount")
	}
	return v, nil
}
