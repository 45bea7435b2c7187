package scan

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	testPAN = "4111111111111111" // the well-known Luhn-valid test number
	visaT1  = "%B" + testPAN + "^DOE/JOHN^2812101000000000000?"
	visaT2  = ";" + testPAN + "=28121010000000000?"
)

func TestParseSwipe(t *testing.T) {
	ok := func(data string) Track { return Track{Present: true, OK: true, Data: data} }
	bad := Track{Present: true, Data: "E"}
	tests := []struct {
		name string
		in   string
		cfg  TrackConfig
		want [3]Track
		err  error
	}{
		{"badge track 2 only", ";123456=?\r", TrackConfig{}, [3]Track{{}, {Present: true, OK: true, Data: "123456=", PAN: "123456"}, {}}, nil},
		{"free track 1", "%EMPLOYEE 0042?", TrackConfig{}, [3]Track{ok("EMPLOYEE 0042"), {}, {}}, nil},
		{"payment card, tracks 1 and 2", visaT1 + visaT2 + "\r", TrackConfig{}, [3]Track{
			{Present: true, OK: true, Data: visaT1[1 : len(visaT1)-1], PAN: testPAN, Name: "DOE/JOHN", Expiry: "2812", Service: "101", Discretionary: "000000000000"},
			{Present: true, OK: true, Data: visaT2[1 : len(visaT2)-1], PAN: testPAN, Expiry: "2812", Service: "101", Discretionary: "0000000000"},
			{},
		}, nil},
		{"error markers", "%E?;E?+E?\r", TrackConfig{}, [3]Track{bad, bad, bad}, nil},
		{"track 1 bad, track 2 good", "%E?;123456=?", TrackConfig{}, [3]Track{bad, {Present: true, OK: true, Data: "123456=", PAN: "123456"}, {}}, nil},
		{"track 3 with ; after track 2", ";1=?;0123456789=1234?", TrackConfig{}, [3]Track{{}, {Present: true, OK: true, Data: "1=", PAN: "1"}, ok("0123456789=1234")}, nil},
		{"LRC right", ";12=?:", TrackConfig{LRC: true}, [3]Track{{}, {Present: true, OK: true, Data: "12=", PAN: "12"}, {}}, nil},
		{"LRC wrong", ";12=?0", TrackConfig{LRC: true}, [3]Track{{}, {Present: true}, {}}, nil},
		{"letters on track 2", ";12AB=?", TrackConfig{}, [3]Track{{}, {Present: true}, {}}, nil},
		{"no end sentinel", ";123456=", TrackConfig{}, [3]Track{}, ErrTrack},
		{"garbage", "hello", TrackConfig{}, [3]Track{}, ErrTrack},
		{"empty", "\r", TrackConfig{}, [3]Track{}, ErrTrack},
		{"out of order", ";1=?%A?", TrackConfig{}, [3]Track{}, ErrTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSwipe(tt.in, tt.cfg)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got.Tracks); diff != "" {
				t.Fatalf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestLuhn(t *testing.T) {
	for _, tt := range []struct {
		pan string
		ok  bool
	}{{testPAN, true}, {"79927398713", true}, {"79927398710", false}, {"4111111111111112", false}, {"", false}, {"41x1", false}} {
		if got := LuhnValid(tt.pan); got != tt.ok {
			t.Errorf("LuhnValid(%q) = %v", tt.pan, got)
		}
	}
}

func TestBadgeFromSwipe(t *testing.T) {
	sw := func(s string) Swipe {
		t.Helper()
		v, err := ParseSwipe(s, TrackConfig{})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name  string
		swipe Swipe
		track int
		want  string
		err   error
	}{
		{"track 2 badge", sw(";123456=?"), 2, "T2:123456", nil},
		{"first good track", sw("%E?;123456=?"), 0, "T2:123456", nil},
		{"free track 1", sw("%EMPLOYEE 0042?"), 1, "T1:EMPLOYEE 0042", nil},
		{"payment card refused", sw(visaT1 + visaT2), 2, "", ErrPaymentCard},
		{"payment card refused on track 2 only", sw(visaT2), 0, "", ErrPaymentCard},
		{"Luhn-valid number without expiry is a badge", sw(";" + testPAN + "=?"), 2, "T2:" + testPAN, nil},
		{"configured track not read", sw("%E?;123456=?"), 1, "", ErrTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BadgeFromSwipe(tt.swipe, tt.track)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Fatalf("got %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
			if err != nil && strings.Contains(fmt.Sprint(err, AsError(err).Args), "4111") {
				t.Fatal("error leaks the card number")
			}
		})
	}
}

func TestNormaliseBadge(t *testing.T) {
	// One EM-Marine badge, version byte 0x01, 32-bit ID 0x00BC614E
	// (12345678): facility 188, number 24910.
	em := []struct {
		form BadgeForm
		raw  string
	}{{EMDecimal10, "0012345678"}, {EMWiegand26, "188,24910"}, {EMHex10, "0100BC614E"}, {EMHex10, "0100bc614e\r"}}
	for _, c := range em {
		got, err := NormaliseBadge(c.raw, BadgeConfig{Form: c.form})
		if err != nil || got != "EM:188,24910" {
			t.Errorf("%s %q: %q, %v", c.form, c.raw, got, err)
		}
	}
	full := BadgeConfig{Form: EMDecimal10, EMFull32: true}
	if got, _ := NormaliseBadge("0012345678", full); got != "EM32:0012345678" {
		t.Errorf("full32 dec: %q", got)
	}
	if got, _ := NormaliseBadge("0100BC614E", BadgeConfig{Form: EMHex10, EMFull32: true}); got != "EM32:0012345678" {
		t.Errorf("full32 hex: %q", got)
	}
	if _, err := NormaliseBadge("188,24910", BadgeConfig{Form: EMWiegand26, EMFull32: true}); !errors.Is(err, ErrBadgeForm) {
		t.Errorf("wiegand under full32: %v", err)
	}
	// One Mifare Classic UID 04 A2 2B 1C in its three print forms.
	mf := []struct {
		form BadgeForm
		raw  string
	}{{MifareHex, "04A22B1C"}, {MifareHexRev, "1C2BA204"}, {MifareDecimalLE, "472621572"}}
	for _, c := range mf {
		got, err := NormaliseBadge(c.raw, BadgeConfig{Form: c.form})
		if err != nil || got != "MF:04A22B1C" {
			t.Errorf("%s %q: %q, %v", c.form, c.raw, got, err)
		}
	}
	if got, _ := NormaliseBadge("04112233445566", BadgeConfig{Form: MifareHex}); got != "MF:04112233445566" {
		t.Errorf("7-byte UID: %q", got)
	}
	for _, c := range []struct {
		form BadgeForm
		raw  string
	}{
		{EMDecimal10, "99999999999"},
		{EMDecimal10, "4294967296"},
		{EMDecimal10, ""},
		{EMWiegand26, "256,1"},
		{EMWiegand26, "1,65536"},
		{EMWiegand26, "12345"},
		{EMHex10, "0100BC61"},
		{EMHex10, "zz00BC614E"},
		{MifareHex, "04A22B"},
		{MifareDecimalLE, "x"},
		{"nonsense", "1"},
	} {
		if _, err := NormaliseBadge(c.raw, BadgeConfig{Form: c.form}); err == nil {
			t.Errorf("%s %q accepted", c.form, c.raw)
		} else if e := AsError(err); e.Key == "" || strings.Contains(e.Detail, c.raw) && c.raw != "" && len(c.raw) > 2 {
			t.Errorf("%s %q: error %+v", c.form, c.raw, e)
		}
	}
}
