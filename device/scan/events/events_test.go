package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

// xkb holds the XKB keycodes (evdev + 8) of the physical keys used below.
var xkb = map[rune]int{
	'1': 10, '2': 11, '3': 12, '4': 13, '5': 14, '6': 15, '7': 16, '8': 17, '9': 18, '0': 19,
	'q': 24, 'w': 25, 'e': 26, 'r': 27, 't': 28, 'y': 29, 'u': 30, 'i': 31, 'o': 32, 'p': 33,
	'a': 38, 's': 39, 'd': 40, 'f': 41, 'g': 42, 'h': 43, 'j': 44, 'k': 45, 'l': 46,
	'z': 52, 'x': 53, 'c': 54, 'v': 55, 'b': 56, 'n': 57, 'm': 58,
	';': 47, '=': 21, '?': 61, '/': 61, '%': 14, ']': 35, '\r': 36,
}

// ru is what the ЙЦУКЕН layout types for a physical key.
var ru = map[rune]rune{
	'q': 'й', 'w': 'ц', 'e': 'у', 'r': 'к', 't': 'е', 'y': 'н', 'a': 'ф', 's': 'ы', 'd': 'в',
	'f': 'а', 'g': 'п', 'h': 'р', 'j': 'о', 'k': 'л', 'l': 'д', ';': 'ж', 'z': 'я', 'x': 'ч', 'c': 'с', 'v': 'м',
	'b': 'и', 'n': 'т', 'm': 'ь', '/': '.', '?': ',',
}

// press builds what a Russian-layout Linux desktop reports for the US
// character c: Fyne names digits and Return by key code, but names letters
// through the layout, which under ЙЦУКЕН gives KeyUnknown ("").
func press(at time.Time, c rune) KeyPress {
	lower := c
	shift := false
	switch {
	case c >= 'A' && c <= 'Z':
		lower, shift = c+'a'-'A', true
	case c == '%' || c == '?':
		shift = true
	}
	k := KeyPress{At: at, ScanCode: xkb[lower], Shift: shift}
	switch {
	case c >= '0' && c <= '9':
		k.Name, k.Typed = string(c), c
	case c == '\r':
		k.Name = "Return"
	case c == '%':
		k.Typed = '%'
	case c == ';':
		k.Typed = 'ж'
	case c == '=':
		k.Name, k.Typed = "=", '='
	default:
		k.Typed = ru[lower]
		if shift {
			k.Typed = []rune(strings.ToUpper(string(k.Typed)))[0]
		}
	}
	if k.ScanCode == 0 {
		panic(fmt.Sprintf("no keycode for %q", c))
	}
	return k
}

func feed(w *Wedge, text string, gap time.Duration, start time.Time) (typed string, evs []device.InputEvent, end time.Time) {
	at := start
	var rs []rune
	for _, c := range text {
		if dl, ok := w.Deadline(); ok && !dl.After(at) {
			r := w.Flush(dl)
			rs, evs = append(rs, r.Typed...), append(evs, r.Events...)
		}
		r, ok := w.Key(press(at, c))
		if !ok {
			panic("unhandled key")
		}
		rs, evs = append(rs, r.Typed...), append(evs, r.Events...)
		at = at.Add(gap)
	}
	return string(rs), evs, at
}

func flushAll(w *Wedge) (string, []device.InputEvent) {
	dl, ok := w.Deadline()
	if !ok {
		return "", nil
	}
	r := w.Flush(dl)
	return string(r.Typed), r.Events
}

func TestWedgeRussianLayout(t *testing.T) {
	w := NewWedge(WedgeConfig{LinuxScanCodes: true})
	// A person types "Иван" (physical keys b, d, f, y) slowly, then a GS1-128
	// code with letters arrives from a wedge scanner at 8 ms per key.
	typed, evs, end := feed(w, "BDFY", 200*time.Millisecond, t0)
	more, evs2, _ := feed(w, "]C1010460123456789317261231"+"10ABC12\r", 8*time.Millisecond, end.Add(time.Second))
	typed += more
	evs = append(evs, evs2...)
	if typed != "ИВАН" {
		t.Errorf("typed %q", typed)
	}
	if len(evs) != 1 {
		t.Fatalf("events %v", evs)
	}
	s, ok := evs[0].(device.Scan)
	if !ok {
		t.Fatalf("event %#v", evs[0])
	}
	want := []device.GS1Element{{AI: "01", Value: "04601234567893"}, {AI: "17", Value: "261231"}, {AI: "10", Value: "ABC12"}}
	if diff := cmp.Diff(want, s.GS1); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if s.Kind != device.ScanGS1 || s.Symbology != "]C1" || s.Source != device.KeyboardSource {
		t.Fatalf("scan %+v", s)
	}
}

func TestWedgeScanAndSwipe(t *testing.T) {
	w := NewWedge(WedgeConfig{LinuxScanCodes: true})
	_, evs, end := feed(w, "4006381333931\r", 10*time.Millisecond, t0)
	if len(evs) != 1 {
		t.Fatalf("events %v", evs)
	}
	got := evs[0].(device.Scan)
	if diff := cmp.Diff(device.Scan{
		Source: device.KeyboardSource, At: got.At, Raw: "4006381333931", Kind: device.ScanItem,
		Item: device.ItemCode{GTIN: "4006381333931", From: "ean13"},
	}, got); diff != "" {
		t.Fatalf("(-want +got)\n%s", diff)
	}
	// A badge swipe through a keyboard-wedge card reader.
	_, evs, end = feed(w, ";123456=?\r", 5*time.Millisecond, end.Add(time.Second))
	sw, ok := evs[0].(device.Swipe)
	if !ok || !sw.Tracks[1].OK || sw.Tracks[1].PAN != "123456" {
		t.Fatalf("swipe %v", evs)
	}
	// The impersonate dialog in card mode makes it a badge.
	b, ok := Config{Source: device.KeyboardSource}.BadgeFromEvent(sw).(device.Badge)
	if !ok || b.ID.Reveal() != "T2:123456" {
		t.Fatalf("badge %v", b)
	}
	// Half a scan: no Enter, then a pause.
	_, evs, _ = feed(w, "4006381", 10*time.Millisecond, end.Add(time.Second))
	typed, evs2 := flushAll(w)
	evs = append(evs, evs2...)
	if typed != "" || len(evs) != 1 || evs[0].(device.ReadError).Key != "input.scan.incomplete" {
		t.Fatalf("half scan: typed %q events %v", typed, evs)
	}
}

