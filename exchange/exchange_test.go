package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/charmap"

	"github.com/tillpos/till/assets"
)

// readAll collects a reader's items and problems; a fatal problem ends it.
func readAll(t testing.TB, r Reader) (recs []Record, problems []*Problem) {
	t.Helper()
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs, problems
		}
		var p *Problem
		if errors.As(err, &p) {
			problems = append(problems, p)
			if p.Fatal {
				return recs, problems
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

var ruRules = Rules{
	VAT: func(s string) (string, bool) {
		return s, slices.Contains([]string{"20", "10", "0", "none"}, s)
	},
	Known:   "20, 10, 0, none",
	Charset: charmap.Windows1251,
}

// The ATOL example of a real 1C export (shape from a public integrator
// thread): groups with parents, goods with flags, a tax group in field 23
// and 60+ fields, in Windows-1251 with CR LF.
func TestATOLReadsA1CExport(t *testing.T) {
	text := "##@@&&\r\n#\r\n$$$DELETEBARCODESBYWARECODE\r\n46512314;\r\n$$$ADDQUANTITY\r\n" +
		"118793;;Овощи/фрукты;Овощи/фрукты;;;;;;;;;;;;;0;;;;;;;;;;;;;;;;;;;;;;;;;;120;;;;;;;;;;;;;;;;\r\n" +
		"118802;;Весовые;Весовые;;;;;;;;;;;;118793;0;;;;;;;;;;;;;;;;;;;;;;;;;;120;;;;;;;;;;;;;;;;\r\n" +
		"46512314;4600000010038,4600000010045;Орехи вес грецкий;Орехи грецкие;449;;;1,1,1,0,1,1,0,0,1,0,1,0,1,0,0;;27.09.2025;;;1;;;118802;1;;;;;10;20;;;;;;;;;;;;;;;;10;10;10;10;120;;;;;;;;;;;;0;;;2;;;;;;;;2;\r\n" +
		"$$$ADDDISCOUNTS\r\n1;2;3;\r\n"
	enc, err := charmap.Windows1251.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	r := NewATOLReader(strings.NewReader(enc))
	recs, problems := readAll(t, r)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []Record{
		{Line: 4, Kind: KindDeleteBarcodes, Item: Item{Code: "46512314"}},
		{Line: 6, Kind: KindGroup, Group: Group{Code: "118793", Name: "Овощи/фрукты"}},
		{Line: 7, Kind: KindGroup, Group: Group{Code: "118802", Name: "Весовые", Parent: "118793"}},
		{Line: 8, Kind: KindItem, Item: Item{
			Code: "46512314", Barcodes: []string{"4600000010038", "4600000010045"}, Name: "Орехи вес грецкий",
			ReceiptName: "Орехи грецкие", Price: 44900, VAT: "20", Weighed: true, Group: "118802", Active: true,
			Fields: FieldBarcodes | FieldReceiptName | FieldPrice | FieldWeighed | FieldActive | FieldGroup | FieldVAT,
		}},
	}
	if d := cmp.Diff(want, recs); d != "" {
		t.Error(d)
	}
	if r.Skipped["$$$ADDDISCOUNTS"] != 1 || r.Loaded {
		t.Errorf("skipped %v loaded %v", r.Skipped, r.Loaded)
	}
	it := recs[3].Item
	if p := ruRules.Check(8, &it); p != nil {
		t.Error(p)
	}
}

func TestATOLRefusesAWrongSignature(t *testing.T) {
	for name, text := range map[string]string{
		"csv":   "code,name,price,vat\r\n1,Milk,1.00,10\r\n",
		"empty": "",
		"flag":  "##@@&&\r\nX\r\n",
	} {
		_, problems := readAll(t, NewATOLReader(strings.NewReader(text)))
		if len(problems) != 1 || !problems[0].Fatal {
			t.Errorf("%s: %v", name, problems)
		}
	}
}

// Each bad row has its verdict, named by line; the reader goes on.
func TestCSVBadRows(t *testing.T) {
	long := strings.Repeat("Я", 500)
	cases := []struct {
		name  string
		rows  string // after the header
		want  Reason
		fatal bool
	}{
		{"three fields", "1,Milk,1.00\r\n", ReasonFieldCount, false},
		{"unclosed quote", "1,\"Milk,1.00,10\r\n", ReasonQuote, false},
		{"price 10^15", "1,Milk,1000000000000000,10\r\n", ReasonPriceRange, false},
		{"price words", "1,Milk,ten,10\r\n", ReasonPriceBad, false},
		{"three decimals", "1,Milk,1.005,10\r\n", ReasonPriceBad, false},
		{"negative", "1,Milk,-1.00,10\r\n", ReasonPriceRange, false},
		{"500 characters", "1," + long + ",1.00,10\r\n", ReasonNameLong, false},
		{"emoji", "1,Milk 🥛,1.00,10\r\n", ReasonNameChar, false},
		{"unknown VAT", "1,Milk,1.00,18\r\n", ReasonVAT, false},
		{"no code", ",Milk,1.00,10\r\n", ReasonCodeEmpty, false},
		{"no name", "1,,1.00,10\r\n", ReasonNameEmpty, false},
		{"cp1251 bytes", "1,\xcc\xee\xeb\xee\xea\xee,1.00,10\r\n", ReasonNotUTF8, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewCSVReader(strings.NewReader("code,name,price,vat\r\n" + c.rows))
			recs, problems := readAll(t, r)
			for _, rec := range recs {
				if p := ruRules.Check(rec.Line, &rec.Item); p != nil {
					problems = append(problems, p)
				}
			}
			if len(problems) != 1 || problems[0].Reason != c.want || problems[0].Fatal != c.fatal || problems[0].Line != 2 {
				t.Fatalf("problems %v, want %s at line 2 (fatal %v)", problems, c.want, c.fatal)
			}
			if strings.Contains(problems[0].Error(), "{{") {
				t.Errorf("unfilled template: %s", problems[0].Error())
			}
		})
	}
}

// A BOM, a semicolon separator with decimal commas, blank lines and the
// columns in another order are all read; a barcode check digit is checked.
func TestCSVForms(t *testing.T) {
	text := "\xEF\xBB\xBFname;price;code;vat;barcodes\r\n\r\nМолоко 3,2%;89,90;2001;10;4600000010038\r\n   \r\nХлеб;45;2002;10;\"4600000010045, 4600000010052\"\r\n"
	recs, problems := readAll(t, NewCSVReader(strings.NewReader(text)))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if len(recs) != 2 || recs[0].Item.Name != "Молоко 3,2%" || recs[0].Item.Price != 8990 || recs[1].Line != 5 ||
		!slices.Equal(recs[1].Item.Barcodes, []string{"4600000010045", "4600000010052"}) {
		t.Fatalf("%+v", recs)
	}
	bad := Item{Code: "1", Name: "x", Barcodes: []string{"4600000010039"}}
	if p := ruRules.Check(3, &bad); p == nil || p.Reason != ReasonCheckDigit {
		t.Errorf("check digit: %v", p)
	}
	for name, text := range map[string]string{
		"no header":      "1,Milk,1.00,10\r\n",
		"missing column": "code,name,price\r\n",
		"empty file":     "",
		"twice":          "code,name,price,vat,code\r\n",
	} {
		_, problems := readAll(t, NewCSVReader(strings.NewReader(text)))
		if len(problems) != 1 || !problems[0].Fatal {
			t.Errorf("%s: %v", name, problems)
		}
	}
}

// A line longer than MaxLine is refused without being held in memory.
func TestLineTooLong(t *testing.T) {
	text := "code,name,price,vat\n1," + strings.Repeat("x", 3*MaxLine) + ",1,10\n2,Milk,1,10\n"
	recs, problems := readAll(t, NewCSVReader(strings.NewReader(text)))
	if len(problems) != 1 || problems[0].Reason != ReasonLineTooLong || len(recs) != 1 || recs[0].Line != 3 {
		t.Fatalf("%v %+v", problems, recs)
	}
}

// What the writers write, the readers read back the same.
func TestWritersRoundTrip(t *testing.T) {
	items := []Item{
		{
			Code: "2001", Barcodes: []string{"4600000010038", "4600000010045"}, Name: "Молоко \"Домик\", 3,2%", ReceiptName: "Молоко",
			Price: 8990, VAT: "10", Unit: "pcs", Dept: 1, Group: "Молочные", Active: true,
		},
		{Code: "2002", Name: "Сыр", Price: 99000, VAT: "20", Unit: "kg", Weighed: true, Marking: true, Dept: 2, Active: false},
	}
	var b bytes.Buffer
	w := NewCSVWriter(&b)
	for i := range items {
		if err := w.Write(&items[i]); err != nil {
			t.Fatal(err)
		}
	}
	recs, problems := readAll(t, NewCSVReader(&b))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for i := range recs {
		recs[i].Item.Fields = 0
		if d := cmp.Diff(items[i], recs[i].Item); d != "" {
			t.Errorf("csv item %d: %s", i, d)
		}
	}

	for _, cp := range []bool{false, true} {
		b.Reset()
		a := NewATOLWriter(&b, cp)
		if err := a.WriteGroup(Group{Code: "G1", Name: "Молочные"}); err != nil {
			t.Fatal(err)
		}
		for i := range items {
			it := items[i]
			if it.Group != "" {
				it.Group = "G1"
			}
			if err := a.WriteItem(&it); err != nil {
				t.Fatal(err)
			}
		}
		if utf8.Valid(b.Bytes()) == cp {
			t.Errorf("cp1251=%v, output valid UTF-8 = %v", cp, !cp)
		}
		recs, problems := readAll(t, NewATOLReader(&b))
		if len(problems) > 0 || len(recs) != 3 {
			t.Fatal(problems, recs)
		}
		got := recs[1].Item
		if got.Name != items[0].Name || got.ReceiptName != "Молоко" || got.Price != 8990 || got.VAT != "10" || got.Group != "G1" ||
			!slices.Equal(got.Barcodes, items[0].Barcodes) || !got.Active {
			t.Errorf("atol cp1251=%v: %+v", cp, got)
		}
		if g := recs[2].Item; !g.Weighed || g.Active || g.ReceiptName != "Сыр" {
			t.Errorf("atol cp1251=%v: %+v", cp, g)
		}
	}
}

// Every reason has its text in en, ru and it with the same placeholders.
func TestReasonsTranslated(t *testing.T) {
	ph := regexp.MustCompile(`\{\{\.\w+\}\}`)
	places := func(s string) []string {
		p := ph.FindAllString(s, -1)
		slices.Sort(p)
		return p
	}
	for _, l := range assets.Languages {
		raw, err := assets.Translation("exchange", l)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		want := Reasons()
		for r, en := range want {
			k := "exchange.reason." + string(r)
			tr, ok := got[k]
			if !ok {
				t.Errorf("%s: missing %s", l, k)
				continue
			}
			if d := cmp.Diff(places(en), places(tr)); d != "" {
				t.Errorf("%s %s: %s", l, k, d)
			}
			if l == "en" && tr != en {
				t.Errorf("en %s = %q, code says %q", k, tr, en)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d keys, code has %d", l, len(got), len(want))
		}
	}
}

func TestPrices(t *testing.T) {
	for s, want := range map[string]int64{"89.90": 8990, "89,9": 8990, "449": 44900, "0": 0, ".5": 50, "1.500": 150, "99999999.99": MaxPrice} {
		if got, ok := ParsePrice(s); !ok || got != want {
			t.Errorf("ParsePrice(%q) = %d %v", s, got, ok)
		}
		if v, ok := ParsePrice(FormatPrice(want)); !ok || v != want {
			t.Errorf("FormatPrice(%d) does not read back", want)
		}
	}
	for _, s := range []string{"", "1.2.3", "1,234.5", "1e3", "12 345", "-", ".", "1.005"} {
		if v, ok := ParsePrice(s); ok {
			t.Errorf("ParsePrice(%q) = %d, want refused", s, v)
		}
	}
}

// rowsReader generates CSV rows without end: a file of any size without
// holding it.
type rowsReader struct {
	n, left int
	buf     []byte
}

func (r *rowsReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		if r.left <= 0 {
			return 0, io.EOF
		}
		r.n++
		r.buf = fmt.Appendf(r.buf[:0], "%07d,4600000010038,Товар номер %07d с длинным наименованием для веса строки,,%d.%02d,10,pcs,0,0,1,Группа,1\r\n",
			r.n, r.n, r.n%10000, r.n%100)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	r.left -= n
	return n, nil
}

// A 200 MB file goes through the reader in bounded memory: the heap after
// reading it is what it was before, give or take a few megabytes.
func TestStreams200MB(t *testing.T) {
	if testing.Short() {
		t.Skip("200 MB")
	}
	const size = 200 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r := NewCSVReader(io.MultiReader(strings.NewReader(strings.Join(Columns, ",")+"\r\n"), &rowsReader{left: size}))
	rows, peak := 0, uint64(0)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if p := ruRules.Check(rec.Line, &rec.Item); p != nil {
			t.Fatal(p)
		}
		rows++
		if rows%200_000 == 0 {
			runtime.ReadMemStats(&after)
			peak = max(peak, after.HeapInuse)
		}
	}
	if rows < 1_000_000 {
		t.Fatalf("%d rows", rows)
	}
	if peak > before.HeapInuse+32<<20 {
		t.Errorf("heap grew from %d to %d MB reading 200 MB", before.HeapInuse>>20, peak>>20)
	}
}
