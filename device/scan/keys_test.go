package scan

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// usageOf is the inverse of the US table, for building report streams in
// tests. It is checked against literal reports in TestBootLiteral.
func usageOf(t testing.TB, c rune) (usage byte, shift bool) {
	t.Helper()
	for u := 0; u < 0x54; u++ { // main block only: keypad duplicates digits
		if usagePlain[u] == c {
			return byte(u), false
		}
		if usageShift[u] == c && usagePlain[u] != c {
			return byte(u), true
		}
	}
	t.Fatalf("no usage for %q", c)
	return 0, false
}

// pressRelease encodes text as a key-down report and an all-zero release per
// character, the way most scanners send.
func pressRelease(t testing.TB, text string) [][]byte {
	var out [][]byte
	for _, c := range text {
		u, sh := usageOf(t, c)
		var mod byte
		if sh {
			mod = modLShift
		}
		out = append(out, []byte{mod, 0, u, 0, 0, 0, 0, 0}, make([]byte, 8))
	}
	return out
}

func decodeAll(t testing.TB, d *BootDecoder, reports [][]byte) string {
	t.Helper()
	var rs []rune
	for _, r := range reports {
		var err error
		if rs, err = d.Feed(rs, r); err != nil {
			t.Fatalf("Feed(% x): %v", r, err)
		}
	}
	return string(rs)
}

