package emu

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// FaultKind names a misbehaviour the emulator can be told to show.
// docs/emulator.md describes what each looks like on the wire.
type FaultKind int

const (
	// PaperOut: the receipt roll is empty. With AfterLines = 0 it is out at
	// once (submode 1, print commands refused with 6Bh). With AfterLines > 0
	// the roll ends after that many more printed lines: the command that runs
	// it out gets 6Bh (FN-writing commands are already in fiscal memory, as
	// on a real device), the register goes to submode 2, then to 3 when paper
	// is loaded (Clear), and waits for B0h (58h until then).
	PaperOut FaultKind = iota + 1
	// CoverOpen: flags b10 set; print commands fail with 77h.
	CoverOpen
	// Silence: the device answers nothing and executes nothing (power or
	// cable gone). Bytes sent meanwhile are lost.
	Silence
	// NAK: the next Count frames (default 1) are answered with NAK and not
	// executed.
	NAK
	// CorruptReply: one byte of the next Count reply transmissions
	// (default 1; a re-send after ENQ counts) is flipped, so the host sees
	// a bad LRC and must NAK and ask again.
	CorruptReply
	// Disconnect: after executing the command After (any command when 0) the
	// device falls silent, keeping that command's reply. Once cleared it
	// answers ENQ with ACK and hands the held reply over.
	Disconnect
	// SlowZ: the Z report takes Duration (default 20 s); ENQ is answered with
	// ACK meanwhile.
	SlowZ
	// Shift24h: the open shift counts as older than 24 hours (mode 3):
	// receipts fail with 4Eh, only Z is possible.
	Shift24h
)

var faultNames = map[FaultKind]string{
	PaperOut:     "paperout",
	CoverOpen:    "cover",
	Silence:      "silence",
	NAK:          "nak",
	CorruptReply: "corrupt",
	Disconnect:   "disconnect",
	SlowZ:        "slowz",
	Shift24h:     "shift24h",
}

func (k FaultKind) String() string {
	if n, ok := faultNames[k]; ok {
		return n
	}
	return "fault(" + strconv.Itoa(int(k)) + ")"
}

// Fault is one injected misbehaviour. Only the fields of its Kind matter.
type Fault struct {
	Kind FaultKind
	// AfterLines (PaperOut): lines still printable before the roll ends.
	AfterLines int
	// Count (NAK, CorruptReply): how many frames or replies; 0 means 1.
	Count int
	// After (Disconnect): the command after whose execution the line goes
	// dead; 0 means at once.
	After proto.Command
	// Duration (SlowZ): how long the Z report takes; 0 means 20 s.
	Duration time.Duration
}

func (f Fault) String() string {
	switch f.Kind {
	case PaperOut:
		if f.AfterLines > 0 {
			return fmt.Sprintf("paperout:%d", f.AfterLines)
		}
	case NAK, CorruptReply:
		if f.Count > 1 {
			return fmt.Sprintf("%s:%d", f.Kind, f.Count)
		}
	case Disconnect:
		if f.After != 0 {
			return fmt.Sprintf("disconnect:%X", uint16(f.After))
		}
	case SlowZ:
		if f.Duration > 0 {
			return "slowz:" + f.Duration.String()
		}
	}
	return f.Kind.String()
}

// ParseFault reads the command-line form of a fault: NAME or NAME:ARG, as
// printed by Fault.String — paperout[:LINES], cover, silence, nak[:N],
// corrupt[:N], disconnect[:CMDHEX], slowz[:DURATION], shift24h.
func ParseFault(s string) (Fault, error) {
	name, arg, hasArg := strings.Cut(strings.TrimSpace(strings.ToLower(s)), ":")
	var kind FaultKind
	for k, n := range faultNames {
		if n == name {
			kind = k
		}
	}
	if kind == 0 {
		return Fault{}, fmt.Errorf("unknown fault %q (known: paperout, cover, silence, nak, corrupt, disconnect, slowz, shift24h)", name)
	}
	f := Fault{Kind: kind}
	if !hasArg {
		return f, nil
	}
	bad := func(err error) (Fault, error) {
		return Fault{}, fmt.Errorf("fault %s: bad argument %q: %w", name, arg, err)
	}
	switch kind {
	case PaperOut, NAK, CorruptReply:
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return bad(fmt.Errorf("want a count"))
		}
		if kind == PaperOut {
			f.AfterLines = n
		} else {
			f.Count = n
		}
	case Disconnect:
		v, err := strconv.ParseUint(strings.TrimSuffix(arg, "h"), 16, 16)
		if err != nil {
			return bad(err)
		}
		f.After = proto.Command(v)
	case SlowZ:
		d, err := time.ParseDuration(arg)
		if err != nil {
			return bad(err)
		}
		f.Duration = d
	default:
		return bad(fmt.Errorf("takes no argument"))
	}
	return f, nil
}
