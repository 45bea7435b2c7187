package sale

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

func TestTapePreBillAndCopy(t *testing.T) {
	vat, err := VATTableFor("RU")
	if err != nil {
		t.Fatal(err)
	}
	b := Bill{ID: 7, Lines: []Line{
		{ID: 1, Name: "Хлеб пшеничный", QtyMilli: 2000, UnitPrice: 4990, VAT: "10"},
		{
			ID: 2, Name: "Яблоки Гренни Смит, весовые, Чили", QtyMilli: 455, UnitPrice: 16990, VAT: "10",
			Discount: Discount{Kind: DiscountPercent, Value: 1000},
		},
		{ID: 3, Name: "Возвращено", QtyMilli: 1000, UnitPrice: 100, VAT: "20", Voided: true},
	}}
	b.Fiscal.Number = 12
	tot, err := Compute(&b, vat)
	if err != nil {
		t.Fatal(err)
	}
	tape := NewTape(language.Russian, NewFormatter(language.Russian, currency.RUB))
	got := tape.PreBill(b, tot, 2)
	want := []string{
		"           ПРЕДЧЕК 2",
		"     НЕ ФИСКАЛЬНЫЙ ДОКУМЕНТ",
		"Счёт 7",
		strings.Repeat("-", TapeWidth),
		"Хлеб пшеничный",
		"  2 x 49,90                99,80",
		"Яблоки Гренни Смит, весовые, Чил",
		"  0.455 x 169,90           77,30",
		"  Скидка                   -7,73",
		strings.Repeat("-", TapeWidth),
		"ИТОГ                      169,37",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pre-bill (-want +got):\n%s", diff)
	}
	for _, l := range got {
		if n := utf8.RuneCountInString(l); n > TapeWidth {
			t.Errorf("%q is %d characters, wider than the tape", l, n)
		}
	}
	if c := tape.Copy(b, tot); c[0] != "         КОПИЯ ЧЕКА 12" || c[len(c)-1] != want[len(want)-1] {
		t.Errorf("copy: %q … %q", c[0], c[len(c)-1])
	}
	if it := NewTape(language.Italian, NewFormatter(language.Italian, currency.EUR)).PreBill(b, tot, 1); it[0] != "           PRECONTO 1" {
		t.Errorf("Italian title %q", it[0])
	}
}

func TestTapePassword(t *testing.T) {
	got := NewTape(language.Russian, NewFormatter(language.Russian, currency.RUB)).Password("maria", "Мария Орлова", "zMDmCMnFha")
	want := []string{
		"        ВРЕМЕННЫЙ ПАРОЛЬ", strings.Repeat("-", TapeWidth), "Мария Орлова", "Логин: maria",
		"", "           zMDmCMnFha", "", "Смените его при первом входе.", strings.Repeat("-", TapeWidth),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("password slip (-want +got):\n%s", diff)
	}
}

func TestFormatQty(t *testing.T) {
	for milli, want := range map[int64]string{1000: "1", 2000: "2", 455: "0.455", 1500: "1.5", -250: "-0.25", 0: "0"} {
		if got := FormatQty(milli); got != want {
			t.Errorf("FormatQty(%d) = %q, want %q", milli, got, want)
		}
	}
}
