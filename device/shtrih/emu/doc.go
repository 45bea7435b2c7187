// Package emu emulates a Shtrih-M fiscal register (FN era) on the device side
// of the "standard low level" link: it answers ENQ, ACKs or NAKs frames,
// executes the commands a till uses against its own fiscal memory (shift,
// receipts, documents, counters), charges realistic wire and printing time,
// and injects faults (paper out, cover open, silence, NAK, corrupted replies,
// disconnect mid-receipt, slow Z, shift over 24 hours).
//
// It serves an in-process Pipe (a proto.Port for tests and the demo), any
// io.ReadWriter, or a pseudo-terminal that go.bug.st/serial opens like a real
// port. Protocol facts: docs/fiscal-shtrih-m.md; behaviour and faults:
// docs/emulator.md.
//
// It imports only proto (the shared wire vocabulary), golang.org/x/text for
// the register's code pages, creack/pty and golang.org/x/sys/unix (raw mode
// of the pty). It must never import the host
// driver (device/shtrih, device/shtrih/link), sale, policy, store or ui: the
// emulator is the other end of the wire and must not share the driver's
// mistakes.
package emu
