package linedrawer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/device"
	"go.bug.st/serial"
)

// Lines are the modem input lines.
type Lines struct{ CTS, DSR, DCD, RI bool }

// LineControl is what a line-driven drawer needs of a serial port.
type LineControl interface {
	SetDTR(on bool) error
	SetRTS(on bool) error
	ModemStatus() (Lines, error)
}

// Output is the line that fires the drawer.
type Output byte

const (
	DTR Output = iota
	RTS
)

// Input is the line the drawer switch is wired to.
type Input byte

const (
	NoSense Input = iota // status unknown
	CTS
	DSR
)

// Config of a line-driven drawer.
type Config struct {
	Fire Output
	// Pulse is how long the line stays asserted. Default 200 ms.
	Pulse time.Duration
	Sense Input
	// OpenWhenLow says the drawer is open when the sense line is
	// deasserted; default: asserted = open.
	OpenWhenLow bool
}

type Drawer struct {
	lc  LineControl
	cfg Config
}

var _ device.Drawer = (*Drawer)(nil)

func New(lc LineControl, cfg Config) *Drawer {
	if cfg.Pulse <= 0 {
		cfg.Pulse = 200 * time.Millisecond
	}
	return &Drawer{lc: lc, cfg: cfg}
}

func (d *Drawer) set(on bool) error {
	if d.cfg.Fire == RTS {
		return d.lc.SetRTS(on)
	}
	return d.lc.SetDTR(on)
}

// Open pulses the line. The line is released even when ctx ends mid-pulse:
// a solenoid left powered overheats.
func (d *Drawer) Open(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := d.set(true); err != nil {
		return fmt.Errorf("drawer pulse: %w", err)
	}
	t := time.NewTimer(d.cfg.Pulse)
	var cerr error
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
		cerr = ctx.Err()
	}
	if err := d.set(false); err != nil {
		return fmt.Errorf("drawer pulse release: %w", errors.Join(err, cerr))
	}
	return cerr
}

func (d *Drawer) Status(ctx context.Context) (device.DrawerState, error) {
	if d.cfg.Sense == NoSense {
		return device.DrawerUnknown, nil
	}
	if err := ctx.Err(); err != nil {
		return device.DrawerUnknown, err
	}
	l, err := d.lc.ModemStatus()
	if err != nil {
		return device.DrawerUnknown, fmt.Errorf("drawer status: %w", err)
	}
	level := l.CTS
	if d.cfg.Sense == DSR {
		level = l.DSR
	}
	if level != d.cfg.OpenWhenLow {
		return device.DrawerOpen, nil
	}
	return device.DrawerClosed, nil
}

// Serial adapts a go.bug.st/serial port.
func Serial(p serial.Port) LineControl { return serialLines{p} }

type serialLines struct{ p serial.Port }

func (s serialLines) SetDTR(on bool) error { return s.p.SetDTR(on) }
func (s serialLines) SetRTS(on bool) error { return s.p.SetRTS(on) }
func (s serialLines) ModemStatus() (Lines, error) {
	b, err := s.p.GetModemStatusBits()
	if err != nil {
		return Lines{}, err
	}
	return Lines{CTS: b.CTS, DSR: b.DSR, DCD: b.DCD, RI: b.RI}, nil
}
