package shtrih

import (
	"bytes"
	"errors"
	"fmt"
	"text/template"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/link"
	"github.com/tillpos/till/device/shtrih/proto"
)

// Error is a non-zero ERR byte in a reply: the device refused the command,
// so it was not executed (fiscal-shtrih-m.md §1.2, §6). errors.Is maps the
// codes callers branch on to device sentinels.
type Error struct {
	Cmd  proto.Command
	Code byte
	// Text is the device's own description (command 6Bh) when the driver
	// fetched it; only for codes this package has no words for.
	Text string
}

func (e *Error) Error() string {
	s := fmt.Sprintf("shtrih: %v: error %02Xh", e.Cmd, e.Code)
	if i, ok := errorInfo[e.Code]; ok {
		s += " (" + render(i.en, map[string]any{"Code": fmt.Sprintf("%02X", e.Code)}) + ")"
	} else if e.Text != "" {
		s += " (" + e.Text + ")"
	}
	return s
}

// Is maps device codes to the sentinels of package device.
func (e *Error) Is(target error) bool {
	switch target {
	case device.ErrPaperOut:
		return e.Code == 0x6B || e.Code == 0x6C
	case device.ErrShiftOver24h:
		return e.Code == 0x4E || e.Code == 0x16
	case device.ErrShiftClosed:
		return e.Code == 0x3D
	case device.ErrBusy:
		return e.Code == 0x50
	case device.ErrCoverOpen:
		// No code of its own: the printer's sensors report it (§5).
		return e.Code == 0x77 || e.Code == 0xC8
	case ErrUnsupported:
		return e.Code == 0x37
	}
	return false
}

// ErrUnsupported matches error 37h: the model lacks the command, so the
// driver falls back (FF45h/FF46h -> 85h/80h).
var ErrUnsupported = errors.New("shtrih: command not supported by this model")

// ErrProtocol is a reply that does not fit the command: wrong echo, too
// short. The command was acknowledged, so it may have run.
var ErrProtocol = errors.New("shtrih: malformed reply")

// errInfo is one code's message key and English fallback (a go-i18n
// template over .Code and .Text).
type errInfo struct {
	key string
	en  string
}

