package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

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
