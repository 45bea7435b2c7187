package device

import (
	"context"
	"errors"
	"time"
)

// Recovery after an unknown outcome (docs/shtrih.md "Waiting for the
// register"): the register's own state decides what became of a command, so
// the till keeps the link alive and reads that state, patiently, instead of
// giving up after a few seconds or sending the command again.

// ErrNotDone says the register's state proved that a command which failed
// was not done (nothing in fiscal memory, any open document cancelled): the
// operation may be started again.
var ErrNotDone = errors.New("register: proved not done")

// ErrWaitCancelled is the person at the till giving up on waiting for the
// register: whatever was under way stays as it was, recoverable later
// (Reconcile at the next start or from the window).
var ErrWaitCancelled = errors.New("register: waiting cancelled")

// RegisterState is what the register says about itself when it answers:
// the evidence recovery decides on.
type RegisterState struct {
	Status
	// LastFD is the number of the last document in fiscal storage.
	LastFD uint32
	// OpenDoc is the FN document currently open (0 none, 2 shift open,
	// 4 receipt, 8 shift close).
	OpenDoc byte
	// DocNo is the register's own document counter (cash moves and X
	// reports advance it, they are not in fiscal storage); 0 if unknown.
	DocNo uint16
}

// Settler is a register that can wait for itself after an unknown outcome:
// it keeps the link alive (ENQ probes, collecting a reply it still holds),
// waits out printing and continues after a paper change, and returns its
// state once it answers — or an error once patience runs out or ctx ends
// (ErrWaitCancelled wrapped with the cause). Progress goes to the callback
// of ctx (WithProgress).
type Settler interface {
	Settle(ctx context.Context, patience time.Duration) (RegisterState, error)
}

// Waiting stages a Settler reports as device.Progress.Stage; they are
// message keys too (assets/lang/register).
const (
	StageWaitLink     = "register.wait.link"     // nothing answers yet
	StageWaitGarbled  = "register.wait.garbled"  // replies arrive damaged
	StageWaitRejected = "register.wait.rejected" // the register refuses frames (NAK)
	StageWaitPrinting = "register.wait.printing" // the register is printing
	StageWaitPaper    = "register.wait.paper"    // paper out: load paper
	StageWaitState    = "register.wait.state"    // reading the fiscal memory
)

// DefaultPatience is how long recovery waits for a register before it
// leaves the decision to a person: minutes, because real registers take
// that long to come back (a printer jam cleared, a cable plugged back,
// a slow shift report), and a bill left unresolved blocks the till.
const DefaultPatience = 3 * time.Minute

type progressKey struct{}

// WithProgress returns a context whose waits report their progress to f:
// the window's "waiting for the register" dialog sets it, and every command
// run with the context reports through it, whatever layer starts the wait.
func WithProgress(ctx context.Context, f func(Progress)) context.Context {
	return context.WithValue(ctx, progressKey{}, f)
}

// ProgressOf is the progress callback of ctx; never nil.
func ProgressOf(ctx context.Context) func(Progress) {
	if f, ok := ctx.Value(progressKey{}).(func(Progress)); ok && f != nil {
		return f
	}
	return func(Progress) {}
}

// Message is a cashier message a driver words for one of its errors: a
// message key (assets/lang/register), an English fallback template and its
// arguments.
type Message struct {
	Key      string
	Fallback string
	Args     map[string]any
}

var explainers []func(error) (Message, bool)

// RegisterExplainer lets a driver word the errors it knows better than the
// generic texts of the till (garbled replies, NAKs, each register error
// code, "proved not done"); drivers call it from init.
func RegisterExplainer(f func(error) (Message, bool)) { explainers = append(explainers, f) }

// Explain is the driver's message for err, if a driver has one.
func Explain(err error) (Message, bool) {
	for _, f := range explainers {
		if m, ok := f(err); ok {
			return m, true
		}
	}
	return Message{}, false
}

// ModeMessage names the register's mode for a person (10h mode, §4 of the
// protocol sheet), as a message key of assets/lang/register.
func ModeMessage(s Status) Message {
	switch s.Mode {
	case ModeShiftOpen:
		return Message{Key: "register.mode.shift_open", Fallback: "shift open"}
	case ModeShiftExpired:
		return Message{Key: "register.mode.shift_expired", Fallback: "shift open for over 24 hours"}
	case ModeShiftClosed:
		return Message{Key: "register.mode.shift_closed", Fallback: "shift closed"}
	case ModeReceiptOpen:
		return Message{Key: "register.mode.receipt_open", Fallback: "a receipt is open"}
	}
	return Message{Key: "register.mode.other", Fallback: "service mode {{.Mode}}", Args: map[string]any{"Mode": int(s.Mode)}}
}

// SubmodeMessage names the register's submode (paper and printing).
func SubmodeMessage(s Status) Message {
	switch s.Submode {
	case 0:
		return Message{Key: "register.submode.idle", Fallback: "paper in, idle"}
	case 1:
		return Message{Key: "register.submode.paper_out", Fallback: "paper out"}
	case 2:
		return Message{Key: "register.submode.paper_out_printing", Fallback: "paper ran out while printing"}
	case 3:
		return Message{Key: "register.submode.wait_continue", Fallback: "paper loaded, waiting to continue printing"}
	case 4:
		return Message{Key: "register.submode.printing_report", Fallback: "printing a long report"}
	}
	return Message{Key: "register.submode.printing", Fallback: "printing"}
}

// StateMessage names the register's whole state for a person, "a receipt
// is open, paper ran out while printing": mode and submode as messages
// inside it (Args Mode and Submode are Messages, translated before this
// one).
func StateMessage(s Status) Message {
	return Message{Key: "register.state", Fallback: "{{.Mode}}, {{.Submode}}", Args: map[string]any{
		"Mode": ModeMessage(s), "Submode": SubmodeMessage(s),
	}}
}

// StateKeys lists the message keys StateMessage, ModeMessage and
// SubmodeMessage return, for the translation tests.
func StateKeys() []string {
	keys := []string{"register.state"}
	for _, m := range []Mode{ModeShiftOpen, ModeShiftExpired, ModeShiftClosed, ModeReceiptOpen, 1} {
		keys = append(keys, ModeMessage(Status{Mode: m}).Key)
	}
	for sub := byte(0); sub <= 5; sub++ {
		keys = append(keys, SubmodeMessage(Status{Submode: sub}).Key)
	}
	return keys
}

// PrintPender is a register that knows a document it fiscalised is not
// fully printed yet (the paper ran out after the fiscal write): the till
// must tell the cashier to load paper and continue printing, never just
// "receipt printed". It answers from memory, without asking the register.
type PrintPender interface {
	PrintPending() bool
}
