package shtrih

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/proto"
)

// hx parses "02 05 10 00*35": hex bytes, with "XX*N" for N repeats.
func hx(t testing.TB, s string) []byte {
	t.Helper()
	var out []byte
	for _, tok := range strings.Fields(s) {
		rep := 1
		if i := strings.IndexByte(tok, '*'); i >= 0 {
			n, err := strconv.Atoi(tok[i+1:])
			if err != nil {
				t.Fatalf("bad token %q", tok)
			}
			rep, tok = n, tok[:i]
		}
		b, err := hex.DecodeString(tok)
		if err != nil || len(b) != 1 {
			t.Fatalf("bad token %q", tok)
		}
		out = append(out, bytes.Repeat(b, rep)...)
	}
	return out
}

func mustFrame(t testing.TB, body []byte, err error) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	f, err := proto.AppendFrame(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// replyData decodes a reply frame for cmd down to its data.
func replyData(t testing.TB, cmd proto.Command, frame string) ([]byte, error) {
	t.Helper()
	body, err := proto.DecodeFrame(hx(t, frame))
	if err != nil {
		t.Fatalf("DecodeFrame: %v", err)
	}
	return Reply(cmd, body)
}

// Requests: every golden frame of fiscal-shtrih-m.md §7 (numbered) and
// computed frames (C) for the commands §7 lacks, checked by a separate
// script that builds them from the §3 layouts.
func TestRequestGolden(t *testing.T) {
	op := func(body []byte, err error) func() ([]byte, error) {
		return func() ([]byte, error) { return body, err }
	}
	ok := func(body []byte) func() ([]byte, error) { return op(body, nil) }
	tlv1203, err := TLVINN(nil, TagCashierINN, "7766888321")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		enc   func() ([]byte, error)
		frame string
	}{
		{"§7.1 10h pwd 30", ok(Simple(proto.CmdShortStatus, 30)), "02 05 10 1E 00 00 00 0B"},
		{"§7.3 10h pwd 1", ok(Simple(proto.CmdShortStatus, 1)), "02 05 10 01 00 00 00 14"},
		{"§7.4 13h beep", ok(Simple(proto.CmdBeep, 30)), "02 05 13 1E 00 00 00 08"},
		{"§7.5 17h Итого", ok(PrintLine(30, PrintReceipt, "Итого")), "02 2E 17 1E 00 00 00 02 C8 F2 EE E3 EE 00*35 FC"},
		{"§7.6 25h full cut", ok(Cut(30, false)), "02 06 25 1E 00 00 00 00 3D"},
		{"§7.6 28h drawer 0", ok(OpenDrawerCmd(30, 0)), "02 06 28 1E 00 00 00 00 30"},
		{"§7.7 B0h", ok(Simple(proto.CmdContinuePrint, 30)), "02 05 B0 1E 00 00 00 AB"},
		{"§7.8 50h cash in 100.00 pwd 1", op(CashMove(proto.CmdCashIn, 1, 10000)), "02 0A 50 01 00 00 00 10 27 00 00 00 6C"},
		{"§7.9 E0h", ok(Simple(proto.CmdOpenShift, 30)), "02 05 E0 1E 00 00 00 FB"},
		{"§7.10 8Dh sale", ok(OpenReceipt(30, ReceiptSale)), "02 06 8D 1E 00 00 00 00 95"},
		{
			"§7.11 FF46h Комплексный обед", op(OperationV2(30, Operation{
				Type: OpSale, QtyMicro: 1_000_000, Price: 10000, Amount: 10000, TaxAmount: NotGiven,
				Tax: TaxBitNone, Name: "Комплексный обед",
			})),
			"02 30 FF 46 1E 00 00 00 01 40 42 0F 00 00 00 10 27 00 00 00 10 27 00 00 00 FF FF FF FF FF 08 00 00 00 CA EE EC EF EB E5 EA F1 ED FB E9 20 EE E1 E5 E4 8F",
		},
		{"§7.12 FF0Ch 1203", op(WriteTLV(30, tlv1203)), "02 16 FF 0C 1E 00 00 00 B3 04 0C 00 37 37 36 36 38 38 38 33 32 31 20 20 48"},
		{
			"§7.13 FF0Ch 1021 cp866", op(WriteTLV(30, TLVString(nil, TagCashier, "Иванов И.И.", CashierNameMax))),
			"02 15 FF 0C 1E 00 00 00 FD 03 0B 00 88 A2 A0 AD AE A2 20 88 2E 88 2E 06",
		},
		{
			"§7.14 FF45h cash 150.00", op(CloseV2(30, Close{Payments: [16]int64{15000}, TaxSystem: 1})),
			"02 76 FF 45 1E 00 00 00 98 3A 00 00 00 00*106 01 71",
		},
		{"§7.16 88h", ok(Simple(proto.CmdCancelReceipt, 30)), "02 05 88 1E 00 00 00 93"},
		{"§7.17 FF01h", ok(Simple(proto.CmdFNStatus, 30)), "02 06 FF 01 1E 00 00 00 E6"},
		{"§7.18 FF0Ah FD 163", ok(FindDocumentCmd(30, 163)), "02 0A FF 0A 1E 00 00 00 A3 00 00 00 42"},
		{"§7.19 FF40h", ok(Simple(proto.CmdFNShiftParams, 30)), "02 06 FF 40 1E 00 00 00 A7"},
		{"§7.20 41h Z", ok(Simple(proto.CmdZReport, 30)), "02 05 41 1E 00 00 00 5A"},
		{"C 11h", ok(Simple(proto.CmdFullStatus, 30)), "02 05 11 1E 00 00 00 0A"},
		{"C 40h X", ok(Simple(proto.CmdXReport, 30)), "02 05 40 1E 00 00 00 5B"},
		{"C 51h cash out 50.00", op(CashMove(proto.CmdCashOut, 30, 5000)), "02 0A 51 1E 00 00 00 88 13 00 00 00 DE"},
		{"C FF41h", ok(Simple(proto.CmdFNBeginOpen, 30)), "02 06 FF 41 1E 00 00 00 A6"},
		{"C FF42h", ok(Simple(proto.CmdFNBeginClose, 30)), "02 06 FF 42 1E 00 00 00 A5"},
		{"C FF43h", ok(Simple(proto.CmdFNCloseShift, 30)), "02 06 FF 43 1E 00 00 00 A4"},
		{"C FF08h", ok(Simple(proto.CmdFNCancelDoc, 30)), "02 06 FF 08 1E 00 00 00 EF"},
		{"C FF0Bh", ok(Simple(proto.CmdFNOpenShift, 30)), "02 06 FF 0B 1E 00 00 00 EC"},
		{"C 6Bh code 6B, no password", ok(ErrorTextCmd(0x6B)), "02 02 6B 6B 02"},
		{"C FCh", ok(DeviceTypeCmd()), "02 01 FC FD"},
		{
			"C 1Eh table 2 row 30 name", ok(WriteTableString(30, 2, 30, 2, "Иванов", 21)),
			"02 1E 1E 1E 00 00 00 02 1E 00 02 C8 E2 E0 ED EE E2 00*15 2B",
		},
		{
			"C 80h 1.500 × 99.90 dept 1 group 1", op(ClassicSale(proto.CmdSale, 30, 1500, 9990, 1, [4]byte{1}, "Хлеб")),
			"02 3C 80 1E 00 00 00 DC 05 00 00 00 06 27 00 00 00 01 01 00 00 00 D5 EB E5 E1 00*36 60",
		},
		{
			"C 82h return 2.000 × 150.50 group 4, pwd 1", op(ClassicSale(proto.CmdSaleReturn, 1, 2000, 15050, 0, [4]byte{4}, "Возврат")),
			"02 3C 82 01 00 00 00 D0 07 00 00 00 CA 3A 00 00 00 00 04 00 00 00 C2 EE E7 E2 F0 E0 F2 00*33 57",
		},
		{
			// LRC by hand: 5A (the frame with "A?") ^ 3F ^ 65 ^ 00 ^ 27 = 27.
			"C 17h both tapes, é has no cp1251 byte: e'", ok(PrintLine(30, PrintReceipt|PrintJournal, "Aé")),
			"02 2E 17 1E 00 00 00 03 41 65 27 00*37 27",
		},
		{
			"C 85h cash 200.00", op(ClassicClose(30, [4]int64{20000}, 0, [4]byte{}, "")),
			"02 47 85 1E 00 00 00 20 4E 00 00 00 00*15 00 00 00 00 00 00 00*40 B2",
		},
		// LRC 05 ^ 89 ^ 1E = 92.
		{"C 89h subtotal", ok(Simple(proto.CmdSubtotal, 30)), "02 05 89 1E 00 00 00 92"},
		// LRC 09 ^ 1F ^ 1E ^ 02 ^ 1E ^ 02 = 16.
		{"C 1Fh read table 2 row 30 field 2", ok(ReadTableCmd(30, 2, 30, 2)), "02 09 1F 1E 00 00 00 02 1E 00 02 16"},
		// LRC 06 ^ 2D ^ 1E ^ 02 = 37; 07 ^ 2E ^ 1E ^ 02 ^ 02 = 37.
		{"C 2Dh table 2 structure", ok(TableInfoCmd(30, 2)), "02 06 2D 1E 00 00 00 02 37"},
		{"C 2Eh table 2 field 2 structure", ok(FieldInfoCmd(30, 2, 2)), "02 07 2E 1E 00 00 00 02 02 37"},
		{"C 26h font 1", ok(FontInfoCmd(30, 1)), "02 06 26 1E 00 00 00 01 3F"},
		{"C C2h EAN-13 460123456789", op(BarcodeCmd(30, 460123456789)), "02 0A C2 1E 00 00 00 15 C5 7E 21 6B 32"},
		// LRC 05 ^ 8C ^ 1E = 97.
		{"C 8Ch repeat document", ok(Simple(proto.CmdRepeatDoc, 30)), "02 05 8C 1E 00 00 00 97"},
		// LRC 07 ^ 29 ^ 1E ^ 02 ^ 03 = 31.
		{"C 29h feed 3 lines, receipt", ok(FeedCmd(30, PrintReceipt, 3)), "02 07 29 1E 00 00 00 02 03 31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := tc.enc()
			got := mustFrame(t, body, err)
			if diff := cmp.Diff(hx(t, tc.frame), got); diff != "" {
				t.Errorf("frame (-want +got):\n%s\n got % X", diff, got)
			}
		})
	}
}

