// Package proto holds the Shtrih-M "standard low level" vocabulary shared by the
// host driver (device/shtrih) and the emulator (device/shtrih/emu): control
// bytes, frame encoding and decoding with the LRC, little-endian field helpers
// and command codes. It knows nothing about receipts and does no I/O.
package proto
