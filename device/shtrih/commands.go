package shtrih

import (
	"bytes"
	"fmt"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
	"golang.org/x/text/encoding/charmap"
)

// This file is the command layer: typed requests to frame bodies (CMD+DATA)
// and reply data back to types, with the layouts of fiscal-shtrih-m.md §3.
// Encoders never touch the wire; decoders take the data after CMD and ERR
// and must survive any bytes (they are fuzzed).

var (
	cp1251 = charmap.Windows1251
	cp866  = charmap.CodePage866
)

// Field widths (§2, §3).
const (
	moneyWidth   = 5
	qtyV2Width   = 6
	textWidth    = 40  // 17h, 80h..8Eh
	nameV2Width  = 128 // FF46h
	closeV2Text  = 64  // FF45h
	maxTLVData   = 250 // FF0Ch
	fnSerialSize = 16
)

// DefaultPassword is the system administrator (table 2, row 30).
const DefaultPassword uint32 = 30

// NotGiven is the FF×5 "let the device compute" marker of FF46h amounts.
const NotGiven = ^uint64(0)

// ErrRange is returned by encoders for a value the field cannot hold.
var ErrRange = fmt.Errorf("shtrih: value out of the field's range")

func withPwd(cmd proto.Command, pwd uint32, extra int) []byte {
	b := make([]byte, 0, cmd.Len()+4+extra)
	b = cmd.Append(b)
	return proto.PutUint(b, uint64(pwd), 4)
}

// Simple encodes a command whose only data is the password: 10h, 11h, 13h,
// 40h, 41h, 88h, 89h, B0h, E0h, FF01h, FF08h, FF0Bh, FF40h..FF43h.
func Simple(cmd proto.Command, pwd uint32) []byte { return withPwd(cmd, pwd, 0) }

func putMoney(b []byte, v int64, what string) ([]byte, error) {
	if v < 0 || uint64(v) > proto.MaxUint(moneyWidth) {
		return b, fmt.Errorf("%w: %s %d", ErrRange, what, v)
	}
	return proto.PutUint(b, uint64(v), moneyWidth), nil
}

// PrintLine is 17h: one line of font 1 on the receipt (flags b1) and/or
// journal (b0), cut or padded to 40 characters.
func PrintLine(pwd uint32, flags byte, text string) []byte {
	b := withPwd(proto.CmdPrintLine, pwd, 1+textWidth)
	b = append(b, flags)
	return appendText(b, cp1251, text, textWidth, true)
}

// Print-line flags.
const (
	PrintJournal byte = 1 << 0
	PrintReceipt byte = 1 << 1
	PrintWrap    byte = 1 << 6
)

// WriteTableString is 1Eh with a string value, cut and padded to the
// field's size (21 on old models, 64 on newer; read it with 2Eh).
func WriteTableString(pwd uint32, table byte, row uint16, field byte, value string, width int) []byte {
	b := withPwd(proto.CmdWriteTable, pwd, 4+width)
	b = append(b, table)
	b = proto.PutUint(b, uint64(row), 2)
	b = append(b, field)
	return appendText(b, cp1251, value, width, true)
}

// ReadTableCmd is 1Fh: read one field of a register table (system
// administrator's password). The reply data is the field's bytes.
func ReadTableCmd(pwd uint32, table byte, row uint16, field byte) []byte {
	b := withPwd(proto.CmdReadTable, pwd, 4)
	b = append(b, table)
	b = proto.PutUint(b, uint64(row), 2)
	return append(b, field)
}

// DecodeTableString is a string field of a table (1Fh reply): cp1251, up
// to the first zero byte.
func DecodeTableString(d []byte) string {
	if i := bytes.IndexByte(d, 0); i >= 0 {
		d = d[:i]
	}
	return decodeText(cp1251, d)
}

// TableInfoCmd is 2Dh: a table's name, rows and fields (system
// administrator's password).
func TableInfoCmd(pwd uint32, table byte) []byte {
	return append(withPwd(proto.CmdTableInfo, pwd, 1), table)
}

