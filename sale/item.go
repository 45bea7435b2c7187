package sale

// ItemID identifies an item in the catalogue.
type ItemID int64

// Item is a catalogue entry as the sale needs it. Price is minor units per
// piece, or per kilogram when Weighed (quantities are milli-units, so 1 kg =
// 1000). VAT is the rate's code in the store's country table.
type Item struct {
	ID      ItemID
	Barcode string // EAN-13/EAN-8/UPC as scanned, check digit included
	Name    string
	Price   int64
	VAT     VATCode
	Weighed bool
	Dept    byte
}

// VATCode names a VAT rate in a country's table ("20", "10", "0", "none",
// "22", ...). The table maps it to a percentage and to a register tax slot.
type VATCode string
