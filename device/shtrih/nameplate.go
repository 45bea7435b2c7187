package shtrih

import (
	"context"
	"fmt"
	"strconv"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/proto"
)

// Nameplate is what a device setup page shows to prove it found the right
// register: the register's own factory serial number (11h), the FN's
// serial, the shift state and the last fiscal document.
type Nameplate struct {
	Serial   string // the register's factory number; "" if it reports none
	FN       string // the fiscal storage's serial number
	Firmware string
	Status   device.Status
	LastFD   uint32
}

// ReadNameplate reads the register's status (10h), full status (11h, for its
// serial number), the FN status and the last document: queries only, so
// it changes nothing on the register.
func (r *Register) ReadNameplate(ctx context.Context) (Nameplate, error) {
	st, err := r.Status(ctx)
	if err != nil {
		return Nameplate{}, err
	}
	id := Nameplate{Status: st, FN: st.Serial}
	r.mu.Lock()
	d, err := r.do(ctx, Simple(proto.CmdFullStatus, r.cfg.Password), nil)
	r.mu.Unlock()
	if err != nil {
		return Nameplate{}, fmt.Errorf("full status: %w", err)
	}
	fs, err := DecodeFullStatus(d)
	if err != nil {
		return Nameplate{}, fmt.Errorf("full status: %w", err)
	}
	if fs.Serial != 0 && fs.Serial != 0xFFFFFFFF {
		id.Serial = strconv.FormatUint(uint64(fs.Serial), 10)
	}
	id.Firmware = fmt.Sprintf("%s build %d", fs.FirmwareVer, fs.FirmwareBuild)
	if id.LastFD, _, err = r.LastDocument(ctx); err != nil {
		return Nameplate{}, err
	}
	return id, nil
}
