// Package events turns what a reader sent, once decoded to text by
// device/scan, into the till's input events (device.Scan, Swipe, Badge,
// ReadError), and holds the keyboard-wedge pipeline of the window (physical
// key -> US character -> burst detector -> event or typing) without
// importing Fyne: the window's adapter passes key names and scan codes as
// plain values.
//
// It is the one place where device/scan's vocabulary meets device's, so
// that both the HID path (device/hidin) and the window produce the same
// events. Like device/scan it does no I/O; it imports only device and
// device/scan of ours, never ui, store or a driver.
package events
