package sale

import (
	"context"
	"errors"
	"time"

	"github.com/tillpos/till/device"
)

// The repositories the sale core needs. The store implements them on SQLite.
//
// Rules for every implementation:
//   - every method takes a context and runs as one transaction; callers never
//     see a transaction;
//   - a change is durable (synchronous=FULL commit) when the call returns nil,
//     so a crash right after a call never loses it;
//   - a call that would move a bill out of a state it is not in returns an
//     error wrapping ErrStateConflict and changes nothing (compare-and-set):
//     this is what makes "record the receipt exactly once" hold even if two
//     reconcilers race;
//   - an unknown bill or line returns an error wrapping ErrNotFound.

// Errors the repositories return; wrap them with detail.
var (
	ErrNotFound      = errors.New("sale: not found")
	ErrStateConflict = errors.New("sale: bill is not in the expected state")
)

type (
	BillID    int64
	LineID    int64
	PaymentID int64
)

// BillKind says whether a bill sells or takes goods back.
type BillKind byte

const (
	KindSale   BillKind = 1
	KindReturn BillKind = 2
)

// ReceiptKind is the register operation a bill of this kind becomes.
func (k BillKind) ReceiptKind() device.ReceiptKind {
	if k == KindReturn {
		return device.SaleReturn
	}
	return device.Sale
}

// BillState is where a bill is in its life. Stored as its number: never
// renumber, only add.
//
//	Open ──park──> Parked ──recall──> Open
//	Open ──cancel──> Cancelled
//	Open ──MarkFiscalising──> Fiscalising ──MarkFiscalised──> Fiscalised
//	                          Fiscalising ──MarkFailed──> Open        (proved not printed)
//	                          Fiscalising ──MarkConflict──> Conflict  (a human must look)
//	Conflict ──MarkFiscalised / MarkFailed──> (after a human decided)
type BillState byte

const (
	StateOpen        BillState = 1
	StateParked      BillState = 2
	StateCancelled   BillState = 3
	StateFiscalising BillState = 4
	StateFiscalised  BillState = 5
	StateConflict    BillState = 6
)

func (s BillState) String() string {
	switch s {
	case StateOpen:
		return "open"
	case StateParked:
		return "parked"
	case StateCancelled:
		return "cancelled"
	case StateFiscalising:
		return "fiscalising"
	case StateFiscalised:
		return "fiscalised"
	case StateConflict:
		return "conflict"
	}
	return "unknown"
}

// DiscountKind says how a Discount's Value reads.
type DiscountKind byte

const (
	DiscountNone    DiscountKind = 0
	DiscountPercent DiscountKind = 1 // Value in basis points, 10000 = 100 %
	DiscountAmount  DiscountKind = 2 // Value in minor units
)

// Discount on a line or on the whole bill.
type Discount struct {
	Kind  DiscountKind
	Value int64
}

// Line is one position of a bill. Lines are never deleted once added: a
// voided line stays with Voided set, because the journal shows what the
// cashier rang up and then took back.
type Line struct {
	ID          LineID
	Item        ItemID // 0 for a generic item
	Barcode     string
	Name        string
	QtyMilli    int64
	UnitPrice   int64 // minor units per piece or per kg, VAT included
	VAT         VATCode
	Dept        byte
	Marking     string // marking code scanned for this line, may be empty
	Discount    Discount
	ManualPrice bool // the cashier typed the price (policy: manual price)
	Voided      bool
	Added       time.Time
	// ReturnOf is, on a return by receipt, the sale's line this line takes
	// back (0 elsewhere): what was returned of each sold line adds up
	// across return bills through it.
	ReturnOf LineID
}

// PaymentKind is how the customer paid.
type PaymentKind byte

const (
	PayCash PaymentKind = 1
	PayCard PaymentKind = 2
)

// Payment is one tender on a bill.
type Payment struct {
	ID     PaymentID
	Kind   PaymentKind
	Amount int64
	At     time.Time
}

