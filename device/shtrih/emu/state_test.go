package emu

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/tillpos/till/device/shtrih/proto"
)

func tlv(tag uint16, val []byte) []byte {
	b := proto.PutUint(nil, uint64(tag), 2)
	b = proto.PutUint(b, uint64(len(val)), 2)
	return append(b, val...)
}

func writeTLV(pwd uint32, tlvs ...[]byte) []byte {
	b := pwdBody(proto.CmdFNWriteTLV, pwd)
	for _, t := range tlvs {
		b = append(b, t...)
	}
	return b
}

var (
	innTLV  = tlv(1203, []byte("7766888321  "))
	nameTLV = tlv(1021, []byte{0x88, 0xA2, 0xA0, 0xAD, 0xAE, 0xA2, 0x20, 0x88, 0x2E, 0x88, 0x2E}) // Иванов И.И. in cp866
)

// A whole shift: open with cashier INN (FF41h, FF0Ch, E0h), a sale with
// change, a return, cash out, Z — then the fiscal memory holds exactly the
// documents a tax inspector would find.
func TestShiftAndReceipts(t *testing.T) {
	clock := newClock()
	e := New(fastCfg(clock))
	h := newHost(t, e)

	d := h.ok(pwdBody(proto.CmdFNStatus, 30))
	if d[1] != fnNone || d[3] != 0 {
		t.Fatalf("fresh FF01h: % X", d)
	}
	h.ok(pwdBody(proto.CmdFNBeginOpen, 30))
	if d := h.ok(pwdBody(proto.CmdFNStatus, 30)); d[1] != fnShiftOpen {
		t.Fatalf("current doc %02X after FF41h, want 02", d[1])
	}
	h.ok(writeTLV(30, nameTLV, innTLV))
	h.ok(pwdBody(proto.CmdOpenShift, 30))

	// Operator 1's name comes from table 2, written with 1Eh.
	name := encode1251("Петрова А.")
	wt := append(pwdBody(proto.CmdWriteTable, 30), 2, 1, 0, 2)
	h.ok(append(wt, name...))
	clock.Add(time.Minute)
	open := append(pwdBody(proto.CmdOpenReceipt, 1), 0)
	h.ok(open)
	h.ok(append(saleLine(15050)[:2], append(proto.PutUint(nil, 1, 4), saleLine(15050)[6:]...)...))
	if d := h.ok(pwdBody(proto.CmdSubtotal, 1)); d[0] != 1 {
		t.Fatalf("89h op %d", d[0])
	} else if sub, _ := proto.Uint(d[1:], 5); sub != 15050 {
		t.Fatalf("subtotal %d, want 15050", sub)
	}
	r := h.ok(closeCash(20000))
	change, _ := proto.Uint(r, 5)
	fd, _ := proto.Uint(r[5:], 4)
	sign, _ := proto.Uint(r[9:], 4)
	if change != 4950 || fd != 2 {
		t.Fatalf("FF45h change %d FD %d, want 4950, 2", change, fd)
	}

	// Sale return of 50.00 in cash.
	h.ok(append(pwdBody(proto.CmdOpenReceipt, 30), 2))
	ret := saleLine(5000)
	ret[6] = OpSaleReturn
	h.ok(ret)
	h.ok(closeCash(5000))
	if got := e.CashInDrawer(); got != 15050-5000 {
		t.Fatalf("cash in drawer %d", got)
	}
	if c := h.code(append(pwdBody(proto.CmdCashOut, 30), proto.PutUint(nil, 999999, 5)...)); c != errNoCash {
		t.Fatalf("cash out over the drawer: %02X, want 46", c)
	}
	h.ok(append(pwdBody(proto.CmdCashOut, 30), proto.PutUint(nil, 50, 5)...))

	d = h.ok(append(pwdBody(proto.CmdFNFindDoc, 30), proto.PutUint(nil, 2, 4)...))
	if d[0] != DocReceipt || d[15] != OpSale {
		t.Fatalf("FF0Ah(2): % X", d)
	}
	if s, _ := proto.Uint(d[11:], 4); s != sign {
		t.Fatalf("FF0Ah sign %08X, FF45h said %08X", s, sign)
	}
	if amt, _ := proto.Uint(d[16:], 5); amt != 15050 {
		t.Fatalf("FF0Ah amount %d", amt)
	}
	d = h.ok(pwdBody(proto.CmdFNShiftParams, 30))
	if d[0] != 1 || d[1] != 1 || d[3] != 2 {
		t.Fatalf("FF40h % X, want open, shift 1, 2 receipts", d)
	}
	h.ok(pwdBody(proto.CmdFNBeginClose, 30))
	r = h.ok(pwdBody(proto.CmdFNCloseShift, 30))
	if len(r) != 10 {
		t.Fatalf("FF43h reply % X", r)
	}

	want := []Document{
		{Number: 1, Type: DocShiftOpen, Shift: 1, Operator: 30, Cashier: "Иванов И.И.", CashierINN: "7766888321  "},
		{
			Number: 2, Type: DocReceipt, Operation: OpSale, Amount: 15050, Shift: 1, Operator: 1, Cashier: "Петрова А.",
			Change: 4950, TaxSystem: 1,
		},
		{
			Number: 3, Type: DocReceipt, Operation: OpSaleReturn, Amount: 5000, Shift: 1, Operator: 30, Cashier: "СИС.АДМИНИСТРАТОР",
			TaxSystem: 1,
		},
		{Number: 4, Type: DocShiftClose, Shift: 1, Operator: 30, Cashier: "СИС.АДМИНИСТРАТОР"},
	}
	got := e.Documents()
	opts := cmp.Options{cmpopts.IgnoreFields(Document{}, "Sign", "Time", "Lines", "Payments", "Taxes"), cmpopts.EquateEmpty()}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Fatalf("fiscal memory (-want +got):\n%s", diff)
	}
	if got[1].Lines[0].Name != "Хлеб" || got[1].Lines[0].Amount != 15050 || got[1].Payments[0] != 20000 {
		t.Fatalf("receipt detail: %+v", got[1])
	}
	if !got[1].Time.Equal(clock.Now()) {
		t.Fatalf("receipt time %v, want the register clock %v", got[1].Time, clock.Now())
	}
	seen := map[uint32]bool{}
	for _, d := range got {
		if seen[d.Sign] {
			t.Fatalf("two documents with sign %08X", d.Sign)
		}
		seen[d.Sign] = true
	}
}

