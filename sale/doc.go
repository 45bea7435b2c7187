// Package sale is the domain core of the till: money, items, bills, lines,
// payments, totals and VAT, discount allocation, and the durable checkout that
// talks to the fiscal register. It declares the repositories it needs (the
// store implements them) and uses device.Register; it never imports store,
// ui, policy or a concrete device package, and never uses floating point:
// money is int64 minor units, percentages basis points, quantities
// milli-units. See docs/sale.md for the rules and the checkout state machine.
package sale
