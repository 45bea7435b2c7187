// Package linedrawer opens a cash drawer driven directly by a serial port's
// control lines: a DTR or RTS pulse fires the solenoid, and the drawer
// switch, when wired, is read on CTS or DSR. The lines sit behind the small
// LineControl interface because pseudo-terminals cannot toggle them, so
// tests use a fake. It imports only package device and go.bug.st/serial
// (for the adapter); never ui, sale or store.
package linedrawer
