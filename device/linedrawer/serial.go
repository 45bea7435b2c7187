package linedrawer

import (
	"fmt"
	"io"

	"go.bug.st/serial"
)

// OpenSerial opens the port at path only for its control lines and returns
// the drawer and the port to close when done. Both lines start released so
// opening the port does not fire the drawer.
func OpenSerial(path string, cfg Config) (*Drawer, io.Closer, error) {
	p, err := serial.Open(path, &serial.Mode{BaudRate: 9600, InitialStatusBits: &serial.ModemOutputBits{}})
	if err != nil {
		return nil, nil, fmt.Errorf("drawer port %s: %w", path, err)
	}
	return New(Serial(p), cfg), p, nil
}
