package exchange

import (
	"io"
	"strconv"
	"time"
)

// SalesColumns are the columns of the sales CSV the till sends back to the
// accounting system: one "line" row per sold line and one "payment" row
// per tender, each carrying its receipt's number, fiscal document (FD)
// number and sign, shift, date and cashier, so any row stands alone.
var SalesColumns = []string{
	"receipt", "fd_number", "fiscal_sign", "shift", "date", "kind", "cashier",
	"record", "code", "barcode", "name", "qty", "price", "discount", "amount", "vat", "payment", "paid",
}

// SaleReceipt is the head of a fiscalised bill.
type SaleReceipt struct {
	ID      int64
	FD      uint32
	Sign    uint32
	Shift   uint16
	Time    time.Time
	Return  bool
	Cashier string
}

// SaleLine is a sold line: quantity in milli-units, money in minor units,
// Amount after every discount.
type SaleLine struct {
	Code, Barcode, Name string
	QtyMilli            int64
	Price               int64
	Discount            int64
	Amount              int64
	VAT                 string
}

// SalesWriter writes the sales CSV (UTF-8, comma, CR LF).
type SalesWriter struct{ c *CSVWriter }

// NewSalesWriter writes the header at once.
func NewSalesWriter(w io.Writer) *SalesWriter {
	c := &CSVWriter{w: w}
	c.row(SalesColumns)
	return &SalesWriter{c: c}
}

func (s *SalesWriter) head(r SaleReceipt, record string) []string {
	kind := "sale"
	if r.Return {
		kind = "return"
	}
	return []string{
		strconv.FormatInt(r.ID, 10), strconv.FormatUint(uint64(r.FD), 10), strconv.FormatUint(uint64(r.Sign), 10),
		strconv.Itoa(int(r.Shift)), r.Time.Format("2006-01-02T15:04:05"), kind, r.Cashier, record,
	}
}

// Line writes a line row.
func (s *SalesWriter) Line(r SaleReceipt, l SaleLine) error {
	s.c.row(append(s.head(r, "line"), l.Code, l.Barcode, l.Name, FormatQty(l.QtyMilli), FormatPrice(l.Price),
		FormatPrice(l.Discount), FormatPrice(l.Amount), l.VAT, "", ""))
	return s.c.err
}

// Payment writes a payment row: kind "cash" or "card".
func (s *SalesWriter) Payment(r SaleReceipt, kind string, amount int64) error {
	s.c.row(append(s.head(r, "payment"), "", "", "", "", "", "", "", "", kind, FormatPrice(amount)))
	return s.c.err
}

// FormatQty writes milli-units as "1.000", "0.455".
func FormatQty(m int64) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	f := strconv.FormatInt(m%1000+1000, 10)[1:]
	return sign + strconv.FormatInt(m/1000, 10) + "." + f
}
