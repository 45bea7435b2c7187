package sale

import (
	"errors"
	"math"
	"math/big"
	"math/rand"
	"testing"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
)

func TestCheckedArithmetic(t *testing.T) {
	const maxI, minI = math.MaxInt64, math.MinInt64
	tests := []struct {
		name    string
		op      func(a, b int64) (int64, error)
		a, b    int64
		want    int64
		wantErr bool
	}{
		{"add", Add, 2, 3, 5, false},
		{"add max", Add, maxI, 0, maxI, false},
		{"add overflow", Add, maxI, 1, 0, true},
		{"add underflow", Add, minI, -1, 0, true},
		{"add mixed", Add, maxI, minI, -1, false},
		{"sub", Sub, 2, 3, -1, false},
		{"sub overflow", Sub, minI, 1, 0, true},
		{"sub overflow neg", Sub, 0, minI, 0, true},
		{"sub max", Sub, -1, minI, maxI, false},
		{"mul", Mul, -4, 5, -20, false},
		{"mul overflow", Mul, 9e16, 1000, 0, true},
		{"mul min", Mul, minI, 1, minI, false},
		{"mul min neg", Mul, minI, -1, 0, true},
		{"mul big neg ok", Mul, -(1 << 31), 1 << 32, minI, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.op(tt.a, tt.b)
			if tt.wantErr {
				if !errors.Is(err, ErrOverflow) {
					t.Fatalf("got %d, %v; want ErrOverflow", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func TestLineAmount(t *testing.T) {
	tests := []struct {
		price, qty, want int64
		err              error
	}{
		{9990, 3333, 33297, nil}, // 3.333 kg × 99.90 = 332.9667 -> 332.97
		{100, 5, 1, nil},         // 0.5 kopeck rounds up
		{100, 4, 0, nil},         // 0.4 kopeck rounds down
		{3333, 3000, 9999, nil},  // 3 × 33.33
		{0, 1000, 0, nil},        // zero price is a policy question, not arithmetic
		{-1, 1000, 0, ErrNegative},
		{100, 0, 0, ErrQuantity},
		{100, -1000, 0, ErrQuantity},
		{9e16, 1_000_000, 0, ErrOverflow}, // 9e16 × 1000 pieces
		{math.MaxInt64, 1000, math.MaxInt64, nil},
		{math.MaxInt64, 1001, 0, ErrOverflow},
	}
	for _, tt := range tests {
		got, err := LineAmount(tt.price, tt.qty)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("LineAmount(%d, %d) = %d, %v; want %d, %v", tt.price, tt.qty, got, err, tt.want, tt.err)
		}
	}
}

// TestMulDivAgainstBig compares the 128-bit path with math/big on random
// inputs of every magnitude: the result is exact or ErrOverflow, never wrapped.
func TestMulDivAgainstBig(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		a := rng.Int63() >> rng.Intn(63)
		b := rng.Int63() >> rng.Intn(63)
		c := rng.Int63()>>rng.Intn(63) + 1
		got, err := MulDiv(a, b, c)
		// Reference: floor((2ab + c) / 2c) is round-half-up of ab/c.
		num := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
		num.Mul(num, big.NewInt(2)).Add(num, big.NewInt(c))
		want := new(big.Int).Quo(num, new(big.Int).Mul(big.NewInt(c), big.NewInt(2)))
		if !want.IsInt64() {
			if !errors.Is(err, ErrOverflow) {
				t.Fatalf("MulDiv(%d,%d,%d) = %d, %v; want overflow", a, b, c, got, err)
			}
			continue
		}
		if err != nil || got != want.Int64() {
			t.Fatalf("MulDiv(%d,%d,%d) = %d, %v; want %d", a, b, c, got, err, want.Int64())
		}
	}
}

func TestAddNeverWraps(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 20000; i++ {
		a := rng.Int63() - rng.Int63()
		b := rng.Int63() - rng.Int63()
		if rng.Intn(2) == 0 {
			a, b = rng.Int63(), rng.Int63()
		}
		want := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
		got, err := Add(a, b)
		if want.IsInt64() != (err == nil) || (err == nil && got != want.Int64()) {
			t.Fatalf("Add(%d,%d) = %d, %v; want %v", a, b, got, err, want)
		}
		want = new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
		got, err = Mul(a, b)
		if want.IsInt64() != (err == nil) || (err == nil && got != want.Int64()) {
			t.Fatalf("Mul(%d,%d) = %d, %v; want %v", a, b, got, err, want)
		}
	}
}

func TestFormat(t *testing.T) {
	const nb = "\u00a0"
	tests := []struct {
		lang  string
		unit  currency.Unit
		minor int64
		want  string
	}{
		{"ru", currency.RUB, 123450, "1" + nb + "234,50" + nb + "₽"},
		{"en", currency.EUR, 123450, "€1,234.50"},
		{"it", currency.EUR, 123450, "1.234,50" + nb + "€"},
		{"ru", currency.RUB, 5, "0,05" + nb + "₽"},
		{"en", currency.EUR, -50, "-€0.50"},
		{"it", currency.EUR, -123456789, "-1.234.567,89" + nb + "€"},
		{"en", currency.JPY, 1234, "¥1,234"},
		{"ru", currency.RUB, math.MinInt64, "-92" + nb + "233" + nb + "720" + nb + "368" + nb + "547" + nb + "758,08" + nb + "₽"},
	}
	for _, tt := range tests {
		f := NewFormatter(language.MustParse(tt.lang), tt.unit)
		if got := f.Format(tt.minor); got != tt.want {
			t.Errorf("%s %v %d: got %q, want %q", tt.lang, tt.unit, tt.minor, got, tt.want)
		}
	}
}

func BenchmarkLineAmount(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, err := LineAmount(int64(i)&0xffffff, 3333); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLineAmountBaseline is the unchecked int64 arithmetic the checked
// version replaces: the ratio is the price of never wrapping.
func BenchmarkLineAmountBaseline(b *testing.B) {
	var sink int64
	for i := 0; b.Loop(); i++ {
		sink += (int64(i)&0xffffff*3333 + 500) / 1000
	}
	_ = sink
}
