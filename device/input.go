package device

import (
	"fmt"
	"log/slog"
	"time"
)

// Input events: scanners, card readers and badge readers reach the till as
// one stream of InputEvent values, whether they were read as raw HID reports
// (device/hidin) or as keystrokes typed into the window (keyboard wedge). The
// consumers (sale screen, impersonate dialog) switch on the concrete type and
// never learn which path an event took, except through Source.

// Role is what a reader is used for; it decides which parser its text goes to.
type Role string

const (
	RoleScanner  Role = "scanner"
	RoleCard     Role = "card"  // magnetic stripe reader
	RoleBadge    Role = "badge" // proximity (EM-Marine, Mifare) reader
	RoleKeyboard Role = "keyboard"
)

// Source names the reader an event came from: the configured device name and
// its role, or Name "keyboard" for the wedge path in the window.
type Source struct {
	Name string
	Role Role
}

// KeyboardSource is the source of events split out of keystrokes in the window.
var KeyboardSource = Source{Name: "keyboard", Role: RoleKeyboard}

func (s Source) String() string {
	if s.Role == "" || string(s.Role) == s.Name {
		return s.Name
	}
	return s.Name + " (" + string(s.Role) + ")"
}

// InputEvent is one of Scan, Swipe, Badge or ReadError.
type InputEvent interface {
	InputSource() Source
	InputTime() time.Time
	isInputEvent()
}

// ScanKind says which of Scan's parsed fields is filled.
type ScanKind string

const (
	ScanItem    ScanKind = "item"    // a GTIN/EAN/UPC: look the item up by Item.GTIN
	ScanLabel   ScanKind = "label"   // an in-store weight or price label (prefix 20-29)
	ScanGS1     ScanKind = "gs1"     // a GS1 element string that is not a marking code
	ScanMarking ScanKind = "marking" // a marking code (Chestny ZNAK)
	ScanOther   ScanKind = "other"   // read correctly, but not something the till interprets (Code 39 text ...)
)

// Symbology is the AIM identifier of the code ("]E0", "]d2"), or "" when the
// reader did not send one.
type Symbology string

// ItemCode is a retail item barcode, normalised: UPC-A and UPC-E become the
// 13-digit EAN form (leading 0), EAN-8 stays 8 digits, a GTIN-14 with a
// leading 0 becomes 13 digits. The check digit has been verified.
type ItemCode struct {
	GTIN string
	From string // "ean13", "ean8", "upca", "upce", "gtin14"
}

// LabelValue is what a scale or price label carries besides the item code.
type LabelValue string

const (
	LabelWeight LabelValue = "weight" // Value is grams (= milli-kilograms, the till's quantity unit)
	LabelPrice  LabelValue = "price"  // Value is minor units
)

// Label is an in-store EAN-13 label (prefix 20-29) decoded by the layout
// configured for its prefix.
type Label struct {
	Prefix   string
	ItemCode string // the store's own item code, digits as printed
	Kind     LabelValue
	Value    int64
}

// GS1Element is one AI and its value from a GS1 element string.
type GS1Element struct {
	AI    string
	Value string
}

// Marking is a marking code. Code is the full code as it goes to the
// register (tag 1162/2000), with GS separators restored where they were lost.
type Marking struct {
	Code    string
	GTIN    string
	Serial  string
	KeyID   string // AI 91
	Crypto  string // AI 92
	Tail    string // AI 93
	Tobacco bool   // 29-character pack code, not a GS1 element string
}

// Scan is a barcode read by a scanner.
type Scan struct {
	Source    Source
	At        time.Time
	Symbology Symbology
	Raw       string // text as read, AIM prefix removed, GS as 0x1D
	Kind      ScanKind
	Item      ItemCode
	Label     Label
	GS1       []GS1Element
	Marking   Marking
}

// Track is one magnetic stripe track as parsed. OK is false when the reader
// reported a bad read (%E? ;E? +E?) for it; Present is false when the track
// was not in the swipe at all.
type Track struct {
	Present bool
	OK      bool
	Data    string // between the sentinels
	// Fields of a financial-format track (ISO 7813): PAN, name, expiry YYMM,
	// service code, discretionary data. Empty for free-format tracks.
	PAN, Name, Expiry, Service, Discretionary string
}

// Swipe is a magnetic card read. It carries track data, so it must never be
// logged whole; use Summary.
type Swipe struct {
	Source Source
	At     time.Time
	Tracks [3]Track
}

// Summary says which tracks were read, without any of their content.
func (s Swipe) Summary() string {
	out := ""
	for i, t := range s.Tracks {
		st := "-"
		switch {
		case t.Present && t.OK:
			st = "ok"
		case t.Present:
			st = "bad"
		}
		out += fmt.Sprintf("t%d:%s ", i+1, st)
	}
	return out[:len(out)-1]
}

// String and LogValue keep a swipe's tracks out of logs and panics.
func (s Swipe) String() string { return "swipe from " + s.Source.String() + " " + s.Summary() }