// FieldInfoCmd is 2Eh: one field's name, type, size and range.
func FieldInfoCmd(pwd uint32, table, field byte) []byte {
	return append(withPwd(proto.CmdFieldInfo, pwd, 2), table, field)
}

// TableInfo is the 2Dh reply (no operator byte).
type TableInfo struct {
	Name   string
	Rows   uint16
	Fields byte
}

func DecodeTableInfo(d []byte) (TableInfo, error) {
	if len(d) < 43 {
		return TableInfo{}, short("2Dh", len(d), 43)
	}
	return TableInfo{Name: DecodeTableString(d[:40]), Rows: uint16(u(d, 40, 2)), Fields: d[42]}, nil
}

// FieldInfo is the 2Eh reply: name, type (0 binary, 1 string), size in
// bytes and, for binary fields, the range.
type FieldInfo struct {
	Name     string
	Text     bool
	Size     byte
	Min, Max uint64
}

func DecodeFieldInfo(d []byte) (FieldInfo, error) {
	if len(d) < 42 {
		return FieldInfo{}, short("2Eh", len(d), 42)
	}
	f := FieldInfo{Name: DecodeTableString(d[:40]), Text: d[40] == 1, Size: d[41]}
	if n := int(f.Size); !f.Text && n >= 1 && n <= 8 && len(d) >= 42+2*n {
		f.Min, f.Max = u(d, 42, n), u(d, 42+n, n)
	}
	return f, nil
}

// FontInfoCmd is 26h: the print width and a font's cell (system
// administrator's password), fonts numbered from 1.
func FontInfoCmd(pwd uint32, font byte) []byte {
	return append(withPwd(proto.CmdFontInfo, pwd, 1), font)
}

// FontInfo is the 26h reply (no operator byte).
type FontInfo struct {
	PrintWidth   uint16 // dots
	CharWidth    byte   // dots, spacing included
	CharHeight   byte   // dots, line spacing included
	Fonts        byte
	CharsPerLine int // PrintWidth / CharWidth
}

func DecodeFontInfo(d []byte) (FontInfo, error) {
	if len(d) < 5 {
		return FontInfo{}, short("26h", len(d), 5)
	}
	f := FontInfo{PrintWidth: uint16(u(d, 0, 2)), CharWidth: d[2], CharHeight: d[3], Fonts: d[4]}
	if f.CharWidth > 0 {
		f.CharsPerLine = int(f.PrintWidth) / int(f.CharWidth)
	}
	return f, nil
}

// MaxBarcode is the largest value C2h takes: 12 digits (the register adds
// the EAN-13 check digit).
const MaxBarcode = 999_999_999_999

// BarcodeCmd is C2h: print an EAN-13 barcode of 12 digits.
func BarcodeCmd(pwd uint32, code uint64) ([]byte, error) {
	if code > MaxBarcode {
		return nil, &ReceiptError{Why: fmt.Sprintf("barcode %d has more than 12 digits", code)}
	}
	return proto.PutUint(withPwd(proto.CmdBarcode, pwd, 5), code, 5), nil
}

// Cut is 25h.
func Cut(pwd uint32, partial bool) []byte {
	b := withPwd(proto.CmdCut, pwd, 1)
	if partial {
		return append(b, 1)
	}
	return append(b, 0)
}

// FeedCmd is 29h: feed lines (1..255) on the tapes flagged (PrintReceipt,
// PrintJournal).
func FeedCmd(pwd uint32, flags, lines byte) []byte {
	return append(withPwd(proto.CmdFeed, pwd, 2), flags, lines)
}

// OpenDrawerCmd is 28h for drawer 0 or 1.
func OpenDrawerCmd(pwd uint32, drawer byte) []byte {
	return append(withPwd(proto.CmdOpenDrawer, pwd, 1), drawer)
}

// CashMove is 50h (cash in) or 51h (cash out).
func CashMove(cmd proto.Command, pwd uint32, sum int64) ([]byte, error) {
	return putMoney(withPwd(cmd, pwd, moneyWidth), sum, "sum")
}

