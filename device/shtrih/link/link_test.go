package link

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/proto"
)

// step is one host write the script expects and what the device answers to
// it. reply nil is silence.
type step struct {
	want  []byte
	reply []byte
}

// scriptPort is a Port that plays a device from a script. Writes are
// checked against the script in order; replies become readable at once.
// With nothing to read, Read sleeps out its timeout and returns 0, nil, as
// go.bug.st/serial does.
type scriptPort struct {
	t       *testing.T
	steps   []step
	next    int
	in      []byte
	timeout time.Duration
	readErr error
	writes  [][]byte
}

func (p *scriptPort) Write(b []byte) (int, error) {
	p.writes = append(p.writes, append([]byte(nil), b...))
	if p.next >= len(p.steps) {
		p.t.Errorf("unexpected write % X after the script ended", b)
		return len(b), nil
	}
	s := p.steps[p.next]
	p.next++
	if !bytes.Equal(b, s.want) {
		p.t.Errorf("write %d = % X, want % X", p.next, b, s.want)
	}
	p.in = append(p.in, s.reply...)
	return len(b), nil
}

func (p *scriptPort) Read(b []byte) (int, error) {
	if len(p.in) == 0 {
		if p.readErr != nil {
			return 0, p.readErr
		}
		time.Sleep(p.timeout)
		return 0, nil
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	return n, nil
}

func (p *scriptPort) SetReadTimeout(d time.Duration) error { p.timeout = d; return nil }
func (p *scriptPort) ResetInputBuffer() error              { p.in = nil; return nil }
func (p *scriptPort) Close() error                         { return nil }

func (p *scriptPort) done() {
	p.t.Helper()
	if p.next != len(p.steps) {
		p.t.Errorf("script stopped at step %d of %d", p.next, len(p.steps))
	}
}

var testCfg = Config{
	Retries:     3,
	ENQTries:    2,
	ByteTimeout: 15 * time.Millisecond,
	CtlTimeout:  15 * time.Millisecond,
	ProbeEvery:  15 * time.Millisecond,
	DrainQuiet:  5 * time.Millisecond,
}

func frame(t *testing.T, body ...byte) []byte {
	t.Helper()
	f, err := proto.AppendFrame(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

var (
	enq = []byte{proto.ENQ}
	ack = []byte{proto.ACK}
	nak = []byte{proto.NAK}
)

func TestExchange(t *testing.T) {
	req := []byte{0x10, 0x1E, 0, 0, 0}
	rep := []byte{0x10, 0x00, 0x1E}
	old := []byte{0x88, 0x00, 0x1E}
	reqF, repF, oldF := frame(t, req...), frame(t, rep...), frame(t, old...)
	bad := append([]byte(nil), repF...)
	bad[len(bad)-1] ^= 0x55
	short := append([]byte(nil), repF...)
	short[1] = 40 // LEN promises more than arrives

	for _, tc := range []struct {
		name    string
		steps   []step
		timeout time.Duration
		want    []byte
		wantErr []error // each must match with errors.Is
		notErr  []error
		held    [][]byte
		partial bool // timing decides how much of the script runs
	}{
		{
			name:  "happy path",
			steps: []step{{enq, nak}, {reqF, cat(ack, repF)}, {ack, nil}},
			want:  rep,
		},
		{
			name:  "0xFF skipped where control bytes are expected",
			steps: []step{{enq, []byte{0xFF, proto.NAK}}, {reqF, cat([]byte{0xFF}, ack, repF)}, {ack, nil}},
			want:  rep,
		},
		{
			name:  "held reply of an earlier command goes to recovery, not to the caller",
			steps: []step{{enq, cat(ack, oldF)}, {ack, nil}, {enq, nak}, {reqF, cat(ack, repF)}, {ack, nil}},
			want:  rep, held: [][]byte{old},
		},
		{
			name:  "garbled held reply is NAKed and offered again",
			steps: []step{{enq, cat(ack, bad)}, {nak, nil}, {enq, cat(ack, oldF)}, {ack, nil}, {enq, nak}, {reqF, cat(ack, repF)}, {ack, nil}},
			want:  rep, held: [][]byte{old},
		},
		{
			name:    "silent ENQ: no link, nothing sent",
			steps:   []step{{enq, nil}, {enq, nil}},
			wantErr: []error{device.ErrNoLink}, notErr: []error{device.ErrOutcomeUnknown},
		},
		{
			name:  "silent once then NAK",
			steps: []step{{enq, nil}, {enq, nak}, {reqF, cat(ack, repF)}, {ack, nil}},
			want:  rep,
		},
		{
			name:  "frame NAKed is resent (not executed)",
			steps: []step{{enq, nak}, {reqF, nak}, {reqF, nak}, {reqF, cat(ack, repF)}, {ack, nil}},
			want:  rep,
		},
		{
			name:    "frame NAKed N times: rejected, surely not executed",
			steps:   []step{{enq, nak}, {reqF, nak}, {reqF, nak}, {reqF, nak}},
			wantErr: []error{device.ErrNoLink, ErrRejected}, notErr: []error{device.ErrOutcomeUnknown},
		},
		{
			name:  "no ACK to frame, ENQ NAK: frame lost, resent",
			steps: []step{{enq, nak}, {reqF, nil}, {enq, nak}, {reqF, cat(ack, repF)}, {ack, nil}},
			want:  rep,
		},
		{
			name:  "no ACK to frame, ENQ ACK: it got the frame",
			steps: []step{{enq, nak}, {reqF, nil}, {enq, cat(ack, repF)}, {ack, nil}},
			want:  rep,
		},
		{
			name:    "no ACK to frame nor ENQ: outcome unknown",
			steps:   []step{{enq, nak}, {reqF, nil}, {enq, nil}},
			wantErr: []error{device.ErrOutcomeUnknown},
		},
		{
			name:  "reply without ACK first",
			steps: []step{{enq, nak}, {reqF, repF}, {ack, nil}},
			want:  rep,
		},
		{
			name:    "long command: ENQ probes answered ACK extend the wait",
			steps:   []step{{enq, nak}, {reqF, ack}, {enq, ack}, {enq, ack}, {enq, cat(ack, repF)}, {ack, nil}},
			timeout: 10 * time.Second, want: rep,
		},
		{
			name:    "reply late, probe answered by the reply itself",
			steps:   []step{{enq, nak}, {reqF, ack}, {enq, repF}, {ack, nil}},
			timeout: 10 * time.Second, want: rep,
		},
		{
			name:    "reply late, device idle on probe: outcome unknown",
			steps:   []step{{enq, nak}, {reqF, ack}, {enq, nak}},
			timeout: time.Second, wantErr: []error{device.ErrOutcomeUnknown},
		},
		{
			name:    "reply late, probes silent: outcome unknown",
			steps:   []step{{enq, nak}, {reqF, ack}, {enq, nil}, {enq, nil}},
			timeout: time.Second, wantErr: []error{device.ErrOutcomeUnknown, ErrTimeout},
		},
		{
			name:    "busy past the command's budget: outcome unknown",
			steps:   []step{{enq, nak}, {reqF, ack}, {enq, ack}, {enq, ack}, {enq, ack}, {enq, ack}, {enq, ack}},
			timeout: 40 * time.Millisecond, partial: true, wantErr: []error{device.ErrOutcomeUnknown, ErrTimeout},
		},
		{
			name:  "bad LRC: NAK, ENQ, same reply again",
			steps: []step{{enq, nak}, {reqF, cat(ack, bad)}, {nak, nil}, {enq, cat(ack, repF)}, {ack, nil}},
			want:  rep,
		},
		{
			name:  "short reply (LEN lies): NAK, ENQ, reply again",
			steps: []step{{enq, nak}, {reqF, cat(ack, short)}, {nak, nil}, {enq, cat(ack, repF)}, {ack, nil}},
			want:  rep,
		},
		{
			name:    "garbled N times: outcome unknown",
			steps:   []step{{enq, nak}, {reqF, cat(ack, bad)}, {nak, nil}, {enq, cat(ack, bad)}, {nak, nil}, {enq, cat(ack, bad)}},
			wantErr: []error{device.ErrOutcomeUnknown, ErrGarbled},
		},
		{
			name:    "garbled, then device idle: outcome unknown",
			steps:   []step{{enq, nak}, {reqF, cat(ack, bad)}, {nak, nil}, {enq, nak}},
			wantErr: []error{device.ErrOutcomeUnknown},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &scriptPort{t: t, steps: tc.steps}
			var held [][]byte
			cfg := testCfg
			cfg.OnHeldReply = func(b []byte) { held = append(held, append([]byte(nil), b...)) }
			l := New(p, cfg)
			timeout := tc.timeout
			if timeout == 0 {
				timeout = 100 * time.Millisecond
			}
			got, err := l.Exchange(context.Background(), req, timeout, nil)
			if !tc.partial {
				p.done()
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Exchange: %v", err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("reply (-want +got):\n%s", diff)
				}
			} else {
				for _, w := range tc.wantErr {
					if !errors.Is(err, w) {
						t.Errorf("err = %v, want it to wrap %v", err, w)
					}
				}
			}
			for _, n := range tc.notErr {
				if errors.Is(err, n) {
					t.Errorf("err = %v, must not wrap %v", err, n)
				}
			}
			if diff := cmp.Diff(tc.held, held); diff != "" {
				t.Errorf("held replies (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExchangeProgress(t *testing.T) {
	req := []byte{0x41, 0x1E, 0, 0, 0}
	repF := frame(t, 0x41, 0x00, 0x1E)
	p := &scriptPort{t: t, steps: []step{{enq, nak}, {frame(t, req...), ack}, {enq, ack}, {enq, cat(ack, repF)}, {ack, nil}}}
	l := New(p, testCfg)
	var calls []time.Duration
	if _, err := l.Exchange(context.Background(), req, 10*time.Second, func(d time.Duration) { calls = append(calls, d) }); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 || calls[1] < calls[0] {
		t.Fatalf("progress calls = %v, want 2 growing", calls)
	}
}

func TestExchangeCancelledBeforeSend(t *testing.T) {
	p := &scriptPort{t: t}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(p, testCfg).Exchange(ctx, []byte{0x10}, time.Second, nil)
	if !errors.Is(err, context.Canceled) || errors.Is(err, device.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want plain context.Canceled", err)
	}
	if len(p.writes) != 0 {
		t.Fatalf("wrote % X to the line", p.writes)
	}
}

func TestExchangeReadErrorAfterFrameIsUnknown(t *testing.T) {
	req := []byte{0xFF, 0x45, 0x1E, 0, 0, 0}
	p := &scriptPort{t: t, steps: []step{{enq, nak}, {frame(t, req...), ack}}, readErr: fmt.Errorf("port closed")}
	_, err := New(p, testCfg).Exchange(context.Background(), req, time.Second, nil)
	if !errors.Is(err, device.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want outcome unknown", err)
	}
}

// noisePort sends junk forever.
type noisePort struct{ scriptPort }

func (p *noisePort) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 0x3F
	}
	return len(b), nil
}

func TestNoiseDoesNotHang(t *testing.T) {
	p := &noisePort{scriptPort{t: t, steps: []step{{enq, nil}, {enq, nil}}}}
	start := time.Now()
	_, err := New(p, testCfg).Exchange(context.Background(), []byte{0x10}, time.Second, nil)
	if !errors.Is(err, device.ErrNoLink) || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %v", err, time.Since(start))
	}
}

func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		reply []byte
		want  bool
	}{{nak, true}, {ack, true}, {nil, false}, {[]byte{0x3F}, false}} {
		p := &scriptPort{t: t, steps: []step{{enq, tc.reply}}}
		got, err := New(p, testCfg).Probe(10 * time.Millisecond)
		if err != nil || got != tc.want {
			t.Errorf("Probe with reply % X = %v, %v; want %v", tc.reply, got, err, tc.want)
		}
	}
}

// A control byte that comes late must not be taken for the answer to a
// later write: the frame would be sent again after the device accepted it
// and run twice (seen as a doubled receipt line on a loaded machine).
func TestLateAnswersNeverResendAnAcceptedFrame(t *testing.T) {
	req := []byte{0xFF, 0x46, 0x1E, 0, 0, 0, 1}
	rep := []byte{0xFF, 0x46, 0x00}
	reqF, repF := frame(t, req...), frame(t, rep...)
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{
			// The first ENQ's NAK arrives with the second's.
			name: "late NAK to ENQ",
			steps: []step{
				{want: enq},
				{want: enq, reply: cat(nak, nak)},
				{want: reqF, reply: cat(ack, repF)},
				{want: ack},
			},
		},
		{
			// The frame's NAK arrives with the NAK to the ENQ that asked.
			name: "late NAK to the frame",
			steps: []step{
				{want: enq, reply: nak},
				{want: reqF},
				{want: enq, reply: cat(nak, nak)},
				{want: reqF, reply: cat(ack, repF)},
				{want: ack},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &scriptPort{t: t, steps: tc.steps}
			l := New(p, testCfg)
			got, err := l.Exchange(context.Background(), req, time.Second, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, rep) {
				t.Errorf("reply % X, want % X", got, rep)
			}
			p.done()
			frames := 0
			for _, w := range p.writes {
				if bytes.Equal(w, reqF) {
					frames++
				}
			}
			if want := map[string]int{"late NAK to ENQ": 1, "late NAK to the frame": 2}[tc.name]; frames != want {
				t.Errorf("frame written %d times, want %d", frames, want)
			}
		})
	}
}

// A stale NAK followed by the frame's own ACK: the frame was taken, and is
// not sent again (seen on a loaded machine: "15 06 02 03 FF 46 00 BA").
func TestStaleNAKThenACKIsAccepted(t *testing.T) {
	req := []byte{0xFF, 0x46, 0x1E, 0, 0, 0, 1}
	rep := []byte{0xFF, 0x46, 0x00}
	reqF, repF := frame(t, req...), frame(t, rep...)
	for name, answer := range map[string][]byte{
		"NAK ACK reply":     cat(nak, ack, repF),
		"NAK NAK ACK reply": cat(nak, nak, ack, repF),
		"NAK reply":         cat(nak, repF), // a device that skipped its ACK
	} {
		t.Run(name, func(t *testing.T) {
			p := &scriptPort{t: t, steps: []step{
				{want: enq, reply: nak},
				{want: reqF, reply: answer},
				{want: ack},
			}}
			got, err := New(p, testCfg).Exchange(context.Background(), req, time.Second, nil)
			if err != nil || !bytes.Equal(got, rep) {
				t.Fatalf("got % X, %v", got, err)
			}
			p.done()
		})
	}
}
