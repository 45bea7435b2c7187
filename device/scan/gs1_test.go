package scan

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const gs = "\x1d"

func gtin14(body13 string) string { c, _ := CheckDigit(body13); return body13 + string(c) }

func TestParseGS1(t *testing.T) {
	g := gtin14("0460123456789")
	tests := []struct {
		name, in string
		want     []GS1Element
		err      error
	}{
		{
			"gtin expiry batch", "01" + g + "17261231" + "10ABC123",
			[]GS1Element{{"01", g}, {"17", "261231"}, {"10", "ABC123"}},
			nil,
		},
		{
			"leading FNC1, batch then serial", gs + "01" + g + "10L1" + gs + "21S99",
			[]GS1Element{{"01", g}, {"10", "L1"}, {"21", "S99"}},
			nil,
		},
		{
			"net weight and price", "01" + g + "3103001250" + "39220199",
			[]GS1Element{{"01", g}, {"3103", "001250"}, {"3922", "0199"}},
			nil,
		},
		{
			"GS after fixed field tolerated", "01" + g + gs + "17261231",
			[]GS1Element{{"01", g}, {"17", "261231"}},
			nil,
		},
		{"bad GTIN check digit", "01" + g[:13] + "0" + "17261231", nil, ErrCheckDigit},
		{"unknown AI", "01" + g + "9Z", nil, ErrGS1},
		{"fixed field short", "01" + g[:10], nil, ErrGS1},
		{"var field too long", "10" + strings.Repeat("A", 21), nil, ErrGS1},
		{"bad month", "01" + g + "17261331", nil, ErrGS1},
		{"empty", "", nil, ErrGS1},
		{"empty value", "10" + gs + "21X", nil, ErrGS1},
		{"control char in value", "10A\x01B", nil, ErrGS1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGS1(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseMarking(t *testing.T) {
	g := gtin14("0460123456789")
	serial := "5Ab<CdE!fgH'i"                     // 13 characters, GS1 set incl. punctuation
	crypto := strings.Repeat("Qw3+/", 8) + "XyZ=" // 44
	med := "01" + g + "21" + serial + gs + "91" + "EE06" + gs + "92" + crypto
	water := "01" + g + "21" + serial + gs + "93" + "dGh0"
	dairy := "01" + g + "21" + "Ab1234" + gs + "93" + "k9Lq"
	tobaccoBlock := "01" + g + "21" + "-ab4Rq7" + gs + "8005" + "012000" + gs + "93" + "Zx0A"
	pack := g + "-ab4Rq7" + "AbC1" + "z9Y8" // 14 + 7 + 4 + 4
	want := func(code, serial, key, cr, tail string, els ...GS1Element) Marking {
		return Marking{Code: code, GTIN: g, Serial: serial, KeyID: key, Crypto: cr, Tail: tail, Elements: els}
	}
	tests := []struct {
		name, in string
		want     Marking
		err      error
	}{
		{"medicine with GS", med, want(med, serial, "EE06", crypto, "",
			GS1Element{"01", g}, GS1Element{"21", serial}, GS1Element{"91", "EE06"}, GS1Element{"92", crypto}), nil},
		{"medicine, GS lost in the wedge", strings.ReplaceAll(med, gs, ""), want(med, serial, "EE06", crypto, "",
			GS1Element{"01", g}, GS1Element{"21", serial}, GS1Element{"91", "EE06"}, GS1Element{"92", crypto}), nil},
		{"leading FNC1", gs + med, want(med, serial, "EE06", crypto, "",
			GS1Element{"01", g}, GS1Element{"21", serial}, GS1Element{"91", "EE06"}, GS1Element{"92", crypto}), nil},
		{"water 93 tail, GS lost", strings.ReplaceAll(water, gs, ""), want(water, serial, "", "", "dGh0",
			GS1Element{"01", g}, GS1Element{"21", serial}, GS1Element{"93", "dGh0"}), nil},
		{"dairy 6-char serial, GS lost", strings.ReplaceAll(dairy, gs, ""), want(dairy, "Ab1234", "", "", "k9Lq",
			GS1Element{"01", g}, GS1Element{"21", "Ab1234"}, GS1Element{"93", "k9Lq"}), nil},
		{"tobacco block, GS lost", strings.ReplaceAll(tobaccoBlock, gs, ""), want(tobaccoBlock, "-ab4Rq7", "", "", "Zx0A",
			GS1Element{"01", g}, GS1Element{"21", "-ab4Rq7"}, GS1Element{"8005", "012000"}, GS1Element{"93", "Zx0A"}), nil},
		{"tobacco pack", pack, Marking{Code: pack, GTIN: g, Serial: "-ab4Rq7", Crypto: "z9Y8", Tobacco: true}, nil},
		{"bad GTIN", "01" + g[:13] + "1" + "21" + serial, Marking{}, ErrCheckDigit},
		{"not a marking code", "4006381333931", Marking{}, ErrMarking},
		{"GS lost and lengths fit nothing", "01" + g + "21" + serial + strings.Repeat("z", 12), Marking{}, ErrMarking},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMarking(tt.in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got)\n%s", diff)
			}
		})
	}
}
