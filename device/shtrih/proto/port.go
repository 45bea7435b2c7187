package proto

import (
	"io"
	"time"
)

// Port is a serial line as go.bug.st/serial presents it; the emulator's
// in-process pipe and a pseudo-terminal opened through go.bug.st/serial both
// satisfy it. With a read timeout set, Read returns 0, nil when nothing
// arrived in time: that is a timeout, never data and never EOF.
type Port interface {
	io.ReadWriteCloser
	SetReadTimeout(d time.Duration) error
	ResetInputBuffer() error
}
