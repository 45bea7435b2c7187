package emu

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// ErrPortClosed is returned by a Pipe used after Close.
var ErrPortClosed = errors.New("emu: port closed")

// wire carries bytes one way, each arriving one byte time after the one
// before (or after it was written, whichever is later): a UART at the
// configured baud rate.
type wire struct {
	bt     time.Duration
	mu     sync.Mutex
	data   []byte
	at     []time.Time
	last   time.Time
	closed bool
	err    error // why it closed, when not by Close
	notify chan struct{}
}

func newWire(bt time.Duration) *wire { return &wire{bt: bt, notify: make(chan struct{})} }

func (w *wire) write(b []byte) error {
	_, err := w.writeFrom(b, time.Now())
	return err
}

// writeFrom puts b on the wire as sent from the time from (the device's
// answer to a byte that arrived then; never later than now) and returns
// when its last byte arrives.
func (w *wire) writeFrom(b []byte, from time.Time) (time.Time, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return time.Time{}, ErrPortClosed
	}
	t := from
	if w.last.After(t) {
		t = w.last
	}
	for _, c := range b {
		t = t.Add(w.bt)
		w.data = append(w.data, c)
		w.at = append(w.at, t)
	}
	w.last = t
	close(w.notify)
	w.notify = make(chan struct{})
	return t, nil
}

// read copies the bytes that have arrived into p, waiting for the first
// one until deadline (zero: forever), and their arrival times into at when
// at is not nil (the device judges its ACK timeout by those, not by when it
// got round to reading). Like a UART's receive FIFO it hands over bytes in
// bursts: bytes already on the wire that p has room for are waited for, to
// the microsecond the last of them arrives, and returned together — one
// wake-up per frame instead of one per byte, which is what keeps the
// emulator's timing on a loaded machine. No byte is ever returned before it
// has crossed the wire; a deadline that passes first returns what has
// arrived by then. An empty wire blocks until something is written; precise
// keeps the deadline itself to the microsecond too, for a caller that
// expects something to happen then (its reply becoming ready).
func (w *wire) read(ctx context.Context, p []byte, at []time.Time, deadline time.Time, precise bool) (int, error) {
	var target time.Time // arrival of the last byte of the burst being waited for
	for {
		w.mu.Lock()
		if w.closed {
			err := w.err
			w.mu.Unlock()
			if err == nil {
				err = ErrPortClosed
			}
			return 0, err
		}
		now := time.Now()
		if target.IsZero() && len(w.data) > 0 {
			target = w.at[min(len(p), len(w.data))-1]
		}
		timedOut := !deadline.IsZero() && !now.Before(deadline)
		if !target.IsZero() && !target.After(now) || timedOut {
			n := 0
			for n < len(w.data) && n < len(p) && !w.at[n].After(now) {
				n++
			}
			copy(p, w.data[:n])
			if at != nil {
				copy(at, w.at[:n])
			}
			w.data, w.at = w.data[n:], w.at[n:]
			w.mu.Unlock()
			return n, nil
		}
		next, exact := deadline, precise
		if !target.IsZero() && (next.IsZero() || target.Before(next)) {
			next, exact = target, true
		}
		notify := w.notify
		w.mu.Unlock()
		var err error
		if exact {
			err = waitUntil(ctx, next, notify)
		} else {
			err = blockUntil(ctx, next, notify)
		}
		if err != nil {
			return 0, err
		}
	}
}

// reset drops what has arrived; bytes still on the wire arrive later, as
// they would on a real port.
func (w *wire) reset() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	n := 0
	for n < len(w.data) && !w.at[n].After(now) {
		n++
	}
	w.data, w.at = w.data[n:], w.at[n:]
}

func (w *wire) close() { w.fail(nil) }

// fail closes the wire; reads return err (ErrPortClosed when nil).
func (w *wire) fail(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed, w.err = true, err
		close(w.notify)
		w.notify = make(chan struct{})
	}
}

// wireSource is the device end of a Pipe: bursts from the wire, handed to
// the device a byte at a time with the time each arrived.
type wireSource struct {
	in   *wire
	buf  [256]byte
	at   [256]time.Time
	r, n int
}

func (s *wireSource) recv(ctx context.Context, until time.Time, precise bool) (byte, time.Time, bool, error) {
	if s.r == s.n {
		n, err := s.in.read(ctx, s.buf[:], s.at[:], until, precise)
		if err != nil || n == 0 {
			return 0, time.Time{}, false, err
		}
		s.r, s.n = 0, n
	}
	s.r++
	return s.buf[s.r-1], s.at[s.r-1], true, nil
}

type wireWriter struct{ out *wire }

func (w wireWriter) writeFrom(b []byte, from time.Time) (time.Time, error) {
	return w.out.writeFrom(b, from)
}

func (w wireWriter) Write(b []byte) (int, error) {
	if err := w.out.write(b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Pipe is the host end of an in-process serial line to the emulator. It
// behaves like a go.bug.st/serial port: Read waits up to the read timeout
// (forever by default) and returns 0, nil when it passes.
type Pipe struct {
	toDev, fromDev *wire
	cancel         context.CancelFunc
	done           chan struct{}

	mu      sync.Mutex
	timeout time.Duration
	closed  bool
}

var _ proto.Port = (*Pipe)(nil)

// Pipe connects a new host end to the emulator and serves it until Close.
// Both directions are charged wire time at cfg.Baud.
func (e *Emulator) Pipe() proto.Port { return e.NewPipe() }

// NewPipe is Pipe with the concrete type, for tests that need it.
func (e *Emulator) NewPipe() *Pipe {
	bt := e.cfg.byteTime()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Pipe{toDev: newWire(bt), fromDev: newWire(bt), cancel: cancel, done: make(chan struct{}), timeout: -1}
	go func() {
		defer close(p.done)
		_ = e.serve(ctx, &wireSource{in: p.toDev}, wireWriter{p.fromDev}, false)
	}()
	return p
}

func (p *Pipe) Write(b []byte) (int, error) {
	if err := p.toDev.write(b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (p *Pipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	to := p.timeout
	p.mu.Unlock()
	if len(b) == 0 {
		return 0, nil
	}
	var deadline time.Time
	if to >= 0 {
		deadline = time.Now().Add(to)
	}
	return p.fromDev.read(context.Background(), b, nil, deadline, false)
}

// SetReadTimeout sets how long Read waits; a negative value waits forever.
func (p *Pipe) SetReadTimeout(d time.Duration) error {
	p.mu.Lock()
	p.timeout = d
	p.mu.Unlock()
	return nil
}

func (p *Pipe) ResetInputBuffer() error {
	p.fromDev.reset()
	return nil
}

// Close hangs up and waits for the device side to let go of the line.
func (p *Pipe) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.toDev.close()
	p.fromDev.close()
	<-p.done
	return nil
}
