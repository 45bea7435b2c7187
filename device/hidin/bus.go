package hidin

import (
	"errors"
	"fmt"

	"github.com/karalabe/hid"
)

// Info describes one HID interface found on the bus.
type Info struct {
	Path         string
	VID, PID     uint16
	Interface    int
	Product      string
	Manufacturer string
	Serial       string
	UsagePage    uint16 // 0 on Linux (libusb backend): select by VID/PID and interface
}

// Conn is an open device. ReadTimeout returns 0, nil when nothing arrived
// in time. Only the goroutine that reads may Close it: hidapi frees the
// handle in hid_close, so closing under a running read is a use-after-free.
type Conn interface {
	ReadTimeout(b []byte, timeoutMS int) (int, error)
	Close() error
}

// Bus finds and opens devices.
type Bus interface {
	Supported() bool
	Enumerate() ([]Info, error)
	Open(Info) (Conn, error)
}

// ErrNoPermission: the device is there but this user may not open it (no
// udev rule, see docs/input.md).
var ErrNoPermission = errors.New("hid: no permission to open device")

// HIDBus is the real bus, through karalabe/hid.
type HIDBus struct{}

func (HIDBus) Supported() bool { return hid.Supported() }

func (HIDBus) Enumerate() ([]Info, error) {
	list, err := hid.Enumerate(0, 0)
	if err != nil {
		return nil, fmt.Errorf("enumerate HID: %w", err)
	}
	out := make([]Info, 0, len(list))
	for _, d := range list {
		out = append(out, Info{
			Path: d.Path, VID: d.VendorID, PID: d.ProductID, Interface: d.Interface,
			Product: d.Product, Manufacturer: d.Manufacturer, Serial: d.Serial, UsagePage: d.UsagePage,
		})
	}
	return out, nil
}

func (HIDBus) Open(i Info) (Conn, error) {
	d, err := hid.DeviceInfo{Path: i.Path, VendorID: i.VID, ProductID: i.PID, Interface: i.Interface}.Open()
	if err != nil {
		// hidapi says only "failed to open device"; find out whether it was
		// the device node's permissions, which the admin can fix.
		if permissionDenied(i.Path) {
			return nil, fmt.Errorf("open %04x:%04x: %w", i.VID, i.PID, ErrNoPermission)
		}
		return nil, fmt.Errorf("open %04x:%04x: %w", i.VID, i.PID, err)
	}
	return d, nil
}
