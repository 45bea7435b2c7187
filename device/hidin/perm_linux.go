package hidin

import (
	"errors"
	"fmt"
	"syscall"
)

// permissionDenied checks the usbfs node behind a libusb hidapi path
// ("BBBB:DDDD:II", bus and device address in hex) for read-write access.
func permissionDenied(path string) bool {
	var bus, dev, iface int
	if _, err := fmt.Sscanf(path, "%x:%x:%x", &bus, &dev, &iface); err != nil {
		return false
	}
	const rw = 0x4 | 0x2 // R_OK | W_OK
	err := syscall.Access(fmt.Sprintf("/dev/bus/usb/%03d/%03d", bus, dev), rw)
	return errors.Is(err, syscall.EACCES)
}
