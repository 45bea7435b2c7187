package shtrih

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/link"
	"go.bug.st/serial"
)

// bauds is a serial port whose device only understands one rate: at any
// other rate an ENQ arrives as garbage and the answer is noise or nothing.
type baudsPort struct {
	serial.Port // unused methods panic
	speaks      int
	mode        int
	tried       []int
	in          []byte
}

func (p *baudsPort) SetMode(m *serial.Mode) error {
	if m.DataBits != 8 || m.Parity != serial.NoParity || m.StopBits != serial.OneStopBit {
		return errors.New("not 8N1")
	}
	p.mode = m.BaudRate
	p.tried = append(p.tried, m.BaudRate)
	return nil
}

func (p *baudsPort) Write(b []byte) (int, error) {
	switch {
	case p.mode == p.speaks:
		p.in = append(p.in, 0x15) // NAK: idle
	case p.mode == 4800:
		p.in = append(p.in, 0xE3) // a mangled byte
	}
	return len(b), nil
}

func (p *baudsPort) Read(b []byte) (int, error) {
	if len(p.in) == 0 {
		time.Sleep(time.Millisecond)
		return 0, nil
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	return n, nil
}

func (p *baudsPort) SetReadTimeout(time.Duration) error { return nil }
func (p *baudsPort) ResetInputBuffer() error            { p.in = nil; return nil }

func TestDetectBaud(t *testing.T) {
	lc := link.Config{CtlTimeout: 10 * time.Millisecond}
	p := &baudsPort{speaks: 19200}
	b, err := detectBaud(p, lc)
	if err != nil || b != 19200 {
		t.Fatalf("detectBaud = %d, %v", b, err)
	}
	if diff := cmp.Diff([]int{115200, 4800, 9600, 19200}, p.tried); diff != "" {
		t.Errorf("rates tried (-want +got):\n%s", diff)
	}
	p = &baudsPort{speaks: 1200}
	if _, err := detectBaud(p, lc); !errors.Is(err, device.ErrNoLink) || len(p.tried) != len(Bauds) {
		t.Fatalf("no rate: %v after %v", err, p.tried)
	}
}
