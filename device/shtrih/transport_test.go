package shtrih

import (
	"errors"
	"strconv"
	"strings"
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

// FuzzParsePortSpec: the port comes from settings and the command line.
// Whatever is typed, an accepted spec has a path and a positive or absent
// baud, and writing it back as PATH@BAUD parses to the same.
func FuzzParsePortSpec(f *testing.F) {
	for _, s := range []string{"/dev/ttyUSB0", "/dev/pts/5@115200", "COM3@9600", "@", "a@b@4800", "x@0", "x@-1", "x@+9600", "@115200"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		path, baud, err := ParsePortSpec(spec)
		if err != nil {
			return
		}
		if path == "" || baud < 0 {
			t.Fatalf("%q -> path %q baud %d", spec, path, baud)
		}
		if baud == 0 {
			if strings.Contains(spec, "@") || path != spec {
				t.Fatalf("%q: no baud, path %q", spec, path)
			}
			return
		}
		p2, b2, err := ParsePortSpec(path + "@" + strconv.Itoa(baud))
		if err != nil || p2 != path || b2 != baud {
			t.Fatalf("%q -> %q %d, again %q %d %v", spec, path, baud, p2, b2, err)
		}
	})
}
