package emu

import (
	"testing"

	"github.com/tillpos/till/device/shtrih/proto"
)

// corrV2 is an FF4Ah body: type, operation, total, five payments, six
// taxes, tax system.
func corrV2(pwd uint32, typ, op byte, total int64, pays [5]int64, taxSystem byte) []byte {
	b := append(pwdBody(proto.CmdFNCorrV2, pwd), typ, op)
	b = proto.PutUint(b, uint64(total), 5)
	for _, p := range pays {
		b = proto.PutUint(b, uint64(p), 5)
	}
	b = append(b, make([]byte, 30)...)
	return append(b, taxSystem)
}

// The correction receipt's rules, byte by byte, and the document it leaves.
func TestCorrectionReceipt(t *testing.T) {
	clock := newClock()
	cfg := fastCfg(clock)
	cfg.StartShiftOpen = true
	e := New(cfg)
	h := newHost(t, e)

	if c := h.code(corrV2(30, 0, 1, 100, [5]int64{100}, 1)); c != errFNState {
		t.Errorf("FF4Ah without FF35h: %02X, want 02", c)
	}
	if c := h.code(pwdBody(proto.CmdFNBeginCorr, 1)); c != errPassword {
		t.Errorf("FF35h by operator 1: %02X, want 4F", c)
	}
	h.ok(pwdBody(proto.CmdFNBeginCorr, 30))
	if d := h.ok(pwdBody(proto.CmdFNStatus, 30)); d[1] != 0x14 {
		t.Fatalf("current document %02X after FF35h, want 14", d[1])
	}
	if c := h.code(pwdBody(proto.CmdFNBeginCorr, 30)); c != errFNState {
		t.Errorf("second FF35h: %02X", c)
	}
	h.ok(writeTLV(30, tlv(1177, []byte("x")), tlv(1179, []byte("5"))))
	for name, c := range map[string]struct {
		body []byte
		want byte
	}{
		"return of income":  {corrV2(30, 0, 2, 100, [5]int64{100}, 1), errBadParams},
		"type 2":            {corrV2(30, 2, 1, 100, [5]int64{100}, 1), errBadParams},
		"two tax systems":   {corrV2(30, 0, 1, 100, [5]int64{100}, 3), errBadParams},
		"zero":              {corrV2(30, 0, 1, 0, [5]int64{}, 1), errZeroTotal},
		"payments short":    {corrV2(30, 0, 1, 100, [5]int64{50, 49}, 1), errPayments},
		"payments over":     {corrV2(30, 0, 1, 100, [5]int64{50, 51}, 1), errBadParams},
		"expense over cash": {corrV2(30, 0, 3, 100, [5]int64{100}, 1), errNoCash},
	} {
		if got := h.code(c.body); got != c.want {
			t.Errorf("%s: %02X, want %02X", name, got, c.want)
		}
	}
	d := h.ok(corrV2(30, 1, 1, 250, [5]int64{200, 50}, 1))
	if len(d) != 10 || d[0] != 1 || d[2] != 1 {
		t.Fatalf("FF4Ah reply % X", d)
	}
	found := h.ok(append(pwdBody(proto.CmdFNFindDoc, 30), 1, 0, 0, 0))
	if found[0] != DocCorrection || found[15] != 1 || found[16] != 250 {
		t.Errorf("FF0Ah % X", found)
	}
	doc := e.Documents()[0]
	if !doc.ByOrder || doc.Operation != 1 || doc.Amount != 250 || len(doc.Tags) != 2 || e.CashInDrawer() != 200 {
		t.Errorf("document %+v, cash %d", doc, e.CashInDrawer())
	}
	// FFD 1.0: FF36h, the total in cash; an expense takes it out.
	h.ok(pwdBody(proto.CmdFNBeginCorr, 30))
	h.ok(append(proto.PutUint(pwdBody(proto.CmdFNCorrection, 30), 150, 5), 3))
	if got := e.Documents()[1]; got.Type != DocCorrection || got.Operation != 3 || got.Amount != 150 || e.CashInDrawer() != 50 {
		t.Errorf("FF36h document %+v, cash %d", got, e.CashInDrawer())
	}
}
