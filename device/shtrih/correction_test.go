package shtrih

import (
	"bytes"
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// Golden frames of the correction receipt, computed from the layout that
// javapos_shtrih and the vendor's OPOS driver share (docs/shtrih.md).
func TestCorrectionGolden(t *testing.T) {
	if got, want := mustFrame(t, Simple(proto.CmdFNBeginCorr, 30), nil), hx(t, "02 06 FF 35 1E 00 00 00 D2"); !bytes.Equal(got, want) {
		t.Errorf("FF35h\n got % X\nwant % X", got, want)
	}
	if d, err := replyData(t, proto.CmdFNBeginCorr, "02 03 FF 35 00 C9"); err != nil || len(d) != 0 {
		t.Errorf("FF35h reply: % X %v", d, err)
	}
	body, err := CorrectionV2(30, CorrectionV2Req{Operation: CorrIncome, Total: 15000, Payments: [5]int64{15000}, TaxSystem: 1})
	if got, want := mustFrame(t, body, err), hx(t, "02 45 FF 4A 1E 00 00 00 00 01 98 3A 00 00 00 98 3A 00 00 00 00*50 01 EE"); !bytes.Equal(got, want) {
		t.Errorf("FF4Ah\n got % X\nwant % X", got, want)
	}
	body, err = CorrectionV1(30, 15000, CorrIncome)
	if got, want := mustFrame(t, body, err), hx(t, "02 0C FF 36 1E 00 00 00 98 3A 00 00 00 01 78"); !bytes.Equal(got, want) {
		t.Errorf("FF36h\n got % X\nwant % X", got, want)
	}
	d, err := replyData(t, proto.CmdFNCorrV2, "02 0D FF 4A 00 01 00 A6 01 00 00 2B 1C 3F 9A 8C")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := DecodeCorrection(d)
	if err != nil || rep != (CorrectionReply{Receipt: 1, FD: 422, Sign: 0x9A3F1C2B}) {
		t.Errorf("FF4Ah reply %+v %v", rep, err)
	}
	if _, err := DecodeCorrection(d[:9]); err == nil {
		t.Error("a short FF4Ah reply decoded")
	}
	if got, want := TLVUnixTime(nil, TagCorrectionDate, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)), hx(t, "9A 04 04 00 00 0E 0E 6B"); !bytes.Equal(got, want) {
		t.Errorf("tag 1178 % X, want % X", got, want)
	}
	for _, bad := range []CorrectionV2Req{
		{Operation: 2, Total: 1, Payments: [5]int64{1}, TaxSystem: 1}, // FFD 1.05: no "return of income"
		{Operation: CorrIncome, Total: 1, Payments: [5]int64{1}, TaxSystem: 3},
		{Operation: CorrIncome, Total: -1, TaxSystem: 1},
	} {
		if _, err := CorrectionV2(30, bad); err == nil {
			t.Errorf("%+v encoded", bad)
		}
	}
}