func TestCommandErrors(t *testing.T) {
	type step struct {
		req  []byte
		want byte
	}
	open := append(pwdBody(proto.CmdOpenReceipt, 30), 0)
	for _, tc := range []struct {
		name  string
		shift bool
		steps []step
	}{
		{"unknown command", false, []step{{[]byte{0x99, 0x1E, 0, 0, 0}, errUnsupported}, {[]byte{0xFF, 0x77, 0x1E, 0, 0, 0}, errUnsupported}}},
		{"wrong password", false, []step{{pwdBody(proto.CmdShortStatus, 31), errPassword}}},
		{"Z needs an administrator", true, []step{{pwdBody(proto.CmdZReport, 1), errPassword}}},
		{"short request", false, []step{{[]byte{0x10, 0x1E}, errBadParams}}},
		{"receipt with shift closed", false, []step{{open, errShiftClosed}}},
		{"shift open twice", true, []step{{pwdBody(proto.CmdOpenShift, 30), errShiftOpen}}},
		{"payments below total", true, []step{{saleLine(10000), 0}, {closeCash(9999), errPayments}}},
		{"zero total", true, []step{{saleLine(0), 0}, {closeCash(0), errZeroTotal}}},
		{"close without receipt", true, []step{{closeCash(100), errReceiptShut}}},
		{"cancel by another operator", true, []step{{open, 0}, {pwdBody(proto.CmdCancelReceipt, 1), errOtherOp}, {pwdBody(proto.CmdCancelReceipt, 30), 0}}},
		{"Z with receipt open", true, []step{{open, 0}, {pwdBody(proto.CmdZReport, 30), errReceiptOpen}}},
		{"TLV with no document", true, []step{{writeTLV(30, innTLV), errBadParams}}},
		{"INN of 10 chars", true, []step{{open, 0}, {writeTLV(30, tlv(1203, []byte("7766888321"))), errBadParams}}},
		{"other tag in shift open", false, []step{{pwdBody(proto.CmdFNBeginOpen, 30), 0}, {writeTLV(30, tlv(1008, []byte("a@b"))), errBadParams}}},
		{"TLV truncated", true, []step{{open, 0}, {writeTLV(30, innTLV[:6]), errBadParams}}},
		{"find unknown FD", false, []step{{append(pwdBody(proto.CmdFNFindDoc, 30), 9, 0, 0, 0), errFNNoData}}},
		{"FN cancel with nothing open", false, []step{{pwdBody(proto.CmdFNCancelDoc, 30), errFNState}}},
		{"FF46h amount off by 2 kop", true, []step{{func() []byte { b := saleLine(100); copy(b[18:23], proto.PutUint(nil, 102, 5)); return b }(), errBadParams}}},
		{"FF46h two tax bits", true, []step{{func() []byte { b := saleLine(100); b[28] = 0x03; return b }(), errBadParams}}},
		{"return line in a sale", true, []step{{open, 0}, {func() []byte { b := saleLine(100); b[6] = OpSaleReturn; return b }(), errWrongOp}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fastCfg(newClock())
			cfg.StartShiftOpen = tc.shift
			e := New(cfg)
			h := newHost(t, e)
			for i, s := range tc.steps {
				if got := h.code(s.req); got != s.want {
					t.Fatalf("step %d % X: error %02X, want %02X", i, s.req, got, s.want)
				}
			}
		})
	}
}

