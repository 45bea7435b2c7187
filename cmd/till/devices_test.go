package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/device/hidin"
)

type stubBus struct {
	supported bool
	infos     []hidin.Info
	err       error
}

func (b stubBus) Supported() bool                     { return b.supported }
func (b stubBus) Enumerate() ([]hidin.Info, error)    { return b.infos, b.err }
func (b stubBus) Open(hidin.Info) (hidin.Conn, error) { return nil, errors.New("not in tests") }
func noPorts() ([]serialPort, error)                  { return nil, nil }

func TestDevicesOnBareMachine(t *testing.T) {
	var out bytes.Buffer
	if err := runDevices(&out, nil, noPorts, stubBus{supported: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Serial ports:\n  none found", "HID devices:\n  none found"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runDevices(&out, nil, noPorts, stubBus{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "not supported in this build") {
		t.Errorf("no unsupported notice:\n%s", out.String())
	}
}

func TestDevicesListing(t *testing.T) {
	ports := func() ([]serialPort, error) {
		return []serialPort{{Name: "/dev/ttyUSB0", USB: true, VID: "0403", PID: "6001", Serial: "A1", Product: "FT232R"}, {Name: "/dev/ttyS0"}}, nil
	}
	bus := stubBus{supported: true, infos: []hidin.Info{
		{Path: "0001:0004:01", VID: 0x0c2e, PID: 0x0b61, Interface: 1, Manufacturer: "Honeywell", Product: "1450g"},
		{Path: "0001:0004:00", VID: 0x0c2e, PID: 0x0b61, Interface: 0},
	}}
	var out bytes.Buffer
	if err := runDevices(&out, nil, ports, bus); err != nil {
		t.Fatal(err)
	}
	want := `Serial ports:
  /dev/ttyS0
  /dev/ttyUSB0  USB 0403:6001  serial A1  FT232R
HID devices:
  0c2e:0b61  interface 0  (no product string)  path 0001:0004:00
  0c2e:0b61  interface 1  Honeywell 1450g  path 0001:0004:01
`
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
	if err := runDevices(&out, []string{"extra"}, ports, bus); !errors.Is(err, errUsage) {
		t.Errorf("extra arg: %v", err)
	}
	if err := runDevices(&out, nil, func() ([]serialPort, error) { return nil, errors.New("boom") }, bus); err == nil {
		t.Error("listing failure not reported")
	}
}

type readBus struct {
	conn *scriptConn
}

func (b readBus) Supported() bool { return true }
func (b readBus) Enumerate() ([]hidin.Info, error) {
	return []hidin.Info{{Path: "p", VID: 0xffff, PID: 0x35}}, nil
}
func (b readBus) Open(hidin.Info) (hidin.Conn, error) { return b.conn, nil }

// scriptConn plays reports, then reports timeouts until closed.
type scriptConn struct {
	reports [][]byte
	played  chan struct{}
}

func (c *scriptConn) ReadTimeout(b []byte, ms int) (int, error) {
	if len(c.reports) == 0 {
		select {
		case <-c.played:
		default:
			close(c.played)
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return 0, nil
	}
	n := copy(b, c.reports[0])
	c.reports = c.reports[1:]
	return n, nil
}
func (c *scriptConn) Close() error { return nil }

func TestDevicesRead(t *testing.T) {
	var reports [][]byte
	for _, u := range []byte{0x1E, 0x25, 0x25, 0x36, 0x1F, 0x21, 0x27, 0x1E, 0x27, 0x28} { // "188,24010" Enter
		reports = append(reports, []byte{0, 0, u, 0, 0, 0, 0, 0}, make([]byte, 8))
	}
	conn := &scriptConn{reports: reports, played: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuf
	done := make(chan error)
	go func() {
		done <- runDevicesRead(ctx, &out, []string{"door ffff:0035 badge form=em-wiegand26"}, readBus{conn})
	}()
	<-conn.played
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "door: connected") || !strings.Contains(got, "badge …10 (em-wiegand26)") {
		t.Errorf("output:\n%s", got)
	}
	if strings.Contains(got, "188,24010") {
		t.Errorf("badge printed in full:\n%s", got)
	}
	if err := runDevicesRead(ctx, &out, []string{"door ffff:0035 badge"}, readBus{conn}); !errors.Is(err, errUsage) {
		t.Errorf("bad spec: %v", err)
	}
	if err := runDevicesRead(ctx, &out, nil, stubBus{}); !errors.Is(err, errUsage) {
		t.Errorf("no spec: %v", err)
	}
	if err := runDevicesRead(ctx, &out, []string{"s 1:2 scanner"}, stubBus{}); err == nil {
		t.Error("unsupported build not reported")
	}
}

// openBus opens what it lists, except the paths in deny.
type openBus struct {
	stubBus
	deny map[string]error
}

func (b openBus) Open(i hidin.Info) (hidin.Conn, error) {
	if err := b.deny[i.Path]; err != nil {
		return nil, err
	}
	return &scriptConn{played: make(chan struct{})}, nil
}

// Configured readers are listed with whether each is live; any that is not
// makes the command fail after the listing.
func TestDevicesConfiguredReaders(t *testing.T) {
	bus := openBus{stubBus: stubBus{supported: true, infos: []hidin.Info{
		{Path: "a", VID: 0x0c2e, PID: 0x0b61, Interface: 0, Product: "1450g"},
		{Path: "b", VID: 0xffff, PID: 0x0035},
	}}, deny: map[string]error{"b": fmt.Errorf("open ffff:0035: %w", hidin.ErrNoPermission)}}
	file := filepath.Join(t.TempDir(), "readers")
	if err := os.WriteFile(file, []byte("# the door\ndoor ffff:0035 badge form=em-dec10\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := runDevices(&out, []string{"--reader", "front 0c2e:0b61/0 scanner", "--reader", "msr 0801:0001 card", "--readers", file}, noPorts, bus)
	want := `Configured readers:
  front  scanner  0c2e:0b61/0  live  1450g
  msr  card  0801:0001  not present
  door  badge  ffff:0035  no permission (udev rule missing? see docs/input.md)
`
	if got := out.String(); !strings.HasSuffix(got, want) {
		t.Errorf("got\n%s\nwant it to end with\n%s", got, want)
	}
	if err == nil || !strings.Contains(err.Error(), "reader msr: not present") || !strings.Contains(err.Error(), "reader door: no permission") {
		t.Errorf("not-live readers: %v", err)
	}
	out.Reset()
	if err := runDevices(&out, []string{"--reader", "front 0c2e:0b61/0 scanner"}, noPorts, bus); err != nil {
		t.Errorf("all live: %v", err)
	}
	if err := runDevices(&out, []string{"--reader", "front 0c2e scanner"}, noPorts, bus); !errors.Is(err, errUsage) {
		t.Errorf("bad spec: %v", err)
	}
	if err := runDevices(&out, []string{"--readers", filepath.Join(t.TempDir(), "none")}, noPorts, bus); err == nil || errors.Is(err, errUsage) {
		t.Errorf("missing file: %v", err)
	}
}
