package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/tillpos/till/exchange"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

func init() {
	register("sales", "sales for the accounting system: sales export -from DATE -to DATE FILE",
		func(ctx context.Context, args []string) error { return runSales(ctx, os.Stdout, args) })
}

const salesUsage = `sales export [-db PATH] -from YYYY-MM-DD -to YYYY-MM-DD FILE
           every fiscalised sale and return of those days (both included, local time) as CSV:
           a row per line and a row per payment, each with its receipt, FD number, date and cashier`

func runSales(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "export" {
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(out, "usage: till "+salesUsage)
			return nil
		}
		return fmt.Errorf("%w: %s", errUsage, salesUsage)
	}
	fs := flag.NewFlagSet("sales export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	fromS := fs.String("from", "", "first day, YYYY-MM-DD")
	toS := fs.String("to", "", "last day, YYYY-MM-DD")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: sales export: %v", errUsage, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: sales export needs exactly one file argument", errUsage)
	}
	from, err := time.ParseInLocation(time.DateOnly, *fromS, time.Local)
	if err != nil {
		return fmt.Errorf("%w: -from %q is not a date YYYY-MM-DD", errUsage, *fromS)
	}
	to, err := time.ParseInLocation(time.DateOnly, *toS, time.Local)
	if err != nil {
		return fmt.Errorf("%w: -to %q is not a date YYYY-MM-DD", errUsage, *toS)
	}
	if to.Before(from) {
		return fmt.Errorf("%w: -to %s is before -from %s", errUsage, *toS, *fromS)
	}
	path, err := dbPathOrDefault(*dbPath)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		return operatorError(err)
	}
	defer db.Close()
	country, err := db.SettingString(ctx, store.SettingStoreCountry, defaultCountry)
	if err != nil {
		return err
	}
	vat, err := sale.VATTableFor(country)
	if err != nil {
		return err
	}
	file := fs.Arg(0)
	receipts := 0
	_, err = writeFileAtomic(file, func(w io.Writer) (int, error) {
		sw := exchange.NewSalesWriter(w)
		err := db.SoldBills(ctx, from, to.AddDate(0, 0, 1), func(sb store.SoldBill) error {
			receipts++
			return writeSoldBill(sw, sb, vat)
		})
		return receipts, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d receipts from %s to %s written to %s\n", receipts, *fromS, *toS, file)
	return nil
}

func writeSoldBill(sw *exchange.SalesWriter, sb store.SoldBill, vat *sale.VATTable) error {
	b := &sb.Bill
	t, err := sale.Compute(b, vat)
	if err != nil {
		return fmt.Errorf("bill %d: %w", b.ID, err)
	}
	r := exchange.SaleReceipt{
		ID: int64(b.ID), FD: b.Fiscal.Number, Sign: b.Fiscal.Sign, Shift: b.Fiscal.Shift, Time: b.Fiscal.Time.Local(),
		Return: b.Kind == sale.KindReturn, Cashier: sb.Cashier,
	}
	for _, lt := range t.Lines {
		l := b.Lines[lt.Index]
		err := sw.Line(r, exchange.SaleLine{
			Code: sb.Codes[l.Item], Barcode: l.Barcode, Name: l.Name, QtyMilli: l.QtyMilli, Price: l.UnitPrice,
			Discount: lt.LineDiscount + lt.BillDiscount, Amount: lt.Amount, VAT: string(l.VAT),
		})
		if err != nil {
			return err
		}
	}
	// A payment row is what the shop kept: the change handed back comes off
	// the cash tenders (latest first), so the rows of a receipt add up to
	// its total — 300,00 tendered for 269,70 is 269,70 of cash.
	kept := make([]int64, len(b.Payments))
	change := t.Change
	for i := len(b.Payments) - 1; i >= 0; i-- {
		kept[i] = b.Payments[i].Amount
		if b.Payments[i].Kind != sale.PayCard && change > 0 {
			c := min(change, kept[i])
			kept[i] -= c
			change -= c
		}
	}
	for i, p := range b.Payments {
		kind := "cash"
		if p.Kind == sale.PayCard {
			kind = "card"
		}
		if err := sw.Payment(r, kind, kept[i]); err != nil {
			return err
		}
	}
	return nil
}
