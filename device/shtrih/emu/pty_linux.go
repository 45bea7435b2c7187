package emu

import (
	"context"
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ServePTY creates a pseudo-terminal, serves the register on its master and
// returns the slave's path (open it with go.bug.st/serial like a real port).
// Serving runs in the background until ctx is done; a failure of the loop is
// reported by Err. The emulator keeps a slave descriptor of its own open, so
// a client may close and reopen the path without the master seeing EOF.
func (e *Emulator) ServePTY(ctx context.Context) (string, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return "", fmt.Errorf("open pty: %w", err)
	}
	if err := makeRaw(slave); err != nil {
		master.Close()
		slave.Close()
		return "", fmt.Errorf("pty raw mode: %w", err)
	}
	go func() {
		<-ctx.Done()
		// Closing the master ends the reader goroutine's blocked Read.
		master.Close()
		slave.Close()
	}()
	go func() {
		err := e.serve(ctx, newReaderSource(master, e.cfg.byteTime()), master, true)
		if err != nil && ctx.Err() == nil {
			e.mu.Lock()
			e.serveErr = fmt.Errorf("serve pty: %w", err)
			e.mu.Unlock()
		}
	}()
	return slave.Name(), nil
}

// makeRaw is cfmakeraw: no echo, no line editing, no CR/LF translation, 8
// bits — a pty that carries binary frames like a serial line.
func makeRaw(f *os.File) error {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
