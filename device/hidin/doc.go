// Package hidin reads scanners, card readers and badge readers as raw USB
// HID devices (github.com/karalabe/hid): configured devices are found by
// VID/PID (and interface), opened, and read by one goroutine each; their
// boot-keyboard or HID POS reports go through device/scan and come out as
// device input events on one channel. Devices are polled for hot-plug, and
// each has a status (connected, no permission, not present, unsupported
// build) for the device settings screen and `till devices`.
//
// The hardware sits behind the small Bus/Conn interfaces so tests play
// recorded reports through a fake; karalabe/hid is only touched in bus.go.
// It must never import ui, store, sale or policy. Built with CGO_ENABLED=0
// it still compiles: the HID bus then reports itself unsupported.
package hidin
