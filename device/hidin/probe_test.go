package hidin

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type probeBus struct {
	supported bool
	infos     []Info
	enumErr   error
	openErr   map[string]error // by path
	closed    []string
}

func (b *probeBus) Supported() bool            { return b.supported }
func (b *probeBus) Enumerate() ([]Info, error) { return b.infos, b.enumErr }
func (b *probeBus) Open(i Info) (Conn, error) {
	if err := b.openErr[i.Path]; err != nil {
		return nil, err
	}
	return &probeConn{bus: b, path: i.Path}, nil
}

type probeConn struct {
	bus  *probeBus
	path string
}

func (c *probeConn) ReadTimeout([]byte, int) (int, error) {
	return 0, errors.New("probe must not read")
}

func (c *probeConn) Close() error {
	c.bus.closed = append(c.bus.closed, c.path)
	return nil
}

func TestProbe(t *testing.T) {
	cfgs := []DeviceConfig{
		{Name: "front", VID: 0x0c2e, PID: 0x0b61, Interface: 0},
		{Name: "any-iface", VID: 0x0c2e, PID: 0x0b61, Interface: -1},
		{Name: "door", VID: 0xffff, PID: 0x0035, Interface: -1},
		{Name: "msr", VID: 0x0801, PID: 0x0001, Interface: -1},
		{Name: "gone", VID: 0x1234, PID: 0x5678, Interface: -1},
	}
	bus := &probeBus{supported: true, infos: []Info{
		{Path: "p1", VID: 0x0c2e, PID: 0x0b61, Interface: 1, Product: "1450g kbd"},
		{Path: "p0", VID: 0x0c2e, PID: 0x0b61, Interface: 0, Product: "1450g pos"},
		{Path: "p2", VID: 0xffff, PID: 0x0035},
		{Path: "p3", VID: 0x0801, PID: 0x0001},
	}, openErr: map[string]error{
		"p2": fmt.Errorf("open ffff:0035: %w", ErrNoPermission),
		"p3": errors.New("busy"),
	}}
	got := Probe(bus, cfgs)
	want := []Status{
		{Name: "front", State: Connected, Key: "input.device.connected", Detail: "1450g pos"},
		{Name: "any-iface", State: Connected, Key: "input.device.connected", Detail: "1450g kbd"},
		{Name: "door", State: NoPermission, Key: "input.device.no_permission", Detail: "open ffff:0035: hid: no permission to open device"},
		{Name: "msr", State: Failed, Key: "input.device.error", Detail: "busy"},
		{Name: "gone", State: NotPresent, Key: "input.device.not_present"},
	}
	ignore := cmpopts.IgnoreFields(Status{}, "Since")
	if diff := cmp.Diff(want, got, ignore); diff != "" {
		t.Errorf("probe (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"p0", "p1"}, bus.closed); diff != "" {
		t.Errorf("opened devices not closed again (-want +got):\n%s", diff)
	}

	bus.enumErr = errors.New("libusb down")
	for _, s := range Probe(bus, cfgs[:1]) {
		if s.State != Failed || s.Detail != "libusb down" {
			t.Errorf("enumerate failure: %+v", s)
		}
	}
	for _, s := range Probe(&probeBus{}, cfgs[:2]) {
		if s.State != Unsupported {
			t.Errorf("unsupported build: %+v", s)
		}
	}
}
