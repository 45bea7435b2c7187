package exchange

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// drain reads a file to its end and checks the invariants every reader
// keeps whatever the input: lines only grow, a fatal problem ends the
// file, no reader loops forever, an item's fields fit the line it came
// from.
func drain(t *testing.T, r Reader, size int) {
	last := 0
	for n := 0; ; n++ {
		if n > size+2 {
			t.Fatalf("more records than lines")
		}
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		var p *Problem
		if errors.As(err, &p) {
			if p.Line < last || p.Fatal && p.Line == 0 && size > 0 && p.Reason != ReasonNoHeader && p.Reason != ReasonSignature {
				t.Fatalf("problem at line %d after %d: %v", p.Line, last, p)
			}
			_ = p.Error()
			if p.Fatal {
				if _, err := r.Next(); err == nil {
					// A reader may not hand out rows after a fatal problem
					// of its header; later fatal problems (not UTF-8) end
					// the caller's loop anyway.
					if p.Reason == ReasonSignature || p.Reason == ReasonNoHeader || p.Reason == ReasonMissingColumn {
						t.Fatalf("row after fatal %v", p)
					}
				}
				return
			}
			last = p.Line
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Line <= last && rec.Line != 0 {
			t.Fatalf("line %d after %d", rec.Line, last)
		}
		last = rec.Line
		if len(rec.Item.Name) > MaxLine {
			t.Fatalf("name longer than a line")
		}
		_ = ruRules.Check(rec.Line, &rec.Item)
	}
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte("code,barcodes,name,receipt_name,price,vat,unit,weighed,marking,department,group,active\r\n2001,\"4600000010038,4600000010045\",Milk,,89.90,10,pcs,0,0,1,Dairy,1\r\n"))
	f.Add([]byte("\xEF\xBB\xBFname;price;code;vat\n\nМолоко;89,90;1;10\n1;2\n"))
	f.Add([]byte("code,name,price,vat\n1,\"a\"\"b\",1,10\n2,\"x,1,10\n3,\xcc\xee,1,10\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		drain(t, NewCSVReader(bytes.NewReader(b)), bytes.Count(b, []byte{'\n'})+1)
	})
}

func FuzzATOL(f *testing.F) {
	f.Add([]byte("##@@&&\r\n#\r\n$$$ADDQUANTITY\r\n1001;;Dairy;Dairy;;;;;;;;;;;;;0;\r\n2001;4600000010038,4600000010045;Milk;Milk;89.90;;;0,1,1;;;;;;;;1001;1;;;;;;10;\r\n"))
	f.Add([]byte("##@@&&\n@\n$$$DELETEALLWARES\n$$$DELETEBARCODESBYWARECODE\n1;\n$$$X\n1;2\n$$$REPLACEQUANTITY\n;;;\n"))
	f.Add([]byte("##@@&&\r\n#\r\n1;2;3\r\n$$$ADDQUANTITY\r\n1;;\xcc\xee\xeb\xee\xea\xee;;1,5;;;x,y;\r\n"))
	f.Add([]byte("code,name\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		drain(t, NewATOLReader(bytes.NewReader(b)), bytes.Count(b, []byte{'\n'})+1)
	})
}

// FuzzSplitQuoted: whatever the writer quotes, the splitter splits back.
func FuzzSplitQuoted(f *testing.F) {
	f.Add("a", "b,c", "\"d\"")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if strings.ContainsAny(a+b+c, "\r\n") {
			return
		}
		var buf bytes.Buffer
		w := &CSVWriter{w: &buf}
		w.row([]string{a, b, c})
		line := strings.TrimSuffix(buf.String(), "\r\n")
		got, ok := splitQuoted(nil, line, ',')
		if !ok || len(got) != 3 || got[0] != a || got[1] != b || got[2] != c {
			t.Fatalf("%q -> %q (%v)", []string{a, b, c}, got, ok)
		}
	})
}
