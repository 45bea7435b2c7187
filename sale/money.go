package sale

import (
	"math"
	"math/bits"
)

// Money is int64 minor units (kopecks, cents) of the store's currency. The
// helpers below never wrap: a result outside int64 is ErrOverflow, because a
// wrapped total on a fiscal receipt is worse than a refused sale.

// Add returns a+b or ErrOverflow.
func Add(a, b int64) (int64, error) {
	s := a + b
	// Overflow iff both operands have the same sign and the sum's differs.
	if (s^a)&(s^b) < 0 {
		return 0, overflow()
	}
	return s, nil
}

// Sub returns a-b or ErrOverflow.
func Sub(a, b int64) (int64, error) {
	d := a - b
	if (a^b)&(d^a) < 0 {
		return 0, overflow()
	}
	return d, nil
}

// Mul returns a*b or ErrOverflow.
func Mul(a, b int64) (int64, error) {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(abs64(a), abs64(b))
	return signed(hi, lo, neg)
}

// Sum adds amounts with overflow checks.
func Sum(xs ...int64) (int64, error) {
	var s int64
	for _, x := range xs {
		var err error
		if s, err = Add(s, x); err != nil {
			return 0, err
		}
	}
	return s, nil
}

// MulDiv returns round-half-up(a*b/c) for a, b >= 0 and c > 0, computed in
// 128 bits so that a*b may exceed int64 as long as the quotient does not.
// Half-up is the rounding the Russian and Italian fiscal rules use for
// kopecks and cents; with non-negative inputs it is also "half away from
// zero", so a return computes the same amounts as the sale it reverses.
func MulDiv(a, b, c int64) (int64, error) {
	if a < 0 || b < 0 {
		return 0, negative("amount")
	}
	if c <= 0 {
		return 0, overflow()
	}
	q, r, err := mulDivRem(a, b, c)
	if err != nil {
		return 0, err
	}
	// r >= c-r  <=>  r/c >= 1/2, without computing 2r (which could overflow).
	if r >= uint64(c)-r {
		if q == math.MaxInt64 {
			return 0, overflow()
		}
		q++
	}
	return q, nil
}

// mulDivRem returns floor(a*b/c) and the remainder, a, b >= 0, c > 0.
func mulDivRem(a, b, c int64) (q int64, r uint64, err error) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return 0, 0, overflow() // quotient needs more than 64 bits
	}
	uq, ur := bits.Div64(hi, lo, uint64(c))
	if uq > math.MaxInt64 {
		return 0, 0, overflow()
	}
	return int64(uq), ur, nil
}

// LineAmount is price × quantity, quantity in milli-units, rounded half-up
// to minor units: 3.333 kg at 99.90 = 332.97. Price and quantity must not be
// negative; a return is a bill of kind Return, not a negative line.
func LineAmount(price, qtyMilli int64) (int64, error) {
	if price < 0 {
		return 0, negative("price")
	}
	if qtyMilli <= 0 {
		return 0, newErr(ErrQuantity, "sale.error.quantity", nil)
	}
	return MulDiv(price, qtyMilli, 1000)
}

func abs64(x int64) uint64 {
	if x < 0 {
		return uint64(-(x + 1)) + 1 // no overflow for MinInt64
	}
	return uint64(x)
}

func signed(hi, lo uint64, neg bool) (int64, error) {
	if hi != 0 {
		return 0, overflow()
	}
	if neg {
		if lo > 1<<63 {
			return 0, overflow()
		}
		return int64(-lo), nil // lo == 2^63 gives MinInt64
	}
	if lo > math.MaxInt64 {
		return 0, overflow()
	}
	return int64(lo), nil
}
