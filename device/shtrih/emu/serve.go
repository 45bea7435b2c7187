package emu

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// timedWriter is a line that times the device's bytes itself (a Pipe's
// wire): writeFrom sends b starting at from and returns when the last byte
// arrives.
type timedWriter interface {
	writeFrom(b []byte, from time.Time) (time.Time, error)
}

// source is the device's receiving side: the next byte that has crossed the
// wire by until and when it arrived, ok false if none has. precise says the
// caller expects something to happen at until (its reply becomes ready), so
// the deadline is kept to the microsecond rather than to the timer's
// millisecond.
type source interface {
	recv(ctx context.Context, until time.Time, precise bool) (b byte, at time.Time, ok bool, err error)
}

// pollSlice bounds every wait so a cleared fault or a cancelled context is
// noticed promptly.
const pollSlice = 100 * time.Millisecond

// Serve runs the device side of the link on any byte stream until ctx is
// done or reading fails. Wire time at cfg.Baud is charged on what the device
// sends (it waits its bytes' time before writing them) and on what it
// receives (each byte counts from when it was written, one byte time after
// the one before, as on a Pipe). Reading happens in a goroutine that ends
// when rw's Read fails: close rw after ctx is done to release it.
func (e *Emulator) Serve(ctx context.Context, rw io.ReadWriter) error {
	return e.serve(ctx, newReaderSource(rw, e.cfg.byteTime()), rw, true)
}

// newReaderSource turns a blocking io.Reader into timed byte reads: what
// the reader delivers at memory speed is put on a simulated wire, so the
// device sees each byte only once it could have crossed the line.
func newReaderSource(r io.Reader, bt time.Duration) *wireSource {
	w := newWire(bt)
	go func() {
		b := make([]byte, 256)
		for {
			n, err := r.Read(b)
			if n > 0 {
				_ = w.write(b[:n]) // copies b; fails only after fail below
			}
			if err != nil {
				w.fail(err)
				return
			}
		}
	}()
	return &wireSource{in: w}
}

// serve is the device's link state machine (fiscal-shtrih-m.md §1.3 from the
// device's side). It never speaks unasked except to send the reply of the
// command it just accepted.
func (e *Emulator) serve(ctx context.Context, src source, w io.Writer, pace bool) error {
	select {
	case e.line <- struct{}{}:
		defer func() { <-e.line }()
	case <-ctx.Done():
		return ctx.Err()
	}
	bt := e.cfg.byteTime()
	var ackDeadline time.Time
	// send puts bytes on the line as the device would: starting at from
	// (when the byte it answers arrived, or its reply became ready), not
	// when this goroutine got the processor, so a loaded machine delaying
	// the emulator does not slow the register down. It returns when the
	// last byte arrives. On a Pipe the wire itself times the bytes; on a
	// stream that delivers at memory speed (a pty) send waits out their
	// wire time first.
	var lineFree time.Time // when the device's last byte so far has left
	send := func(b []byte, from time.Time) (time.Time, error) {
		if tw, ok := w.(timedWriter); ok {
			return tw.writeFrom(b, from)
		}
		start := from
		if lineFree.After(start) {
			start = lineFree
		}
		lineFree = start.Add(time.Duration(len(b)) * bt)
		if pace && bt > 0 {
			if err := sleepCtx(ctx, time.Until(lineFree)); err != nil {
				return lineFree, err
			}
		}
		_, err := w.Write(b)
		return lineFree, err
	}
	ctl := func(c byte, from time.Time) error {
		_, err := send([]byte{c}, from)
		return err
	}
	sendReply := func(from time.Time) error {
		e.mu.Lock()
		frame := append([]byte(nil), e.reply...)
		if e.corruptLeft > 0 && (e.corruptOn == 0 || e.corruptOn == e.replyCmd) {
			e.corruptLeft--
			frame[len(frame)-2] ^= 0x01 // the LRC no longer matches
		}
		e.replyState = replyAwaitAck
		if e.replyV2 {
			e.replyState = replyNone // a packet is not ACKed; a repeat gets it again
		}
		e.mu.Unlock()
		end, err := send(frame, from)
		// The host has AckTimeout from when it could see the whole reply:
		// the end of the frame on the wire, or the write itself when the
		// emulator was late to it — its pause must not shorten the host's
		// time to answer.
		if now := time.Now(); now.After(end) {
			end = now
		}
		ackDeadline = end.Add(e.cfg.AckTimeout)
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		until, precise := time.Now().Add(pollSlice), false
		e.mu.Lock()
		state, readyAt := e.replyState, e.readyAt
		e.mu.Unlock()
		switch state {
		case replyExecuting:
			if readyAt.Before(until) {
				// The reply is due then: be there on time.
				until, precise = readyAt, true
			}
		case replyAwaitAck:
			if ackDeadline.Before(until) {
				until = ackDeadline
			}
		}
		// A deadline already past returns at once: with a byte that has
		// arrived meanwhile, or with none.
		b, at, ok, err := src.recv(ctx, until, precise)
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return ctx.Err()
			}
			return err
		}
		if !ok {
			at = time.Now()
		}
		// What happened before this byte arrived (or up to now, with no
		// byte) happened first, judged by the wire's clock, not by when
		// this loop got the processor: the reply went out when it became
		// ready, and a reply not ACKed in time is held.
		e.mu.Lock()
		if e.replyState == replyExecuting && !at.Before(e.readyAt) {
			if e.deafLocked(e.readyAt) {
				// The command ran; nobody hears its reply.
				e.replyState = replyHeld
			} else {
				readyAt := e.readyAt
				e.mu.Unlock()
				if err := sendReply(readyAt); err != nil {
					return err
				}
				e.mu.Lock()
			}
		}
		if e.replyState == replyAwaitAck && !at.Before(ackDeadline) {
			e.replyState = replyHeld // for the next ENQ
		}
		if !ok {
			e.mu.Unlock()
			continue
		}
		deaf := e.deafLocked(at)
		state = e.replyState
		busy := state == replyExecuting
		e.mu.Unlock()
		if deaf {
			continue // the byte is lost on a dead line
		}
		switch b {
		case proto.ENQ:
			switch state {
			case replyNone:
				err = ctl(proto.NAK, at)
			case replyExecuting:
				err = ctl(proto.ACK, at)
			default:
				// Holding (or still awaiting ACK for) a reply: offer it again.
				if err = ctl(proto.ACK, at); err == nil {
					err = sendReply(at)
				}
			}
		case proto.ACK:
			if state == replyAwaitAck {
				e.setReply(nil, replyNone, time.Time{})
			}
		case proto.NAK:
			if state == replyAwaitAck {
				e.mu.Lock()
				e.replyState = replyHeld // resend only after ENQ
				e.mu.Unlock()
			}
		case proto.STX:
			err = e.receiveFrame(ctx, src, ctl, at, busy)
		case proto.PacketStart:
			if !e.cfg.StandardOnly {
				err = e.receivePacket(ctx, src, send, at, busy)
			}
		default:
			// Noise, 0xFF of TCP models: ignored.
		}
		if err != nil {
			return err
		}
	}
}

