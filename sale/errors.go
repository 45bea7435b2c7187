package sale

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"text/template"
)

// Sentinels callers branch on with errors.Is. The rules return them inside an
// *Error that carries the message a cashier sees.
var (
	ErrOverflow          = errors.New("sale: amount out of range")
	ErrNegative          = errors.New("sale: negative amount")
	ErrQuantity          = errors.New("sale: bad quantity")
	ErrDiscount          = errors.New("sale: bad discount")
	ErrVATCode           = errors.New("sale: unknown VAT code")
	ErrNoTaxSlot         = errors.New("sale: VAT rate has no register tax slot")
	ErrEmptyBill         = errors.New("sale: bill has no lines")
	ErrUnderpaid         = errors.New("sale: payments do not cover the total")
	ErrOverpaid          = errors.New("sale: only cash may exceed the total")
	ErrPayment           = errors.New("sale: bad payment")
	ErrUnreconciled      = errors.New("sale: a bill is waiting for reconciliation")
	ErrReconcileConflict = errors.New("sale: register holds a document that does not match the bill")
	// ErrNotRecorded: the register printed the receipt but the till's
	// journal did not take it (disk full, database error). The bill stays
	// Fiscalising; reconciliation records it at the next start.
	ErrNotRecorded = errors.New("sale: receipt printed but not recorded")
)

// Error is an error a cashier may see: a stable message key for the
// translation files (assets/lang/sale), an English fallback in go-i18n
// template syntax, and the arguments both use. Kind is the sentinel it wraps.
type Error struct {
	Kind     error
	Key      string
	Fallback string
	Args     map[string]any
}

func (e *Error) Error() string { return render(e.Fallback, e.Args) }

func (e *Error) Unwrap() error { return e.Kind }

// render fills the fallback the way go-i18n fills a translation, so the
// English text in code and in en.json read the same.
func render(text string, args map[string]any) string {
	if !strings.Contains(text, "{{") {
		return text
	}
	t, err := template.New("").Option("missingkey=zero").Parse(text)
	if err != nil {
		return text
	}
	var b strings.Builder
	if err := t.Execute(&b, args); err != nil {
		return text
	}
	return b.String()
}

// Message keys and their English text. en.json holds the same text; a test
// keeps them equal.
var messages = map[string]string{
	"sale.error.overflow":             "Amount is too large",
	"sale.error.negative_amount":      "Amount cannot be negative",
	"sale.error.negative_price":       "Price cannot be negative",
	"sale.error.quantity":             "Quantity must be more than zero",
	"sale.error.discount_range":       "Discount must be between 0 and 100 %",
	"sale.error.discount_line":        "Discount is larger than the line",
	"sale.error.discount_total":       "Discount is larger than the bill",
	"sale.error.vat_code":             "Unknown VAT rate {{.Code}}",
	"sale.error.no_tax_slot":          "VAT rate {{.Code}} is not set up on the fiscal register",
	"sale.error.empty_bill":           "The bill has no lines",
	"sale.error.zero_total":           "The bill total is zero: a fiscal receipt cannot be printed",
	"sale.error.underpaid":            "{{.Missing}} still to pay",
	"sale.error.overpaid":             "Only cash may exceed the total: card payments are larger than the total by {{.Excess}}",
	"sale.error.payment":              "Payment amount must be more than zero",
	"sale.error.unreconciled":         "A previous receipt is not confirmed by the fiscal register yet",
	"sale.error.conflict":             "The fiscal register holds a different document than this bill: ask a supervisor",
	"sale.error.not_open":             "The bill is not open",
	"sale.error.printed_not_recorded": "Receipt {{.Number}} was printed and is valid: give it to the customer. The till could not record it in its database. Call support, then restart the till: it records the receipt from the fiscal register.",
	"sale.error.printed_disk_full":    "Receipt {{.Number}} was printed and is valid: give it to the customer. The till could not record it because its disk is full. Free space on the disk (call support), then restart the till: it records the receipt from the fiscal register.",

	// Labels for the domain's own values (see the Key methods).
	"sale.state.open":          "Open",
	"sale.state.parked":        "Parked",
	"sale.state.cancelled":     "Cancelled",
	"sale.state.fiscalising":   "Printing receipt",
	"sale.state.fiscalised":    "Receipt printed",
	"sale.state.conflict":      "Needs a supervisor",
	"sale.kind.sale":           "Sale",
	"sale.kind.return":         "Return",
	"sale.payment.cash":        "Cash",
	"sale.payment.card":        "Card",
	"sale.outcome.fiscalised":  "The fiscal register had printed the receipt; it is recorded",
	"sale.outcome.not_printed": "The fiscal register did not print the receipt; the bill is open again",
}

// Key is the message key of the state's label.
func (s BillState) Key() string { return "sale.state." + s.String() }

// Key is the message key of the kind's label.
func (k BillKind) Key() string {
	if k == KindReturn {
		return "sale.kind.return"
	}
	return "sale.kind.sale"
}

// Key is the message key of the payment kind's label.
func (k PaymentKind) Key() string {
	if k == PayCard {
		return "sale.payment.card"
	}
	return "sale.payment.cash"
}

// Key is the message key of what a reconciliation proved.
func (o Outcome) Key() string {
	if o == OutcomeFiscalised {
		return "sale.outcome.fiscalised"
	}
	return "sale.outcome.not_printed"
}

// Fallback is the English text of a key of this area ("" if unknown).
func Fallback(key string) string { return messages[key] }

// Messages returns the message keys and English texts of the sale area, for
// tests that compare them with the translation files.
func Messages() map[string]string {
	m := make(map[string]string, len(messages))
	for k, v := range messages {
		m[k] = v
	}
	return m
}

func newErr(kind error, key string, args map[string]any) *Error {
	return &Error{Kind: kind, Key: key, Fallback: messages[key], Args: args}
}

// notRecorded is the error of a receipt the register printed and the journal
// did not take: it says so, and wraps the journal's error for the log.
func notRecorded(number uint32, journalErr error) error {
	key := "sale.error.printed_not_recorded"
	if errors.Is(journalErr, syscall.ENOSPC) {
		key = "sale.error.printed_disk_full"
	}
	return fmt.Errorf("%w: %w", newErr(ErrNotRecorded, key, map[string]any{"Number": number}), journalErr)
}

func overflow() error { return newErr(ErrOverflow, "sale.error.overflow", nil) }

// negative names what was negative through the key ("price", "amount"),
// so each language words it properly.
func negative(what string) error { return newErr(ErrNegative, "sale.error.negative_"+what, nil) }
