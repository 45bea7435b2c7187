package sale

// ValidINN reports whether s is a checksum-valid 12-digit INN of an
// individual: the Russian tax number the register prints and reports as
// the cashier's (tag 1203). The 11th and 12th digits are check digits: each
// is the weighted sum of the digits before it, modulo 11, modulo 10. The
// back office checks it while the admin types, the store before saving.
func ValidINN(s string) bool {
	if len(s) != 12 {
		return false
	}
	var d [12]int
	for i := range 12 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = int(s[i] - '0')
	}
	check := func(w []int) int {
		sum := 0
		for i, k := range w {
			sum += k * d[i]
		}
		return sum % 11 % 10
	}
	return check([]int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) == d[10] &&
		check([]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) == d[11]
}
