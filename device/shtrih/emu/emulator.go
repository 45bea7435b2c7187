package emu

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Paper states, as the 10h submode shows them.
const (
	paperOK       byte = 0
	paperOut      byte = 1 // passive: ran out between documents
	paperOutPrint byte = 2 // active: ran out while printing
	paperWaitB0   byte = 3 // paper loaded after an active paper out, waiting for B0h
)

// Emulator is one emulated register. All methods are safe for concurrent
// use; the line is served by one loop at a time (a second Pipe or Serve
// waits until the first ends), because a real register has one port.
type Emulator struct {
	cfg  Config
	sign func(Document) uint32

	mu  sync.Mutex
	mem memory
	// Faults and the printer, not persisted: they are the world around the
	// register, not its memory.
	paper       byte
	paperLeft   int // lines before the roll ends; <0 = plenty
	cover       bool
	silence     bool
	nakLeft     int
	corruptLeft int
	discArmed   bool
	discAfter   uint16
	dead        bool // disconnected after discAfter executed
	// Aimed faults (Fault.On): the command each waits for, 0 = any.
	nakOn        uint16
	corruptOn    uint16
	paperOn      uint16 // the roll ends when this command arrives
	paperAfterOn uint16 // the roll ends after this command has run
	silenceOn    uint16 // this command's frame is swallowed, then silence
	silenceFor   time.Duration
	discFor      time.Duration
	deafUntil    time.Time // a timed Silence or Disconnect ends then
	missing      map[uint16]bool
	replyCmd     uint16 // the command the pending reply answers
	// Numbered packets (§1.4): the pending reply is a packet (no ACK
	// expected), and the last packet's number and reply answer a repeat.
	replyV2     bool
	v2Num       uint16
	v2Packet    []byte
	slowZ       time.Duration
	shift24h    bool
	drawerUntil time.Time
	lastPrint   byte
	// tape is the text the host printed with 17h (pre-bills, copies), the
	// newest tapeKeep lines: what a person would read off the paper.
	tape []string
	// The print head works through its buffer after the reply is sent:
	// until printUntil (real time) the register is in submode 5, or 4 for a
	// report, and refuses print commands once the buffer is full.
	printUntil time.Time
	printLong  bool
	persistErr error
	serveErr   error

	// The reply of the last command lives with the device, not with a
	// serve loop, so a host that reconnects can still collect it with ENQ.
	reply      []byte
	readyAt    time.Time
	replyState replyState

	// line is held by the serve loop that owns the port; a channel so a
	// loop waiting for it still ends with its context.
	line chan struct{}
}

type replyState int

const (
	replyNone      replyState = iota
	replyExecuting            // command running until readyAt
	replyAwaitAck             // sent, waiting for the host's ACK
	replyHeld                 // kept for the next ENQ (NAKed, unacknowledged or disconnected)
)

// New builds an emulator with fresh fiscal memory, or with the memory kept
// in cfg.StatePath. A state file that exists but cannot be read leaves the
// memory fresh and is reported by Err; use Open to fail instead.
func New(cfg Config) *Emulator {
	e, err := Open(cfg)
	if err != nil {
		e.persistErr = err
	}
	return e
}

// Open is New that refuses to start on an unreadable state file.
func Open(cfg Config) (*Emulator, error) {
	cfg = cfg.withDefaults()
	e := &Emulator{cfg: cfg, mem: newMemory(), paperLeft: -1, sign: cfg.Sign, line: make(chan struct{}, 1)}
	if e.sign == nil {
		e.sign = defaultSign(cfg.Serial)
	}
	if cfg.StatePath != "" {
		b, err := os.ReadFile(cfg.StatePath)
		switch {
		case err == nil:
			if err := e.Restore(b); err != nil {
				return e, fmt.Errorf("emulator state %s: %w", cfg.StatePath, err)
			}
			return e, nil
		case !errors.Is(err, os.ErrNotExist):
			return e, fmt.Errorf("emulator state: %w", err)
		}
	}
	if cfg.StartShiftOpen {
		e.mem.ShiftOpen = true
		e.mem.Shift = 1
		e.mem.ShiftOpened = cfg.Clock()
	}
	return e, nil
}

// Err reports the last failure to load or save the state file, and a
// background serve loop (ServePTY) that ended on an error.
func (e *Emulator) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return errors.Join(e.persistErr, e.serveErr)
}

// State is what 10h and FF01h would say: mode byte (status nibble included),
// submode, current (or last closed) shift number and the last FD number.
func (e *Emulator) State() (mode, submode byte, shift uint16, lastFD uint32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mode(), e.submode(), e.mem.Shift, e.mem.LastFD
}

// submode is the 10h submode: paper states first, then printing.
func (e *Emulator) submode() byte {
	switch {
	case e.paper != paperOK:
		return e.paper
	case time.Now().Before(e.printUntil) && e.printLong:
		return 4
	case time.Now().Before(e.printUntil):
		return 5
	}
	return 0
}

// Documents returns a copy of the fiscal storage, oldest first.
func (e *Emulator) Documents() []Document {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Document, len(e.mem.Docs))
	for i, d := range e.mem.Docs {
		d.Lines = append([]Line(nil), d.Lines...)
		d.Payments = append([]int64(nil), d.Payments...)
		d.Taxes = append([]int64(nil), d.Taxes...)
		d.Tags = append([]TLV(nil), d.Tags...)
		out[i] = d
	}
	return out
}