// Fiscal is the journal side of a bill: the attempt that was started and,
// once known, what the register recorded.
type Fiscal struct {
	// Written by MarkFiscalising, before the register is asked.
	Expected  uint32             // FD number the receipt should get (register last + 1)
	Kind      device.ReceiptKind // operation sent
	Total     int64              // amount sent
	Attempts  int                // how many times MarkFiscalising was called
	StartedAt time.Time

	// Written by MarkFiscalised.
	Number uint32 // FD number
	Sign   uint32 // fiscal sign (FP)
	Time   time.Time
	Shift  uint16

	// Written by MarkFailed / MarkConflict: why the last attempt did not end
	// in a receipt, in words for the journal (not shown to a cashier as is).
	Reason string
}

// Bill is a sale or a return as it is stored. CashierID is the user the bill
// belongs to: under an elevation the bill stays the cashier's.
type Bill struct {
	ID        BillID
	Kind      BillKind
	State     BillState
	CashierID int64
	ReturnOf  BillID // for a return, the bill it refers to (0 = not known)
	Opened    time.Time
	Updated   time.Time
	Lines     []Line // in the order they were added
	Discount  Discount
	Payments  []Payment
	Fiscal    Fiscal
}

// Bills stores bills while they are rung up. Every method except Create and
// the loaders requires the bill to be Open (else ErrStateConflict).
type Bills interface {
	// Create stores a new Open bill of b.Kind for b.CashierID and returns it
	// with ID and Opened set. Lines, payments and discount in b are ignored.
	Create(ctx context.Context, b Bill) (Bill, error)
	Get(ctx context.Context, id BillID) (Bill, error)

	// AddLine appends a line and returns its ID.
	AddLine(ctx context.Context, id BillID, l Line) (LineID, error)
	// UpdateLine replaces the quantity, unit price, discount and manual price
	// flag of line l.ID.
	UpdateLine(ctx context.Context, id BillID, l Line) error
	VoidLine(ctx context.Context, id BillID, line LineID) error
	// SetDiscount sets the total discount (DiscountNone clears it).
	SetDiscount(ctx context.Context, id BillID, d Discount) error

	AddPayment(ctx context.Context, id BillID, p Payment) (PaymentID, error)
	RemovePayment(ctx context.Context, id BillID, p PaymentID) error

	// SetState moves a bill from one of Open/Parked/Cancelled to another
	// (park, recall, cancel). Fiscal states are only reached through Journal.
	SetState(ctx context.Context, id BillID, from, to BillState) error

	// Unfinished returns every bill in Open or Parked state, oldest first:
	// what the till restores after a restart.
	Unfinished(ctx context.Context) ([]Bill, error)
}

// Journal records the checkout of a bill against the fiscal register, so a
// crash or a lost reply never leads to a second receipt for one sale.
type Journal interface {
	// MarkFiscalising moves an Open bill to Fiscalising, storing f's
	// Expected, Kind, Total and StartedAt and incrementing Attempts. It must
	// be durable before the register is asked to print.
	MarkFiscalising(ctx context.Context, id BillID, f Fiscal) error
	// MarkFiscalised moves a Fiscalising (or Conflict) bill to Fiscalised,
	// storing f's Number, Sign, Time and Shift.
	MarkFiscalised(ctx context.Context, id BillID, f Fiscal) error
	// MarkFailed moves a Fiscalising (or Conflict) bill back to Open: the
	// register is proved not to hold a receipt for it. Reason is kept.
	MarkFailed(ctx context.Context, id BillID, reason string) error
	// MarkConflict moves a Fiscalising bill to Conflict: the register holds a
	// document that does not match; a human must decide.
	MarkConflict(ctx context.Context, id BillID, reason string) error
	// Stuck returns every bill in Fiscalising state, oldest first: the ones
	// to reconcile at start-up.
	Stuck(ctx context.Context) ([]Bill, error)
}
