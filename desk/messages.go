package desk

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// Sentinels callers branch on with errors.Is. Errors a cashier sees come as
// *Error, which carries the message key (assets/lang/desk) and wraps one of
// these.
var (
	ErrNotSignedIn   = errors.New("desk: nobody is signed in")
	ErrTerminalLock  = errors.New("desk: the terminal is locked")
	ErrNotSameUser   = errors.New("desk: only the cashier who locked the terminal can unlock it")
	ErrNoBill        = errors.New("desk: no open bill")
	ErrBillOpen      = errors.New("desk: a bill with lines is open")
	ErrDenied        = errors.New("desk: action denied by the permission matrix")
	ErrApproval      = errors.New("desk: approval refused")
	ErrLockedOut     = errors.New("desk: approver locked out")
	ErrWrongMode     = errors.New("desk: credential of another approval mode")
	ErrPendingUsed   = errors.New("desk: request already approved or not of this session")
	ErrNotElevated   = errors.New("desk: no elevation to restore")
	ErrNotReturnable = errors.New("desk: bill cannot be returned")
	ErrNoJournal     = errors.New("desk: the store cannot list the journal")
	ErrNotStarted    = errors.New("desk: start-up reconciliation has not succeeded")
	ErrMustChange    = errors.New("desk: the password must be changed first")
	ErrAmount        = errors.New("desk: amount must be more than zero")
	ErrUnresolved    = errors.New("desk: the open bill waits for the register's answer")
	ErrShiftNeeded   = errors.New("desk: the register's shift must be opened or closed first")
)

// Error is an error a cashier may see: Key and Fallback (go-i18n template)
// with Args for the translation, Kind the sentinel it wraps, Err the cause
// for the log.
type Error struct {
	Kind error
	Msg  policy.Message
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg.English() + ": " + e.Err.Error()
	}
	return e.Msg.English()
}

// Unwrap exposes both the sentinel and the cause to errors.Is/As.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

func newErr(kind error, key string, args map[string]any, cause error) *Error {
	return &Error{Kind: kind, Msg: Text(key, args), Err: cause}
}

// Text returns one of the desk's messages with its arguments.
func Text(key string, args map[string]any) policy.Message {
	if args == nil {
		args = map[string]any{}
	}
	return policy.Message{Key: key, Fallback: messages[key], Args: args}
}

// Message keys and English texts of the desk area; en.json holds the same
// text (a test keeps them equal).
var messages = map[string]string{
	"desk.error.not_signed_in":  "Sign in first.",
	"desk.error.terminal_lock":  "The terminal is locked: sign in again to continue.",
	"desk.error.not_same_user":  "Only {{.Name}} can unlock this terminal; otherwise sign out.",
	"desk.error.no_bill":        "There is no open bill.",
	"desk.error.bill_open":      "Finish or park the open bill first.",
	"desk.error.bad_credential": "Wrong credentials.",
	"desk.error.inactive":       "User {{.Name}} is not active.",
	"desk.error.wrong_mode":     "Approvals on this till use another method.",
	"desk.error.pending_used":   "This request was already handled; do the action again.",
	"desk.error.not_elevated":   "No supervisor rights are in use.",
	"desk.error.not_returnable": "Only a fiscalised sale can be returned.",
	"desk.error.no_journal":     "The journal cannot be listed on this till.",
	"desk.error.not_started":    "A previous receipt is not confirmed by the fiscal register yet: reconcile first.",
	"desk.error.must_change":    "Change your password before you start.",
	"desk.error.amount":         "The amount must be more than zero.",
	"desk.error.internal":       "The till could not do this; the details are in the log.",
	"desk.error.unresolved":     "Bill {{.Bill}} is waiting for the fiscal register's answer: press Retry or Reconcile before the next sale.",
	"desk.error.price_fixed":    "On a return by receipt the customer gets what they paid: prices and discounts cannot be changed.",

	"desk.error.shift_closed_first":    "No shift is open on the fiscal register: open the shift before the first sale.",
	"desk.error.shift_over24_first":    "The shift is over 24 hours: print the Z report and open a new shift before the next sale.",
	"desk.error.disk_full":             "The till's disk is full: what you just did was not recorded. Free space on the disk (call support), then try again.",
	"desk.error.disk_full_not_printed": "The till's disk is full: the receipt was not printed and the bill is still open. Free space on the disk (call support), then finish the sale again.",

	"desk.register.ok":           "Register ready",
	"desk.register.no_link":      "The fiscal register does not answer: check the cable and the power.",
	"desk.register.paper_out":    "The fiscal register is out of paper.",
	"desk.register.cover_open":   "The fiscal register's cover is open.",
	"desk.register.shift_over24": "The shift is over 24 hours: print the Z report.",
	"desk.register.shift_closed": "No shift is open on the fiscal register.",
	"desk.register.busy":         "The fiscal register is busy: try again.",
	"desk.register.unknown":      "The fiscal register may or may not have done it: reconcile before anything else.",
	"desk.register.error":        "The fiscal register reported an error.",

	"desk.request.sell":           "sell {{.Quantity}} × {{.Item}}",
	"desk.request.set_quantity":   "quantity {{.Quantity}} of {{.Item}}",
	"desk.request.manual_price":   "price {{.Price}} for {{.Item}}",
	"desk.request.generic":        "generic item {{.Item}} at {{.Price}}",
	"desk.request.line_discount":  "line discount {{.Discount}} on {{.Item}}",
	"desk.request.total_discount": "total discount {{.Discount}}",
	"desk.request.void_line":      "void line {{.Item}}",
	"desk.request.cancel_bill":    "cancel the bill",
	"desk.request.park":           "park the bill",
	"desk.request.recall":         "recall a parked bill",
	"desk.request.prebill":        "pre-bill print {{.Count}}",
	"desk.request.return":         "return of receipt {{.Receipt}}",
	"desk.request.return_free":    "return without a receipt",
	"desk.request.pay":            "payment of {{.Amount}}",
	"desk.request.clear_payments": "take the payments back",
	"desk.request.checkout":       "receipt of {{.Amount}}",
	"desk.request.reprint":        "reprint of the last receipt",
	"desk.request.shift_open":     "open shift",
	"desk.request.x_report":       "X report",
	"desk.request.z_report":       "Z report (close shift)",
	"desk.request.cash_in":        "cash in {{.Amount}}",
	"desk.request.cash_out":       "cash out {{.Amount}}",
	"desk.request.drawer":         "open the cash drawer",
	"desk.request.history_all":    "journal of every cashier",
	"desk.request.impersonate":    "lend supervisor rights",
}