// CashInDrawer is the register's cash counter in kopecks.
func (e *Emulator) CashInDrawer() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mem.Cash
}

// Inject turns a fault on. Injecting a kind again replaces its parameters.
func (e *Emulator) Inject(f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch f.Kind {
	case PaperOut:
		if f.On != 0 {
			e.paperOn = uint16(f.On)
			break
		}
		if f.AfterLines > 0 {
			e.paperLeft = f.AfterLines
		} else {
			e.paperLeft = 0
			if e.paper == paperOK {
				e.paper = paperOut
			}
		}
	case CoverOpen:
		e.cover = true
	case Silence:
		if f.On != 0 {
			e.silenceOn, e.silenceFor = uint16(f.On), f.Duration
			break
		}
		e.silence = true
		e.deafUntil = time.Time{}
		if f.Duration > 0 {
			e.deafUntil = time.Now().Add(f.Duration)
		}
	case NAK:
		e.nakLeft, e.nakOn = max(f.Count, 1), uint16(f.On)
	case CorruptReply:
		e.corruptLeft, e.corruptOn = max(f.Count, 1), uint16(f.On)
	case Disconnect:
		e.discFor = f.Duration
		if f.After == 0 {
			e.goDeadLocked()
			if e.replyState == replyAwaitAck {
				e.replyState = replyHeld
			}
		} else {
			e.discArmed, e.discAfter = true, uint16(f.After)
		}
	case PaperAfter:
		e.paperAfterOn = uint16(f.On)
	case Missing:
		if e.missing == nil {
			e.missing = map[uint16]bool{}
		}
		e.missing[uint16(f.On)] = true
	case SlowZ:
		e.slowZ = f.Duration
		if e.slowZ <= 0 {
			e.slowZ = 20 * time.Second
		}
	case Shift24h:
		e.shift24h = true
	}
}

// Clear turns the named faults off, or all of them when none is named.
// Clearing PaperOut loads paper: submode 1 returns to 0, submode 2 goes to 3
// (waiting for B0h). Clearing Disconnect reconnects the line.
func (e *Emulator) Clear(kinds ...FaultKind) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(kinds) == 0 {
		kinds = []FaultKind{PaperOut, CoverOpen, Silence, NAK, CorruptReply, Disconnect, SlowZ, Shift24h, PaperAfter, Missing}
	}
	for _, k := range kinds {
		switch k {
		case PaperOut, PaperAfter:
			e.paperLeft, e.paperOn, e.paperAfterOn = -1, 0, 0
			switch e.paper {
			case paperOut:
				e.paper = paperOK
			case paperOutPrint:
				e.paper = paperWaitB0
			}
		case CoverOpen:
			e.cover = false
		case Silence:
			e.silence, e.silenceOn = false, 0
		case NAK:
			e.nakLeft, e.nakOn = 0, 0
		case CorruptReply:
			e.corruptLeft, e.corruptOn = 0, 0
		case Disconnect:
			e.dead, e.discArmed = false, false
		case Missing:
			e.missing = nil
		case SlowZ:
			e.slowZ = 0
		case Shift24h:
			e.shift24h = false
		}
	}
}

// goDeadLocked silences the line after a command ran (Disconnect), for
// discFor when set.
func (e *Emulator) goDeadLocked() {
	e.dead = true
	if e.discFor > 0 {
		e.deafUntil = time.Now().Add(e.discFor)
	}
}

// deafLocked reports whether the line is dead now; a timed Silence or
// Disconnect whose time is up ends here.
func (e *Emulator) deafLocked(now time.Time) bool {
	if (e.silence || e.dead) && !e.deafUntil.IsZero() && !now.Before(e.deafUntil) {
		e.silence, e.dead, e.deafUntil = false, false, time.Time{}
	}
	return e.silence || e.dead
}

// snapshot is the state file's format.
type snapshot struct {
	Version int
	Memory  memory
}

// Snapshot serialises the fiscal memory (documents, shift, counters, tables,
// open receipt). Faults are not part of it.
func (e *Emulator) Snapshot() ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.snapshotLocked()
}

func (e *Emulator) snapshotLocked() ([]byte, error) {
	b, err := json.MarshalIndent(snapshot{Version: 1, Memory: e.mem}, "", " ")
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return b, nil
}

// Restore replaces the fiscal memory with a Snapshot.
func (e *Emulator) Restore(b []byte) error {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if s.Version != 1 {
		return fmt.Errorf("restore: unknown state version %d", s.Version)
	}
	if s.Memory.Tables == nil {
		s.Memory.Tables = map[string][]byte{}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.mem = s.Memory
	return nil
}

// persistLocked writes the state file atomically (temp file + rename), so a
// crash never leaves half a fiscal memory behind.
func (e *Emulator) persistLocked() {
	if e.cfg.StatePath == "" {
		return
	}
	b, err := e.snapshotLocked()
	if err == nil {
		err = writeFileAtomic(e.cfg.StatePath, b)
	}
	e.persistErr = err
}

func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// mode is the 10h mode byte: low nibble mode, high nibble receipt type.
func (e *Emulator) mode() byte {
	m := &e.mem
	switch {
	case m.Receipt != nil:
		return 8 | m.Receipt.Type<<4
	case !m.ShiftOpen:
		return 4
	case e.over24hLocked():
		return 3
	default:
		return 2
	}
}

func (e *Emulator) over24hLocked() bool {
	return e.mem.ShiftOpen && (e.shift24h || e.cfg.Clock().Sub(e.mem.ShiftOpened) >= 24*time.Hour)
}
