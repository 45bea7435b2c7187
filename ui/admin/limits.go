package admin

import (
	"errors"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/tillpos/till/internal/fixed"
	"github.com/tillpos/till/policy"
)

// Limits are typed the way people write them (15 %, 5000.00, 2.5) and
// stored as the policy's integers: basis points, minor units, milli-units,
// counts. No floats on the way: the text is split at the decimal mark.

// unitDecimals is how many decimals a unit's text has.
func unitDecimals(u policy.Unit) int {
	switch u {
	case policy.UnitPercent, policy.UnitMoney:
		return 2
	case policy.UnitQuantity:
		return 3
	}
	return 0
}

// parseFixed reads a non-negative decimal with at most dec decimals ("," or
// "." as the mark, as Russian and Italian keyboards type it, "%" after a
// percentage allowed) as an integer scaled by 10^dec. Empty is 0: no limit.
func parseFixed(s string, dec int) (int64, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, nil
	}
	return fixed.Parse(s, dec)
}

// formatFixed is parseFixed's inverse, trailing zeros trimmed except for
// money, which keeps its two decimals.
func formatFixed(v int64, dec int, keep bool) string {
	if dec == 0 {
		return strconv.FormatInt(v, 10)
	}
	s := strconv.FormatInt(v, 10)
	for len(s) <= dec {
		s = "0" + s
	}
	whole, frac := s[:len(s)-dec], s[len(s)-dec:]
	if !keep {
		frac = strings.TrimRight(frac, "0")
		if frac == "" {
			return whole
		}
	}
	return whole + "." + frac
}

// limitText shows a stored limit in its unit.
func limitText(info policy.LimitInfo, v int64) string {
	return formatFixed(v, unitDecimals(info.Unit), info.Unit == policy.UnitMoney)
}

// parseLimit reads and validates a limit typed for info, or returns the
// sentence saying what is wrong.
func parseLimit(info policy.LimitInfo, s string) (int64, error) {
	v, err := parseFixed(s, unitDecimals(info.Unit))
	if err != nil {
		switch info.Unit {
		case policy.UnitPercent:
			return 0, errors.New(lang.X("admin.limit.bad_percent", "Enter a percentage from 0 to 100 with at most two decimals."))
		case policy.UnitMoney:
			return 0, errors.New(lang.X("admin.limit.bad_money", "Enter an amount with at most two decimals, 0 for no limit."))
		case policy.UnitQuantity:
			return 0, errors.New(lang.X("admin.limit.bad_quantity", "Enter a quantity with at most three decimals, 0 for no limit."))
		default:
			return 0, errors.New(lang.X("admin.limit.bad_count", "Enter a whole number, 0 for no limit."))
		}
	}
	if info.Unit == policy.UnitPercent && v > policy.MaxPercent {
		return 0, errors.New(lang.X("admin.limit.bad_percent", "Enter a percentage from 0 to 100 with at most two decimals."))
	}
	return v, nil
}

// unitLabel is what stands after a limit's entry.
func unitLabel(info policy.LimitInfo) string {
	switch info.Unit {
	case policy.UnitPercent:
		return lang.X("admin.unit.percent", "%")
	case policy.UnitMoney:
		return lang.X("admin.unit.money", "amount, 0 = no limit")
	case policy.UnitQuantity:
		return lang.X("admin.unit.quantity", "quantity (kg or pieces), 0 = no limit")
	}
	return lang.X("admin.unit.count", "times, 0 = no limit")
}
