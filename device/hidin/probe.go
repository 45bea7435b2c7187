package hidin

import (
	"errors"
	"time"
)

// Probe tells, for each configured reader, whether it is live right now:
// present on the bus and openable by this user. It opens each found device
// once and closes it again without reading (the opener closes, as Conn
// requires), so it is for diagnostics (`till devices`), not for a till that
// is running: a device the till holds open may fail to open here.
func Probe(bus Bus, cfgs []DeviceConfig) []Status {
	now := time.Now()
	out := make([]Status, 0, len(cfgs))
	status := func(c DeviceConfig, st State, detail string) {
		out = append(out, Status{Name: c.Name, Role: c.Role, State: st, Key: stateKeys[st], Detail: detail, Since: now})
	}
	if !bus.Supported() {
		for _, c := range cfgs {
			status(c, Unsupported, "")
		}
		return out
	}
	infos, err := bus.Enumerate()
	for _, c := range cfgs {
		if err != nil {
			status(c, Failed, err.Error())
			continue
		}
		var found *Info
		for i := range infos {
			if matches(c, infos[i]) {
				found = &infos[i]
				break
			}
		}
		if found == nil {
			status(c, NotPresent, "")
			continue
		}
		conn, oerr := bus.Open(*found)
		switch {
		case errors.Is(oerr, ErrNoPermission):
			status(c, NoPermission, oerr.Error())
		case oerr != nil:
			status(c, Failed, oerr.Error())
		default:
			_ = conn.Close()
			status(c, Connected, found.Product)
		}
	}
	return out
}
