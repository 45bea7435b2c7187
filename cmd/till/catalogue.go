package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tillpos/till/exchange"
	"github.com/tillpos/till/store"
)

func init() {
	register("catalogue", "load and save goods: catalogue import|export (catalogue help)",
		func(ctx context.Context, args []string) error { return runCatalogue(ctx, os.Stdout, args) })
}

const catalogueUsage = `catalogue import [-db PATH] [-dry-run] [-format atol|csv] [-tax-map G=VAT,...] [-rejects FILE] FILE
           load goods from an ATOL/Frontol file (1C's offline POS exchange) or the till's CSV:
           all or nothing; a dry run says what would change
       catalogue export [-db PATH] -format csv|atol [-cp1251] FILE
           write every item (the generic item excepted) to FILE`

// errImportRefused makes a refused import exit non-zero after its summary.
var errImportRefused = errors.New("import refused: the catalogue is unchanged")

func runCatalogue(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, catalogueUsage)
	}
	sub, rest := args[0], args[1:]
	fs := flag.NewFlagSet("catalogue "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dbPath := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	format := fs.String("format", "", "atol or csv (import: found from the file's first line when omitted)")
	dry := fs.Bool("dry-run", false, "check and count, change nothing")
	taxMap := fs.String("tax-map", "", "ATOL tax group codes to VAT codes, e.g. 1=20,2=10 (default: the stored setting)")
	rejects := fs.String("rejects", "", "write every rejected line to this file")
	cp1251 := fs.Bool("cp1251", false, "export: write the ATOL file in Windows-1251")
	switch sub {
	case "import", "export":
	case "help", "-h", "--help":
		fmt.Fprintln(out, "usage: till "+catalogueUsage)
		return nil
	default:
		return fmt.Errorf("%w: unknown catalogue command %q\n  %s", errUsage, sub, catalogueUsage)
	}
	if err := fs.Parse(rest); err != nil {
		return fmt.Errorf("%w: catalogue %s: %v", errUsage, sub, err)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: catalogue %s needs exactly one file argument", errUsage, sub)
	}
	if *format != "" && *format != "csv" && *format != "atol" {
		return fmt.Errorf("%w: -format is atol or csv, not %q", errUsage, *format)
	}
	path, err := dbPathOrDefault(*dbPath)
	if err != nil {
		return err
	}
	file := fs.Arg(0)
	if sub == "export" {
		if *format == "" {
			return fmt.Errorf("%w: catalogue export needs -format csv or -format atol", errUsage)
		}
		db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
		if err != nil {
			return operatorError(err)
		}
		defer db.Close()
		n, err := writeFileAtomic(file, func(w io.Writer) (int, error) { return db.WriteCatalogue(ctx, w, *format, *cp1251) })
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%d items written to %s\n", n, file)
		return nil
	}

	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if *format == "" {
		*format = sniffFormat(br)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return operatorError(err)
	}
	defer db.Close()
	rules, err := db.StoreCatalogueRules(ctx, *format, *taxMap)
	if err != nil {
		return err
	}
	opt := store.ImportOptions{DryRun: *dry, Rules: rules, Source: filepath.Base(file), Format: *format, Listed: 20}
	if *rejects != "" {
		rf, err := os.Create(*rejects)
		if err != nil {
			return err
		}
		defer rf.Close()
		opt.Rejects = rf
	}
	host, _ := os.Hostname()
	res, err := db.ImportCatalogue(ctx, newReader(*format, br), opt, store.Actor{Terminal: "cli:" + host})
	fmt.Fprint(out, res.Summary())
	switch {
	case errors.Is(err, store.ErrImportRefused):
		if *rejects != "" {
			fmt.Fprintf(out, "every rejected line is in %s\n", *rejects)
		}
		return errImportRefused
	case err != nil:
		return operatorError(err)
	case *dry:
		fmt.Fprintln(out, "dry run: nothing was changed")
	default:
		fmt.Fprintf(out, "imported into %s\n", path)
	}
	return nil
}

// sniffFormat: a file whose first line is the ATOL signature is ATOL,
// anything else is read as the till's CSV (whose reader then says what is
// wrong with it).
func sniffFormat(br *bufio.Reader) string {
	head, _ := br.Peek(16)
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	if strings.HasPrefix(string(head), "##@@&&") {
		return "atol"
	}
	return "csv"
}

func newReader(format string, r io.Reader) exchange.Reader {
	if format == "atol" {
		return exchange.NewATOLReader(r)
	}
	return exchange.NewCSVReader(r)
}

// writeFileAtomic writes through a temporary file in the same folder and
// renames it, so a full disk or a pulled stick never leaves half a file
// under the final name.
func writeFileAtomic(file string, write func(io.Writer) (int, error)) (int, error) {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 64<<10)
	n, err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", file, err)
	}
	return n, nil
}
