package hidin

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
)

// ParseSpec reads a device from its one-line setting form, as kept in the
// settings table and typed at `till devices read`:
//
//	NAME VVVV:PPPP[/IFACE] ROLE [pos] [offset=1] [gs=HEX] [tab] [idle=300ms] [form=em-dec10] [em32] [lrc] [track=N]
//
// ROLE is scanner, card or badge; VID and PID are hex; IFACE a decimal
// interface number (any interface when absent); gs is the usage ID (hex) of
// the key the scanner sends for GS; tab adds Tab as a terminator.
func ParseSpec(line string) (DeviceConfig, error) {
	f := strings.Fields(line)
	if len(f) < 3 {
		return DeviceConfig{}, fmt.Errorf("device %q: want NAME VID:PID ROLE [options]", line)
	}
	c := DeviceConfig{Name: f[0], Interface: -1, Protocol: Boot}
	ids, iface, hasIface := strings.Cut(f[1], "/")
	v, p, ok := strings.Cut(ids, ":")
	vid, err1 := strconv.ParseUint(v, 16, 16)
	pid, err2 := strconv.ParseUint(p, 16, 16)
	if !ok || err1 != nil || err2 != nil {
		return DeviceConfig{}, fmt.Errorf("device %s: %q is not VVVV:PPPP in hex", c.Name, f[1])
	}
	c.VID, c.PID = uint16(vid), uint16(pid)
	if hasIface {
		n, err := strconv.Atoi(iface)
		if err != nil || n < 0 {
			return DeviceConfig{}, fmt.Errorf("device %s: interface %q is not a number", c.Name, iface)
		}
		c.Interface = n
	}
	switch r := device.Role(f[2]); r {
	case device.RoleScanner, device.RoleCard, device.RoleBadge:
		c.Role = r
	default:
		return DeviceConfig{}, fmt.Errorf("device %s: role %q is not scanner, card or badge", c.Name, f[2])
	}
	c.Reader.Scan.Labels = scan.DefaultLabelLayouts()
	for _, o := range f[3:] {
		k, val, _ := strings.Cut(o, "=")
		var err error
		switch k {
		case "pos":
			c.Protocol = POS
		case "offset":
			c.BootOffset, err = strconv.Atoi(val)
			if err == nil && (c.BootOffset < 0 || c.BootOffset > 1) {
				err = fmt.Errorf("must be 0 or 1")
			}
		case "gs":
			var u uint64
			u, err = strconv.ParseUint(val, 16, 8)
			c.GSUsage = byte(u)
		case "tab":
			c.Terminators = []rune{scan.Enter, scan.Tab}
		case "idle":
			c.Idle, err = time.ParseDuration(val)
			if err == nil && (c.Idle <= 0 || c.Idle > time.Minute) {
				err = fmt.Errorf("out of range")
			}
		case "form":
			c.Reader.BadgeForm.Form = scan.BadgeForm(val)
			err = fmt.Errorf("unknown badge form")
			for _, bf := range scan.BadgeForms {
				if bf == c.Reader.BadgeForm.Form {
					err = nil
				}
			}
		case "em32":
			c.Reader.BadgeForm.EMFull32 = true
		case "lrc":
			c.Reader.Track.LRC = true
		case "track":
			c.Reader.BadgeTrack, err = strconv.Atoi(val)
			if err == nil && (c.Reader.BadgeTrack < 0 || c.Reader.BadgeTrack > 3) {
				err = fmt.Errorf("must be 0-3")
			}
		default:
			err = fmt.Errorf("unknown option")
		}
		if err != nil {
			return DeviceConfig{}, fmt.Errorf("device %s: option %q: %v", c.Name, o, err)
		}
	}
	if c.Role == device.RoleBadge && c.Reader.BadgeForm.Form == "" {
		return DeviceConfig{}, fmt.Errorf("device %s: a badge reader needs form=%v", c.Name, scan.BadgeForms)
	}
	return c, nil
}