func (e *Emulator) setReply(frame []byte, st replyState, readyAt time.Time) {
	e.mu.Lock()
	e.reply, e.replyState, e.readyAt = frame, st, readyAt
	e.mu.Unlock()
}

// receiveFrame reads LEN, CMD+DATA and LRC after an STX that arrived at
// stx, each byte within the inter-byte timeout of the one before, then NAKs
// it or ACKs and executes it. The source delivers each byte only once it
// has crossed the wire, and the answer starts when the last byte arrived,
// so the ACK cannot come before the whole frame could have arrived.
func (e *Emulator) receiveFrame(ctx context.Context, src source, ctl func(byte, time.Time) error, stx time.Time, busy bool) error {
	last := stx
	next := func() (byte, bool, error) {
		c, at, ok, err := src.recv(ctx, last.Add(e.cfg.ByteTimeout), false)
		if ok {
			last = at
		}
		return c, ok, err
	}
	n, ok, err := next()
	if err != nil {
		return err
	}
	var buf []byte
	if ok && n > 0 {
		buf = make([]byte, int(n)+1)
		for i := range buf {
			var c byte
			c, ok, err = next()
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			buf[i] = c
		}
	}
	if !ok {
		// The frame stopped short: the NAK goes out once the inter-byte
		// timeout has run out.
		return ctl(proto.NAK, time.Now())
	}
	if n == 0 || buf[n] != proto.LRC(buf[:n]) {
		return ctl(proto.NAK, last)
	}
	frameCmd := uint16(0)
	if c, _, err := proto.SplitCommand(buf[:n]); err == nil {
		frameCmd = uint16(c)
	}
	e.mu.Lock()
	if e.silenceOn != 0 && e.silenceOn == frameCmd {
		// Silence before the ACK: the frame is lost, nothing runs, and
		// the line stays dead for a while.
		e.silenceOn, e.silence = 0, true
		e.deafUntil = time.Time{}
		if e.silenceFor > 0 {
			e.deafUntil = last.Add(e.silenceFor)
		}
		e.mu.Unlock()
		return nil
	}
	refuse := busy
	if !refuse && e.nakLeft > 0 && (e.nakOn == 0 || e.nakOn == frameCmd) {
		e.nakLeft--
		refuse = true
	}
	e.mu.Unlock()
	if refuse {
		// A busy device cannot take a command; a NAK says "not taken", so
		// the host may send it again safely.
		return ctl(proto.NAK, last)
	}
	if err := ctl(proto.ACK, last); err != nil {
		return err
	}
	reply, busyFor, cmd := e.execute(buf[:n])
	frame, err := proto.AppendFrame(nil, reply)
	if err != nil {
		return err // replies are built here and always fit
	}
	e.mu.Lock()
	e.reply, e.replyState, e.readyAt, e.replyCmd, e.replyV2 = frame, replyExecuting, last.Add(busyFor), uint16(cmd), false
	if e.discArmed && uint16(cmd) == e.discAfter {
		e.discArmed = false
		e.goDeadLocked()
	}
	e.mu.Unlock()
	return nil
}