func TestFNCancelDocument(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.StartShiftOpen = true
	e := New(cfg)
	h := newHost(t, e)
	h.ok(saleLine(100))
	if d := h.ok(pwdBody(proto.CmdFNStatus, 30)); d[1] != fnReceipt || d[2] != 1 {
		t.Fatalf("FF01h with receipt open: % X", d)
	}
	h.ok(pwdBody(proto.CmdFNCancelDoc, 30))
	if m, _, _, fd := e.State(); m != 2 || fd != 0 {
		t.Fatalf("after FF08h mode %d FD %d", m, fd)
	}
}

func TestInfoCommands(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	if d := h.ok([]byte{0x6B, errShift24h}); decode1251(d) != errorTexts[errShift24h] {
		t.Fatalf("6Bh text %q", decode1251(d))
	}
	if d := h.ok([]byte{0xFC}); len(d) < 7 || decode1251(d[6:]) == "" {
		t.Fatalf("FCh % X", d)
	}
	d := h.ok(pwdBody(proto.CmdFullStatus, 30))
	if len(d)+2 != 48 {
		t.Fatalf("11h LEN %d, want 48", len(d)+2)
	}
	if inn, _ := proto.Uint(d[40:], 6); inn != defaultINN {
		t.Fatalf("11h INN %d", inn)
	}
	h.ok(pwdBody(proto.CmdBeep, 1))
}

func TestStatePersistsAcrossRestarts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "emu.json")
	cfg := fastCfg(newClock())
	cfg.StatePath = path
	e, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := newHost(t, e)
	openShift(e, h)
	h.ok(saleLine(777))
	h.p.Close()
	// The register loses power mid-receipt and comes back.
	e2, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHost(t, e2)
	if m, _, shift, fd := e2.State(); m != 8 || shift != 1 || fd != 1 {
		t.Fatalf("restored mode %d shift %d FD %d", m, shift, fd)
	}
	h2.ok(closeCash(777))
	if err := e2.Err(); err != nil {
		t.Fatal(err)
	}
	e3 := New(cfg)
	if diff := cmp.Diff(e2.Documents(), e3.Documents()); diff != "" {
		t.Fatalf("documents after restart (-want +got):\n%s", diff)
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(cfg); err == nil {
		t.Fatal("Open accepted a broken state file")
	}
	if New(cfg).Err() == nil {
		t.Fatal("New hid a broken state file")
	}
}

