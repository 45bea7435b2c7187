package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tillpos/till/device"
)

// Port is the part of a serial port the drawer uses; go.bug.st/serial's
// Port satisfies it. With a read timeout set, Read returns 0, nil on
// timeout.
type Port interface {
	io.ReadWriter
	SetReadTimeout(d time.Duration) error
	ResetInputBuffer() error
}

// Pin selects the drawer kick-out connector pin the pulse goes to.
type Pin byte

const (
	Pin2 Pin = 0 // drawer 1
	Pin5 Pin = 1 // drawer 2
)

// Config of a printer-driven drawer. Zero fields take defaults.
type Config struct {
	Pin Pin
	// On and Off are the pulse's on and off times (ESC p t1, t2 count 2 ms
	// units, 1..255). Default 100 ms on, 200 ms off: long enough for common
	// solenoids, short of the ~510 ms the command can express.
	On, Off time.Duration
	// OpenLow says the drawer is open when connector pin 3 reads low.
	// Drawers differ in how their switch is wired, so this is a setting;
	// the default (false) takes a high level as open.
	OpenLow bool
	// Timeout is how long to wait for the status byte. Default 500 ms.
	Timeout time.Duration
}

// Drawer is a cash drawer behind an ESC/POS printer.
type Drawer struct {
	port Port
	cfg  Config
}

var _ device.Drawer = (*Drawer)(nil)

// ErrBadStatus is a status byte whose fixed bits are wrong: not a reply to
// DLE EOT 1, or line noise.
var ErrBadStatus = errors.New("escpos: not a printer status byte")

func New(port Port, cfg Config) *Drawer {
	if cfg.On <= 0 {
		cfg.On = 100 * time.Millisecond
	}
	if cfg.Off <= 0 {
		cfg.Off = 200 * time.Millisecond
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 500 * time.Millisecond
	}
	return &Drawer{port: port, cfg: cfg}
}

func units(d time.Duration) byte {
	u := d / (2 * time.Millisecond)
	return byte(min(max(u, 1), 255))
}

// Kick is ESC p m t1 t2.
func Kick(pin Pin, on, off time.Duration) []byte {
	return []byte{0x1B, 0x70, byte(pin), units(on), units(off)}
}

// StatusRequest is DLE EOT 1: real-time printer status, whose bit 2 is the
// level of drawer connector pin 3.
var StatusRequest = []byte{0x10, 0x04, 0x01}

// ParseStatus reads the drawer from a DLE EOT 1 reply. Bits 1 and 4 are
// always 1, bits 0 and 7 always 0; anything else is not a status byte.
func ParseStatus(b byte, openLow bool) (device.DrawerState, error) {
	if b&0x93 != 0x12 {
		return device.DrawerUnknown, fmt.Errorf("%w: %02X", ErrBadStatus, b)
	}
	high := b&0x04 != 0
	if high != openLow {
		return device.DrawerOpen, nil
	}
	return device.DrawerClosed, nil
}

func (d *Drawer) Open(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := d.port.Write(Kick(d.cfg.Pin, d.cfg.On, d.cfg.Off)); err != nil {
		return fmt.Errorf("drawer kick: %w", err)
	}
	return nil
}

func (d *Drawer) Status(ctx context.Context) (device.DrawerState, error) {
	if err := ctx.Err(); err != nil {
		return device.DrawerUnknown, err
	}
	if err := d.port.ResetInputBuffer(); err != nil {
		return device.DrawerUnknown, fmt.Errorf("drawer status: %w", err)
	}
	if _, err := d.port.Write(StatusRequest); err != nil {
		return device.DrawerUnknown, fmt.Errorf("drawer status: %w", err)
	}
	if err := d.port.SetReadTimeout(d.cfg.Timeout); err != nil {
		return device.DrawerUnknown, fmt.Errorf("drawer status: %w", err)
	}
	var b [1]byte
	deadline := time.Now().Add(d.cfg.Timeout)
	for {
		n, err := d.port.Read(b[:])
		if n == 1 {
			return ParseStatus(b[0], d.cfg.OpenLow)
		}
		if err != nil {
			return device.DrawerUnknown, fmt.Errorf("drawer status: %w", err)
		}
		if time.Now().After(deadline) {
			return device.DrawerUnknown, fmt.Errorf("drawer status: %w: printer silent for %v", device.ErrNoLink, d.cfg.Timeout)
		}
	}
}
