package shtrih

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
)

// The register reads command text as cp1251 and TLV strings as cp866
// (fiscal-shtrih-m.md §2). Neither holds a Latin letter with an accent, so
// a letter with a grave or acute accent (Italian "caffè", "perché") is
// written as its letter and an apostrophe, "caffe'", the way Italian is
// typed where accents are not available: visibly changed, still readable.
// Any other character the code page cannot hold becomes a visible '?',
// never nothing: a cashier must see that something was lost. Control
// characters become '?' too, because 00h ends a field and line feeds would
// break the printed layout.

// appendText encodes s in cm, cut to width bytes (0 = no limit), and pads
// with 00h to width when pad is set. An accented letter that reaches the
// cut keeps its letter and loses the apostrophe with the rest of the text.
func appendText(dst []byte, cm *charmap.Charmap, s string, width int, pad bool) []byte {
	n := 0
	var enc [2]byte
	for _, r := range s {
		if width > 0 && n == width {
			break
		}
		b := enc[:1]
		b[0] = '?'
		if r >= 0x20 && r != 0x7F {
			if e, ok := cm.EncodeRune(r); ok {
				b[0] = e
			} else if base, ok := accented(r); ok {
				b = append(b[:0], base, '\'')
			}
		}
		if width > 0 && n+len(b) > width {
			b = b[:width-n]
		}
		dst = append(dst, b...)
		n += len(b)
	}
	if pad {
		for ; n < width; n++ {
			dst = append(dst, 0)
		}
	}
	return dst
}

// accented reports the ASCII letter of a letter with one grave or acute
// accent (à è é ì í ò ó ù ú and capitals; canonical decomposition).
func accented(r rune) (byte, bool) {
	d := []rune(norm.NFD.String(string(r)))
	if len(d) != 2 || (d[1] != '\u0300' && d[1] != '\u0301') {
		return 0, false
	}
	if c := d[0]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return byte(c), true
	}
	return 0, false
}

// decodeText decodes a cp1251 or cp866 field, stopping at the first 00h.
func decodeText(cm *charmap.Charmap, b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		sb.WriteRune(cm.DecodeByte(c))
	}
	return sb.String()
}

// ErrBadINN is returned for an INN that is not 10 or 12 digits.
var ErrBadINN = errors.New("shtrih: INN must be 10 or 12 digits")

// innField is an INN as tags 1203/1016 want it: exactly 12 characters, a
// 10-digit INN right-padded with two spaces (fr_drv_ng#109).
func innField(inn string) (string, error) {
	if len(inn) != 10 && len(inn) != 12 {
		return "", fmt.Errorf("%w: %q", ErrBadINN, inn)
	}
	for _, c := range inn {
		if c < '0' || c > '9' {
			return "", fmt.Errorf("%w: %q", ErrBadINN, inn)
		}
	}
	return inn + strings.Repeat(" ", 12-len(inn)), nil
}
