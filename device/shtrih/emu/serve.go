package emu

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

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
	// send writes bytes, charging wire time first when the stream itself
	// does not (a pty delivers at memory speed).
	send := func(b []byte) error {
		if pace && bt > 0 {
			if err := sleepCtx(ctx, time.Duration(len(b))*bt); err != nil {
				return err
			}
		}
		_, err := w.Write(b)
		return err
	}
	sendReply := func() error {
		e.mu.Lock()
		frame := append([]byte(nil), e.reply...)
		if e.corruptLeft > 0 {
			e.corruptLeft--
			frame[len(frame)-2] ^= 0x01 // the LRC no longer matches
		}
		e.replyState = replyAwaitAck
		e.mu.Unlock()
		ackDeadline = time.Now().Add(e.cfg.AckTimeout + time.Duration(len(frame))*bt)
		return send(frame)
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		now := time.Now()
		until, precise := now.Add(pollSlice), false
		e.mu.Lock()
		deaf := e.silence || e.dead
		state, readyAt := e.replyState, e.readyAt
		if state == replyExecuting && !now.Before(readyAt) && deaf {
			// The command ran; nobody hears its reply.
			e.replyState, state = replyHeld, replyHeld
		}
		e.mu.Unlock()
		switch state {
		case replyExecuting:
			if !now.Before(readyAt) {
				if err := sendReply(); err != nil {
					return err
				}
				continue
			}
			if readyAt.Before(until) {
				// The reply is due then: be there on time.
				until, precise = readyAt, true
			}
		case replyAwaitAck:
			if ackDeadline.Before(until) {
				until = ackDeadline
			}
		}
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
		e.mu.Lock()
		if e.replyState == replyAwaitAck && !at.Before(ackDeadline) {
			// No ACK in time: keep the reply for the next ENQ. Judged by
			// when the next byte arrived, not by when this loop got to
			// it, so a loaded machine pausing the emulator does not turn
			// an ACK that came in time into a lost one.
			e.replyState = replyHeld
		}
		if !ok {
			e.mu.Unlock()
			continue
		}
		deaf = e.silence || e.dead
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
				err = send([]byte{proto.NAK})
			case replyExecuting:
				err = send([]byte{proto.ACK})
			default:
				// Holding (or still awaiting ACK for) a reply: offer it again.
				if err = send([]byte{proto.ACK}); err == nil {
					err = sendReply()
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
			err = e.receiveFrame(ctx, src, send, busy)
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

// receiveFrame reads LEN, CMD+DATA and LRC after an STX, each byte within
// the inter-byte timeout, then NAKs it or ACKs and executes it. The source
// delivers each byte only once it has crossed the wire, so the ACK cannot
// come before the whole frame could have arrived.
func (e *Emulator) receiveFrame(ctx context.Context, src source, send func([]byte) error, busy bool) error {
	n, _, ok, err := src.recv(ctx, time.Now().Add(e.cfg.ByteTimeout), false)
	if err != nil {
		return err
	}
	var buf []byte
	if ok && n > 0 {
		buf = make([]byte, int(n)+1)
		for i := range buf {
			var c byte
			c, _, ok, err = src.recv(ctx, time.Now().Add(e.cfg.ByteTimeout), false)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			buf[i] = c
		}
	}
	if !ok || n == 0 || buf[n] != proto.LRC(buf[:n]) {
		return send([]byte{proto.NAK})
	}
	e.mu.Lock()
	refuse := busy
	if !refuse && e.nakLeft > 0 {
		e.nakLeft--
		refuse = true
	}
	e.mu.Unlock()
	if refuse {
		// A busy device cannot take a command; a NAK says "not taken", so
		// the host may send it again safely.
		return send([]byte{proto.NAK})
	}
	if err := send([]byte{proto.ACK}); err != nil {
		return err
	}
	reply, busyFor, cmd := e.execute(buf[:n])
	frame, err := proto.AppendFrame(nil, reply)
	if err != nil {
		return err // replies are built here and always fit
	}
	e.mu.Lock()
	e.reply, e.replyState, e.readyAt = frame, replyExecuting, time.Now().Add(busyFor)
	if e.discArmed && uint16(cmd) == e.discAfter {
		e.discArmed, e.dead = false, true
	}
	e.mu.Unlock()
	return nil
}
