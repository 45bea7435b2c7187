package fixed

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		s    string
		dec  int
		want int64
		err  error
	}{
		{"12,5", 2, 1250, nil},
		{"12.50", 2, 1250, nil},
		{"12", 2, 1200, nil},
		{"12.", 2, 1200, nil},
		{",5", 2, 50, nil},
		{"0", 2, 0, nil},
		{"007", 0, 7, nil},
		{"1,234", 3, 1234, nil},
		{"15", 0, 15, nil},
		{"999999999999999999", 0, 999999999999999999, nil},
		{"0000000000000000000000001", 2, 100, nil},
		{"", 2, 0, ErrSyntax},
		{".", 2, 0, ErrSyntax},
		{"1.2.3", 2, 0, ErrSyntax},
		{"1,2.3", 2, 0, ErrSyntax},
		{"1.234", 2, 0, ErrSyntax},
		{"1.5", 0, 0, ErrSyntax},
		{"-1", 2, 0, ErrSyntax},
		{"+1", 2, 0, ErrSyntax},
		{"1 000", 2, 0, ErrSyntax},
		{"12a", 2, 0, ErrSyntax},
		{"١٢", 2, 0, ErrSyntax},
		{"1e5", 2, 0, ErrSyntax},
		{"10000000000000000", 2, 0, ErrRange},
		{"9999999999999999", 2, 999999999999999900, nil},
		{"99999999999999999999999999", 0, 0, ErrRange},
	} {
		got, err := Parse(c.s, c.dec)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("Parse(%q, %d) = %d, %v; want %d, %v", c.s, c.dec, got, err, c.want, c.err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"12,5", "0.01", "", "99999999999999999", "1.2.3"} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, dec int) {
		dec = dec & 7
		v, err := Parse(s, dec)
		if err == nil && v < 0 {
			t.Fatalf("Parse(%q, %d) = %d: negative", s, dec, v)
		}
	})
}
