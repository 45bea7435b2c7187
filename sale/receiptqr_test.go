package sale

import (
	"testing"
	"time"
)

func TestParseReceiptQR(t *testing.T) {
	loc := time.FixedZone("MSK", 3*3600)
	r, err := ParseReceiptQR("t=20260115T1530&s=1234.50&fn=9289000100408074&i=12345&fp=3855493218&n=1", loc)
	if err != nil {
		t.Fatal(err)
	}
	want := ReceiptQR{Time: time.Date(2026, 1, 15, 15, 30, 0, 0, loc), Total: 123450, FN: "9289000100408074", Number: 12345, Sign: 3855493218, Kind: 1}
	if r != want {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	r, err = ParseReceiptQR("t=20260115T153012&s=7.5&fn=1&i=7&fp=1&n=2", loc)
	if err != nil || r.Total != 750 || r.Time.Second() != 12 || r.Kind != 2 {
		t.Fatalf("%+v %v", r, err)
	}
	// A wedge scanner typing under the Russian layout.
	r, err = ParseReceiptQR("е=20260115Е1530?ы=1234ю50?ат=9289000100408074?ш=12345?аз=3855493218?т=1", loc)
	if err != nil || r != want {
		t.Fatalf("Russian layout: %+v %v", r, err)
	}
	for _, bad := range []string{"", "12345", "4600000000008", "i=x&fp=1", "i=1", "i=0&fp=1", "t=1&s=2", "https://example.com/?a=b"} {
		if _, err := ParseReceiptQR(bad, loc); err == nil {
			t.Errorf("%q read as a receipt QR", bad)
		}
	}
}

func TestParseMoneyText(t *testing.T) {
	for s, want := range map[string]int64{"1234.50": 123450, "1234,5": 123450, "1234": 123400, "0.01": 1, " 7 ": 700} {
		if got, err := ParseMoneyText(s); err != nil || got != want {
			t.Errorf("ParseMoneyText(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", ".5", "-1", "1.234", "1 234", "12a", "1125899906842625"} {
		if got, err := ParseMoneyText(s); err == nil {
			t.Errorf("ParseMoneyText(%q) = %d, want refused", s, got)
		}
	}
}
