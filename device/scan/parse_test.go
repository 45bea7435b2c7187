package scan

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseScan(t *testing.T) {
	cfg := ScanConfig{Labels: DefaultLabelLayouts()}
	g := gtin14("0460123456789")
	label, _ := CheckDigit("220012301250")
	c29, _ := CheckDigit("290000000001")
	inStore := "290000000001" + string(c29)
	tests := []struct {
		name, sym, in string
		want          Result
		err           error
	}{
		{"EAN-13 no AIM", "", "4006381333931", Result{Raw: "4006381333931", Kind: KindItem, Item: ItemCode{"4006381333931", "ean13"}}, nil},
		{"EAN-13 AIM in text", "", "]E04006381333931\r", Result{Symbology: "]E0", Raw: "4006381333931", Kind: KindItem, Item: ItemCode{"4006381333931", "ean13"}}, nil},
		{"weight label", "", "220012301250" + string(label), Result{
			Raw: "220012301250" + string(label), Kind: KindLabel,
			Label: Label{Prefix: "22", ItemCode: "00123", Kind: LabelWeight, Value: 1250},
		}, nil},
		{"in-store code without layout is an item", "", inStore, Result{Raw: inStore, Kind: KindItem, Item: ItemCode{inStore, "ean13"}}, nil},
		{"GS1-128", "]C1", "01" + g + "3103001250", Result{
			Symbology: "]C1", Raw: "01" + g + "3103001250", Kind: KindGS1,
			GS1: []GS1Element{{"01", g}, {"3103", "001250"}}, Item: ItemCode{g[1:], "gtin14"},
		}, nil},
		{"EAN-13 with 5-digit add-on", "]E3", "977123456700352495", Result{Symbology: "]E3", Raw: "977123456700352495", Kind: KindItem, Item: ItemCode{"9771234567003", "ean13"}}, nil},
		{"Code 128 text", "]C0", "EMP-0042", Result{Symbology: "]C0", Raw: "EMP-0042", Kind: KindOther}, nil},
		{"bad check digit", "", "4006381333932", Result{}, ErrCheckDigit},
		{"unknown symbology", "]Y0", "123", Result{}, ErrNotItemCode},
		{"unmapped key", "", "40063\uFFFD81333931", Result{}, ErrUnknownKey},
		{"empty after AIM", "", "]E0", Result{}, ErrIncomplete},
		{"EAN symbology with letters", "]E0", "ABC", Result{}, ErrNotItemCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScan(tt.sym, tt.in, cfg)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestParseScanMarkingFromWedge(t *testing.T) {
	// A marking code typed by a wedge that lost the GS separators, with
	// the AIM ID the scanner was told to send.
	g := gtin14("0460123456789")
	crypto := strings.Repeat("Qw3+/", 8) + "XyZ="
	in := "]d201" + g + "215Ab<CdE!fgH'i91EE0692" + crypto
	got, err := ParseScan("", in, ScanConfig{})
	if err != nil || got.Kind != KindMarking {
		t.Fatalf("%v %v", got.Kind, err)
	}
	want := "01" + g + "215Ab<CdE!fgH'i\x1d91EE06\x1d92" + crypto
	if got.Marking.Code != want || got.Item.GTIN != g[1:] {
		t.Fatalf("code %q item %q", got.Marking.Code, got.Item.GTIN)
	}
}
