package proto

// Little-endian fields of widths the protocol uses (money is 5 bytes,
// FF46h quantity 6). Put* append; Uint* read from the start of b and report
// whether b was long enough.

func PutUint(dst []byte, v uint64, width int) []byte {
	for i := 0; i < width; i++ {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

func Uint(b []byte, width int) (uint64, bool) {
	if len(b) < width {
		return 0, false
	}
	var v uint64
	for i := width - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, true
}

// MaxUint returns the largest value a field of width bytes holds.
func MaxUint(width int) uint64 {
	if width >= 8 {
		return ^uint64(0)
	}
	return 1<<(8*width) - 1
}