// Receipt types of 8Dh.
const (
	ReceiptSale           byte = 0
	ReceiptPurchase       byte = 1
	ReceiptSaleReturn     byte = 2
	ReceiptPurchaseReturn byte = 3
)

// OpenReceipt is 8Dh.
func OpenReceipt(pwd uint32, typ byte) []byte {
	return append(withPwd(proto.CmdOpenReceipt, pwd, 1), typ)
}

// Operation types of FF46h and FF0Ah (tag 1054).
const (
	OpSale           byte = 1
	OpSaleReturn     byte = 2
	OpPurchase       byte = 3
	OpPurchaseReturn byte = 4
)

// FF46h tax bits (tag 1199 in the mask the firmware wants).
const (
	TaxBit20      byte = 0x01
	TaxBit10      byte = 0x02
	TaxBit0       byte = 0x04
	TaxBitNone    byte = 0x08
	TaxBit20of120 byte = 0x10
	TaxBit10of110 byte = 0x20
)

// Operation is one FF46h position.
type Operation struct {
	Type      byte   // OpSale...
	QtyMicro  uint64 // quantity × 10⁶
	Price     int64  // unit price, minor units
	Amount    uint64 // line total, or NotGiven for the device to compute
	TaxAmount uint64 // VAT sum, or NotGiven
	Tax       byte   // TaxBit* mask
	Dept      byte
	Method    byte // tag 1214, 4 = full payment
	Subject   byte // tag 1212, 1 = goods
	Name      string
}

// OperationV2 is FF46h.
func OperationV2(pwd uint32, op Operation) ([]byte, error) {
	b := withPwd(proto.CmdOperationV2, pwd, 1+qtyV2Width+3*moneyWidth+4+nameV2Width)
	b = append(b, op.Type)
	if op.QtyMicro > proto.MaxUint(qtyV2Width) {
		return nil, fmt.Errorf("%w: quantity %d", ErrRange, op.QtyMicro)
	}
	b = proto.PutUint(b, op.QtyMicro, qtyV2Width)
	b, err := putMoney(b, op.Price, "price")
	if err != nil {
		return nil, err
	}
	for _, v := range []uint64{op.Amount, op.TaxAmount} {
		if v != NotGiven && v > proto.MaxUint(moneyWidth) {
			return nil, fmt.Errorf("%w: amount %d", ErrRange, v)
		}
		b = proto.PutUint(b, v, moneyWidth)
	}
	b = append(b, op.Tax, op.Dept, op.Method, op.Subject)
	return appendText(b, cp1251, op.Name, nameV2Width, false), nil
}

// Close is the FF45h request.
type Close struct {
	Payments  [16]int64 // slot 1 cash, 2..13 electronic, 14 prepaid, 15 credit, 16 counter-provision
	Rounding  byte      // kopecks 0..99
	Taxes     [6]int64  // 20 %, 10 %, 0 % turnover, no-VAT turnover, 20/120, 10/110
	TaxSystem byte      // one bit: b0 general ... b5 patent
	Text      string
}

// CloseV2 is FF45h.
func CloseV2(pwd uint32, c Close) ([]byte, error) {
	b := withPwd(proto.CmdCloseV2, pwd, 16*moneyWidth+1+6*moneyWidth+1+closeV2Text)
	var err error
	for i, p := range c.Payments {
		if b, err = putMoney(b, p, fmt.Sprintf("payment %d", i+1)); err != nil {
			return nil, err
		}
	}
	if c.Rounding > 99 {
		return nil, fmt.Errorf("%w: rounding %d", ErrRange, c.Rounding)
	}
	b = append(b, c.Rounding)
	for _, t := range c.Taxes {
		if b, err = putMoney(b, t, "tax"); err != nil {
			return nil, err
		}
	}
	if c.TaxSystem == 0 || c.TaxSystem&(c.TaxSystem-1) != 0 {
		return nil, fmt.Errorf("%w: tax system %08b must have exactly one bit", ErrRange, c.TaxSystem)
	}
	b = append(b, c.TaxSystem)
	return appendText(b, cp1251, c.Text, closeV2Text, false), nil
}

// TLV builders (§2): tag and length uint16 LE; strings in cp866.

