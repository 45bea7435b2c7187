package main

import (
	"fmt"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

// startDemoRegister runs the emulated register in-process and drives it
// through the real driver, over the emulator's in-process serial line, so
// the demo exercises the same code as a till with hardware. Its fiscal
// memory lives next to the demo database and survives restarts.
func startDemoRegister(dbPath string) (device.Register, error) {
	e, err := emu.Open(emu.Config{
		StatePath: dbPath + ".register",
		// A fresh demo register starts with an open shift, so the demo
		// can sell before a shift-open screen exists.
		StartShiftOpen: true,
	})
	if err != nil {
		return nil, fmt.Errorf("demo register: %w", err)
	}
	return shtrih.New(e.Pipe(), shtrih.Config{}), nil
}

// demoLogins is the store's demo table as the login screen's panel shows it.
func demoLogins() []ui.DemoLogin {
	var out []ui.DemoLogin
	for _, d := range store.DemoUsers {
		out = append(out, ui.DemoLogin{
			Login:      d.Login,
			Password:   d.Password,
			Group:      d.Group,
			Badge:      d.BadgePrint, // what the reader types, the number on the card
			MustChange: d.MustChange,
		})
	}
	return out
}
