package escpos

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
)

type fakePort struct {
	wrote bytes.Buffer
	reply []byte
}

func (p *fakePort) Write(b []byte) (int, error) {
	p.wrote.Write(b)
	return len(b), nil
}

func (p *fakePort) Read(b []byte) (int, error) {
	if len(p.reply) == 0 {
		time.Sleep(time.Millisecond)
		return 0, nil
	}
	n := copy(b, p.reply)
	p.reply = p.reply[n:]
	return n, nil
}
func (p *fakePort) SetReadTimeout(time.Duration) error { return nil }
func (p *fakePort) ResetInputBuffer() error            { return nil }

func TestKickGolden(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pin     Pin
		on, off time.Duration
		want    []byte
	}{
		{"Epson example ESC p 0 25 250", Pin2, 50 * time.Millisecond, 500 * time.Millisecond, []byte{0x1B, 0x70, 0x00, 0x19, 0xFA}},
		{"defaults, pin 5", Pin5, 100 * time.Millisecond, 200 * time.Millisecond, []byte{0x1B, 0x70, 0x01, 0x32, 0x64}},
		{"clamped", Pin2, 0, time.Second, []byte{0x1B, 0x70, 0x00, 0x01, 0xFF}},
	} {
		if got := Kick(tc.pin, tc.on, tc.off); !bytes.Equal(got, tc.want) {
			t.Errorf("%s: % X, want % X", tc.name, got, tc.want)
		}
	}
}

func TestOpenWritesPulse(t *testing.T) {
	p := &fakePort{}
	if err := New(p, Config{Pin: Pin5}).Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]byte{0x1B, 0x70, 0x01, 0x32, 0x64}, p.wrote.Bytes()); diff != "" {
		t.Error(diff)
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reply   []byte
		openLow bool
		want    device.DrawerState
		err     error
	}{
		{"pin 3 high, open high", []byte{0x16}, false, device.DrawerOpen, nil},
		{"pin 3 low, open high", []byte{0x12}, false, device.DrawerClosed, nil},
		{"pin 3 low, open low", []byte{0x12}, true, device.DrawerOpen, nil},
		{"pin 3 high, open low", []byte{0x16}, true, device.DrawerClosed, nil},
		{"offline bit does not matter", []byte{0x1A}, false, device.DrawerClosed, nil},
		{"noise", []byte{0xFF}, false, device.DrawerUnknown, ErrBadStatus},
		{"silent", nil, false, device.DrawerUnknown, device.ErrNoLink},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &fakePort{reply: tc.reply}
			got, err := New(p, Config{OpenLow: tc.openLow, Timeout: 20 * time.Millisecond}).Status(context.Background())
			if got != tc.want || (tc.err == nil) != (err == nil) || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("Status = %v, %v; want %v, %v", got, err, tc.want, tc.err)
			}
			if !bytes.Equal(p.wrote.Bytes(), []byte{0x10, 0x04, 0x01}) {
				t.Errorf("sent % X, want DLE EOT 1", p.wrote.Bytes())
			}
		})
	}
}

// Every byte value: either a status with fixed bits right, or ErrBadStatus.
func TestParseStatusAllBytes(t *testing.T) {
	valid := 0
	for b := 0; b < 256; b++ {
		st, err := ParseStatus(byte(b), false)
		if err != nil {
			if st != device.DrawerUnknown {
				t.Fatalf("%02X: state %v with error", b, st)
			}
			continue
		}
		valid++
		if (st == device.DrawerOpen) != (b&0x04 != 0) {
			t.Fatalf("%02X: %v", b, st)
		}
	}
	if valid != 16 {
		t.Fatalf("%d valid status bytes, want 16 (4 free bits)", valid)
	}
}

func TestOpenSerialErrors(t *testing.T) {
	for _, spec := range []string{"/nonexistent/tty", "/dev/null@fast", "/dev/null@0"} {
		if _, _, err := OpenSerial(spec, Config{}); err == nil {
			t.Errorf("OpenSerial(%q) succeeded", spec)
		}
	}
}