// Messages returns the desk's keys and English texts, for translation tests.
func Messages() map[string]string {
	out := make(map[string]string, len(messages))
	for k, v := range messages {
		out[k] = v
	}
	return out
}

// RegisterMessage explains a register error to the cashier: paper, cover,
// link, shift... nil gives the "ready" text.
func RegisterMessage(err error) policy.Message {
	// The driver's words first where it knows more than the texts below
	// (garbled replies, NAKs, each register error code, proved not done).
	if m, ok := device.Explain(err); ok {
		return policy.Message{Key: m.Key, Fallback: m.Fallback, Args: m.Args}
	}
	switch {
	case err == nil:
		return Text("desk.register.ok", nil)
	case errors.Is(err, device.ErrOutcomeUnknown):
		return Text("desk.register.unknown", nil)
	case errors.Is(err, device.ErrNoLink):
		return Text("desk.register.no_link", nil)
	case errors.Is(err, device.ErrPaperOut):
		return Text("desk.register.paper_out", nil)
	case errors.Is(err, device.ErrCoverOpen):
		return Text("desk.register.cover_open", nil)
	case errors.Is(err, device.ErrShiftOver24h):
		return Text("desk.register.shift_over24", nil)
	case errors.Is(err, device.ErrShiftClosed):
		return Text("desk.register.shift_closed", nil)
	case errors.Is(err, device.ErrBusy):
		return Text("desk.register.busy", nil)
	}
	return Text("desk.register.error", nil)
}

// MessageOf is the text a cashier sees for any error a desk method returns:
// a denial's reason, the desk's own errors, the sale core's, the register's.
func MessageOf(err error) policy.Message {
	var d *Denied
	if errors.As(err, &d) {
		return d.Message()
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	if r, ok := errors.AsType[*Refused](err); ok {
		return r.Msg
	}
	var se *sale.Error
	if errors.As(err, &se) {
		return policy.Message{Key: se.Key, Fallback: se.Fallback, Args: se.Args}
	}
	for _, k := range []error{
		device.ErrOutcomeUnknown, device.ErrNoLink, device.ErrPaperOut, device.ErrCoverOpen,
		device.ErrShiftOver24h, device.ErrShiftClosed, device.ErrBusy, device.ErrNotDone, device.ErrWaitCancelled,
	} {
		if errors.Is(err, k) {
			return RegisterMessage(err)
		}
	}
	if errors.Is(err, syscall.ENOSPC) {
		// The store's disk-full error carries ENOSPC (store.ErrDiskFull).
		return Text("desk.error.disk_full", nil)
	}
	return Text("desk.error.internal", nil)
}

// registerErr wraps a register error so the cashier sees what to do.
func registerErr(what string, err error) error {
	return &Error{Kind: err, Msg: RegisterMessage(err), Err: fmt.Errorf("%s: %w", what, err)}
}