func TestWedgeGSKeys(t *testing.T) {
	w := NewWedge(WedgeConfig{LinuxScanCodes: true, GSKey: "F8"})
	if c, ok := w.Char(KeyPress{Name: "F8"}); !ok || c != scan.GS {
		t.Errorf("F8: %q %v", c, ok)
	}
	if c, ok := w.Char(KeyPress{ScanCode: 35, Ctrl: true}); !ok || c != scan.GS {
		t.Errorf("Ctrl+]: %q %v", c, ok)
	}
	if _, ok := w.Char(KeyPress{ScanCode: 54, Name: "C", Ctrl: true}); ok {
		t.Error("Ctrl+C must stay the window's")
	}
	if _, ok := w.Char(KeyPress{Name: "Up"}); ok {
		t.Error("arrow has no character")
	}
	// Without scan codes (not Linux) the key name decides.
	w2 := NewWedge(WedgeConfig{})
	if c, ok := w2.Char(KeyPress{Name: "Q", ScanCode: 999, Shift: true}); !ok || c != 'Q' {
		t.Errorf("by name: %q %v", c, ok)
	}
}

func TestReaderRoles(t *testing.T) {
	badge := Config{Source: device.Source{Name: "door", Role: device.RoleBadge}, BadgeForm: scan.BadgeConfig{Form: scan.EMWiegand26}}
	if b, ok := badge.FromText(t0, "", "188,24910\r").(device.Badge); !ok || b.ID.Reveal() != "EM:188,24910" {
		t.Fatalf("badge reader: %#v", b)
	}
	e, ok := badge.FromText(t0, "", "4111111111111111").(device.ReadError)
	if !ok || e.Key != "input.badge.unreadable" || strings.Contains(e.Error(), "4111") {
		t.Fatalf("bad badge: %#v", e)
	}
	card := Config{Source: device.Source{Name: "msr", Role: device.RoleCard}}
	if _, ok := card.FromText(t0, "", "%E?;E?\r").(device.Swipe); !ok {
		t.Fatal("error markers are still a swipe, with bad tracks")
	}
	pay := card.BadgeFromEvent(card.FromText(t0, "", ";4111111111111111=28121010000000000?"))
	if e, ok := pay.(device.ReadError); !ok || !IsBadgeRefusal(e) || strings.Contains(fmt.Sprint(e), "4111") {
		t.Fatalf("payment card as badge: %#v", pay)
	}
	scanner := Config{Source: device.Source{Name: "hid", Role: device.RoleScanner}}
	if e, ok := scanner.FromText(t0, "", "4006381333932").(device.ReadError); !ok || e.Key != "input.scan.check_digit" {
		t.Fatalf("check digit: %#v", e)
	}
}

// A badge ID cannot be logged by accident: every printing path masks it.
func TestBadgeIDNeverPrinted(t *testing.T) {
	id := device.NewBadgeID("EM:188,24910")
	ev := device.Badge{Source: device.Source{Name: "door", Role: device.RoleBadge}, At: t0, ID: id}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("badge", "id", id, "event", ev)
	js, _ := json.Marshal(ev)
	outs := []string{
		fmt.Sprint(id), fmt.Sprintf("%v %+v %#v %s %q %x", id, id, id, id, id, id),
		fmt.Sprintf("%v %+v %#v", ev, ev, ev), buf.String(), string(js), id.String(),
	}
	for _, o := range outs {
		if strings.Contains(o, "188,2") || strings.Contains(o, "EM:") {
			t.Errorf("badge leaked: %s", o)
		}
	}
	if !strings.Contains(id.String(), "…10") || strings.Contains(id.String(), "910") {
		t.Errorf("the hint shows the last two characters, no more: %s", id)
	}
	if device.NewBadgeID("1234").Hint() != "****" {
		t.Error("a 4-character ID must be fully masked")
	}
}

// A swipe's tracks (a card number, if someone swiped a bank card) cannot be
// logged by accident either.
func TestSwipeNeverPrinted(t *testing.T) {
	ev := Config{Source: device.Source{Name: "msr", Role: device.RoleCard}}.FromText(t0, "", "%B4111111111111111^DOE/JOHN^2812101?;4111111111111111=2812101?")
	sw, ok := ev.(device.Swipe)
	if !ok {
		t.Fatalf("%#v", ev)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("swipe", "ev", sw, "t", sw.Tracks[0])
	js, _ := json.Marshal(sw)
	for _, o := range []string{
		fmt.Sprintf("%v %+v %#v %s", sw, sw, sw, sw), fmt.Sprintf("%v %+v %#v", sw.Tracks[1], sw.Tracks[1], sw.Tracks[1]),
		buf.String(), string(js),
	} {
		if strings.Contains(o, "4111") || strings.Contains(o, "DOE") {
			t.Errorf("swipe leaked: %s", o)
		}
	}
}
