// Package crashtest proves, with real processes, the checkout's promise that
// a paid bill is fiscalised exactly once: a child process (the test binary
// run again) rings up a bill on the real store and checks it out through the
// real Shtrih-M driver on a pseudo-terminal; the parent owns the
// pseudo-terminal and the emulated register, watches the frames that cross
// it, and SIGKILLs the child at each step of the receipt. A new child then
// reconciles, and the emulator's fiscal memory judges: one receipt per paid
// bill, none lost, none doubled. docs/shtrih.md ("Crash injection")
// explains the points, the options and the table the test prints.
//
// The package is test code only. It may import sale, store, device,
// device/shtrih (and its proto), device/shtrih/emu, creack/pty and
// golang.org/x/sys; nothing in the till may import it.
package crashtest
