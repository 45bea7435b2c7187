package shtrih

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// The register reads command text as cp1251 and TLV strings as cp866
// (fiscal-shtrih-m.md §2). A character the code page cannot hold becomes a
// visible '?', never nothing: a cashier must see that something was lost.
// Control characters become '?' too, because 00h ends a field and line
// feeds would break the printed layout.

// appendText encodes s in cm, cut to width bytes (0 = no limit), and pads
// with 00h to width when pad is set.
func appendText(dst []byte, cm *charmap.Charmap, s string, width int, pad bool) []byte {
	n := 0
	for _, r := range s {
		if width > 0 && n == width {
			break
		}
		b := byte('?')
		if r >= 0x20 && r != 0x7F {
			if e, ok := cm.EncodeRune(r); ok {
				b = e
			}
		}
		dst = append(dst, b)
		n++
	}
	if pad {
		for ; n < width; n++ {
			dst = append(dst, 0)
		}
	}
	return dst
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
