package link

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/proto"
)

// chaosPort answers every host write with the next chunk of fuzz input, so
// the device side can say anything at any moment.
type chaosPort struct {
	chunks [][]byte
	in     []byte
}

func (p *chaosPort) Write(b []byte) (int, error) {
	if len(p.chunks) > 0 {
		p.in = append(p.in, p.chunks[0]...)
		p.chunks = p.chunks[1:]
	}
	return len(b), nil
}

func (p *chaosPort) Read(b []byte) (int, error) {
	if len(p.in) == 0 {
		time.Sleep(50 * time.Microsecond)
		return 0, nil
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	return n, nil
}

func (p *chaosPort) SetReadTimeout(time.Duration) error { return nil }
func (p *chaosPort) ResetInputBuffer() error            { return nil }
func (p *chaosPort) Close() error                       { return nil }

// FuzzExchange: whatever the device sends, Exchange ends, never panics,
// and what it returns as a reply is exactly the body of a well-formed frame
// that came off the line; every failure is classified.
func FuzzExchange(f *testing.F) {
	rep, _ := proto.AppendFrame(nil, []byte{0x10, 0x00, 0x1E})
	f.Add([]byte{proto.NAK}, append([]byte{proto.ACK}, rep...), []byte{})
	f.Add(append([]byte{proto.ACK}, rep...), []byte{proto.NAK}, []byte{proto.ACK})
	f.Add([]byte{proto.NAK}, []byte{proto.ACK, proto.STX, 0x05, 1}, []byte{proto.ACK})
	f.Add([]byte{0xFF, proto.NAK}, rep, []byte{proto.STX})
	f.Add([]byte{proto.NAK}, []byte{proto.ACK}, rep)
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		// Split the three inputs further so replies land on later writes.
		var chunks [][]byte
		for _, x := range [][]byte{a, b, c} {
			for len(x) > 24 {
				chunks = append(chunks, x[:24])
				x = x[24:]
			}
			chunks = append(chunks, x)
		}
		raw := bytes.Join(chunks, nil)
		p := &chaosPort{chunks: chunks}
		cfg := Config{Retries: 3, ENQTries: 2, ByteTimeout: time.Millisecond, CtlTimeout: time.Millisecond, ProbeEvery: time.Millisecond, DrainQuiet: 200 * time.Microsecond}
		got, err := New(p, cfg).Exchange(context.Background(), []byte{0x10, 0x1E, 0, 0, 0}, 5*time.Millisecond, nil)
		if err != nil {
			if !errors.Is(err, device.ErrNoLink) && !errors.Is(err, device.ErrOutcomeUnknown) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		f, ferr := proto.AppendFrame(nil, got)
		if ferr != nil || !bytes.Contains(raw, f) {
			t.Fatalf("reply % X is not a frame that came off the line % X", got, raw)
		}
	})
}
