// Package scan turns what input devices send into meaning, without doing any
// I/O: HID keyboard usage IDs and boot-keyboard reports into text, Fyne's
// physical key names into the same text, HID POS scanned-data reports into
// AIM-tagged data, a stream of timed keystrokes into human typing or scans
// (the keyboard-wedge burst detector), and the decoded text into item codes
// (EAN-13/8, UPC-A/E), in-store weight and price labels, GS1 element strings,
// marking codes, ISO 7813 card tracks and canonical badge IDs.
//
// Everything here is decoded by physical key position (usage ID), never by
// the operating system's keyboard layout, so a Russian or French layout
// cannot change a barcode.
//
// It must import nothing of the till's and nothing outside the standard
// library, and must build with CGO_ENABLED=0: it is fuzzed, and it runs in
// both the HID path (device/hidin) and the window (keyboard wedge). Errors
// carry a stable message key for the cashier (see Error); they never contain
// a badge ID or card number.
package scan
