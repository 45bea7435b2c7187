package device

import (
	"context"
	"time"
)

// Register is a fiscal register seen in receipt terms. Implementations own the
// wire protocol; callers never see bytes. Every method honours ctx for
// cancellation, but a state-changing command whose outcome is unknown returns
// an error wrapping ErrOutcomeUnknown: the caller must reconcile, never resend.
type Register interface {
	Status(ctx context.Context) (Status, error)
	OpenShift(ctx context.Context, c Cashier) (ShiftResult, error)
	Fiscalise(ctx context.Context, r Receipt) (FiscalResult, error)
	CancelReceipt(ctx context.Context) error
	// Correction puts a sale or refund made while the register was down
	// into fiscal storage as a correction receipt (FN document type 31).
	Correction(ctx context.Context, c Correction) (FiscalResult, error)
	// LastDocument is the number of the last fiscal document in the fiscal
	// storage, with the type of the FN document currently open (0 = none).
	LastDocument(ctx context.Context) (last uint32, openDoc byte, err error)
	FindDocument(ctx context.Context, number uint32) (Document, error)
	XReport(ctx context.Context, c Cashier) error
	ZReport(ctx context.Context, c Cashier, progress func(Progress)) (ShiftResult, error)
	CashIn(ctx context.Context, c Cashier, amount int64) (uint32, error)
	CashOut(ctx context.Context, c Cashier, amount int64) (uint32, error)
	OpenDrawer(ctx context.Context) error
	Close() error
}

// TextPrinter prints non-fiscal text on the receipt tape — pre-bills and
// copies of receipts — and cuts it off. Registers that can have it beside
// Register; a till whose register cannot shows the text on screen instead.
type TextPrinter interface {
	PrintText(ctx context.Context, lines []string) error
}

// DocumentRepeater prints the register's own copy of its last receipt
// (Shtrih-M 8Ch "repeat document"): the fiscal document as the register
// printed it, not text the till composes. An error wrapping
// ErrCannotRepeat means there is no such copy (no command, nothing to
// repeat): print the till's text copy instead.
type DocumentRepeater interface {
	RepeatDocument(ctx context.Context) error
}

// Cashier is what the register prints and reports as the person responsible
// for a document (tags 1021 and 1203). INN may be empty.
type Cashier struct {
	Name string
	INN  string
}

// ReceiptKind is the operation of a receipt.
type ReceiptKind byte

const (
	Sale ReceiptKind = iota + 1
	SaleReturn
)

// TaxSlot is a VAT rate as the register knows it.
type TaxSlot byte

const (
	Tax20 TaxSlot = iota + 1
	Tax10
	Tax0
	TaxNone
	Tax20of120
	Tax10of110
	Tax5 // simplified regime 5 %
	Tax7 // simplified regime 7 %
)

// ReceiptLine is one position. Money is minor units; quantity is milli-units.
// Amount is the line total after discounts; the register is told the
// discounted unit price so its arithmetic agrees with ours to the kopeck.
type ReceiptLine struct {
	Name     string
	QtyMilli int64
	Price    int64
	Amount   int64
	Tax      TaxSlot
	Dept     byte
	Marking  string // marking code, kept for tag 1162/2000
}

// PaymentKind indexes the register's 16 payment slots (1 = cash, 2 = card/electronic).
type PaymentKind byte

const (
	PayCash       PaymentKind = 1
	PayElectronic PaymentKind = 2
)

type Payment struct {
	Kind   PaymentKind
	Amount int64
}

type Receipt struct {
	Kind     ReceiptKind
	Cashier  Cashier
	Lines    []ReceiptLine
	Payments []Payment
	Text     string // printed under the total, may be empty
}

type FiscalResult struct {
	Number uint32 // fiscal document number (FD)
	Sign   uint32 // fiscal sign (FP)
	Change int64
	Time   time.Time
	Shift  uint16 // shift the document belongs to; 0 when the driver could not tell
}

// Correction is a correction receipt (FFD 1.05 tags 1173/1174): money taken
// or paid out while no receipt could be fiscalised, with the document that
// is the basis for correcting it. Money is minor units.
type Correction struct {
	// Kind Sale corrects money received (коррекция прихода); SaleReturn
	// corrects money paid out (коррекция расхода): FFD 1.05 has no other
	// correction operations.
	Kind ReceiptKind
	// ByOrder: made by order of the tax authority (tag 1173 = 1), not on
	// the business's own initiative (0).
	ByOrder    bool
	Cash       int64
	Electronic int64
	Reason     string    // tag 1177: what happened
	DocNumber  string    // tag 1179: number of the basis document
	DocDate    time.Time // tag 1178: its date
	Cashier    Cashier
}

// Total is what the correction receipt is for.
func (c Correction) Total() int64 { return c.Cash + c.Electronic }

// Document is a fiscal document read back from fiscal storage.
type Document struct {
	Number    uint32
	Type      byte // 3 = receipt, 2 = shift open, 5 = shift close, 31 = correction ...
	Sign      uint32
	Time      time.Time
	Operation ReceiptKind
	Amount    int64
	Shift     uint16 // 0 when the document does not say
}

type ShiftResult struct {
	Shift  uint16
	Number uint32
	Sign   uint32
}

// Progress reports a long operation (Z report, waiting for the register)
// in stages the UI can show. Stage is a message key.
type Progress struct {
	Stage   string
	Percent int
	// Elapsed and Patience (waiting for the register): time spent so far
	// and how long the wait goes on before a person must decide.
	Elapsed, Patience time.Duration
}

// Mode is the register's mode (low nibble of the mode byte).
type Mode byte

const (
	ModeShiftOpen    Mode = 2
	ModeShiftExpired Mode = 3
	ModeShiftClosed  Mode = 4
	ModeReceiptOpen  Mode = 8
)

type Status struct {
	Mode        Mode
	Submode     byte
	ShiftOpen   bool
	ShiftOver24 bool
	ReceiptOpen bool
	PaperOut    bool
	CoverOpen   bool
	DrawerOpen  bool
	Operator    byte
	Serial      string
}
