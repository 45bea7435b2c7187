package shtrih

import (
	"context"

	"github.com/tillpos/till/device"
)

// Drawer is a cash drawer wired to the register's drawer port: 28h kicks
// it, and the register's status flags (b11) report its switch.
type Drawer struct{ R *Register }

var _ device.Drawer = Drawer{}

func (d Drawer) Open(ctx context.Context) error { return d.R.OpenDrawer(ctx) }

func (d Drawer) Status(ctx context.Context) (device.DrawerState, error) {
	s, err := d.R.Status(ctx)
	if err != nil {
		return device.DrawerUnknown, err
	}
	if s.DrawerOpen {
		return device.DrawerOpen, nil
	}
	return device.DrawerClosed, nil
}
