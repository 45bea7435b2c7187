package scan

import (
	"errors"
	"fmt"
)

// Sentinels callers branch on; every error returned by this package wraps
// one of them inside an *Error that carries the cashier's message.
var (
	ErrMalformedReport = errors.New("malformed report")
	ErrUnknownKey      = errors.New("key has no character")
	ErrIncomplete      = errors.New("incomplete read")
	ErrCheckDigit      = errors.New("bad check digit")
	ErrNotItemCode     = errors.New("not an item code")
	ErrNoLabelLayout   = errors.New("no layout for label prefix")
	ErrGS1             = errors.New("bad GS1 element string")
	ErrMarking         = errors.New("bad marking code")
	ErrTrack           = errors.New("unreadable track")
	ErrPaymentCard     = errors.New("payment card, not a badge")
	ErrBadge           = errors.New("unreadable badge")
	ErrBadgeForm       = errors.New("badge form cannot give the configured ID")
)

// Error is an input error with a stable message key and an English fallback
// for the cashier (placeholders in go-i18n form, {{.Name}}), plus a detail for
// the log. Detail and Args never hold a badge ID or card number.
type Error struct {
	Key      string
	Fallback string
	Args     map[string]any
	Detail   string
	Err      error // the sentinel
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + ": " + e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

func newErr(sentinel error, key, fallback string, args map[string]any, detailf string, a ...any) *Error {
	return &Error{Key: key, Fallback: fallback, Args: args, Detail: fmt.Sprintf(detailf, a...), Err: sentinel}
}

// AsError returns err's *Error, or wraps an unexpected error in a generic one
// so a caller always has a message key to show.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Key: "input.error", Fallback: "The reader sent something the till cannot read", Detail: err.Error(), Err: err}
}
