// Package sale is the domain core of the till: money, items, bills, lines,
// payments, totals and VAT, discount allocation, and the durable checkout that
// talks to the fiscal register. It declares the repositories it needs (the
// store implements them) and uses device.Register; it never imports store,
// ui or a concrete device package.
package sale
