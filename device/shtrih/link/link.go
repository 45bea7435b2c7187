package link

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/proto"
)

// Config holds the handshake's timeouts and retry counts. Zero fields take
// the defaults below; docs/shtrih.md explains the choices.
type Config struct {
	// Retries bounds each kind of repeat that is known to be safe: frames
	// the device NAKed (not executed) and garbled replies re-requested
	// with ENQ. Default 10, the vendor host diagram's "I<10".
	Retries int
	// ENQTries is how many ENQ probes in a row may go unanswered before the
	// link is declared dead (idle) or the outcome unknown (executing).
	// Default 3 (JP, PY).
	ENQTries int
	// ByteTimeout (T_byte) is the longest gap allowed between two bytes of
	// one reply frame. Default 500 ms.
	ByteTimeout time.Duration
	// CtlTimeout (T_ctl) is how long to wait for ACK/NAK after ENQ or a
	// frame. The device first waits out its own inter-byte timeout, so
	// this must be well over 100 ms. Default 1 s.
	CtlTimeout time.Duration
	// ProbeEvery is how long to wait for a reply before asking with ENQ
	// whether the device is still executing. Default 1 s.
	ProbeEvery time.Duration
	// DrainQuiet is how long the line must stay silent before a garbled
	// reply is NAKed, so the tail of a frame with a corrupt LEN is not
	// taken for the start of the next one. Default 50 ms.
	DrainQuiet time.Duration
	// OnHeldReply receives a reply the device was still holding when a new
	// exchange began (ENQ answered with ACK): the answer to an earlier
	// command whose outcome the caller was told is unknown. It must not
	// call back into the Link.
	OnHeldReply func(body []byte)
}

func (c Config) withDefaults() Config {
	if c.Retries <= 0 {
		c.Retries = 10
	}
	if c.ENQTries <= 0 {
		c.ENQTries = 3
	}
	if c.ByteTimeout <= 0 {
		c.ByteTimeout = 500 * time.Millisecond
	}
	if c.CtlTimeout <= 0 {
		c.CtlTimeout = time.Second
	}
	if c.ProbeEvery <= 0 {
		c.ProbeEvery = time.Second
	}
	if c.DrainQuiet <= 0 {
		c.DrainQuiet = 50 * time.Millisecond
	}
	return c
}

// Errors of the link itself. Where a command may have run they come wrapped
// together with device.ErrOutcomeUnknown; where it surely did not, with
// device.ErrNoLink or alone.
var (
	ErrTimeout  = errors.New("shtrih link: timeout")
	ErrRejected = errors.New("shtrih link: device kept rejecting the frame")
	ErrGarbled  = errors.New("shtrih link: reply kept arriving garbled")
)

// maxSlice caps one blocking read so a cancelled context is noticed soon.
const maxSlice = 250 * time.Millisecond

// Link runs the host side of the handshake over one Port. It is not safe for
// concurrent use: the protocol is strictly one command at a time, and the
// Register above serialises callers.
type Link struct {
	port proto.Port
	cfg  Config

	rb       [512]byte
	rpos     int
	rend     int
	frame    []byte
	lastTO   time.Duration
	received int    // replies held from earlier commands, for tests and logs
	packets  bool   // numbered packets (§1.4) instead of the standard level
	num      uint16 // number of the last packet sent
}

// New wraps port. The Link does not own port beyond Close.
func New(port proto.Port, cfg Config) *Link {
	return &Link{port: port, cfg: cfg.withDefaults(), frame: make([]byte, 0, 3+proto.MaxBody)}
}

// Config returns the effective configuration (defaults filled in).
func (l *Link) Config() Config { return l.cfg }

// Close closes the port.
func (l *Link) Close() error { return l.port.Close() }

// HeldReplies counts replies to earlier commands collected at the start of
// exchanges.
func (l *Link) HeldReplies() int { return l.received }

// Probe sends one ENQ and reports whether anything that speaks the protocol
// answered (NAK idle or ACK busy) within wait. It is the baud-rate detector.
func (l *Link) Probe(wait time.Duration) (bool, error) {
	l.flush()
	if err := l.write(proto.ENQ); err != nil {
		return false, fmt.Errorf("%w: write ENQ: %w", device.ErrNoLink, err)
	}
	b, ok, err := l.readCtl(wait)
	if err != nil {
		return false, fmt.Errorf("%w: %w", device.ErrNoLink, err)
	}
	return ok && (b == proto.ACK || b == proto.NAK), nil
}