func (s Swipe) LogValue() slog.Value { return slog.StringValue(s.String()) }

func (s Swipe) GoString() string { return "device.Swipe{" + s.Summary() + "}" }

// MarshalText masks too: a swipe has no business in a JSON document.
func (s Swipe) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// String, GoString and MarshalText keep a track's data out of logs.
func (t Track) String() string {
	switch {
	case t.Present && t.OK:
		return "track ok"
	case t.Present:
		return "track bad"
	}
	return "no track"
}

func (t Track) GoString() string { return "device.Track{" + t.String() + "}" }

func (t Track) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// BadgeID is a canonical badge ID (see device/scan for the forms). It can
// only be printed masked: String, GoString, Format and LogValue never show
// more than the last two characters, so a badge cannot be logged by
// accident. The store reads the full ID once, through Reveal, to compute its
// keyed hash.
type BadgeID struct {
	id      string
	printed string // the last two characters of the number as the reader read it; "" unknown
}

// NewBadgeID wraps a canonical ID.
func NewBadgeID(canonical string) BadgeID { return BadgeID{id: canonical} }

// Reveal returns the canonical ID. Call it only to hash the ID.
func (b BadgeID) Reveal() string { return b.id }

// IsZero reports whether b holds no ID.
func (b BadgeID) IsZero() bool { return b.id == "" }

// WithPrinted keeps the last two letters or digits of what the reader
// read (raw), which is the number printed on the card in the reader's
// form — "0004598765" for a 10-digit EM-Marine reader, "070,11245" for a
// Wiegand-26 one — so the hint matches what a person reads on the card even
// where the canonical ID differs ("EM:070,11245" of "0004598765").
func (b BadgeID) WithPrinted(raw string) BadgeID {
	var tail []rune
	r := []rune(raw)
	for i := len(r) - 1; i >= 0 && len(tail) < 2; i-- {
		if c := r[i]; (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') {
			tail = append([]rune{c}, tail...)
		}
	}
	if len(tail) == 2 && len([]rune(b.id)) > 4 {
		b.printed = string(tail)
	}
	return b
}

// HintChars is the two characters a person may see of a badge: the end of
// the number printed on it (WithPrinted), else of its canonical ID; "" for
// IDs of four characters or fewer.
func (b BadgeID) HintChars() string {
	if b.printed != "" {
		return b.printed
	}
	r := []rune(b.id)
	if len(r) <= 4 {
		return ""
	}
	return string(r[len(r)-2:])
}

// Hint is what a person may see of a badge: "…" and HintChars ("…65" of a
// card printed "0004598765"). Four characters of a five-digit EM-Marine
// number were almost all of it.
func (b BadgeID) Hint() string {
	if h := b.HintChars(); h != "" {
		return "…" + h
	}
	if b.id == "" {
		return ""
	}
	return "****" // short IDs show nothing
}

func (b BadgeID) String() string             { return "badge " + b.Hint() }
func (b BadgeID) GoString() string           { return "device.BadgeID{" + b.Hint() + "}" }
func (b BadgeID) LogValue() slog.Value       { return slog.StringValue(b.String()) }
func (b BadgeID) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(b.String())) }

// MarshalText also masks, so JSON and other encoders cannot leak the ID.
func (b BadgeID) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// Badge is a badge presented to a badge reader, or an employee card swiped
// through a card reader.
type Badge struct {
	Source Source
	At     time.Time
	ID     BadgeID
	Form   string // the print form the reader used ("em-dec10", "mifare-hex", "track2", ...)
}

// ReadError is input that could not be turned into a Scan, Swipe or Badge:
// the cashier sees the message (Key, Fallback, Args, translated through the
// lang files of the "input" area), the log gets Detail. Detail never holds a
// badge ID or a card number.
type ReadError struct {
	Source   Source
	At       time.Time
	Key      string         // stable message key, e.g. "input.scan.check_digit"
	Fallback string         // English text with {{.Arg}} placeholders
	Args     map[string]any // values for the placeholders
	Detail   string         // technical detail for the log
}

func (e ReadError) Error() string {
	if e.Detail == "" {
		return e.Source.String() + ": " + e.Key
	}
	return e.Source.String() + ": " + e.Key + ": " + e.Detail
}

func (e Scan) InputSource() Source      { return e.Source }
func (e Swipe) InputSource() Source     { return e.Source }
func (e Badge) InputSource() Source     { return e.Source }
func (e ReadError) InputSource() Source { return e.Source }

func (e Scan) InputTime() time.Time      { return e.At }
func (e Swipe) InputTime() time.Time     { return e.At }
func (e Badge) InputTime() time.Time     { return e.At }
func (e ReadError) InputTime() time.Time { return e.At }

func (Scan) isInputEvent()      {}
func (Swipe) isInputEvent()     {}
func (Badge) isInputEvent()     {}
func (ReadError) isInputEvent() {}