func TestSnapshotRestore(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.StartShiftOpen = true
	e := New(cfg)
	h := newHost(t, e)
	h.ok(saleLine(100))
	h.ok(closeCash(100))
	snap, err := e.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	e2 := New(fastCfg(newClock()))
	if err := e2.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e.Documents(), e2.Documents()); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	if err := e2.Restore([]byte(`{"Version":9}`)); err == nil {
		t.Fatal("Restore accepted an unknown version")
	}
}

func classicSale(cmd proto.Command, qtyMilli, price uint64, text string) []byte {
	b := pwdBody(cmd, 30)
	b = proto.PutUint(b, qtyMilli, 5)
	b = proto.PutUint(b, price, 5)
	b = append(b, 1, 4, 0, 0, 0) // dept 1, tax group 4
	t := make([]byte, 40)
	copy(t, encode1251(text))
	return append(b, t...)
}

func classicClose(cash uint64, discountBP int16) []byte {
	b := pwdBody(proto.CmdCloseReceipt, 30)
	b = proto.PutUint(b, cash, 5)
	b = append(b, make([]byte, 15)...)
	b = proto.PutUint(b, uint64(uint16(discountBP)), 2)
	return append(b, make([]byte, 4+40)...)
}

// Older firmware: FF45h/FF46h answer 37h and the classic 80h/82h/85h work.
func TestClassicReceipt(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.StartShiftOpen = true
	cfg.Classic = true
	e := New(cfg)
	h := newHost(t, e)
	if c := h.code(saleLine(100)); c != errUnsupported {
		t.Fatalf("FF46h on classic firmware: %02X, want 37", c)
	}
	h.ok(classicSale(proto.CmdSale, 1500, 3333, "Сыр")) // 1.5 × 33.33 = 49.995 -> 50.00
	h.ok(classicSale(proto.CmdSale, 1000, 5000, "Хлеб"))
	if c := h.code(classicSale(proto.CmdSaleReturn, 1000, 100, "x")); c != errWrongOp {
		t.Fatalf("82h in a sale: %02X, want 5E", c)
	}
	d := h.ok(classicClose(20000, 1000)) // 10 % off 100.00
	if len(d) != 6 {
		t.Fatalf("85h reply % X, want op + change", d)
	}
	if change, _ := proto.Uint(d[1:], 5); change != 20000-9000 {
		t.Fatalf("change %d, want %d", change, 20000-9000)
	}
	docs := e.Documents()
	got := docs[len(docs)-1]
	if got.Amount != 9000 || got.Operation != OpSale || len(got.Lines) != 2 || got.Lines[0].Amount != 5000 || got.Lines[0].TaxGroup != 4 {
		t.Fatalf("classic receipt %+v", got)
	}
}

func TestReplyLayoutOptions(t *testing.T) {
	clock := newClock()
	cfg := fastCfg(clock)
	cfg.StartShiftOpen = true
	cfg.ExtendedClose = true
	cfg.Status17 = true
	e := New(cfg)
	h := newHost(t, e)
	h.ok(saleLine(100))
	r := h.ok(closeCash(100))
	if len(r)+3 != 21 {
		t.Fatalf("extended FF45h LEN %d, want 21", len(r)+3)
	}
	if diff := cmp.Diff(dateTime(clock.Now()), r[13:]); diff != "" {
		t.Fatalf("FF45h DATE_TIME (-want +got):\n%s", diff)
	}
	e.Inject(Fault{Kind: PaperOut, AfterLines: 1})
	h.code(append(pwdBody(proto.CmdPrintLine, 30), 2, 'a', 'b'))
	h.code(append(pwdBody(proto.CmdPrintLine, 30), 2, 'c'))
	if d := h.ok(statusReq); len(d)+2 != 17 || d[14] != 1 {
		t.Fatalf("17-byte 10h % X: want last-print result 1 (paper break)", d)
	}
}