// Exchange sends body (CMD+DATA) and returns the reply body (CMD echo, ERR,
// data). timeout is the command's whole reply budget (§3 "t/o"); the link
// asks with ENQ every ProbeEvery whether the device is still busy and keeps
// waiting while it says so, calling progress (may be nil) with the time
// spent. The returned slice is owned by the caller.
//
// Errors: ctx errors or device.ErrNoLink when the command surely was not
// executed; device.ErrOutcomeUnknown (wrapped) on every path where it may
// have been. The link never resends a frame the device may have accepted.
func (l *Link) Exchange(ctx context.Context, body []byte, timeout time.Duration, progress func(time.Duration)) ([]byte, error) {
	if l.packets {
		return l.exchangePackets(ctx, body, timeout, progress)
	}
	var err error
	l.frame, err = proto.AppendFrame(l.frame[:0], body)
	if err != nil {
		return nil, fmt.Errorf("frame: %w", err)
	}
	if err := l.enquire(ctx); err != nil {
		return nil, err
	}
	if err := l.send(ctx); err != nil {
		return nil, err
	}
	return l.receive(ctx, timeout, progress)
}

// enquire is state E: make sure the device is idle and collect any reply it
// still holds for an earlier command.
func (l *Link) enquire(ctx context.Context) error {
	silent, held, garbled := 0, 0, 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.flush()
		if err := l.write(proto.ENQ); err != nil {
			return fmt.Errorf("%w: write ENQ: %w", device.ErrNoLink, err)
		}
		b, ok, err := l.readCtl(l.cfg.CtlTimeout)
		if err != nil {
			return fmt.Errorf("%w: %w", device.ErrNoLink, err)
		}
		switch {
		case !ok:
			silent++
			if silent >= l.cfg.ENQTries {
				return fmt.Errorf("%w: no answer to %d ENQ", device.ErrNoLink, silent)
			}
		case b == proto.NAK:
			if silent > 0 {
				// An ENQ went unanswered in time; its answer may still
				// be on its way, a second NAK the frame must not take
				// for its own (it would be sent again, and run twice).
				l.drain()
			} else {
				l.rpos = l.rend // nothing after an idle NAK answers anything
			}
			return nil
		case b == proto.ACK:
			// The device holds a reply to a command we gave up on. Read it,
			// confirm it, hand it to recovery; it is never the answer to
			// the command we are about to send.
			silent = 0
			held++
			if held > l.cfg.Retries {
				if garbled > 0 {
					// The device answers, the line damages what it says:
					// not a dead line, and the message must say so.
					return fmt.Errorf("%w: %w: device keeps offering an old reply, %d arrived damaged", device.ErrNoLink, ErrGarbled, garbled)
				}
				return fmt.Errorf("%w: device keeps offering old replies", device.ErrNoLink)
			}
			body, err := l.readFrame(ctx, l.cfg.CtlTimeout+l.cfg.ByteTimeout)
			if err != nil {
				garbled++
				// Garbled or missing: NAK it so the device offers it again
				// on the next ENQ, or forgets it.
				l.drain()
				_ = l.write(proto.NAK)
				continue
			}
			if err := l.write(proto.ACK); err != nil {
				return fmt.Errorf("%w: write ACK: %w", device.ErrNoLink, err)
			}
			l.received++
			if l.cfg.OnHeldReply != nil {
				l.cfg.OnHeldReply(body)
			}
		}
	}
}

