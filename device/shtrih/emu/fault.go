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
	// PaperAfter: the roll ends while the command On prints, after it has
	// done its work (a close or a shift document is in fiscal memory): the
	// reply is 6Bh, the register goes to submode 2, and to 3 once paper is
	// loaded (Clear(PaperOut) or Clear(PaperAfter)), waiting for B0h.
	PaperAfter
	// Missing: the firmware lacks the command On (it answers 37h), as older
	// firmware lacks FF0Ch, FF41h or 1Eh. Injecting it again adds another
	// command; Clear(Missing) restores them all.
	Missing
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
	PaperAfter:   "paperafter",
	Missing:      "missing",
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
	// (Silence, Disconnect): how long the line stays dead; 0 means until
	// cleared.
	Duration time.Duration
	// On aims the fault at one command (0 = any):
	//   - NAK: only frames of this command are NAKed (a NAK storm on it);
	//   - CorruptReply: only replies to this command are garbled;
	//   - PaperOut: the roll ends when this command arrives, before it
	//     runs: 6Bh, not executed, submode 2 (mid-document);
	//   - PaperAfter, Missing: the command concerned (required);
	//   - Silence: the frame of this command is swallowed unACKed and not
	//     executed, and the line stays dead for Duration: silence before
	//     the ACK. (Silence after the ACK is Disconnect with After.)
	On proto.Command
}

func (f Fault) String() string {
	s := f.base()
	if f.On != 0 {
		s += fmt.Sprintf("@%X", uint16(f.On))
	}
	return s
}

func (f Fault) base() string {
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
		if f.After != 0 && f.Duration <= 0 {
			return fmt.Sprintf("disconnect:%X", uint16(f.After))
		}
		if f.Duration > 0 {
			return fmt.Sprintf("disconnect:%X:%s", uint16(f.After), f.Duration)
		}
	case SlowZ, Silence:
		if f.Duration > 0 {
			return f.Kind.String() + ":" + f.Duration.String()
		}
	}
	return f.Kind.String()
}

// ParseFault reads the command-line form of a fault: NAME, NAME:ARG, either
// followed by @CMDHEX to aim it at one command, as printed by Fault.String —
// paperout[:LINES][@CMD], paperafter@CMD, cover, silence[:DURATION][@CMD],
// nak[:N][@CMD], corrupt[:N][@CMD], disconnect[:CMDHEX[:DURATION]],
// slowz[:DURATION], shift24h, missing@CMD.
func ParseFault(s string) (Fault, error) {
	s, on, hasOn := strings.Cut(strings.TrimSpace(strings.ToLower(s)), "@")
	var onCmd proto.Command
	if hasOn {
		v, err := strconv.ParseUint(strings.TrimSuffix(on, "h"), 16, 16)
		if err != nil {
			return Fault{}, fmt.Errorf("fault %s: bad command %q: %w", s, on, err)
		}
		onCmd = proto.Command(v)
	}
	f, err := parseFault(s)
	if err != nil {
		return f, err
	}
	f.On = onCmd
	if (f.Kind == PaperAfter || f.Kind == Missing) && f.On == 0 {
		return Fault{}, fmt.Errorf("fault %s needs a command: %s@CMDHEX", f.Kind, f.Kind)
	}
	return f, nil
}

func parseFault(s string) (Fault, error) {
	name, arg, hasArg := strings.Cut(s, ":")
	var kind FaultKind
	for k, n := range faultNames {
		if n == name {
			kind = k
		}
	}
	if kind == 0 {
		return Fault{}, fmt.Errorf("unknown fault %q (known: paperout, paperafter, cover, silence, nak, corrupt, disconnect, slowz, shift24h, missing)", name)
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
		cmd, dur, hasDur := strings.Cut(arg, ":")
		v, err := strconv.ParseUint(strings.TrimSuffix(cmd, "h"), 16, 16)
		if err != nil {
			return bad(err)
		}
		f.After = proto.Command(v)
		if hasDur {
			d, err := time.ParseDuration(dur)
			if err != nil {
				return bad(err)
			}
			f.Duration = d
		}
	case SlowZ, Silence:
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
