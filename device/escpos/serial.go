package escpos

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.bug.st/serial"
)

// DefaultBaud is the factory rate of most ESC/POS serial printers.
const DefaultBaud = 9600

// OpenSerial opens "PATH[@BAUD]" (8N1, default 9600) and returns the drawer
// and the port to close when done.
func OpenSerial(spec string, cfg Config) (*Drawer, io.Closer, error) {
	path, baud := spec, DefaultBaud
	if i := strings.LastIndexByte(spec, '@'); i >= 0 {
		b, err := strconv.Atoi(spec[i+1:])
		if err != nil || b <= 0 {
			return nil, nil, fmt.Errorf("printer port %q: bad baud rate", spec)
		}
		path, baud = spec[:i], b
	}
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		return nil, nil, fmt.Errorf("printer port %s: %w", path, err)
	}
	return New(p, cfg), p, nil
}