// send is state W: write the frame until the device ACKs it. A NAK means the
// frame was not accepted, so writing it again is safe; silence is resolved
// with an ENQ, and if that is silent too nobody knows whether it ran.
func (l *Link) send(ctx context.Context) error {
	naks := 0
	for {
		if err := l.writeFrame(); err != nil {
			return fmt.Errorf("%w: write frame: %w", device.ErrOutcomeUnknown, err)
		}
		b, ok, err := l.readCtlOrSTX(l.cfg.CtlTimeout)
		if err != nil {
			return fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
		}
		if !ok {
			// Lost ACK or lost frame: ask.
			if err := l.write(proto.ENQ); err != nil {
				return fmt.Errorf("%w: write ENQ: %w", device.ErrOutcomeUnknown, err)
			}
			b, ok, err = l.readCtlOrSTX(l.cfg.CtlTimeout)
			if err != nil {
				return fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
			}
			if !ok {
				return fmt.Errorf("%w: no ACK to the frame nor to ENQ", device.ErrOutcomeUnknown)
			}
		}
		switch b {
		case proto.ACK, proto.STX:
			// STX: a device that skipped the ACK and answered at once.
			return nil
		case proto.NAK:
			naks++
			if naks >= l.cfg.Retries {
				return fmt.Errorf("%w: %w: %d NAKs", device.ErrNoLink, ErrRejected, naks)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			// A NAK is no proof the frame was refused: it may be the late
			// answer to an earlier ENQ, with the frame's own ACK right
			// behind it. Sending the frame again then would run it twice.
			taken, err := l.lateAccept()
			if err != nil {
				return fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
			}
			if taken {
				return nil
			}
		}
	}
}

// lateAccept reads on after a NAK until the line has been quiet for
// DrainQuiet. An ACK or the start of a reply means the NAK answered
// something earlier and the frame was taken (a reply is left for receive);
// otherwise the NAK stands, and what came is dropped so it cannot answer
// the frame sent next.
func (l *Link) lateAccept() (bool, error) {
	for {
		b, ok, err := l.readByte(l.cfg.DrainQuiet)
		if err != nil {
			return false, err
		}
		switch {
		case !ok:
			l.flush()
			return false, nil
		case b == proto.ACK:
			return true, nil
		case b == proto.STX:
			l.unread()
			return true, nil
		}
	}
}

// receive is state R: wait for the reply, extending with ENQ probes while
// the device says it is busy, and re-request a garbled reply.
func (l *Link) receive(ctx context.Context, timeout time.Duration, progress func(time.Duration)) ([]byte, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	garbled, silent := 0, 0
	for {
		wait := min(time.Until(deadline), l.cfg.ProbeEvery)
		found, err := l.waitSTX(ctx, wait)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
		}
		if found {
			silent = 0
			body, err := l.readFrameAfterSTX()
			if err == nil {
				if err := l.write(proto.ACK); err != nil {
					return nil, fmt.Errorf("%w: write ACK: %w", device.ErrOutcomeUnknown, err)
				}
				return body, nil
			}
			garbled++
			if garbled >= l.cfg.Retries {
				return nil, fmt.Errorf("%w: %w: %w", device.ErrOutcomeUnknown, ErrGarbled, err)
			}
			l.drain()
			if err := l.write(proto.NAK); err != nil {
				return nil, fmt.Errorf("%w: write NAK: %w", device.ErrOutcomeUnknown, err)
			}
			// The device waits for ENQ before it sends the reply again.
		} else if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: %w: no reply in %v", device.ErrOutcomeUnknown, ErrTimeout, timeout)
		}
		if progress != nil {
			progress(time.Since(start))
		}
		if err := l.write(proto.ENQ); err != nil {
			return nil, fmt.Errorf("%w: write ENQ: %w", device.ErrOutcomeUnknown, err)
		}
		b, ok, err := l.readCtlOrSTX(l.cfg.CtlTimeout)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
		}
		switch {
		case !ok:
			silent++
			if silent >= l.cfg.ENQTries {
				return nil, fmt.Errorf("%w: %w: device silent while executing", device.ErrOutcomeUnknown, ErrTimeout)
			}
		case b == proto.ACK:
			silent = 0
		case b == proto.STX:
			// readCtlOrSTX left it in the buffer for waitSTX.
		case b == proto.NAK:
			// Idle and holding nothing: the command ended and its reply is
			// lost, or it never ran. Nobody can tell which.
			return nil, fmt.Errorf("%w: device idle without a reply", device.ErrOutcomeUnknown)
		}
	}
}

// readFrame waits up to wait for STX and reads one frame.
func (l *Link) readFrame(ctx context.Context, wait time.Duration) ([]byte, error) {
	found, err := l.waitSTX(ctx, wait)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, ErrTimeout
	}
	return l.readFrameAfterSTX()
}