func TestReplyGolden(t *testing.T) {
	local := func(y, mo, d, h, mi int) time.Time {
		return time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.Local)
	}
	for _, tc := range []struct {
		name  string
		cmd   proto.Command
		frame string
		dec   func([]byte) (any, error)
		want  any
	}{
		{
			"§7.2 10h mode 2", proto.CmdShortStatus, "02 10 10 00 1E 92 02 02 00 00 9F E5 18 01 00 92 08 00 75",
			func(d []byte) (any, error) { return DecodeShortStatus(d) },
			ShortStatus{Operator: 0x1E, Flags: 0x0292, Mode: 2, Battery: 0x9F, Voltage: 0xE5, FMError: 0x18, EJError: 0x01},
		},
		{
			"§7.3 10h mode 8, 17 bytes", proto.CmdShortStatus, "02 11 10 00 01 90 00 08 00 00 00 00 00 00 00 FF FF FF 00 67",
			func(d []byte) (any, error) { return DecodeShortStatus(d) },
			ShortStatus{Operator: 1, Flags: 0x0090, Mode: 8, HasLastPrint: true},
		},
		{"§7.4 13h", proto.CmdBeep, "02 03 13 00 1E 0E", opDec, byte(0x1E)},
		{"§7.7 B0h", proto.CmdContinuePrint, "02 03 B0 00 1E AD", opDec, byte(0x1E)},
		{
			"§7.8 50h doc 16", proto.CmdCashIn, "02 05 50 00 01 10 00 44",
			func(d []byte) (any, error) { return DecodeCashMove(d) },
			CashMoveReply{Operator: 1, Doc: 16},
		},
		{"§7.9 E0h", proto.CmdOpenShift, "02 03 E0 00 1E FD", opDec, byte(0x1E)},
		{"§7.10 8Dh", proto.CmdOpenReceipt, "02 03 8D 00 1E 90", opDec, byte(0x1E)},
		{"§7.11 FF46h ok", proto.CmdOperationV2, "02 03 FF 46 00 BA", rawDec, []byte{}},
		{"§7.12 FF0Ch ok", proto.CmdFNWriteTLV, "02 03 FF 0C 00 F0", rawDec, []byte{}},
		{
			"§7.15 FF45h FD 421", proto.CmdCloseV2, "02 10 FF 45 00 00 00 00 00 00 A5 01 00 00 2B 1C 3F 9A 9C",
			func(d []byte) (any, error) { return DecodeCloseV2(d) },
			CloseReply{FD: 421, Sign: 0x9A3F1C2B},
		},
		{"§7.16 88h", proto.CmdCancelReceipt, "02 03 88 00 1E 95", opDec, byte(0x1E)},
		{
			"§7.17 FF01h", proto.CmdFNStatus, "02 21 FF 01 00 03 00 00 01 00 15 07 1D 0B 1D 39 32 38 37 34 34 30 33 30 31 31 32 30 39 39 31 A9 01 00 00 68",
			func(d []byte) (any, error) { return DecodeFNStatus(d) },
			FNStatus{Phase: 3, ShiftOpen: true, Time: local(2021, 7, 29, 11, 29), Serial: "9287440301120991", LastFD: 425},
		},
		{
			"§7.18 FF0Ah receipt", proto.CmdFNFindDoc, "02 18 FF 0A 00 03 00 11 03 18 14 35 A3 00 00 00 EB EA 4B 2E 01 20 4E 00 00 00 6D",
			func(d []byte) (any, error) { return DecodeFindDocument(d) },
			FoundDocument{Type: 3, Time: local(2017, 3, 24, 20, 53), FD: 163, Sign: 0x2E4BEAEB, Operation: OpSale, Amount: 20000},
		},
		{
			"§7.19 FF40h", proto.CmdFNShiftParams, "02 08 FF 40 00 01 34 01 05 00 86",
			func(d []byte) (any, error) { return DecodeShiftParams(d) },
			ShiftParams{Open: true, Shift: 308, Receipt: 5},
		},
		{
			"C 51h doc 17", proto.CmdCashOut, "02 05 51 00 1E 11 00 5B",
			func(d []byte) (any, error) { return DecodeCashMove(d) },
			CashMoveReply{Operator: 30, Doc: 17},
		},
		// The replies §7 lacks that carry only the operator (LRC 03 ^ CMD ^ 1E)
		// or nothing (LRC 03 ^ FF ^ CMD), from the §3 reply column.
		{"C 17h", proto.CmdPrintLine, "02 03 17 00 1E 0A", opDec, byte(0x1E)},
		{"C 1Eh", proto.CmdWriteTable, "02 03 1E 00 1E 03", opDec, byte(0x1E)},
		{"C 25h", proto.CmdCut, "02 03 25 00 1E 38", opDec, byte(0x1E)},
		{"C 28h", proto.CmdOpenDrawer, "02 03 28 00 1E 35", opDec, byte(0x1E)},
		{"C 40h", proto.CmdXReport, "02 03 40 00 1E 5D", opDec, byte(0x1E)},
		{"C 41h", proto.CmdZReport, "02 03 41 00 1E 5C", opDec, byte(0x1E)},
		{"C 80h", proto.CmdSale, "02 03 80 00 1E 9D", opDec, byte(0x1E)},
		{"C 82h", proto.CmdSaleReturn, "02 03 82 00 1E 9F", opDec, byte(0x1E)},
		{"C FF08h", proto.CmdFNCancelDoc, "02 03 FF 08 00 F4", rawDec, []byte{}},
		{"C FF41h", proto.CmdFNBeginOpen, "02 03 FF 41 00 BD", rawDec, []byte{}},
		{"C FF42h", proto.CmdFNBeginClose, "02 03 FF 42 00 BE", rawDec, []byte{}},
		{
			"C 89h 12345.67", proto.CmdSubtotal, "02 08 89 00 1E 87 D6 12 00 00 DC",
			func(d []byte) (any, error) { return DecodeSubtotal(d) },
			SubtotalReply{Operator: 30, Subtotal: 1234567},
		},
		{
			"C FF43h", proto.CmdFNCloseShift, "02 0D FF 43 00 35 01 AE 01 00 00 04 03 02 01 2E",
			func(d []byte) (any, error) { return DecodeShiftDoc(d) },
			ShiftDoc{Shift: 309, FD: 430, Sign: 0x01020304},
		},
		{
			"C FF0Bh", proto.CmdFNOpenShift, "02 0D FF 0B 00 35 01 AF 01 00 00 AA BB CC DD 63",
			func(d []byte) (any, error) { return DecodeShiftDoc(d) },
			ShiftDoc{Shift: 309, FD: 431, Sign: 0xDDCCBBAA},
		},
		{
			"C FF45h extended", proto.CmdCloseV2, "02 15 FF 45 00 94 11 00 00 00 A6 01 00 00 01 02 03 04 19 0B 19 0D 05 8A",
			func(d []byte) (any, error) { return DecodeCloseV2(d) },
			CloseReply{Change: 4500, FD: 422, Sign: 0x04030201, Time: local(2025, 11, 25, 13, 5), HasTime: true},
		},
		{
			"C 6Bh text", proto.CmdErrorText, "02 0C 6B 00 CD E5 F2 20 E1 F3 EC E0 E3 E8 88",
			func(d []byte) (any, error) { return DecodeErrorText(d), nil }, "Нет бумаги",
		},
		{
			"C FCh", proto.CmdDeviceType, "02 13 FC 00 00 00 01 00 13 00 D8 D2 D0 C8 D5 2D CC 2D 30 31 D4 23",
			func(d []byte) (any, error) { return DecodeDeviceType(d) },
			DeviceType{Protocol: 1, Model: 0x13, Name: "ШТРИХ-М-01Ф"},
		},
		{
			"C 85h change 50.15", proto.CmdCloseReceipt, "02 08 85 00 1E 97 13 00 00 00 17",
			func(d []byte) (any, error) { return DecodeClassicClose(d) },
			ClassicCloseReply{Operator: 30, Change: 5015},
		},
		{
			"C 11h", proto.CmdFullStatus, "02 30 11 00 1E 43 31 39 0C 18 06 15 01 10 00 92 02 02 00 01 4E 41 00 00 01 01 10 19 0B 1A 0D 05 09 0F 4E 61 BC 00 33 01 FF 07 01 03 81 4F F1 CE 01 00 43",
			func(d []byte) (any, error) { return DecodeFullStatus(d) },
			FullStatus{
				Operator: 30, FirmwareVer: "C1", FirmwareBuild: 3129, FirmwareDate: Date{24, 6, 21}, Hall: 1,
				DocNumber: 16, Flags: 0x0292, Mode: 2, Port: 1, FMVer: "NA", FMDate: Date{1, 1, 16},
				Date: Date{25, 11, 26}, Hour: 13, Min: 5, Sec: 9, FMFlags: 0x0F, Serial: 0x00BC614E,
				LastShift: 307, FreeFM: 2047, Refiscal: 1, RefiscalLeft: 3, INN: 7766888321,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := replyData(t, tc.cmd, tc.frame)
			if err != nil {
				t.Fatalf("Reply: %v", err)
			}
			got, err := tc.dec(d)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func opDec(d []byte) (any, error)  { return Operator(d) }
func rawDec(d []byte) (any, error) { return append([]byte{}, d...), nil }

func TestReplyErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cmd   proto.Command
		frame string
		code  byte
		is    error
		proto bool
	}{
		{"§7.20 FF0Ch 33h", proto.CmdFNWriteTLV, "02 03 FF 0C 33 C3", 0x33, nil, false},
		{"paper out on FF46h", proto.CmdOperationV2, "02 03 FF 46 6B D1", 0x6B, device.ErrPaperOut, false},
		{"shift over 24h 4Eh", proto.CmdOpenReceipt, "02 02 8D 4E C1", 0x4E, device.ErrShiftOver24h, false},
		{"FN shift over 24h 16h", proto.CmdCloseV2, "02 03 FF 45 16 AF", 0x16, device.ErrShiftOver24h, false},
		{"shift closed 3Dh", proto.CmdOpenReceipt, "02 02 8D 3D B2", 0x3D, device.ErrShiftClosed, false},
		{"busy 50h", proto.CmdPrintLine, "02 02 17 50 45", 0x50, device.ErrBusy, false},
		{"unsupported 37h", proto.CmdCloseV2, "02 03 FF 45 37 8E", 0x37, ErrUnsupported, false},
		{"JP short FF ERR", proto.CmdCloseV2, "02 02 FF 37 CA", 0x37, ErrUnsupported, false},
		{"wrong echo", proto.CmdOpenReceipt, "02 03 88 00 1E 95", 0, nil, true},
		{"no ERR byte", proto.CmdOpenReceipt, "02 01 8D 8C", 0, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := replyData(t, tc.cmd, tc.frame)
			if tc.proto {
				if !errors.Is(err, ErrProtocol) {
					t.Fatalf("err = %v, want ErrProtocol", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Cmd != tc.cmd {
				t.Fatalf("err = %v, want *Error{%v, %02X}", err, tc.cmd, tc.code)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
		})
	}
}

func TestTextEncoding(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		width    int
		pad      bool
		want     string
	}{
		{"cyrillic", "Хлеб", 0, false, "D5 EB E5 E1"},
		{"cut to width", "Молоко 3,2% 1л", 6, false, "CC EE EB EE EA EE"},
		{"padded", "A", 3, true, "41 00 00"},
		{"unencodable visible", "Tü 日€", 0, false, "54 3F 20 3F 88"},
		{
			"Italian accents as apostrophes", "Caffè, perché PERCHÉ ì ò ù à", 0, false,
			"43 61 66 66 65 27 2C 20 70 65 72 63 68 65 27 20 50 45 52 43 48 45 27 20 69 27 20 6F 27 20 75 27 20 61 27",
		},
		{"accent at the cut keeps its letter", "Caffè", 5, true, "43 61 66 66 65"},
		{"accent before the cut", "Caffè", 7, true, "43 61 66 66 65 27 00"},
		{"decomposed accent is not a letter", "e\u0300", 0, false, "65 3F"},
		{"emoji visible", "a🙂b", 0, false, "61 3F 62"},
		{"NUL and newline visible", "a\x00b\nc", 0, false, "61 3F 62 3F 63"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := appendText(nil, cp1251, tc.in, tc.width, tc.pad)
			if diff := cmp.Diff(hx(t, tc.want), got); diff != "" {
				t.Errorf("cp1251 (-want +got):\n%s", diff)
			}
		})
	}
	// cp866 for TLV: the same name differs from cp1251.
	if got := TLVString(nil, TagCashier, "Ёж", 0); !bytes.Equal(got, hx(t, "FD 03 02 00 F0 A6")) {
		t.Errorf("TLV cp866 = % X", got)
	}
	// An Italian cashier in cp866: the accent the same way.
	if got := TLVString(nil, TagCashier, "Niccolò", 0); !bytes.Equal(got, hx(t, "FD 03 08 00 4E 69 63 63 6F 6C 6F 27")) {
		t.Errorf("TLV cp866 Italian = % X", got)
	}
}

func TestINN(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"7766888321", "7766888321  ", true},
		{"776688832112", "776688832112", true},
		{"77668883", "", false},
		{"77668883211", "", false},
		{"77668883a1", "", false},
	} {
		got, err := innField(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("innField(%q) = %q, %v", tc.in, got, err)
		}
		if !tc.ok && !errors.Is(err, ErrBadINN) {
			t.Errorf("innField(%q) err %v is not ErrBadINN", tc.in, err)
		}
	}
}

