package emu

import (
	"bytes"

	"golang.org/x/text/encoding/charmap"
)

// The register's code pages (fiscal-shtrih-m.md §2): command text is cp1251,
// TLV strings are cp866.

func decode1251(b []byte) string { return decodeCP(charmap.Windows1251, b) }
func decode866(b []byte) string  { return decodeCP(charmap.CodePage866, b) }

// decodeCP stops at the first 00h: fixed text fields are zero padded.
func decodeCP(cm *charmap.Charmap, b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	out := make([]rune, 0, len(b))
	for _, c := range b {
		out = append(out, cm.DecodeByte(c))
	}
	return string(out)
}

// encode1251 replaces what cp1251 cannot hold with '?', as the device's own
// texts only ever hold Russian and ASCII.
func encode1251(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		c, ok := charmap.Windows1251.EncodeRune(r)
		if !ok {
			c = '?'
		}
		out = append(out, c)
	}
	return out
}
