package sale

import (
	"fmt"
	"sort"

	"github.com/tillpos/till/device"
)

// VATRate is one row of a country's VAT table. Prices include VAT; Rate is
// in basis points (2000 = 20 %).
type VATRate struct {
	Code VATCode
	Rate int64
	// Slot is the register's tax slot; HasSlot is false where the register
	// has none (every Italian rate on a Shtrih-M, which is a Russian device).
	Slot    device.TaxSlot
	HasSlot bool
	// Calculated marks the Russian "20/120" and "10/110" rates used for
	// advances and some agent sales: the VAT part is computed the same way,
	// but the register must be told the calculated slot.
	Calculated bool
}

// VATTable maps a country's VAT codes to rates and register slots.
type VATTable struct {
	Country string
	rates   map[VATCode]VATRate
}

// The tables. Codes are what items carry (sale.Item.VAT); never rename a
// code, it is stored with every item and line.
var vatTables = map[string][]VATRate{
	"RU": {
		{Code: "20", Rate: 2000, Slot: device.Tax20, HasSlot: true},
		{Code: "10", Rate: 1000, Slot: device.Tax10, HasSlot: true},
		{Code: "0", Rate: 0, Slot: device.Tax0, HasSlot: true},
		{Code: "none", Rate: 0, Slot: device.TaxNone, HasSlot: true},
		// Simplified regime (USN) rates, in force since 2025.
		{Code: "5", Rate: 500, Slot: device.Tax5, HasSlot: true},
		{Code: "7", Rate: 700, Slot: device.Tax7, HasSlot: true},
		{Code: "20/120", Rate: 2000, Slot: device.Tax20of120, HasSlot: true, Calculated: true},
		{Code: "10/110", Rate: 1000, Slot: device.Tax10of110, HasSlot: true, Calculated: true},
	},
	"IT": {
		{Code: "22", Rate: 2200},
		{Code: "10", Rate: 1000},
		{Code: "5", Rate: 500},
		{Code: "4", Rate: 400},
	},
}

// VATTableFor returns the table of a country (ISO 3166 alpha-2: "RU", "IT").
func VATTableFor(country string) (*VATTable, error) {
	rows, ok := vatTables[country]
	if !ok {
		return nil, fmt.Errorf("VAT table for country %q: %w", country, ErrVATCode)
	}
	t := &VATTable{Country: country, rates: make(map[VATCode]VATRate, len(rows))}
	for _, r := range rows {
		t.rates[r.Code] = r
	}
	return t, nil
}

// Rate returns the row of code.
func (t *VATTable) Rate(code VATCode) (VATRate, error) {
	r, ok := t.rates[code]
	if !ok {
		return VATRate{}, newErr(ErrVATCode, "sale.error.vat_code", map[string]any{"Code": string(code)})
	}
	return r, nil
}

// Slot returns the register's tax slot for code. A rate the register does not
// know is an error, never a guess: a wrong slot is a wrong tax return.
func (t *VATTable) Slot(code VATCode) (device.TaxSlot, error) {
	r, err := t.Rate(code)
	if err != nil {
		return 0, err
	}
	if !r.HasSlot {
		return 0, newErr(ErrNoTaxSlot, "sale.error.no_tax_slot", map[string]any{"Code": string(code)})
	}
	return r.Slot, nil
}

// Codes lists the table's codes in a stable order (highest rate first), for
// pickers.
func (t *VATTable) Codes() []VATCode {
	out := make([]VATCode, 0, len(t.rates))
	for c := range t.rates {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := t.rates[out[i]], t.rates[out[j]]
		if a.Rate != b.Rate {
			return a.Rate > b.Rate
		}
		return a.Code < b.Code
	})
	return out
}

// VATPart is the VAT included in amount at rate (basis points):
// round-half-up(amount × rate / (10000 + rate)). 120.00 at 20 % holds 20.00.
func VATPart(amount, rate int64) (int64, error) {
	if amount < 0 || rate < 0 {
		return 0, negative("amount")
	}
	return MulDiv(amount, rate, 10000+rate)
}