func TestEncoderRanges(t *testing.T) {
	if _, err := CashMove(proto.CmdCashIn, 30, -1); !errors.Is(err, ErrRange) {
		t.Errorf("negative cash: %v", err)
	}
	if _, err := CashMove(proto.CmdCashIn, 30, 1<<40); !errors.Is(err, ErrRange) {
		t.Errorf("cash over 5 bytes: %v", err)
	}
	if _, err := CloseV2(30, Close{TaxSystem: 3}); !errors.Is(err, ErrRange) {
		t.Errorf("two tax system bits: %v", err)
	}
	if _, err := OperationV2(30, Operation{QtyMicro: 1 << 48}); !errors.Is(err, ErrRange) {
		t.Errorf("quantity over 6 bytes: %v", err)
	}
	long := strings.Repeat("я", 300)
	b, err := OperationV2(30, Operation{Name: long, Amount: NotGiven, TaxAmount: NotGiven})
	if err != nil || len(b) != 2+4+1+6+15+4+128 {
		t.Errorf("long name: len %d, %v; want cut to 128", len(b), err)
	}
	if _, err := WriteTLV(30, make([]byte, 251)); !errors.Is(err, ErrRange) {
		t.Errorf("TLV over 250: %v", err)
	}
}

// The 2Eh reply of a 21-byte name field, computed from the layout (name 40
// cp1251, type 1 = string, size; no range for a string).
func TestFieldInfoGolden(t *testing.T) {
	d, err := replyData(t, proto.CmdFieldInfo, "02 2C 2E 00 C8 EC FF 20 EE EF E5 F0 E0 F2 EE F0 E0 00*27 01 15 15")
	if err != nil {
		t.Fatal(err)
	}
	f, err := DecodeFieldInfo(d)
	if err != nil || f != (FieldInfo{Name: "Имя оператора", Text: true, Size: 21}) {
		t.Errorf("%+v %v", f, err)
	}
}

// The 26h reply, computed from the layout: 432 dots, cell 12 × 24, 7 fonts.
func TestFontInfoGolden(t *testing.T) {
	d, err := replyData(t, proto.CmdFontInfo, "02 07 26 00 B0 01 0C 18 07 83")
	if err != nil {
		t.Fatal(err)
	}
	f, err := DecodeFontInfo(d)
	if err != nil || f != (FontInfo{PrintWidth: 432, CharWidth: 12, CharHeight: 24, Fonts: 7, CharsPerLine: 36}) {
		t.Errorf("%+v %v", f, err)
	}
	if _, err := BarcodeCmd(30, MaxBarcode+1); err == nil {
		t.Error("a 13-digit barcode accepted")
	}
}
