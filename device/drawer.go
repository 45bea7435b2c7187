package device

import "context"

// DrawerState is what a drawer reports about its switch, when it can.
type DrawerState byte

const (
	DrawerUnknown DrawerState = iota
	DrawerClosed
	DrawerOpen
)

// Drawer is a cash drawer. Status returns DrawerUnknown when the hardware
// cannot tell.
type Drawer interface {
	Open(ctx context.Context) error
	Status(ctx context.Context) (DrawerState, error)
}
