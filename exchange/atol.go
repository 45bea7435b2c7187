package exchange

import (
	"io"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// ATOL/Frontol flat file of goods. Confirmed against two public integrator
// descriptions (see docs/catalogue.md): line 1 "##@@&&", line 2 "#" or "@",
// then commands ($$$...) each followed by its data lines of ';'-separated
// fields. Goods lines (after $$$ADDQUANTITY, $$$REPLACEQUANTITY,
// $$$REPLACEQUANTITYWITHOUTSALE), 1-based: 1 code, 2 barcodes
// comma-separated, 3 name, 4 receipt text, 5 price, 6 stock (ignored),
// 8 flags (1st weighed, 2nd sale allowed), 16 parent group code, 17 item 1
// or group 0 (default item), 23 tax group code. Other fields are ignored.
const (
	atolSignature = "##@@&&"
	fCode         = 0
	fBarcodes     = 1
	fName         = 2
	fText         = 3
	fPrice        = 4
	fFlags        = 7
	fParent       = 15
	fIsItem       = 16
	fTax          = 22
	atolFields    = 23 // fields the writer fills
)

type atolMode int

const (
	modeNone atolMode = iota
	modeWares
	modeDeleteBarcodes
	modeSkip
)

// ATOLReader reads the ATOL/Frontol goods file, in Windows-1251 or UTF-8
// (decided by its first line that is not ASCII).
type ATOLReader struct {
	l      *lines
	mode   atolMode
	header bool
	// Loaded is true when line 2 is "@": some loader already took this file.
	Loaded bool
	// Skipped counts data lines of commands the till does not apply
	// (discounts, cashiers, ...), by command.
	Skipped map[string]int
	fields  []string
	skipCmd string
	fatal   error
}

// NewATOLReader reads the header at the first Next.
func NewATOLReader(r io.Reader) *ATOLReader {
	return &ATOLReader{l: newLines(r, true), Skipped: map[string]int{}}
}

func (a *ATOLReader) readHeader() error {
	for i := 0; i < 2; i++ {
		s, err := a.l.next()
		if err == io.EOF {
			return &Problem{Line: a.l.n + 1, Reason: ReasonSignature, Fatal: true}
		}
		if p, ok := err.(*Problem); ok {
			p.Fatal = true
			return p
		}
		if err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		switch {
		case i == 0 && s != atolSignature:
			return &Problem{Line: 1, Reason: ReasonSignature, Fatal: true}
		case i == 1 && s != "#" && s != "@":
			return &Problem{Line: 2, Reason: ReasonFlag, Args: map[string]string{"Value": clip(s)}, Fatal: true}
		case i == 1:
			a.Loaded = s == "@"
		}
	}
	a.header = true
	return nil
}

// Next returns the next record: an item, a group, or a command
// (KindDeleteAll, KindDeleteBarcodes). Problems as CSVReader.Next.
func (a *ATOLReader) Next() (Record, error) {
	if a.fatal != nil {
		return Record{}, a.fatal
	}
	rec, err := a.next()
	if p, ok := err.(*Problem); ok && p.Fatal || err != nil && err != io.EOF && !ok {
		a.fatal = err
	}
	return rec, err
}

func (a *ATOLReader) next() (Record, error) {
	if !a.header {
		if err := a.readHeader(); err != nil {
			return Record{}, err
		}
	}
	for {
		s, err := a.l.next()
		if err != nil {
			return Record{Line: a.l.n}, err
		}
		line := a.l.n
		if strings.TrimSpace(s) == "" {
			continue
		}
		if cmd, ok := strings.CutPrefix(strings.TrimSpace(s), "$$$"); ok {
			switch strings.ToUpper(cmd) {
			case "DELETEALLWARES":
				a.mode = modeNone
				return Record{Line: line, Kind: KindDeleteAll}, nil
			case "ADDQUANTITY", "REPLACEQUANTITY", "REPLACEQUANTITYWITHOUTSALE":
				a.mode = modeWares
			case "DELETEBARCODESBYWARECODE":
				a.mode = modeDeleteBarcodes
			default:
				a.mode = modeSkip
				a.skipCmd = "$$$" + cmd
			}
			continue
		}
		switch a.mode {
		case modeNone:
			return Record{Line: line}, newProblem(line, ReasonNoCommand)
		case modeSkip:
			a.Skipped[a.skipCmd]++
			continue
		}
		a.fields = append(a.fields[:0], strings.Split(s, ";")...)
		get := func(i int) string {
			if i < len(a.fields) {
				return strings.TrimSpace(a.fields[i])
			}
			return ""
		}
		if a.mode == modeDeleteBarcodes {
			return Record{Line: line, Kind: KindDeleteBarcodes, Item: Item{Code: get(fCode)}}, nil
		}
		if get(fIsItem) == "0" {
			return Record{Line: line, Kind: KindGroup, Group: Group{Code: get(fCode), Name: get(fName), Parent: get(fParent)}}, nil
		}
		rec := Record{Line: line, Kind: KindItem}
		it := &rec.Item
		it.Code, it.Name, it.Active = get(fCode), get(fName), true
		it.Barcodes = splitBarcodes(strings.ReplaceAll(get(fBarcodes), " ", ""))
		it.Fields = FieldBarcodes | FieldReceiptName | FieldPrice
		it.ReceiptName = get(fText)
		if v := get(fPrice); v != "" {
			p, ok := ParsePrice(v)
			if !ok {
				return rec, newProblem(line, ReasonPriceBad, "Value", clip(v))
			}
			it.Price = p
		}
		if v := get(fFlags); v != "" {
			flags := strings.Split(v, ",")
			for i, name := range []string{"weighed", "sale"} {
				if i >= len(flags) {
					break
				}
				var b bool
				switch strings.TrimSpace(flags[i]) {
				case "1":
					b = true
				case "0", "":
				default:
					return rec, newProblem(line, ReasonFlagValue, "Column", name, "Value", clip(flags[i]))
				}
				if i == 0 {
					it.Weighed, it.Fields = b, it.Fields|FieldWeighed
				} else {
					it.Active, it.Fields = b, it.Fields|FieldActive
				}
			}
		}
		if v := get(fParent); v != "" {
			it.Group, it.Fields = v, it.Fields|FieldGroup
		}
		if v := get(fTax); v != "" {
			it.VAT, it.Fields = v, it.Fields|FieldVAT
		}
		return rec, nil
	}
}

// ATOLWriter writes goods in the ATOL/Frontol layout the reader takes:
// header, $$$ADDQUANTITY, group lines, then item lines of 23 fields,
// CR LF. With CP1251 set it writes Windows-1251 (what most Frontol and 1C
// installations expect); a character that encoding lacks is an error.
type ATOLWriter struct {
	w      io.Writer
	cp1251 bool
	err    error
	f      [atolFields]string
}

// NewATOLWriter writes the header and the command line at once.
func NewATOLWriter(w io.Writer, cp1251 bool) *ATOLWriter {
	a := &ATOLWriter{w: w, cp1251: cp1251}
	a.line(atolSignature + "\r\n#\r\n$$$ADDQUANTITY\r\n")
	return a
}

// ErrATOLField: a value with ';' (the separator) or ',' in a barcode: the
// format has no quoting.
type ErrATOLField struct{ Code, Value string }

func (e *ErrATOLField) Error() string {
	return "item " + e.Code + ": " + e.Value + " cannot be written in the ATOL format (it has no quoting for ';')"
}

func (a *ATOLWriter) line(s string) {
	if a.err != nil {
		return
	}
	if a.cp1251 {
		b, err := charmap.Windows1251.NewEncoder().String(s)
		if err != nil {
			a.err = err
			return
		}
		s = b
	}
	_, a.err = io.WriteString(a.w, s)
}

func (a *ATOLWriter) row() {
	for _, v := range a.f {
		if strings.ContainsAny(v, ";\r\n") {
			a.err = &ErrATOLField{Code: a.f[fCode], Value: v}
			return
		}
	}
	a.line(strings.Join(a.f[:], ";") + ";\r\n")
	a.f = [atolFields]string{}
}

// WriteGroup writes a group line.
func (a *ATOLWriter) WriteGroup(g Group) error {
	a.f[fCode], a.f[fName], a.f[fText], a.f[fParent], a.f[fIsItem] = g.Code, g.Name, g.Name, g.Parent, "0"
	a.row()
	return a.err
}

// WriteItem writes an item; it.Group is the parent group's code and
// it.VAT the tax group code.
func (a *ATOLWriter) WriteItem(it *Item) error {
	text := it.ReceiptName
	if text == "" {
		text = it.Name
	}
	a.f[fCode], a.f[fBarcodes], a.f[fName], a.f[fText] = it.Code, strings.Join(it.Barcodes, ","), it.Name, text
	a.f[fPrice] = FormatPrice(it.Price)
	a.f[fFlags] = bit(it.Weighed) + "," + bit(it.Active) + ",1,0,0,0,0,0,1,0,1"
	a.f[fParent], a.f[fIsItem], a.f[fTax] = it.Group, "1", it.VAT
	a.row()
	return a.err
}

// Err is the first write error.
func (a *ATOLWriter) Err() error { return a.err }
