package scan

// CheckDigit computes the GS1 check digit of the digits in body (the code
// without its check digit): from the right, weights 3,1,3,1...; check =
// (10 - sum mod 10) mod 10. ok is false if body holds a non-digit.
func CheckDigit(body string) (byte, bool) {
	sum := 0
	w := 3
	for i := len(body) - 1; i >= 0; i-- {
		c := body[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10), true
}

// ValidCheckDigit reports whether code (with its check digit last) is all
// digits and its check digit is right.
func ValidCheckDigit(code string) bool {
	if len(code) < 2 {
		return false
	}
	c, ok := CheckDigit(code[:len(code)-1])
	return ok && c == code[len(code)-1]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// ExpandUPCE expands an 8-digit UPC-E (number system 0 or 1, six digits,
// check) to the 12-digit UPC-A it stands for, and verifies the check digit,
// which is computed on the expansion.
func ExpandUPCE(upce string) (string, error) {
	if len(upce) != 8 || !allDigits(upce) || (upce[0] != '0' && upce[0] != '1') {
		return "", newErr(ErrNotItemCode, "input.scan.not_item", "This barcode is not an item code",
			nil, "UPC-E must be 8 digits starting 0 or 1")
	}
	ns, x, check := upce[0:1], upce[1:7], upce[7]
	var mid string
	switch d6 := x[5]; {
	case d6 <= '2':
		mid = x[0:2] + string(d6) + "0000" + x[2:5]
	case d6 == '3':
		mid = x[0:3] + "00000" + x[3:5]
	case d6 == '4':
		mid = x[0:4] + "00000" + x[4:5]
	default:
		mid = x[0:5] + "0000" + string(d6)
	}
	body := ns + mid
	c, _ := CheckDigit(body)
	if c != check {
		return "", checkErr("UPC-E")
	}
	return body + string(check), nil
}

func checkErr(what string) *Error {
	return newErr(ErrCheckDigit, "input.scan.check_digit", "Bad barcode (check digit). Scan again or type the code",
		nil, "%s check digit wrong", what)
}

// ItemCode is a verified, normalised item barcode: UPC-A and UPC-E become
// 13 digits with a leading 0, EAN-8 stays 8 digits, a GTIN-14 whose first
// digit is 0 becomes 13 digits (a GTIN-14 with another indicator digit is a
// case or pack code and stays 14).
type ItemCode struct {
	GTIN string
	From string // "ean13", "ean8", "upca", "upce", "gtin14"
}

// ParseItemCode verifies and normalises an item barcode. sym is the AIM
// identifier if known ("]E0", "]E4"...) or ""; it only disambiguates an
// 8-digit code (EAN-8 versus UPC-E), which otherwise is read as EAN-8 first
// and UPC-E when its check digit only fits that.
func ParseItemCode(sym, s string) (ItemCode, error) {
	if !allDigits(s) {
		return ItemCode{}, newErr(ErrNotItemCode, "input.scan.not_item", "This barcode is not an item code",
			nil, "non-digit in %d-character code", len(s))
	}
	switch len(s) {
	case 13:
		if !ValidCheckDigit(s) {
			return ItemCode{}, checkErr("EAN-13")
		}
		if s[0] == '0' {
			return ItemCode{GTIN: s, From: "upca"}, nil
		}
		return ItemCode{GTIN: s, From: "ean13"}, nil
	case 12:
		if !ValidCheckDigit(s) {
			return ItemCode{}, checkErr("UPC-A")
		}
		return ItemCode{GTIN: "0" + s, From: "upca"}, nil
	case 14:
		if !ValidCheckDigit(s) {
			return ItemCode{}, checkErr("GTIN-14")
		}
		if s[0] == '0' {
			return ItemCode{GTIN: s[1:], From: "gtin14"}, nil
		}
		return ItemCode{GTIN: s, From: "gtin14"}, nil
	case 8:
		upceFirst := sym == "]E0" // AIM sends UPC-E as ]E0 with 8 digits
		if !upceFirst && ValidCheckDigit(s) {
			return ItemCode{GTIN: s, From: "ean8"}, nil
		}
		if a, err := ExpandUPCE(s); err == nil {
			return ItemCode{GTIN: "0" + a, From: "upce"}, nil
		}
		if upceFirst && ValidCheckDigit(s) {
			return ItemCode{GTIN: s, From: "ean8"}, nil
		}
		return ItemCode{}, checkErr("EAN-8")
	}
	return ItemCode{}, newErr(ErrNotItemCode, "input.scan.not_item", "This barcode is not an item code",
		nil, "%d digits is no item code length", len(s))
}
