package events

import (
	"regexp"
	"strings"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
)

// Config is what the till knows about one reader.
type Config struct {
	Source     device.Source
	Scan       scan.ScanConfig  // label layouts
	BadgeForm  scan.BadgeConfig // print form of a proximity badge reader
	Track      scan.TrackConfig // card reader framing
	BadgeTrack int              // track that carries an employee card's ID (0 = first good)
}

// FromText turns one complete read into an event, by the reader's role.
// sym is the AIM ID when the reader gave it apart from the text (HID POS).
// A keyboard (wedge) read is a swipe when it is framed like one, a scan
// otherwise; the impersonate dialog turns either into a badge with Badge.
func (c Config) FromText(at time.Time, sym, text string) device.InputEvent {
	switch c.Source.Role {
	case device.RoleCard:
		return c.swipe(at, text)
	case device.RoleBadge:
		return c.Badge(at, text)
	case device.RoleKeyboard:
		if LooksLikeSwipe(text) {
			return c.swipe(at, text)
		}
	}
	return c.scanEvent(at, sym, text)
}

// LooksLikeSwipe reports whether wedge text is framed as card tracks.
func LooksLikeSwipe(text string) bool {
	t := strings.TrimRight(text, "\r\n")
	return len(t) >= 3 && (t[0] == '%' || t[0] == ';' || t[0] == '+') && t[len(t)-1] == '?'
}

// Error makes a ReadError of any error from device/scan.
func (c Config) Error(at time.Time, err error) device.ReadError {
	e := scan.AsError(err)
	return device.ReadError{Source: c.Source, At: at, Key: e.Key, Fallback: e.Fallback, Args: e.Args, Detail: e.Detail}
}

func (c Config) scanEvent(at time.Time, sym, text string) device.InputEvent {
	r, err := scan.ParseScan(sym, text, c.Scan)
	if err != nil {
		return c.Error(at, err)
	}
	ev := device.Scan{
		Source: c.Source, At: at, Symbology: device.Symbology(r.Symbology), Raw: r.Raw,
		Item: device.ItemCode{GTIN: r.Item.GTIN, From: r.Item.From},
	}
	switch r.Kind {
	case scan.KindItem:
		ev.Kind = device.ScanItem
	case scan.KindLabel:
		ev.Kind = device.ScanLabel
		ev.Label = device.Label{Prefix: r.Label.Prefix, ItemCode: r.Label.ItemCode, Kind: device.LabelValue(r.Label.Kind), Value: r.Label.Value}
	case scan.KindGS1:
		ev.Kind = device.ScanGS1
	case scan.KindMarking:
		ev.Kind = device.ScanMarking
		m := r.Marking
		ev.Marking = device.Marking{Code: m.Code, GTIN: m.GTIN, Serial: m.Serial, KeyID: m.KeyID, Crypto: m.Crypto, Tail: m.Tail, Tobacco: m.Tobacco}
	default:
		ev.Kind = device.ScanOther
	}
	for _, e := range r.GS1 {
		ev.GS1 = append(ev.GS1, device.GS1Element{AI: e.AI, Value: e.Value})
	}
	return ev
}

func (c Config) swipe(at time.Time, text string) device.InputEvent {
	sw, err := scan.ParseSwipe(text, c.Track)
	if err != nil {
		return c.Error(at, err)
	}
	ev := device.Swipe{Source: c.Source, At: at}
	for i, t := range sw.Tracks {
		ev.Tracks[i] = device.Track{
			Present: t.Present, OK: t.OK, Data: t.Data, PAN: t.PAN, Name: t.Name,
			Expiry: t.Expiry, Service: t.Service, Discretionary: t.Discretionary,
		}
	}
	return ev
}

// Badge turns a read into a Badge: a card swipe through its configured
// track (payment cards refused), anything else through the reader's badge
// form. The result is a Badge or a ReadError; the raw ID never appears in
// the error.
func (c Config) Badge(at time.Time, text string) device.InputEvent {
	if LooksLikeSwipe(text) {
		sw, err := scan.ParseSwipe(text, c.Track)
		if err != nil {
			return c.Error(at, err)
		}
		id, err := scan.BadgeFromSwipe(sw, c.BadgeTrack)
		if err != nil {
			return c.Error(at, err)
		}
		return device.Badge{Source: c.Source, At: at, ID: device.NewBadgeID(id), Form: "track"}
	}
	id, err := scan.NormaliseBadge(text, c.BadgeForm)
	if err != nil {
		return c.Error(at, err)
	}
	// The hint people see is the end of the number printed on the card,
	// which is what this reader typed.
	return device.Badge{Source: c.Source, At: at, ID: device.NewBadgeID(id).WithPrinted(text), Form: string(c.BadgeForm.Form)}
}

// BadgeFromEvent turns a Scan or Swipe that arrived while a badge is
// expected (the impersonate dialog in card mode) into a Badge event. A
// ReadError keeps its message but loses every run of ID characters from
// its detail: the read it failed on may have been a badge, and a detail is
// what logs print. Other events are returned unchanged.
func (c Config) BadgeFromEvent(ev device.InputEvent) device.InputEvent {
	switch e := ev.(type) {
	case device.ReadError:
		e.Detail = idRun.ReplaceAllString(e.Detail, "…")
		return e
	case device.Scan:
		return c.Badge(e.At, string(e.Symbology)+e.Raw)
	case device.Swipe:
		var sw scan.Swipe
		for i, t := range e.Tracks {
			sw.Tracks[i] = scan.Track{
				Present: t.Present, OK: t.OK, Data: t.Data, PAN: t.PAN, Name: t.Name,
				Expiry: t.Expiry, Service: t.Service, Discretionary: t.Discretionary,
			}
		}
		id, err := scan.BadgeFromSwipe(sw, c.BadgeTrack)
		if err != nil {
			return c.Error(e.At, err)
		}
		return device.Badge{Source: e.Source, At: e.At, ID: device.NewBadgeID(id), Form: "track"}
	}
	return ev
}

// idRun is what could be part of a badge ID: five or more digits or hex
// letters in a row.
var idRun = regexp.MustCompile(`[0-9A-Fa-f]{5,}`)

// Incomplete is the ReadError for a read that stopped half way.
func (c Config) Incomplete(at time.Time, detail string) device.ReadError {
	return device.ReadError{
		Source: c.Source, At: at, Key: "input.scan.incomplete",
		Fallback: "The scan was cut off. Scan again", Detail: detail,
	}
}

// TooLong is the ReadError for a keyboard burst longer than any scan
// (scan.BurstConfig.MaxLen): what arrived is dropped, never typed.
func (c Config) TooLong(at time.Time, detail string) device.ReadError {
	return device.ReadError{
		Source: c.Source, At: at, Key: "input.scan.too_long",
		Fallback: "The reader sent far more than any barcode holds; it was ignored. Scan again; if it happens again, check the reader's settings.", Detail: detail,
	}
}

// IsBadgeRefusal reports whether a ReadError is a payment card offered as a
// badge, which the dialog words differently from a bad read.
func IsBadgeRefusal(e device.ReadError) bool { return e.Key == "input.badge.payment_card" }
