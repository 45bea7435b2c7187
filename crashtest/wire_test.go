package crashtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
)

// event is one unit seen on the wire: a control byte, or a whole frame.
type event struct {
	ctl   byte          // ACK, NAK, ENQ or noise; 0 for a frame
	frame bool          // a complete frame (STX LEN body LRC)
	cmd   proto.Command // the frame's command
	code  byte          // for a reply: the error code after the command (0 = done)
	err   error         // the frame did not decode (LRC, empty)
}

// scanner cuts one direction of the byte stream into events, however the
// bytes are chunked by reads and writes. It knows framing only; what a
// command means is the driver's and the emulator's business.
type scanner struct{ buf []byte }

func (s *scanner) feed(p []byte, emit func(event)) {
	for _, c := range p {
		if len(s.buf) == 0 {
			if c != proto.STX {
				emit(event{ctl: c})
				continue
			}
		}
		s.buf = append(s.buf, c)
		if len(s.buf) < 2 || len(s.buf) < int(s.buf[1])+3 {
			continue
		}
		ev := event{frame: true}
		body, err := proto.DecodeFrame(s.buf)
		if err == nil {
			var rest []byte
			ev.cmd, rest, err = proto.SplitCommand(body)
			if err == nil && len(rest) > 0 {
				ev.code = rest[0]
			}
		}
		ev.err = err
		s.buf = s.buf[:0]
		emit(ev)
	}
}

// reset forgets a partial frame: the process that was sending it is dead.
func (s *scanner) reset() { s.buf = s.buf[:0] }

// Kill points. The numbers are the order; names go in the table.
type point int

const (
	pointBeforeSend point = iota + 1 // journal says Fiscalising, nothing sent yet
	pointOpened                      // 8Dh executed, its reply never reaches the till
	pointLines                       // last FF46h executed, its reply never reaches the till
	pointCloseSent                   // FF45h executed, its reply never reaches the till
	pointReplyIn                     // FF45h reply received, journal not yet written
	// Issue 13's faults: the register misbehaves at the close and the
	// till is killed while it waits for the register (or, for paper out
	// after the fiscal write, before it records the receipt).
	pointNAKStorm     // FF45h NAKed without end: killed while sending it again
	pointGarbled      // FF45h executed, every reply garbled: killed while waiting
	pointPaperBefore  // paper out as FF45h arrives (not executed; cancel refused): killed while waiting
	pointPaperAfter   // FF45h executed, then paper out (6Bh): killed before the journal write
	pointSilentBefore // FF45h swallowed unACKed, the line silent: killed while waiting
)

var points = []point{
	pointBeforeSend, pointOpened, pointLines, pointCloseSent, pointReplyIn,
	pointNAKStorm, pointGarbled, pointPaperBefore, pointPaperAfter, pointSilentBefore,
}

// pointFaults are the emulator faults of the fault points, injected before
// the till starts its checkout and cleared (paper loaded, line back) before
// the next till recovers.
var pointFaults = map[point]emu.Fault{
	pointNAKStorm:     {Kind: emu.NAK, Count: 1 << 30, On: proto.CmdCloseV2},
	pointGarbled:      {Kind: emu.CorruptReply, Count: 1 << 30, On: proto.CmdCloseV2},
	pointPaperBefore:  {Kind: emu.PaperOut, On: proto.CmdCloseV2},
	pointPaperAfter:   {Kind: emu.PaperAfter, On: proto.CmdCloseV2},
	pointSilentBefore: {Kind: emu.Silence, On: proto.CmdCloseV2},
}

// fiscalisedAt says whether the receipt is in fiscal memory when the till
// dies at p: reconciliation must then record it, else redo it.
func fiscalisedAt(p point) bool {
	switch p {
	case pointCloseSent, pointReplyIn, pointGarbled, pointPaperAfter:
		return true
	}
	return false
}

// waitsAt says the till is killed while it waits for the register.
func waitsAt(p point) bool {
	switch p {
	case pointNAKStorm, pointGarbled, pointPaperBefore, pointSilentBefore:
		return true
	}
	return false
}