// TLVString appends a string tag, cut to maxLen bytes (0 = no limit).
func TLVString(dst []byte, tag uint16, s string, maxLen int) []byte {
	dst = proto.PutUint(dst, uint64(tag), 2)
	at := len(dst)
	dst = append(dst, 0, 0)
	dst = appendText(dst, cp866, s, maxLen, false)
	n := len(dst) - at - 2
	dst[at], dst[at+1] = byte(n), byte(n>>8)
	return dst
}

// TLVINN appends an INN tag (1203, 1016...) padded to 12 characters.
func TLVINN(dst []byte, tag uint16, inn string) ([]byte, error) {
	f, err := innField(inn)
	if err != nil {
		return dst, err
	}
	return TLVString(dst, tag, f, 12), nil
}

// Tags the till writes.
const (
	TagCashier    uint16 = 1021
	TagCashierINN uint16 = 1203
)

// CashierNameMax is tag 1021's length limit (FFD).
const CashierNameMax = 64

// WriteTLV is FF0Ch: TLV bytes into the open FN document.
func WriteTLV(pwd uint32, tlv []byte) ([]byte, error) {
	if len(tlv) > maxTLVData {
		return nil, fmt.Errorf("%w: %d TLV bytes", ErrRange, len(tlv))
	}
	return append(withPwd(proto.CmdFNWriteTLV, pwd, len(tlv)), tlv...), nil
}

// FindDocumentCmd is FF0Ah.
func FindDocumentCmd(pwd uint32, fd uint32) []byte {
	return proto.PutUint(withPwd(proto.CmdFNFindDoc, pwd, 4), uint64(fd), 4)
}

// ErrorTextCmd is 6Bh: the only command with no password.
func ErrorTextCmd(code byte) []byte { return []byte{byte(proto.CmdErrorText), code} }

// DeviceTypeCmd is FCh.
func DeviceTypeCmd() []byte { return []byte{byte(proto.CmdDeviceType)} }

// ClassicSale is 80h (sale) or 82h (sale return): quantity ×1000, tax
// groups 0..4 (table 6), text 40.
func ClassicSale(cmd proto.Command, pwd uint32, qtyMilli, price int64, dept byte, taxes [4]byte, text string) ([]byte, error) {
	b := withPwd(cmd, pwd, 2*moneyWidth+5+textWidth)
	var err error
	if b, err = putMoney(b, qtyMilli, "quantity"); err != nil {
		return nil, err
	}
	if b, err = putMoney(b, price, "price"); err != nil {
		return nil, err
	}
	b = append(b, dept)
	b = append(b, taxes[:]...)
	return appendText(b, cp1251, text, textWidth, true), nil
}

// ClassicClose is 85h: four payments, discount in hundredths of a percent
// (negative = surcharge), tax groups, text 40.
func ClassicClose(pwd uint32, pays [4]int64, discount int16, taxes [4]byte, text string) ([]byte, error) {
	b := withPwd(proto.CmdCloseReceipt, pwd, 4*moneyWidth+6+textWidth)
	var err error
	for i, p := range pays {
		if b, err = putMoney(b, p, fmt.Sprintf("payment %d", i+1)); err != nil {
			return nil, err
		}
	}
	b = proto.PutUint(b, uint64(uint16(discount)), 2)
	b = append(b, taxes[:]...)
	return appendText(b, cp1251, text, textWidth, true), nil
}

// ---- replies ----

// Reply splits a reply body (CMD echo, ERR, data) for cmd. A non-zero ERR
// is a *Error: the command was not executed. A wrong echo is ErrProtocol.
func Reply(cmd proto.Command, body []byte) ([]byte, error) {
	// JP accepts a two-byte "FF ERR" to an FFxx command (§1.2).
	if cmd > 0xFF && len(body) == 2 && body[0] == 0xFF && body[1] != byte(cmd) {
		return nil, &Error{Cmd: cmd, Code: body[1]}
	}
	echo, rest, err := proto.SplitCommand(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v: %w", ErrProtocol, cmd, err)
	}
	if echo != cmd {
		return nil, fmt.Errorf("%w: reply to %v echoes %v", ErrProtocol, cmd, echo)
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("%w: %v: no ERR byte", ErrProtocol, cmd)
	}
	if rest[0] != 0 {
		return nil, &Error{Cmd: cmd, Code: rest[0]}
	}
	return rest[1:], nil
}

