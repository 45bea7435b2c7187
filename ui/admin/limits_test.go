package admin

import (
	"testing"

	"github.com/tillpos/till/policy"
)

func TestParseLimit(t *testing.T) {
	info := func(l policy.Limit) policy.LimitInfo {
		li, ok := policy.LookupLimit(l)
		if !ok {
			t.Fatalf("no limit %s", l)
		}
		return li
	}
	pct, money, qty, count := info(policy.LimitDiscountLine), info(policy.LimitManualPrice), info(policy.LimitLineQuantity), info(policy.LimitPreBillPrints)
	for _, tc := range []struct {
		info policy.LimitInfo
		in   string
		want int64
		ok   bool
	}{
		{pct, "15", 1500, true},
		{pct, "7,5", 750, true}, // Russian and Italian decimal comma
		{pct, "12.34 %", 1234, true},
		{pct, "100", 10000, true},
		{pct, "100.01", 0, false},
		{pct, "1.234", 0, false},
		{pct, "-1", 0, false},
		{pct, "", 0, true},
		{money, "5000", 500000, true},
		{money, "5000.01", 500001, true},
		{money, ".5", 50, true},
		{money, "1e3", 0, false},
		{money, "1 000", 0, false},
		{qty, "2.5", 2500, true},
		{qty, "0.001", 1, true},
		{qty, "0.0001", 0, false},
		{count, "3", 3, true},
		{count, "1.5", 0, false},
		{count, ".", 0, false},
	} {
		got, err := parseLimit(tc.info, tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%s %q = %d, %v; want %d, ok %v", tc.info.ID, tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok {
			back, err := parseLimit(tc.info, limitText(tc.info, got))
			if err != nil || back != got {
				t.Errorf("%s %d shows as %q, which reads back as %d, %v", tc.info.ID, got, limitText(tc.info, got), back, err)
			}
		}
	}
	for _, tc := range []struct {
		info policy.LimitInfo
		v    int64
		want string
	}{
		{pct, 1500, "15"}, {pct, 750, "7.5"}, {pct, 5, "0.05"}, {money, 500000, "5000.00"}, {money, 0, "0.00"}, {qty, 2500, "2.5"}, {count, 3, "3"},
	} {
		if got := limitText(tc.info, tc.v); got != tc.want {
			t.Errorf("%s %d shows as %q, want %q", tc.info.ID, tc.v, got, tc.want)
		}
	}
}