// readFrameAfterSTX reads LEN, exactly LEN bytes and the LRC, each within
// T_byte, and checks the LRC. LEN is trusted only as far as the bytes that
// actually arrive.
func (l *Link) readFrameAfterSTX() ([]byte, error) {
	n, ok, err := l.readByte(l.cfg.ByteTimeout)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: no LEN", proto.ErrShortFrame)
	}
	if n == 0 {
		return nil, proto.ErrEmptyFrame
	}
	buf := make([]byte, int(n)+1)
	for i := range buf {
		b, ok, err := l.readByte(l.cfg.ByteTimeout)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: %d of %d bytes", proto.ErrShortFrame, i, len(buf))
		}
		buf[i] = b
	}
	body := buf[:n]
	if got, want := buf[n], proto.LRC(body); got != want {
		return nil, fmt.Errorf("%w: got %02X, want %02X", proto.ErrBadLRC, got, want)
	}
	return body, nil
}

// waitSTX discards bytes until STX or until wait elapses.
func (l *Link) waitSTX(ctx context.Context, wait time.Duration) (bool, error) {
	deadline := time.Now().Add(wait)
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		b, ok, err := l.readByte(min(max(time.Until(deadline), time.Millisecond), maxSlice))
		if err != nil {
			return false, err
		}
		if ok && b == proto.STX {
			return true, nil
		}
		if !time.Now().Before(deadline) {
			return false, nil // a line full of noise must not hold us forever
		}
	}
}

// readCtl reads the next ACK or NAK, skipping 0xFF (TCP models) and noise.
func (l *Link) readCtl(wait time.Duration) (byte, bool, error) {
	return l.readCtlFrom(wait, false)
}

// readCtlOrSTX is readCtl that also stops at STX (left in the buffer).
func (l *Link) readCtlOrSTX(wait time.Duration) (byte, bool, error) {
	return l.readCtlFrom(wait, true)
}

func (l *Link) readCtlFrom(wait time.Duration, stx bool) (byte, bool, error) {
	deadline := time.Now().Add(wait)
	for {
		// At least one read even when the deadline has passed: a stalled
		// scheduler must not turn bytes already waiting into a timeout.
		b, ok, err := l.readByte(max(time.Until(deadline), time.Millisecond))
		if err != nil || !ok {
			return 0, false, err
		}
		switch {
		case b == proto.ACK || b == proto.NAK:
			return b, true, nil
		case stx && b == proto.STX:
			l.unread()
			return b, true, nil
		}
		if !time.Now().Before(deadline) {
			return 0, false, nil // a line full of noise must not hold us forever
		}
	}
}

// readByte returns the next byte, reading the port in bulk so a reply that
// follows an ACK is not lost between reads. ok is false on timeout.
func (l *Link) readByte(wait time.Duration) (byte, bool, error) {
	if l.rpos < l.rend {
		b := l.rb[l.rpos]
		l.rpos++
		return b, true, nil
	}
	deadline := time.Now().Add(wait)
	for {
		// go.bug.st/serial treats 0 as "do not wait"; round up, and read
		// at least once even when the deadline passed while we were not
		// scheduled.
		d := max(time.Until(deadline), time.Millisecond)
		if d != l.lastTO {
			if err := l.port.SetReadTimeout(d); err != nil {
				return 0, false, fmt.Errorf("set read timeout: %w", err)
			}
			l.lastTO = d
		}
		n, err := l.port.Read(l.rb[:])
		if n > 0 {
			l.rpos, l.rend = 1, n
			return l.rb[0], true, nil
		}
		if err != nil {
			return 0, false, fmt.Errorf("read: %w", err)
		}
		if !time.Now().Before(deadline) {
			return 0, false, nil
		}
	}
}

// unread puts back the byte readByte just returned.
func (l *Link) unread() { l.rpos-- }

// flush drops whatever the device sent unasked.
func (l *Link) flush() {
	l.rpos, l.rend = 0, 0
	_ = l.port.ResetInputBuffer()
}

// drain reads until the line has been quiet for DrainQuiet, then flushes.
func (l *Link) drain() {
	for {
		_, ok, err := l.readByte(l.cfg.DrainQuiet)
		if err != nil || !ok {
			break
		}
	}
	l.flush()
}

func (l *Link) write(b byte) error {
	_, err := l.port.Write([]byte{b})
	return err
}

func (l *Link) writeFrame() error {
	for w := l.frame; len(w) > 0; {
		n, err := l.port.Write(w)
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("short write")
		}
		w = w[n:]
	}
	return nil
}