func short(what string, got, want int) error {
	return fmt.Errorf("%w: %s reply has %d data bytes, want %d", ErrProtocol, what, got, want)
}

func u(b []byte, off, width int) uint64 {
	v, _ := proto.Uint(b[off:], width)
	return v
}

// Operator decodes the common reply "op": the operator number.
func Operator(data []byte) (byte, error) {
	if len(data) < 1 {
		return 0, short("operator", len(data), 1)
	}
	return data[0], nil
}

// ShortStatus is the 10h reply.
type ShortStatus struct {
	Operator     byte
	Flags        uint16
	Mode         byte // low nibble mode, high nibble status (§4)
	Submode      byte
	Operations   uint16 // operations in the open receipt
	Battery      byte
	Voltage      byte
	FMError      byte // legacy placeholders on FN models
	EJError      byte
	LastPrint    byte // 0 ok, 1 paper break, 2 printer error, 5 printing
	HasLastPrint bool
}

// Status flag bits (§3.1).
const (
	FlagReceiptRoll  uint16 = 1 << 1
	FlagReceiptPaper uint16 = 1 << 7
	FlagCoverOpen    uint16 = 1 << 10
	FlagDrawerOpen   uint16 = 1 << 11
)

func DecodeShortStatus(d []byte) (ShortStatus, error) {
	if len(d) < 14 {
		return ShortStatus{}, short("10h", len(d), 14)
	}
	s := ShortStatus{
		Operator:   d[0],
		Flags:      uint16(u(d, 1, 2)),
		Mode:       d[3],
		Submode:    d[4],
		Operations: uint16(d[5]) | uint16(d[10])<<8,
		Battery:    d[6],
		Voltage:    d[7],
		FMError:    d[8],
		EJError:    d[9],
	}
	if len(d) >= 15 {
		s.LastPrint, s.HasLastPrint = d[14], true
	}
	return s, nil
}

// Date is a classic DD MM YY date as the register sent it; it is kept raw
// because FN models fill legacy dates with placeholders.
type Date struct{ Day, Month, Year byte }

// FullStatus is the 11h reply (LEN 48/50/52; extra bytes kept raw).
type FullStatus struct {
	Operator       byte
	FirmwareVer    string
	FirmwareBuild  uint16
	FirmwareDate   Date
	Hall           byte
	DocNumber      uint16
	Flags          uint16
	Mode           byte
	Submode        byte
	Port           byte
	FMVer          string
	FMBuild        uint16
	FMDate         Date
	Date           Date
	Hour, Min, Sec byte
	FMFlags        byte
	Serial         uint32
	LastShift      uint16
	FreeFM         uint16
	Refiscal       byte
	RefiscalLeft   byte
	INN            uint64
	Extra          []byte
}

func DecodeFullStatus(d []byte) (FullStatus, error) {
	if len(d) < 46 {
		return FullStatus{}, short("11h", len(d), 46)
	}
	s := FullStatus{
		Operator:      d[0],
		FirmwareVer:   decodeText(cp1251, d[1:3]),
		FirmwareBuild: uint16(u(d, 3, 2)),
		FirmwareDate:  Date{d[5], d[6], d[7]},
		Hall:          d[8],
		DocNumber:     uint16(u(d, 9, 2)),
		Flags:         uint16(u(d, 11, 2)),
		Mode:          d[13],
		Submode:       d[14],
		Port:          d[15],
		FMVer:         decodeText(cp1251, d[16:18]),
		FMBuild:       uint16(u(d, 18, 2)),
		FMDate:        Date{d[20], d[21], d[22]},
		Date:          Date{d[23], d[24], d[25]},
		Hour:          d[26], Min: d[27], Sec: d[28],
		FMFlags:      d[29],
		Serial:       uint32(u(d, 30, 4)),
		LastShift:    uint16(u(d, 34, 2)),
		FreeFM:       uint16(u(d, 36, 2)),
		Refiscal:     d[38],
		RefiscalLeft: d[39],
		INN:          u(d, 40, 6),
	}
	if len(d) > 46 {
		s.Extra = append([]byte(nil), d[46:]...)
	}
	return s, nil
}

