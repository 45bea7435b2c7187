// Package link is the transport layer of the Shtrih-M "standard low level"
// protocol (fiscal-shtrih-m.md §1.3): it owns the ENQ/ACK/NAK handshake,
// frame timing, retries and the decision of when a command's outcome is
// unknown. It moves opaque frame bodies (CMD+DATA) and knows nothing about
// what a command means, receipts or passwords.
//
// It imports proto (framing, the Port seam) and device (the sentinel errors
// callers branch on). It must never import the shtrih command layer, the
// emulator, the UI or the store.
package link
