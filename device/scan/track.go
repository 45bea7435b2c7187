package scan

import "strings"

// Track is one magnetic stripe track as parsed (ISO/IEC 7813).
type Track struct {
	Present bool   // the swipe had this track
	OK      bool   // and it read well (not %E? ;E? +E?, sentinels and LRC right)
	Data    string // between the sentinels
	// Financial format fields; empty when the track is free-format (badges).
	PAN, Name, Expiry, Service, Discretionary string
}

// Swipe is the tracks of one card swipe.
type Swipe struct {
	Tracks [3]Track
}

// TrackConfig says how a reader frames tracks.
type TrackConfig struct {
	// LRC: the reader sends the longitudinal redundancy check character
	// after each end sentinel (most keyboard-wedge readers drop it).
	LRC bool
}

func trackErr(detailf string, a ...any) *Error {
	return newErr(ErrTrack, "input.card.unreadable", "The card could not be read. Swipe it again", nil, detailf, a...)
}

// ParseSwipe parses the text of one swipe: tracks in order, each with its
// sentinels (% ... ? for track 1, ; ... ? for track 2, ; or + ... ? for
// track 3), optionally followed by Enter. A track the reader marks as
// failed (%E? ;E? +E?) is Present but not OK. Text outside sentinels, or a
// track without its end sentinel, is an error: nothing of the swipe is used.
func ParseSwipe(s string, cfg TrackConfig) (Swipe, error) {
	s = strings.TrimRight(s, "\r\n")
	var sw Swipe
	next := 0 // lowest track number the next ';' can be
	for len(s) > 0 {
		start := s[0]
		end := strings.IndexByte(s, '?')
		if end < 0 {
			return Swipe{}, trackErr("no end sentinel")
		}
		if end == 0 {
			return Swipe{}, trackErr("end sentinel without start sentinel")
		}
		body := s[1:end]
		s = s[end+1:]
		var lrc byte
		hasLRC := false
		if cfg.LRC && len(s) > 0 {
			lrc, hasLRC, s = s[0], true, s[1:]
		}
		var idx int
		switch start {
		case '%':
			idx = 0
		case ';':
			idx = 1
			if next > 1 || sw.Tracks[1].Present {
				idx = 2 // track 3 with the ';' start sentinel
			}
		case '+':
			idx = 2
		default:
			return Swipe{}, trackErr("unexpected character before a track")
		}
		if idx < next || sw.Tracks[idx].Present {
			return Swipe{}, trackErr("track %d out of order", idx+1)
		}
		next = idx + 1
		t := Track{Present: true, Data: body}
		if body == "E" {
			sw.Tracks[idx] = t
			continue
		}
		if hasLRC && lrc != trackLRC(idx, string(start)+body+"?") {
			sw.Tracks[idx] = Track{Present: true}
			continue
		}
		if !validTrackChars(idx, body) {
			sw.Tracks[idx] = Track{Present: true}
			continue
		}
		t.OK = true
		parseFinancial(idx, &t)
		sw.Tracks[idx] = t
	}
	if !sw.Tracks[0].Present && !sw.Tracks[1].Present && !sw.Tracks[2].Present {
		return Swipe{}, trackErr("no track")
	}
	return sw, nil
}

// validTrackChars checks the character sets: track 1 is 6-bit
// alphanumeric (0x20-0x5F without the sentinels), tracks 2 and 3 are
// 4-bit numeric (0-9 : ; < = >) without sentinels.
func validTrackChars(idx int, body string) bool {
	if idx == 0 {
		if len(body) > 79 {
			return false
		}
		for i := 0; i < len(body); i++ {
			c := body[i]
			if c < 0x20 || c > 0x5F || c == '%' || c == '?' {
				return false
			}
		}
		return true
	}
	max := 40
	if idx == 2 {
		max = 107
	}
	if len(body) > max {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c < '0' || c > '>' || c == ';' {
			return false
		}
	}
	return true
}

// trackLRC is the XOR of the character codes (6-bit for track 1, 4-bit for
// tracks 2 and 3) over start sentinel, data and end sentinel, as a character.
func trackLRC(idx int, framed string) byte {
	var x byte
	if idx == 0 {
		for i := 0; i < len(framed); i++ {
			x ^= (framed[i] - 0x20) & 0x3F
		}
		return x + 0x20
	}
	for i := 0; i < len(framed); i++ {
		x ^= (framed[i] - 0x30) & 0x0F
	}
	return x + 0x30
}

// parseFinancial fills PAN, name, expiry, service code and discretionary
// data when the track has the ISO 7813 financial layout.
func parseFinancial(idx int, t *Track) {
	switch idx {
	case 0:
		// B PAN ^ NAME ^ YYMM SSS DD...
		if len(t.Data) < 2 || t.Data[0] != 'B' {
			return
		}
		parts := strings.SplitN(t.Data[1:], "^", 3)
		if len(parts) != 3 || !allDigits(parts[0]) {
			return
		}
		t.PAN, t.Name = parts[0], strings.TrimSpace(parts[1])
		rest := parts[2]
		if len(rest) >= 7 && allDigits(rest[:7]) {
			t.Expiry, t.Service, t.Discretionary = rest[:4], rest[4:7], rest[7:]
		} else {
			t.Discretionary = rest
		}
	case 1:
		// PAN = YYMM SSS DD...
		i := strings.IndexByte(t.Data, '=')
		if i < 0 || !allDigits(t.Data[:i]) {
			return
		}
		t.PAN = t.Data[:i]
		rest := t.Data[i+1:]
		if len(rest) >= 7 && allDigits(rest[:7]) {
			t.Expiry, t.Service, t.Discretionary = rest[:4], rest[4:7], rest[7:]
		} else {
			t.Discretionary = rest
		}
	}
}

// LuhnValid reports whether a digit string passes the Luhn check.
func LuhnValid(pan string) bool {
	if len(pan) < 2 || !allDigits(pan) {
		return false
	}
	sum := 0
	double := false
	for i := len(pan) - 1; i >= 0; i-- {
		d := int(pan[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// IsPaymentCard reports whether a track looks like a payment card: a
// Luhn-valid PAN of 13-19 digits with an expiry whose month is 01-12.
func IsPaymentCard(t Track) bool {
	if len(t.PAN) < 13 || len(t.PAN) > 19 || !LuhnValid(t.PAN) || len(t.Expiry) != 4 {
		return false
	}
	m := (t.Expiry[2]-'0')*10 + t.Expiry[3] - '0'
	return m >= 1 && m <= 12
}