// CashMoveReply is the 50h/51h reply.
type CashMoveReply struct {
	Operator byte
	Doc      uint16
}

func DecodeCashMove(d []byte) (CashMoveReply, error) {
	if len(d) < 3 {
		return CashMoveReply{}, short("50h/51h", len(d), 3)
	}
	return CashMoveReply{Operator: d[0], Doc: uint16(u(d, 1, 2))}, nil
}

// SubtotalReply is the 89h reply.
type SubtotalReply struct {
	Operator byte
	Subtotal int64
}

func DecodeSubtotal(d []byte) (SubtotalReply, error) {
	if len(d) < 6 {
		return SubtotalReply{}, short("89h", len(d), 6)
	}
	return SubtotalReply{Operator: d[0], Subtotal: int64(u(d, 1, moneyWidth))}, nil
}

// dateTime decodes the FN DATE_TIME: YY MM DD HH MM, in the register's
// local wall clock.
func dateTime(b []byte) time.Time {
	return time.Date(2000+int(b[0]), time.Month(b[1]), int(b[2]), int(b[3]), int(b[4]), 0, 0, time.Local)
}

// CloseReply is the FF45h reply.
type CloseReply struct {
	Change  int64
	FD      uint32
	Sign    uint32
	Time    time.Time // zero unless the "extended reply" setting is on
	HasTime bool
}

func DecodeCloseV2(d []byte) (CloseReply, error) {
	if len(d) < 13 {
		return CloseReply{}, short("FF45h", len(d), 13)
	}
	r := CloseReply{Change: int64(u(d, 0, 5)), FD: uint32(u(d, 5, 4)), Sign: uint32(u(d, 9, 4))}
	if len(d) >= 18 {
		r.Time, r.HasTime = dateTime(d[13:18]), true
	}
	return r, nil
}

// ClassicCloseReply is the 85h reply.
type ClassicCloseReply struct {
	Operator byte
	Change   int64
	Extra    []byte // web link on some firmware
}

func DecodeClassicClose(d []byte) (ClassicCloseReply, error) {
	if len(d) < 6 {
		return ClassicCloseReply{}, short("85h", len(d), 6)
	}
	r := ClassicCloseReply{Operator: d[0], Change: int64(u(d, 1, 5))}
	if len(d) > 6 {
		r.Extra = append([]byte(nil), d[6:]...)
	}
	return r, nil
}

// FN document types (FF01h current document is a bit set; FF0Ah a number).
const (
	FNDocNone       byte = 0x00
	FNDocShiftOpen  byte = 0x02
	FNDocReceipt    byte = 0x04
	FNDocShiftClose byte = 0x08
	FNDocCorrection byte = 0x14
)

// FNStatus is the FF01h reply.
type FNStatus struct {
	Phase      byte
	CurrentDoc byte
	DocData    bool
	ShiftOpen  bool
	Warnings   byte
	Time       time.Time
	Serial     string
	LastFD     uint32
}

func DecodeFNStatus(d []byte) (FNStatus, error) {
	if len(d) < 30 {
		return FNStatus{}, short("FF01h", len(d), 30)
	}
	return FNStatus{
		Phase:      d[0],
		CurrentDoc: d[1],
		DocData:    d[2] != 0,
		ShiftOpen:  d[3] != 0,
		Warnings:   d[4],
		Time:       dateTime(d[5:10]),
		Serial:     decodeText(cp1251, d[10:10+fnSerialSize]),
		LastFD:     uint32(u(d, 26, 4)),
	}, nil
}