// errorInfo covers every code of §5 a cashier can meet. Codes sharing a
// meaning share a key so translators write it once.
var errorInfo = func() map[byte]errInfo {
	m := map[byte]errInfo{
		0x01: {"register.error.01", "Fiscal storage: unknown command or bad format"},
		0x02: {"register.error.02", "Fiscal storage is in the wrong state for this operation"},
		0x03: {"register.error.03", "Fiscal storage failure: call service"},
		0x04: {"register.error.03", "Fiscal storage failure: call service"},
		0x05: {"register.error.05", "Fiscal storage lifetime is over: replace the fiscal storage"},
		0x06: {"register.error.06", "Fiscal storage archive is full: replace the fiscal storage"},
		0x07: {"register.error.07", "Fiscal storage: wrong date or time, check the register clock"},
		0x08: {"register.error.08", "Fiscal storage has no such document"},
		0x09: {"register.error.09", "Fiscal storage: bad parameter value"},
		0x10: {"register.error.10", "Tag data too large"},
		0x11: {"register.error.11", "No connection to the fiscal data operator: try again later"},
		0x12: {"register.error.12", "Fiscal storage resource exhausted: call service"},
		0x14: {"register.error.12", "Fiscal storage resource exhausted: call service"},
		0x15: {"register.error.15", "Documents not sent to the fiscal data operator for over 30 days"},
		0x16: {"register.error.shift24", "Shift over 24 hours: close the shift (Z report)"},
		0x17: {"register.error.17", "Time between two operations differs by more than 5 minutes: check the register clock"},
		0x20: {"register.error.20", "The fiscal data operator rejected the message"},
		0x2F: {"register.error.2F", "The register cannot reach its fiscal storage: call service"},
		0x30: {"register.error.2F", "The register cannot reach its fiscal storage: call service"},
		0x33: {"register.error.33", "The register rejected the command parameters"},
		0x34: {"register.error.34", "The register has no such data"},
		0x35: {"register.error.35", "Bad register setting"},
		0x36: {"register.error.35", "Bad register setting"},
		0x37: {"register.error.37", "Command not supported by this register model"},
		0x38: {"register.error.38", "Register memory or firmware error: call service"},
		0x39: {"register.error.38", "Register memory or firmware error: call service"},
		0x3C: {"register.error.3C", "The shift is open: close it first"},
		0x3D: {"register.error.3D", "The shift is not open: open the shift first"},
		0x45: {"register.error.45", "Payments are less than the receipt total"},
		0x46: {"register.error.46", "Not enough cash in the drawer"},
		0x4A: {"register.error.4A", "A receipt is open on the register"},
		0x4E: {"register.error.shift24", "Shift over 24 hours: close the shift (Z report)"},
		0x4F: {"register.error.4F", "Wrong register password: check the device settings"},
		0x50: {"register.error.50", "The register is busy printing: wait a moment"},
		0x55: {"register.error.55", "No receipt is open on the register"},
		0x56: {"register.error.56", "No document to repeat"},
		0x58: {"register.error.58", "The register waits for the command to continue printing"},
		0x59: {"register.error.59", "The document was opened by another cashier"},
		0x5E: {"register.error.5E", "Operation not allowed"},
		0x6B: {"register.error.6B", "Paper out: load receipt paper"},
		0x6C: {"register.error.6C", "No journal paper: load journal paper"},
		0x71: {"register.error.71", "Paper cutter error: check the printer"},
		0x72: {"register.error.72", "The register cannot do this now: wait or check the paper"},
		0x73: {"register.error.73", "The register cannot do this in its current mode"},
		0x77: {"register.error.77", "Printer error: check the cover and the paper"},
		0xC8: {"register.error.77", "Printer error: check the cover and the paper"},
		0x7C: {"register.error.7C", "Register date does not match: confirm date and time"},
		0x7D: {"register.error.7C", "Register date does not match: confirm date and time"},
		0xC0: {"register.error.7C", "Register date does not match: confirm date and time"},
		0x8E: {"register.error.8E", "The receipt total is zero"},
		0xC4: {"register.error.C4", "Shift numbers do not match: call service"},
	}
	// Range and overflow errors: a bug or a value the register cannot
	// hold; the cashier can only report the code.
	rng := errInfo{"register.error.range", "A value is out of the register's range (error {{.Code}}h)"}
	for _, c := range []byte{0x40, 0x41, 0x42, 0x43, 0x44, 0x48, 0x5B, 0x5F, 0x60, 0x61, 0x62, 0x63, 0x7F} {
		m[c] = rng
	}
	for c := byte(0x84); c <= 0x8D; c++ {
		m[c] = rng
	}
	for c := byte(0xA0); c <= 0xA5; c++ {
		m[c] = errInfo{"register.error.marking", "Marking code rejected by the fiscal storage (error {{.Code}}h)"}
	}
	return m
}()

// Message is what a cashier sees: a stable key for the translations in
// assets/lang/register, an English fallback template and its arguments.
// The UI passes them to lang.LocalizeKey.
type Message struct {
	Key      string
	Fallback string
	Args     map[string]any
}

// String renders the English fallback, for logs and the command line.
func (m Message) String() string { return render(m.Fallback, m.Args) }

