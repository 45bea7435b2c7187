package shtrih

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/link"
	"go.bug.st/serial"
)

// Bauds is the order baud rates are tried in when the port spec names none:
// newer models default to 115200, older ones to 4800 (§1.1).
var Bauds = []int{115200, 4800, 9600, 19200, 38400, 57600, 2400}

// ParsePortSpec splits "PATH@BAUD"; baud is 0 when omitted.
func ParsePortSpec(spec string) (path string, baud int, err error) {
	path = spec
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		path = spec[:i]
		baud, err = strconv.Atoi(spec[i+1:])
		if err != nil || baud <= 0 {
			return "", 0, fmt.Errorf("port %q: baud rate %q is not a positive number", spec, spec[i+1:])
		}
	}
	if path == "" {
		return "", 0, fmt.Errorf("port %q: no device path", spec)
	}
	return path, baud, nil
}

// Open opens a register on a serial port, "PATH@BAUD" (8N1, no flow
// control). Without @BAUD it tries Bauds in order with one ENQ probe each
// and keeps the first rate that gets ACK or NAK.
func Open(spec string, cfg Config) (*Register, error) {
	path, baud, err := ParsePortSpec(spec)
	if err != nil {
		return nil, err
	}
	mode := &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}
	if baud == 0 {
		mode.BaudRate = Bauds[0]
	}
	port, err := serial.Open(path, mode)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w: %w", path, device.ErrNoLink, err)
	}
	if baud == 0 {
		b, err := detectBaud(port, cfg.Link)
		if err != nil {
			port.Close()
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		if cfg.Logf != nil {
			cfg.Logf("shtrih: %s answers at %d baud", path, b)
		}
	}
	r := New(port, cfg)
	// Who is on the line (FCh, 11h), read once at connect and logged; a
	// register that does not answer yet is asked again by Identify later.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, _ = r.Identify(ctx)
	return r, nil
}

// detectBaud probes each rate with ENQ. Wrong rates turn ENQ into noise the
// device NAKs or ignores; a NAK at a wrong rate also arrives garbled, so
// only a clean ACK/NAK counts.
func detectBaud(port serial.Port, lc link.Config) (int, error) {
	wait := lc.CtlTimeout
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	probe := link.New(port, lc)
	var errs []error
	for _, b := range Bauds {
		if err := port.SetMode(&serial.Mode{BaudRate: b, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}); err != nil {
			errs = append(errs, fmt.Errorf("%d: %w", b, err))
			continue
		}
		ok, err := probe.Probe(wait)
		if err != nil {
			errs = append(errs, fmt.Errorf("%d: %w", b, err))
			continue
		}
		if ok {
			return b, nil
		}
	}
	if len(errs) > 0 {
		return 0, fmt.Errorf("%w: no answer at any of %v baud: %w", device.ErrNoLink, Bauds, errors.Join(errs...))
	}
	return 0, fmt.Errorf("%w: no answer at any of %v baud", device.ErrNoLink, Bauds)
}