// FoundDocument is the FF0Ah reply; which tail fields are set depends on
// Type.
type FoundDocument struct {
	Type      byte // 1 registration, 2 shift open, 3 receipt, 4 BSO, 5 shift close, 31 correction ...
	OFDAck    bool
	Time      time.Time
	FD        uint32
	Sign      uint32
	Operation byte  // receipts
	Amount    int64 // receipts
	Shift     uint16
	INN       string // registrations
	RegNumber string
	TaxBits   byte
	Mode      byte
	Extra     []byte
}

func DecodeFindDocument(d []byte) (FoundDocument, error) {
	if len(d) < 15 {
		return FoundDocument{}, short("FF0Ah", len(d), 15)
	}
	r := FoundDocument{
		Type:   d[0],
		OFDAck: d[1] != 0,
		Time:   dateTime(d[2:7]),
		FD:     uint32(u(d, 7, 4)),
		Sign:   uint32(u(d, 11, 4)),
	}
	t := d[15:]
	switch r.Type {
	case 3, 4, 31, 41:
		if len(t) < 6 {
			return FoundDocument{}, short("FF0Ah receipt", len(d), 21)
		}
		r.Operation, r.Amount = t[0], int64(u(t, 1, 5))
		t = t[6:]
	case 2, 5:
		if len(t) < 2 {
			return FoundDocument{}, short("FF0Ah shift", len(d), 17)
		}
		r.Shift = uint16(u(t, 0, 2))
		t = t[2:]
	case 1, 11:
		if len(t) < 34 {
			return FoundDocument{}, short("FF0Ah registration", len(d), 49)
		}
		r.INN = decodeText(cp1251, t[:12])
		r.RegNumber = decodeText(cp1251, t[12:32])
		r.TaxBits, r.Mode = t[32], t[33]
		t = t[34:]
	}
	if len(t) > 0 {
		r.Extra = append([]byte(nil), t...)
	}
	return r, nil
}

// ShiftParams is the FF40h reply.
type ShiftParams struct {
	Open    bool
	Shift   uint16
	Receipt uint16
}

func DecodeShiftParams(d []byte) (ShiftParams, error) {
	if len(d) < 5 {
		return ShiftParams{}, short("FF40h", len(d), 5)
	}
	return ShiftParams{Open: d[0] != 0, Shift: uint16(u(d, 1, 2)), Receipt: uint16(u(d, 3, 2))}, nil
}

// ShiftDoc is the FF0Bh/FF43h reply.
type ShiftDoc struct {
	Shift   uint16
	FD      uint32
	Sign    uint32
	Time    time.Time
	HasTime bool
}

func DecodeShiftDoc(d []byte) (ShiftDoc, error) {
	if len(d) < 10 {
		return ShiftDoc{}, short("FF0Bh/FF43h", len(d), 10)
	}
	r := ShiftDoc{Shift: uint16(u(d, 0, 2)), FD: uint32(u(d, 2, 4)), Sign: uint32(u(d, 6, 4))}
	if len(d) >= 15 {
		r.Time, r.HasTime = dateTime(d[10:15]), true
	}
	return r, nil
}

// DeviceType is the FCh reply.
type DeviceType struct {
	Type, Subtype         byte
	Protocol, ProtocolSub byte
	Model, Language       byte
	Name                  string
}

func DecodeDeviceType(d []byte) (DeviceType, error) {
	if len(d) < 6 {
		return DeviceType{}, short("FCh", len(d), 6)
	}
	return DeviceType{
		Type: d[0], Subtype: d[1], Protocol: d[2], ProtocolSub: d[3], Model: d[4], Language: d[5],
		Name: decodeText(cp1251, d[6:]),
	}, nil
}

// DecodeErrorText is the 6Bh reply: the device's words for a code.
func DecodeErrorText(d []byte) string { return decodeText(cp1251, d) }

// Correction receipts (FFD 1.05). The layouts are the vendor's, the same in
// two of its code bases: javapos_shtrih FSStartCorrectionReceipt,
// FSPrintCorrectionReceipt, FSPrintCorrectionReceipt2 and the OPOS driver's
// TFiscalPrinterDevice.FSStartCorrectionReceipt/FSPrintCorrectionReceipt(2)
// (see docs/shtrih.md). FF35h opens the FN document, FF0Ch writes its basis
// (tags 1177, 1178, 1179), FF4Ah (or FF36h on FFD 1.0) closes it.