// Messages for conditions that are not an ERR byte.
var (
	msgNoLink    = Message{Key: "register.no_link", Fallback: "The register does not answer: check that it is on and connected"}
	msgUnknown   = Message{Key: "register.outcome_unknown", Fallback: "The register stopped answering during the operation: it may or may not be done. Check the register before repeating"}
	msgPaperOut  = Message{Key: "register.error.6B", Fallback: "Paper out: load receipt paper"}
	msgCoverOpen = Message{Key: "register.cover_open", Fallback: "The register cover is open: close it"}
	msgShift24   = Message{Key: "register.error.shift24", Fallback: "Shift over 24 hours: close the shift (Z report)"}
	msgShiftOff  = Message{Key: "register.error.3D", Fallback: "The shift is not open: open the shift first"}
	msgBusy      = Message{Key: "register.error.50", Fallback: "The register is busy printing: wait a moment"}
	msgProtocol  = Message{Key: "register.protocol", Fallback: "The register answered something unexpected: check the register before repeating"}
	msgTax       = Message{Key: "register.tax_unsupported", Fallback: "This VAT rate cannot be sent to the register"}
	msgReceipt   = Message{Key: "register.bad_receipt", Fallback: "The receipt cannot be sent to the register: {{.Why}}"}
	msgINN       = Message{Key: "register.bad_inn", Fallback: "The cashier's INN must be 10 or 12 digits"}
	msgForeign   = Message{Key: "register.foreign_document", Fallback: "The fiscal storage holds a document the till did not expect: call a supervisor before going on"}
	msgOther     = Message{Key: "register.failed", Fallback: "Register operation failed"}
	msgGarbled   = Message{Key: "register.garbled", Fallback: "The register answers, but its replies arrive damaged: check the cable and its plugs, then try again"}
	msgRejected  = Message{Key: "register.rejected", Fallback: "The register keeps refusing the command it is sent (NAK): check the cable and the port speed, then try again"}
	msgNotDone   = Message{Key: "register.not_done", Fallback: "The register did not do it; its fiscal memory shows nothing was recorded. You can do it again"}
	msgCancelled = Message{Key: "register.wait_cancelled", Fallback: "You stopped waiting for the register. Nothing is lost: press Reconcile when the register is back"}
	msgPaperLoad = Message{Key: "register.paper_load", Fallback: "The register is out of paper: load receipt paper, then press Retry"}
)

// MessageOf finds the cashier message for any error this package returns.
// Outcome-unknown wins over everything: it is the one that changes what the
// cashier must do next.
func MessageOf(err error) Message {
	var e *Error
	var r *ReceiptError
	switch {
	case err == nil:
		return Message{}
	case errors.Is(err, device.ErrWaitCancelled):
		return msgCancelled
	case errors.Is(err, device.ErrOutcomeUnknown):
		return msgUnknown
	case errors.Is(err, device.ErrNotDone) && !errors.Is(err, device.ErrPaperOut):
		return msgNotDone
	case errors.As(err, &e) && (e.Code == 0x6B || e.Code == 0x58):
		return msgPaperLoad
	case errors.As(err, &e):
		args := map[string]any{"Code": fmt.Sprintf("%02X", e.Code), "Text": e.Text}
		if i, ok := errorInfo[e.Code]; ok {
			return Message{Key: i.key, Fallback: i.en, Args: args}
		}
		if e.Text != "" {
			return Message{Key: "register.error.unknown_text", Fallback: "Register error {{.Code}}h: {{.Text}}", Args: args}
		}
		return Message{Key: "register.error.unknown", Fallback: "Register error {{.Code}}h", Args: args}
	case errors.As(err, &r):
		m := msgReceipt
		m.Args = map[string]any{"Why": r.Why}
		return m
	case errors.Is(err, link.ErrGarbled):
		return msgGarbled
	case errors.Is(err, link.ErrRejected):
		return msgRejected
	case errors.Is(err, device.ErrNoLink), errors.Is(err, link.ErrTimeout):
		return msgNoLink
	case errors.Is(err, device.ErrPaperOut):
		return msgPaperLoad
	case errors.Is(err, device.ErrCoverOpen):
		return msgCoverOpen
	case errors.Is(err, device.ErrShiftOver24h):
		return msgShift24
	case errors.Is(err, device.ErrShiftClosed):
		return msgShiftOff
	case errors.Is(err, device.ErrBusy):
		return msgBusy
	case errors.Is(err, ErrProtocol):
		return msgProtocol
	case errors.Is(err, ErrTaxUnsupported):
		return msgTax
	case errors.Is(err, ErrReceiptOpen):
		return Message{Key: errorInfo[0x4A].key, Fallback: errorInfo[0x4A].en}
	case errors.Is(err, ErrShiftOpen):
		return Message{Key: errorInfo[0x3C].key, Fallback: errorInfo[0x3C].en}
	case errors.Is(err, ErrBadINN):
		return msgINN
	case errors.Is(err, ErrForeignDocument):
		return msgForeign
	}
	return msgOther
}