func (p point) String() string {
	switch p {
	case pointBeforeSend:
		return "1 before sending (bill fiscalising, nothing on the wire)"
	case pointOpened:
		return "2 after opening the receipt (8Dh executed)"
	case pointLines:
		return "3 after the lines (last FF46h executed)"
	case pointCloseSent:
		return "4 close (FF45h) executed, reply not delivered"
	case pointReplyIn:
		return "5 reply received, journal not written"
	case pointNAKStorm:
		return "6 NAK storm on the close, killed while sending it again"
	case pointGarbled:
		return "7 close executed, replies garbled, killed while waiting"
	case pointPaperBefore:
		return "8 paper out as the close arrives (not executed), killed while waiting"
	case pointPaperAfter:
		return "9 close executed, then paper out (6Bh), journal not written"
	case pointSilentBefore:
		return "10 close not ACKed (line silent), killed while waiting"
	}
	return fmt.Sprintf("point %d", int(p))
}

// child is one till process as the wire sees it.
type child struct {
	point  point
	exited chan struct{} // closed when the process has been reaped

	mu        sync.Mutex
	proc      *os.Process
	killedAt  point // 0 until killed at a point
	dead      bool  // killed (or exited): nothing more reaches it
	positions chan int
	nPos      int             // positions in its receipt, once known
	n46       int             // FF46h replies seen so far
	sent      []proto.Command // frames it sent, in order
}

func newChild(p point) *child {
	return &child{point: p, exited: make(chan struct{}), positions: make(chan int, 1)}
}

// kill SIGKILLs the child once and waits until it is reaped, so nothing it
// might still do can race with what follows.
func (c *child) kill(at point) error {
	c.mu.Lock()
	first := !c.dead
	c.dead = true
	if first {
		c.killedAt = at
	}
	proc := c.proc
	c.mu.Unlock()
	if first && proc != nil {
		if err := proc.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("kill child: %w", err)
		}
	}
	select {
	case <-c.exited:
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("killed child did not exit within 10 s")
	}
}

func (c *child) isDead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}

// wireTap sits between the pseudo-terminal's master (the till's end of the
// cable) and the emulator: the emulator serves it as its byte stream. It
// watches both directions, and when the armed point's reply is about to go
// back to the till it kills the till instead of delivering it. While no
// till is alive, what the register says is lost, as on a cable whose other
// end is dead.
type wireTap struct {
	master *os.File
	slave  *os.File // kept open so the master never sees a hang-up between tills

	host, dev scanner // host: till -> register (Read); dev: register -> till (Write)

	mu      sync.Mutex
	child   *child
	fail    func(error) // reports a failure from the serve goroutine
	tracing bool        // print every event to stderr (CRASHTEST_TRACE=1)
}

// trace prints one event with a timestamp: > till to register, < back.
func (w *wireTap) trace(dir string, ev event) {
	if !w.tracing {
		return
	}
	at := time.Now().Format("15:04:05.000")
	switch {
	case !ev.frame:
		fmt.Fprintf(os.Stderr, "%s %s %02X\n", at, dir, ev.ctl)
	case ev.err != nil:
		fmt.Fprintf(os.Stderr, "%s %s bad frame: %v\n", at, dir, ev.err)
	case dir == "<":
		fmt.Fprintf(os.Stderr, "%s %s %v reply, code %02Xh\n", at, dir, ev.cmd, ev.code)
	default:
		fmt.Fprintf(os.Stderr, "%s %s %v\n", at, dir, ev.cmd)
	}
}

