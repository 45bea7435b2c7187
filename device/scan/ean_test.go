package scan

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseItemCode(t *testing.T) {
	tests := []struct {
		sym, in string
		want    ItemCode
		err     error
	}{
		{"", "4006381333931", ItemCode{GTIN: "4006381333931", From: "ean13"}, nil},
		{"]E0", "4600000000008", ItemCode{GTIN: "4600000000008", From: "ean13"}, nil}, // hypothetical GTIN, valid check digit
		{"", "036000291452", ItemCode{GTIN: "0036000291452", From: "upca"}, nil},
		{"]E0", "0036000291452", ItemCode{GTIN: "0036000291452", From: "upca"}, nil},
		{"]E4", "96385074", ItemCode{GTIN: "96385074", From: "ean8"}, nil},
		{"", "04252614", ItemCode{GTIN: "0042100005264", From: "upce"}, nil},
		{"]E0", "04252614", ItemCode{GTIN: "0042100005264", From: "upce"}, nil},
		{"", "00036000291452", ItemCode{GTIN: "0036000291452", From: "gtin14"}, nil},
		{"", "14006381333938", ItemCode{GTIN: "14006381333938", From: "gtin14"}, nil},
		{"", "4006381333932", ItemCode{}, ErrCheckDigit},
		{"", "036000291453", ItemCode{}, ErrCheckDigit},
		{"", "96385075", ItemCode{}, ErrCheckDigit},
		{"", "12345", ItemCode{}, ErrNotItemCode},
		{"", "40063813339x1", ItemCode{}, ErrNotItemCode},
	}
	for _, tt := range tests {
		got, err := ParseItemCode(tt.sym, tt.in)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s %q: err %v, want %v", tt.sym, tt.in, err, tt.err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%q: (-want +got)\n%s", tt.in, diff)
		}
	}
}

func TestExpandUPCE(t *testing.T) {
	// One case per rule of the last digit. Expansions per the GS1 table;
	// check digits computed on the expansion.
	tests := []struct{ in, want string }{
		{"01234505", "012000003455"}, // d6 = 0..2: X1 X2 d6 0000 X3 X4 X5
		{"01234531", "012300000451"}, // d6 = 3
		{"01234543", "012340000053"}, // d6 = 4
		{"01234558", "012345000058"}, // d6 = 5..9
		{"04252614", "042100005264"},
	}
	for _, tt := range tests {
		got, err := ExpandUPCE(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ExpandUPCE(%s) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
		if !ValidCheckDigit(got) {
			t.Errorf("expansion %s has a bad check digit", got)
		}
	}
	for _, bad := range []string{"21234505", "0123450", "01234506", "0123450x"} {
		if _, err := ExpandUPCE(bad); err == nil {
			t.Errorf("ExpandUPCE(%s) accepted", bad)
		}
	}
}

// Property: the GS1 check digit catches every single-digit substitution, at
// every position, for EAN-13, EAN-8, UPC-A and GTIN-14.
func TestCheckDigitCatchesEverySubstitution(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{8, 12, 13, 14} {
		for trial := 0; trial < 300; trial++ {
			body := make([]byte, n-1)
			for i := range body {
				body[i] = byte('0' + rng.IntN(10))
			}
			c, _ := CheckDigit(string(body))
			code := string(body) + string(c)
			if !ValidCheckDigit(code) {
				t.Fatalf("fresh code %s invalid", code)
			}
			b := []byte(code)
			for pos := range b {
				orig := b[pos]
				for d := byte('0'); d <= '9'; d++ {
					if d == orig {
						continue
					}
					b[pos] = d
					if ValidCheckDigit(string(b)) {
						t.Fatalf("substitution %s -> %s at %d not caught", code, b, pos)
					}
				}
				b[pos] = orig
			}
		}
	}
}

func TestParseLabel(t *testing.T) {
	layouts := DefaultLabelLayouts()
	layouts["25"] = LabelLayout{Prefix: "25", ItemDigits: 4, Value: LabelPrice}
	layouts["26"] = LabelLayout{Prefix: "26", ItemDigits: 5, Value: LabelPrice, PriceCheck: true}
	withCheck := func(body string) string { c, _ := CheckDigit(body); return body + string(c) }
	tests := []struct {
		in   string
		want Label
		err  error
	}{
		{withCheck("220012301250"), Label{Prefix: "22", ItemCode: "00123", Kind: LabelWeight, Value: 1250}, nil},
		{withCheck("200000100005"), Label{Prefix: "20", ItemCode: "00001", Kind: LabelWeight, Value: 5}, nil},
		{withCheck("250042012345"), Label{Prefix: "25", ItemCode: "0042", Kind: LabelPrice, Value: 12345}, nil},
		{withCheck("260004271999"), Label{Prefix: "26", ItemCode: "00042", Kind: LabelPrice, Value: 1999}, nil},
		{withCheck("290000100005"), Label{}, ErrNoLabelLayout},
		{"2200123012501", Label{}, ErrCheckDigit},
		{withCheck("460000000000"), Label{}, ErrNotItemCode},
	}
	for _, tt := range tests {
		got, err := ParseLabel(tt.in, layouts)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s: err %v, want %v", tt.in, err, tt.err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: (-want +got)\n%s", tt.in, diff)
		}
	}
	// The cashier's message names the prefix.
	_, err := ParseLabel(withCheck("290000100005"), layouts)
	if e := AsError(err); e.Key != "input.label.no_layout" || e.Args["Prefix"] != "29" {
		t.Errorf("error %+v", e)
	}
}