// MessageKeys lists every key MessageOf can return, for the translation
// completeness test.
func MessageKeys() []string {
	seen := map[string]bool{}
	var keys []string
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, i := range errorInfo {
		add(i.key)
	}
	for _, m := range []Message{msgNoLink, msgUnknown, msgPaperOut, msgCoverOpen, msgShift24, msgShiftOff, msgBusy, msgProtocol, msgTax, msgReceipt, msgINN, msgForeign, msgOther, msgGarbled, msgRejected, msgNotDone, msgCancelled, msgPaperLoad} {
		add(m.Key)
	}
	add("register.error.unknown")
	add("register.error.unknown_text")
	for _, k := range ProgressStages {
		add(k)
	}
	for _, k := range WaitStages {
		add(k)
	}
	for _, k := range device.StateKeys() {
		add(k)
	}
	return keys
}

func render(tmpl string, args map[string]any) string {
	t, err := template.New("").Option("missingkey=zero").Parse(tmpl)
	if err != nil {
		return tmpl
	}
	var b bytes.Buffer
	if err := t.Execute(&b, args); err != nil {
		return tmpl
	}
	return b.String()
}

// ProgressStages are the device.Progress stages ZReport reports; they are
// message keys too.
var ProgressStages = []string{"register.progress.z_start", "register.progress.z_printing", "register.progress.z_done"}

// errLoadPaper marks paper out the register's status showed (submode 1/2),
// as opposed to a till's guess: the cashier is told to load paper.
var errLoadPaper = errors.New("shtrih: load receipt paper")

// WaitStages are the device.Progress stages Settle reports; message keys.
var WaitStages = []string{
	device.StageWaitLink, device.StageWaitGarbled, device.StageWaitRejected,
	device.StageWaitPrinting, device.StageWaitPaper, device.StageWaitState,
}

func init() { device.RegisterExplainer(explain) }

// explain words for the till the errors where this driver knows more than
// "the register does not answer" or "the register reported an error":
// garbled replies, NAK storms, a wait the cashier cancelled, an operation
// proved not done, and register error codes the till has no words for.
// Paper, cover, busy, shift and outcome-unknown keep the till's own texts.
func explain(err error) (device.Message, bool) {
	var e *Error
	switch {
	case err == nil:
		return device.Message{}, false
	case errors.Is(err, device.ErrWaitCancelled):
	case errors.Is(err, device.ErrOutcomeUnknown):
		return device.Message{}, false // the till's own: reconcile first
	case errors.Is(err, errLoadPaper), errors.As(err, &e) && (e.Code == 0x6B || e.Code == 0x58):
		// The register itself says paper: say what to do about it.
		return device.Message{Key: msgPaperLoad.Key, Fallback: msgPaperLoad.Fallback}, true
	case errors.Is(err, device.ErrPaperOut), errors.Is(err, device.ErrCoverOpen), errors.Is(err, device.ErrBusy),
		errors.Is(err, device.ErrShiftClosed), errors.Is(err, device.ErrShiftOver24h):
		return device.Message{}, false
	case errors.Is(err, device.ErrNotDone), errors.Is(err, link.ErrGarbled), errors.Is(err, link.ErrRejected),
		errors.As(err, &e):
	default:
		return device.Message{}, false
	}
	m := MessageOf(err)
	return device.Message{Key: m.Key, Fallback: m.Fallback, Args: m.Args}, true
}