func TestBootLiteral(t *testing.T) {
	// Recorded from a Voyager-class scanner in keyboard mode reading
	// "4600", then Enter; press and release per key.
	reports := [][]byte{
		{0, 0, 0x21, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0x23, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0x27, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0x27, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
		{0, 0, 0x28, 0, 0, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
	}
	var d BootDecoder
	if got := decodeAll(t, &d, reports); got != "4600\r" {
		t.Fatalf("got %q", got)
	}
}

func TestBootStreams(t *testing.T) {
	z := []byte{0, 0, 0, 0, 0, 0, 0, 0}
	k := func(mod byte, keys ...byte) []byte {
		r := []byte{mod, 0, 0, 0, 0, 0, 0, 0}
		copy(r[2:], keys)
		return r
	}
	tests := []struct {
		name    string
		dec     BootDecoder
		reports [][]byte
		want    string
	}{
		{"one report per key, no release", BootDecoder{}, [][]byte{k(0, 0x1E), k(0, 0x1F), k(0, 0x20), z}, "123"},
		{"same key twice needs release", BootDecoder{}, [][]byte{k(0, 0x1E), k(0, 0x1E), z, k(0, 0x1E), z}, "11"},
		{"repeated identical reports", BootDecoder{}, [][]byte{k(0, 0x04), k(0, 0x04), k(0, 0x04), z}, "a"},
		{"shift makes capitals and symbols", BootDecoder{}, [][]byte{k(modLShift, 0x04), z, k(modRShift, 0x1E), z, k(0, 0x2D), z, k(modLShift, 0x2D), z}, "A!-_"},
		{"rollover ignored", BootDecoder{}, [][]byte{k(0, 0x04), k(0, 1, 1, 1, 1, 1, 1), k(0, 0x04, 0x05), z}, "ab"},
		{"rollover does not reset state", BootDecoder{}, [][]byte{k(0, 0x04), k(0, 1, 1, 1, 1, 1, 1), k(0, 0x04), z}, "a"},
		{"two keys down in one report", BootDecoder{}, [][]byte{k(0, 0x04, 0x05), z}, "ab"},
		{"Ctrl+] is GS", BootDecoder{}, [][]byte{k(0, 0x1E), z, k(modLCtrl, 0x30), z, k(0, 0x1F), z}, "1\x1d2"},
		{"configured F8 is GS", BootDecoder{GSUsage: UsageF8}, [][]byte{k(0, 0x41), z}, "\x1d"},
		{"F8 without config is unknown", BootDecoder{}, [][]byte{k(0, 0x41), z}, "\uFFFD"},
		{"keypad digits and enter", BootDecoder{}, [][]byte{k(0, 0x59), z, k(0, 0x62), z, k(0, 0x58), z}, "10\r"},
		{"report ID prefix", BootDecoder{Offset: 1}, [][]byte{{1, 0, 0, 0x05, 0, 0, 0, 0, 0}, {1, 0, 0, 0, 0, 0, 0, 0, 0}}, "b"},
		{"modifier usages in key array ignored", BootDecoder{}, [][]byte{k(modLShift, 0xE1, 0x04), z}, "A"},
		{"tab", BootDecoder{}, [][]byte{k(0, 0x2B), z}, "\t"},
		{"ALT+0029 is GS", BootDecoder{}, [][]byte{
			k(0, 0x1E), z,
			k(modLAlt), k(modLAlt, 0x62), k(modLAlt), k(modLAlt, 0x62), k(modLAlt), k(modLAlt, 0x5A), k(modLAlt), k(modLAlt, 0x61), k(modLAlt), z,
			k(0, 0x1F), z,
		}, "1\x1d2"},
		{"ALT code too long", BootDecoder{}, [][]byte{k(modRAlt, 0x59), k(modRAlt), k(modRAlt, 0x59), k(modRAlt), k(modRAlt, 0x59), k(modRAlt), k(modRAlt, 0x59), k(modRAlt), k(modRAlt, 0x59), z}, "\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.dec
			if diff := cmp.Diff(tt.want, decodeAll(t, &d, tt.reports)); diff != "" {
				t.Fatalf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestBootShortReport(t *testing.T) {
	var d BootDecoder
	_, err := d.Feed(nil, []byte{0, 0, 4})
	if err == nil || AsError(err).Key != "input.report.malformed" {
		t.Fatalf("err = %v", err)
	}
}

func TestBootRoundTripAllPrintable(t *testing.T) {
	var text string
	for c := rune(0x20); c < 0x7F; c++ {
		text += string(c)
	}
	var d BootDecoder
	if got := decodeAll(t, &d, pressRelease(t, text)); got != text {
		t.Fatalf("got %q, want %q", got, text)
	}
}

// The layout cannot change the result: decoding is by usage ID, and in the
// window by physical scan code. With a Russian layout the OS would type
// "ЙЦУ" for the keys below; the decoders never see the layout at all, which
// this test pins by checking every key of the scan through each path.
func TestLayoutIndependence(t *testing.T) {
	code := "QWE,./0123456789"
	// Linux XKB keycodes of those physical keys (evdev + 8).
	xkb := map[rune]int{
		'Q': 24, 'W': 25, 'E': 26, ',': 59, '.': 60, '/': 61,
		'0': 19, '1': 10, '2': 11, '3': 12, '4': 13, '5': 14, '6': 15, '7': 16, '8': 17, '9': 18,
	}
	for _, c := range code {
		lc := c
		shift := false
		if c >= 'A' && c <= 'Z' {
			shift = true
		}
		got, ok := LinuxKeycodeChar(xkb[c], shift)
		if !ok || got != lc {
			t.Errorf("keycode %d: got %q, want %q", xkb[c], got, lc)
		}
		// Fyne names: "Q", ",", "." under a US-named layout; digits always.
		name := string(c)
		if got, ok := KeyNameChar(name, shift); !ok || got != lc {
			t.Errorf("key name %q: got %q, want %q", name, got, lc)
		}
	}
	// What a Russian layout makes Fyne report for letter keys: unknown.
	if _, ok := KeyNameChar("", false); ok {
		t.Error("KeyUnknown must not map to a character")
	}
}

func TestKeyNamesMatchFyne(t *testing.T) {
	// Names as spelled in fyne.io/fyne/v2/key.go (v2.7.1).
	fyneNames := map[string]rune{
		"Return": Enter, "KP_Enter": Enter, "Tab": Tab, "Space": ' ', "BackSpace": Backspace, "Escape": Escape,
		"'": '\'', ",": ',', "-": '-', ".": '.', "/": '/', "\\": '\\', "[": '[', "]": ']', ";": ';', "=": '=',
		"*": '*', "+": '+', "`": '`', "A": 'a', "Z": 'z', "0": '0', "9": '9',
	}
	for n, want := range fyneNames {
		if got, ok := KeyNameChar(n, false); !ok || got != want {
			t.Errorf("%q: got %q, want %q", n, got, want)
		}
	}
	for _, n := range []string{"LeftShift", "Up", "F13", "Minus"} {
		if _, ok := KeyNameChar(n, false); ok {
			t.Errorf("%q must have no character", n)
		}
	}
	if got, _ := KeyNameChar("2", true); got != '@' {
		t.Errorf("shift+2 = %q", got)
	}
}
