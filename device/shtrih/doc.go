// Package shtrih drives a Shtrih-M fiscal register (fiscal-shtrih-m.md).
// It owns two layers above the link (device/shtrih/link): commands — typed
// request encoders and reply decoders with the register's field widths and
// code pages — and Register, which composes commands into receipts, shifts
// and reports and implements device.Register and device.Drawer. It also owns
// opening a serial port (Open) and the mapping of the register's error
// codes to device sentinels and cashier messages.
//
// It may import device, device/shtrih/proto, device/shtrih/link, the serial
// library and golang.org/x/text. It must never import the emulator
// (device/shtrih/emu), ui, sale, policy or store: the register knows
// receipts only as device.Receipt.
package shtrih