// newWireTap opens a pseudo-terminal in raw mode (a serial line carries
// binary frames: no echo, no line editing).
func newWireTap() (*wireTap, error) {
	master, slave, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("open pty: %w", err)
	}
	fd := int(slave.Fd())
	tio, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err == nil {
		tio.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		tio.Oflag &^= unix.OPOST
		tio.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		tio.Cflag &^= unix.CSIZE | unix.PARENB
		tio.Cflag |= unix.CS8
		tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 1, 0
		err = unix.IoctlSetTermios(fd, unix.TCSETS, tio)
	}
	if err != nil {
		master.Close()
		slave.Close()
		return nil, fmt.Errorf("pty raw mode: %w", err)
	}
	return &wireTap{master: master, slave: slave}, nil
}

func (w *wireTap) path() string { return w.slave.Name() }

func (w *wireTap) close() {
	w.master.Close()
	w.slave.Close()
}

// attach makes c the till on the line.
func (w *wireTap) attach(c *child) {
	w.mu.Lock()
	w.child = c
	w.host.reset()
	w.dev.reset()
	w.mu.Unlock()
}

// detach is called once the child is reaped. A port whose last descriptor
// closes loses its exclusive flag (TIOCEXCL, set by go.bug.st/serial) and
// the bytes nobody read; our keeper descriptor keeps the pty alive, so do
// both by hand, or the next till (not root) would get EBUSY or stale bytes.
func (w *wireTap) detach() error {
	w.mu.Lock()
	w.child = nil
	w.mu.Unlock()
	fd := int(w.slave.Fd())
	if err := unix.IoctlSetInt(fd, unix.TIOCNXCL, 0); err != nil {
		return fmt.Errorf("clear exclusive flag: %w", err)
	}
	if err := unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH); err != nil {
		return fmt.Errorf("flush stale bytes: %w", err)
	}
	return nil
}

// Read is the emulator receiving what the till sent.
func (w *wireTap) Read(p []byte) (int, error) {
	n, err := w.master.Read(p)
	if n > 0 {
		w.mu.Lock()
		c := w.child
		w.host.feed(p[:n], func(ev event) {
			w.trace(">", ev)
			if c != nil && ev.frame && ev.err == nil {
				c.mu.Lock()
				c.sent = append(c.sent, ev.cmd)
				c.mu.Unlock()
			}
		})
		w.mu.Unlock()
	}
	return n, err
}

// Write is the emulator answering. The decision to kill is taken on the
// whole write (the emulator writes a reply frame in one call), before any of
// it reaches the till.
func (w *wireTap) Write(p []byte) (int, error) {
	w.mu.Lock()
	c := w.child
	var replies []event
	w.dev.feed(p, func(ev event) {
		w.trace("<", ev)
		if ev.frame {
			replies = append(replies, ev)
		}
	})
	w.mu.Unlock()
	if c == nil || c.isDead() {
		return len(p), nil // nobody on the other end
	}
	for _, ev := range replies {
		if ev.err != nil || ev.code != 0 {
			continue // a refusal is not the point being tested
		}
		if at, ok := w.trigger(c, ev.cmd); ok {
			if err := c.kill(at); err != nil && w.fail != nil {
				w.fail(err)
			}
			return len(p), nil
		}
	}
	return w.master.Write(p)
}

// trigger says whether the reply to cmd is the armed point's.
func (w *wireTap) trigger(c *child, cmd proto.Command) (point, bool) {
	switch {
	case c.point == pointOpened && cmd == proto.CmdOpenReceipt:
		return pointOpened, true
	case c.point == pointCloseSent && cmd == proto.CmdCloseV2:
		return pointCloseSent, true
	case c.point == pointLines && cmd == proto.CmdOperationV2:
		c.mu.Lock()
		c.n46++
		n46, nPos := c.n46, c.nPos
		c.mu.Unlock()
		if nPos == 0 {
			// The child names its positions before Fiscalise starts; the
			// message and the wire race only inside this process.
			select {
			case nPos = <-c.positions:
				c.mu.Lock()
				c.nPos = nPos
				c.mu.Unlock()
			case <-time.After(5 * time.Second):
				if w.fail != nil {
					w.fail(errors.New("child never said how many positions its receipt has"))
				}
				return 0, false
			}
		}
		return pointLines, n46 == nPos
	}
	return 0, false
}
