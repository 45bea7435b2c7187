package shtrih

import (
	"context"
	"fmt"

	"github.com/tillpos/till/device/shtrih/proto"
)

// Identity is what a register says it is: FCh (device type, model name)
// and 11h (firmware version, build and date).
type Identity struct {
	Device        DeviceType
	FirmwareVer   string
	FirmwareBuild uint16
	FirmwareDate  Date
}

func (i Identity) String() string {
	return fmt.Sprintf("%s (model %d, protocol %d.%d), firmware %s build %d of %02d.%02d.%02d",
		i.Device.Name, i.Device.Model, i.Device.Protocol, i.Device.ProtocolSub,
		i.FirmwareVer, i.FirmwareBuild, i.FirmwareDate.Day, i.FirmwareDate.Month, i.FirmwareDate.Year)
}

// Identify reads FCh and 11h once and keeps the answer; it is logged, so
// the log says which firmware a fallback happened on. Commands are chosen
// by what the firmware answers rather than by a table of firmware
// versions nobody publishes: a command it lacks answers 37h, which is not
// executed, and the driver switches for good (FF46h/FF45h → 80h/82h/85h,
// FF0Ch → table 2 for the cashier and no INN tag, FF41h → plain E0h,
// 1Eh → the register's own operator name).
func (r *Register) Identify(ctx context.Context) (Identity, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.identity != nil {
		return *r.identity, nil
	}
	var id Identity
	d, err := r.do(ctx, DeviceTypeCmd(), nil)
	if err != nil {
		return id, fmt.Errorf("device type: %w", err)
	}
	if id.Device, err = DecodeDeviceType(d); err != nil {
		return id, err
	}
	d, err = r.do(ctx, Simple(proto.CmdFullStatus, r.cfg.Password), nil)
	if err != nil {
		return id, fmt.Errorf("full status: %w", err)
	}
	f, err := DecodeFullStatus(d)
	if err != nil {
		return id, err
	}
	id.FirmwareVer, id.FirmwareBuild, id.FirmwareDate = f.FirmwareVer, f.FirmwareBuild, f.FirmwareDate
	r.identity = &id
	r.logf("shtrih: connected to %s", id)
	return id, nil
}
