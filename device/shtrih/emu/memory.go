package emu

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// FN document types (FF0Ah) and the current-document codes of FF01h.
const (
	DocShiftOpen  byte = 2
	DocReceipt    byte = 3
	DocShiftClose byte = 5
	DocCorrection byte = 31

	fnNone       byte = 0x00
	fnShiftOpen  byte = 0x02
	fnReceipt    byte = 0x04
	fnShiftEnd   byte = 0x08
	fnCorrection byte = 0x14
)

// Receipt operations as the FN records them (tag 1054) and FF46h takes them.
const (
	OpSale           byte = 1
	OpSaleReturn     byte = 2
	OpPurchase       byte = 3
	OpPurchaseReturn byte = 4
)

// receiptOp maps the 8Dh receipt type (0 sale, 1 purchase, 2 sale return,
// 3 purchase return) to the tag 1054 operation.
var receiptOp = [4]byte{OpSale, OpPurchase, OpSaleReturn, OpPurchaseReturn}

func receiptTypeOf(op byte) (byte, bool) {
	for t, o := range receiptOp {
		if o == op {
			return byte(t), true
		}
	}
	return 0, false
}

// Line is one FF46h operation as the register stored it.
type Line struct {
	Operation byte   // 1 sale .. 4 purchase return
	QtyMicro  uint64 // quantity ×10⁶ as sent
	Price     int64  // kopecks
	Amount    int64  // kopecks, computed by the device when the host sent FF×5
	TaxBits   byte   // FF46h: 01 20 %, 02 10 %, 04 0 %, 08 no VAT, 10h 20/120, 20h 10/110
	TaxGroup  byte   // 80h/82h: first tax group (table 6), 0 none
	Dept      byte
	PayMethod byte // tag 1214
	Subject   byte // tag 1212
	Name      string
}

// TLV is a tag written with FF0Ch that the emulator does not interpret.
type TLV struct {
	Tag   uint16
	Value []byte
}

// Document is one fiscal document in the emulated fiscal storage.
type Document struct {
	Number     uint32
	Type       byte // DocShiftOpen, DocReceipt, DocShiftClose, DocCorrection
	Operation  byte // receipts: OpSale ... OpPurchaseReturn; corrections: 1 income, 3 expense
	ByOrder    bool // corrections: tag 1173 = 1 (by a tax authority's order)
	Amount     int64
	Sign       uint32
	Time       time.Time
	Shift      uint16
	Operator   byte   // operator number whose password made the document
	Cashier    string // tag 1021: FF0Ch, else table 2 name of the operator
	CashierINN string // tag 1203, "" when not sent
	Lines      []Line
	Payments   []int64 // the 16 FF45h payment slots, kopecks
	Change     int64
	Rounding   int64
	Taxes      []int64 // the 6 FF45h tax sums
	TaxSystem  byte
	Text       string
	Tags       []TLV
}

// openReceipt is a receipt between 8Dh (or the first FF46h) and FF45h/88h.
type openReceipt struct {
	Type     byte // 8Dh type 0..3
	Operator byte
	Opened   time.Time
	Lines    []Line
}

func (r *openReceipt) total() int64 {
	var t int64
	for _, l := range r.Lines {
		t += l.Amount
	}
	return t
}

// memory is everything that survives a restart: the fiscal storage, the
// shift, counters, tables, and the open document (a real register keeps a
// receipt open across power loss).
type memory struct {
	ShiftOpen     bool
	Shift         uint16 // current shift, or the last closed one
	ShiftOpened   time.Time
	ShiftReceipts uint16 // receipts in the current (or last closed) shift
	LastFD        uint32
	DocNo         uint16 // the register's own document counter (11h, 50h/51h)
	Cash          int64  // cash in drawer, kopecks
	Docs          []Document

	Names     [31]string // table 2 field 2, index = operator number
	Passwords [31]uint32 // table 2 field 1
	Tables    map[string][]byte

	Receipt *openReceipt
	FNDoc   byte // FF01h current document
	// Tags 1021/1203 and others written into the open FN document.
	DocCashier    string
	DocCashierSet bool
	DocINN        string
	DocINNSet     bool
	DocTags       []TLV
	DocData       bool // FF01h "document data received"
}

func newMemory() memory {
	m := memory{Tables: map[string][]byte{}}
	for i := 1; i <= 28; i++ {
		m.Names[i] = "Кассир " + itoa(i)
		m.Passwords[i] = uint32(i)
	}
	m.Names[29] = "АДМИНИСТРАТОР"
	m.Passwords[29] = 29
	m.Names[30] = "СИС.АДМИНИСТРАТОР"
	m.Passwords[30] = 30
	return m
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func (m *memory) clearDocTags() {
	m.FNDoc = fnNone
	m.DocCashier, m.DocCashierSet = "", false
	m.DocINN, m.DocINNSet = "", false
	m.DocTags = nil
	m.DocData = false
}

func (m *memory) find(fd uint32) (Document, bool) {
	for i := len(m.Docs) - 1; i >= 0; i-- {
		if m.Docs[i].Number == fd {
			return m.Docs[i], true
		}
	}
	return Document{}, false
}

// defaultSign stands in for the FN's cryptographic fiscal sign: stable for
// the same document, different between documents.
func defaultSign(serial string) func(Document) uint32 {
	return func(d Document) uint32 {
		h := sha256.New()
		var b [8 + 4 + 1 + 1 + 8 + 2]byte
		binary.LittleEndian.PutUint64(b[0:], uint64(d.Time.Unix()))
		binary.LittleEndian.PutUint32(b[8:], d.Number)
		b[12], b[13] = d.Type, d.Operation
		binary.LittleEndian.PutUint64(b[14:], uint64(d.Amount))
		binary.LittleEndian.PutUint16(b[22:], d.Shift)
		h.Write([]byte(serial))
		h.Write(b[:])
		return binary.BigEndian.Uint32(h.Sum(nil))
	}
}
