package scan

import "unicode/utf8"

// BootDecoder turns a stream of boot-keyboard input reports into characters.
// A report is 8 bytes: modifiers, reserved, six usage IDs of keys held down.
// A character is produced on a key-down edge (a usage present now and absent
// from the previous report), so repeated reports and key-up reports produce
// nothing and both "press, release" and "one report per key" scanners work.
//
// Keys with no character (arrows, F-keys other than the configured GS key)
// come out as utf8.RuneError rather than vanishing, so a parser downstream
// rejects the read with a clear message instead of silently shortening it.
// The zero value decodes standard 8-byte reports.
type BootDecoder struct {
	// Offset is the index of the modifier byte: 0 for plain boot reports,
	// 1 when the device prefixes a report ID.
	Offset int
	// GSUsage, when not zero, is a usage ID that means GS (FNC1), for
	// scanners configured to send e.g. F8 (UsageF8) for it. Ctrl+] is always
	// GS.
	GSUsage byte

	prev      [6]byte
	altCode   int // ALT+keypad code being typed
	altDigits int
}

const (
	modLCtrl  = 1 << 0
	modLShift = 1 << 1
	modLAlt   = 1 << 2
	modRCtrl  = 1 << 4
	modRShift = 1 << 5
	modRAlt   = 1 << 6
)

// Reset forgets the keys held down, e.g. after the device was reopened.
func (d *BootDecoder) Reset() { d.prev, d.altCode, d.altDigits = [6]byte{}, 0, 0 }

// Feed decodes one report and appends the characters it produced to dst.
// A report shorter than 8 bytes after Offset is an error; the rollover report
// (0x01 in every key slot) is ignored as the HID specification says: it
// tells that too many keys are down, not which.
func (d *BootDecoder) Feed(dst []rune, report []byte) ([]rune, error) {
	if len(report) < d.Offset+8 {
		return dst, newErr(ErrMalformedReport, "input.report.malformed", "The reader sent a damaged report",
			nil, "boot report of %d bytes, want %d", len(report), d.Offset+8)
	}
	r := report[d.Offset : d.Offset+8]
	mods := r[0]
	var keys [6]byte
	copy(keys[:], r[2:8])
	rollover := true
	for _, k := range keys {
		if k != 0x01 {
			rollover = false
		}
	}
	if rollover {
		return dst, nil
	}
	shift := mods&(modLShift|modRShift) != 0
	ctrl := mods&(modLCtrl|modRCtrl) != 0
	alt := mods&(modLAlt|modRAlt) != 0
	if !alt && d.altDigits > 0 {
		// Alt released after ALT+keypad digits (ALT+0029 is how some
		// scanners send GS): the code is the character.
		dst = append(dst, altChar(d.altCode))
		d.altCode, d.altDigits = 0, 0
	}
	for _, k := range keys {
		if k < 0x04 || held(d.prev, k) {
			// 0 = empty slot, 1..3 = error codes, and keys already down.
			continue
		}
		if k >= 0xE0 && k <= 0xE7 {
			// Modifiers reported as keys as well as in the bitmap.
			continue
		}
		if alt && k >= 0x59 && k <= 0x62 {
			digit := int(k-0x59) + 1
			if k == 0x62 {
				digit = 0
			}
			if d.altDigits < 4 {
				d.altCode = d.altCode*10 + digit
			} else {
				d.altCode = 1 << 20 // too many digits: decodes as RuneError
			}
			d.altDigits++
			continue
		}
		dst = append(dst, d.char(k, shift, ctrl))
	}
	d.prev = keys
	return dst, nil
}

func held(prev [6]byte, k byte) bool {
	for _, p := range prev {
		if p == k {
			return true
		}
	}
	return false
}

func (d *BootDecoder) char(k byte, shift, ctrl bool) rune {
	if d.GSUsage != 0 && k == d.GSUsage {
		return GS
	}
	c, ok := UsageChar(k, shift)
	if !ok {
		return utf8.RuneError
	}
	if ctrl {
		return controlChar(c)
	}
	return c
}

// altChar is the character of an ALT+keypad code: codes up to 255 as
// Latin-1 (ALT+0029 = GS, ALT+065 = 'A'), anything larger is not something
// a scanner sends.
func altChar(code int) rune {
	if code < 1 || code > 255 {
		return utf8.RuneError
	}
	return rune(code)
}

// controlChar is the ASCII control character a terminal makes of Ctrl+c:
// Ctrl+] is GS (FNC1), Ctrl+^ RS and Ctrl+D EOT (ISO 15434 envelopes),
// Ctrl+M CR. Anything else with Ctrl is not something a scanner means.
func controlChar(c rune) rune {
	switch {
	case c >= 'a' && c <= 'z':
		return c - 'a' + 1
	case c >= 'A' && c <= 'Z':
		return c - 'A' + 1
	}
	switch c {
	case '[', '{':
		return 0x1B
	case '\\', '|':
		return 0x1C
	case ']', '}':
		return GS
	case '6', '^':
		return 0x1E
	case '-', '_':
		return 0x1F
	case Enter, Tab, Escape, Backspace:
		return c
	}
	return utf8.RuneError
}
