// Package exchange reads and writes the files a shop's accounting system and
// the till swap: the ATOL/Frontol flat file of goods (what 1C's "exchange
// with offline POS" writes) and the till's own CSV, both ways, and the CSV of
// sales sent back. It is pure: readers take an io.Reader, writers an
// io.Writer, nothing here opens a file or a database. A reader streams
// (one line in memory at a time, lines capped at MaxLine bytes), reports a
// bad row as a *Problem naming its line and goes on, and stops on a
// *Problem marked Fatal when the file as a whole cannot be read (a wrong
// signature, a CSV without its header, bytes that are not UTF-8 in a CSV).
// Checks that need the whole file or the database (a code or barcode on two
// items, an unknown group) are the importer's, in package store.
//
// The formats and every decision about them: docs/catalogue.md.
package exchange