// Correction receipt operations (tag 1054): FFD 1.05 takes only these two.
const (
	CorrIncome  byte = 1 // коррекция прихода: money the business received
	CorrExpense byte = 3 // коррекция расхода: money the business paid out
)

// Correction basis tags.
const (
	TagCorrectionType   uint16 = 1173
	TagCorrectionBasis  uint16 = 1174
	TagCorrectionReason uint16 = 1177 // string ≤ 256
	TagCorrectionDate   uint16 = 1178 // UnixTime
	TagCorrectionDocNo  uint16 = 1179 // string ≤ 32
)

// Limits of the basis strings (FFD, the OPOS driver's tag table).
const (
	CorrectionReasonMax = 256
	CorrectionDocNoMax  = 32
)

// TLVUnixTime appends a UnixTime tag: uint32 LE seconds (§2).
func TLVUnixTime(dst []byte, tag uint16, t time.Time) []byte {
	dst = proto.PutUint(dst, uint64(tag), 2)
	dst = proto.PutUint(dst, 4, 2)
	return proto.PutUint(dst, uint64(uint32(t.Unix())), 4)
}

// CorrectionV2Req is the FF4Ah request.
type CorrectionV2Req struct {
	ByOrder   bool     // tag 1173: false = on the business's own initiative, true = by a tax authority's order
	Operation byte     // CorrIncome or CorrExpense
	Total     int64    // сумма расчёта
	Payments  [5]int64 // cash, electronic, prepayment, postpayment, counter-provision
	Taxes     [6]int64 // VAT 20 %, 10 %, 0 % turnover, no-VAT turnover, 20/120, 10/110
	TaxSystem byte     // one bit, as FF45h
}

// CorrectionV2 is FF4Ah: pwd, correction type, operation, total, five
// payments, six tax sums (each u40), tax system — 67 data bytes.
func CorrectionV2(pwd uint32, c CorrectionV2Req) ([]byte, error) {
	b := withPwd(proto.CmdFNCorrV2, pwd, 2+12*moneyWidth+1)
	if c.Operation != CorrIncome && c.Operation != CorrExpense {
		return nil, fmt.Errorf("%w: correction operation %d", ErrRange, c.Operation)
	}
	var typ byte
	if c.ByOrder {
		typ = 1
	}
	b = append(b, typ, c.Operation)
	var err error
	if b, err = putMoney(b, c.Total, "total"); err != nil {
		return nil, err
	}
	for i, p := range c.Payments {
		if b, err = putMoney(b, p, fmt.Sprintf("payment %d", i+1)); err != nil {
			return nil, err
		}
	}
	for _, t := range c.Taxes {
		if b, err = putMoney(b, t, "tax"); err != nil {
			return nil, err
		}
	}
	if c.TaxSystem == 0 || c.TaxSystem&(c.TaxSystem-1) != 0 {
		return nil, fmt.Errorf("%w: tax system %08b must have exactly one bit", ErrRange, c.TaxSystem)
	}
	return append(b, c.TaxSystem), nil
}

// CorrectionV1 is FF36h (FFD 1.0): pwd, total u40, operation 1 byte.
func CorrectionV1(pwd uint32, total int64, op byte) ([]byte, error) {
	b, err := putMoney(withPwd(proto.CmdFNCorrection, pwd, moneyWidth+1), total, "total")
	if err != nil {
		return nil, err
	}
	return append(b, op), nil
}

// CorrectionReply is the FF36h/FF4Ah reply: receipt number u16, FD u32,
// fiscal sign u32.
type CorrectionReply struct {
	Receipt uint16
	FD      uint32
	Sign    uint32
}

func DecodeCorrection(d []byte) (CorrectionReply, error) {
	if len(d) < 10 {
		return CorrectionReply{}, short("FF4Ah", len(d), 10)
	}
	return CorrectionReply{Receipt: uint16(u(d, 0, 2)), FD: uint32(u(d, 2, 4)), Sign: uint32(u(d, 6, 4))}, nil
}
