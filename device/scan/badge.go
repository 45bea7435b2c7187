package scan

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// BadgeForm is how a badge reader prints what it read. It is a per-reader
// setting: the digits alone cannot tell a 10-digit decimal EM-Marine number
// from 10 hex characters.
type BadgeForm string

const (
	EMDecimal10     BadgeForm = "em-dec10"       // 0012345678: the 32-bit ID in decimal
	EMWiegand26     BadgeForm = "em-wiegand26"   // 188,24910: facility (bits 23-16), number (bits 15-0)
	EMHex10         BadgeForm = "em-hex10"       // 01000BC614E: 40 bits, version byte first
	MifareHex       BadgeForm = "mifare-hex"     // UID bytes in card order
	MifareHexRev    BadgeForm = "mifare-hex-rev" // UID bytes reversed
	MifareDecimalLE BadgeForm = "mifare-dec-le"  // 4-byte UID as a little-endian number
)

// BadgeForms lists the forms, for settings screens.
var BadgeForms = []BadgeForm{EMDecimal10, EMWiegand26, EMHex10, MifareHex, MifareHexRev, MifareDecimalLE}

// BadgeConfig says how to normalise a reader's badges.
type BadgeConfig struct {
	Form BadgeForm
	// EMFull32 keeps all 32 bits of an EM-Marine ID. By default the
	// canonical ID is the low 24 bits as FFF,NNNNN, because that is all a
	// Wiegand-26 reader gives and every print form of one badge must give
	// the same ID; it is also what access-control systems use, so badges
	// enrolled there match. With EMFull32 a Wiegand-26 reader is refused.
	EMFull32 bool
}

func badgeErr(detailf string, a ...any) *Error {
	return newErr(ErrBadge, "input.badge.unreadable", "The badge could not be read. Present it again", nil, detailf, a...)
}

// NormaliseBadge turns what a badge reader typed into the canonical ID:
// "EM:FFF,NNNNN" (or "EM32:NNNNNNNNNN" with EMFull32) for EM-Marine,
// "MF:" + uppercase hex of the UID in card order for Mifare. Error details
// never contain the ID.
func NormaliseBadge(raw string, cfg BadgeConfig) (string, error) {
	s := strings.TrimSpace(strings.TrimRight(raw, "\r\n\t"))
	switch cfg.Form {
	case EMDecimal10:
		if len(s) == 0 || len(s) > 10 || !allDigits(s) {
			return "", badgeErr("em-dec10 wants up to 10 digits, got %d characters", len(s))
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v > 0xFFFFFFFF {
			return "", badgeErr("em-dec10 value over 32 bits")
		}
		return emCanonical(uint32(v), true, cfg)
	case EMWiegand26:
		f, n, ok := strings.Cut(s, ",")
		if !ok || !allDigits(f) || !allDigits(n) || len(f) > 3 || len(n) > 5 {
			return "", badgeErr("em-wiegand26 wants FFF,NNNNN")
		}
		fv, _ := strconv.Atoi(f)
		nv, _ := strconv.Atoi(n)
		if fv > 0xFF || nv > 0xFFFF {
			return "", badgeErr("em-wiegand26 facility or number out of range")
		}
		return emCanonical(uint32(fv)<<16|uint32(nv), false, cfg)
	case EMHex10:
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 5 {
			return "", badgeErr("em-hex10 wants 10 hex characters, got %d characters", len(s))
		}
		// b[0] is the version/customer byte; the ID is the 32 bits after it.
		return emCanonical(uint32(b[1])<<24|uint32(b[2])<<16|uint32(b[3])<<8|uint32(b[4]), true, cfg)
	case MifareHex, MifareHexRev:
		b, err := hex.DecodeString(s)
		if err != nil || (len(b) != 4 && len(b) != 7 && len(b) != 10) {
			return "", badgeErr("mifare hex wants a 4, 7 or 10 byte UID, got %d characters", len(s))
		}
		if cfg.Form == MifareHexRev {
			for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
				b[i], b[j] = b[j], b[i]
			}
		}
		return "MF:" + strings.ToUpper(hex.EncodeToString(b)), nil
	case MifareDecimalLE:
		if len(s) == 0 || len(s) > 10 || !allDigits(s) {
			return "", badgeErr("mifare-dec-le wants up to 10 digits, got %d characters", len(s))
		}
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil || v > 0xFFFFFFFF {
			return "", badgeErr("mifare-dec-le value over 32 bits")
		}
		b := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
		return "MF:" + strings.ToUpper(hex.EncodeToString(b)), nil
	}
	return "", newErr(ErrBadgeForm, "input.badge.form", "The badge reader is not set up. Ask the administrator",
		nil, "unknown badge form %q", cfg.Form)
}

func emCanonical(id uint32, has32 bool, cfg BadgeConfig) (string, error) {
	if cfg.EMFull32 {
		if !has32 {
			return "", newErr(ErrBadgeForm, "input.badge.form", "The badge reader is not set up. Ask the administrator",
				nil, "a Wiegand-26 reader cannot give 32-bit EM IDs")
		}
		return fmt.Sprintf("EM32:%010d", id), nil
	}
	return fmt.Sprintf("EM:%03d,%05d", (id>>16)&0xFF, id&0xFFFF), nil
}

// BadgeFromSwipe takes an employee card's ID from a swipe: the configured
// track (1-3; 0 = the first track that read well). A swipe in which any
// track looks like a payment card is refused whole, so a bank card's number
// never becomes a badge. The canonical ID is "T" + track number + ":" + the
// track's data (its PAN field when it has one).
func BadgeFromSwipe(sw Swipe, track int) (string, error) {
	for _, t := range sw.Tracks {
		if IsPaymentCard(t) {
			return "", newErr(ErrPaymentCard, "input.badge.payment_card",
				"This is a payment card, not an employee card", nil, "payment card refused as badge")
		}
	}
	pick := -1
	if track >= 1 && track <= 3 {
		if t := sw.Tracks[track-1]; t.Present && t.OK {
			pick = track - 1
		}
	} else {
		for i, t := range sw.Tracks {
			if t.Present && t.OK {
				pick = i
				break
			}
		}
	}
	if pick < 0 {
		return "", trackErr("configured track %d not read", track)
	}
	t := sw.Tracks[pick]
	id := t.Data
	if t.PAN != "" {
		id = t.PAN
	}
	id = strings.TrimSpace(strings.TrimRight(id, "="))
	if id == "" {
		return "", trackErr("track %d empty", pick+1)
	}
	return fmt.Sprintf("T%d:%s", pick+1, id), nil
}
