// Package escpos opens a cash drawer wired to an ESC/POS receipt printer on
// a serial port (ESC p pulse) and reads the drawer switch back (DLE EOT 1).
// It implements device.Drawer and knows nothing of receipts or the fiscal
// register. It imports only package device; never ui, sale or store.
package escpos
