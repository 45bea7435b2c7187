package device

import "errors"

// Errors callers branch on. Drivers wrap them with detail.
var (
	// ErrOutcomeUnknown: a state-changing command may or may not have been
	// executed. Reconcile (last document, find document) before anything else.
	ErrOutcomeUnknown = errors.New("register: outcome unknown")
	ErrNoLink         = errors.New("register: no link")
	ErrPaperOut       = errors.New("register: paper out")
	ErrCoverOpen      = errors.New("register: cover open")
	ErrShiftOver24h   = errors.New("register: shift over 24 hours")
	ErrShiftClosed    = errors.New("register: shift not open")
	ErrBusy           = errors.New("register: busy")
	// ErrCannotRepeat: the register cannot print its own copy of the last
	// receipt (no such command, or no receipt to repeat).
	ErrCannotRepeat = errors.New("register: cannot repeat the document")
)
