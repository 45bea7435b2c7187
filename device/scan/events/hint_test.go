package events

import (
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
)

// Issue 14.11: the hint people see of a badge is the end of the number
// printed on the card, as the reader read it — not the canonical ID's end,
// which differs for a 10-digit EM-Marine reader — and two characters only.
func TestBadgeHintIsThePrintedNumber(t *testing.T) {
	for _, c := range []struct {
		form      scan.BadgeForm
		raw, want string
		canonical string
	}{
		{scan.EMDecimal10, "0004598765", "…65", "EM:070,11245"},
		{scan.EMWiegand26, "070,11245", "…45", "EM:070,11245"},
	} {
		ev := Config{BadgeForm: scan.BadgeConfig{Form: c.form}}.Badge(time.Now(), c.raw)
		b, ok := ev.(device.Badge)
		if !ok {
			t.Fatalf("%s %q: %v", c.form, c.raw, ev)
		}
		if b.ID.Reveal() != c.canonical || b.ID.Hint() != c.want || b.ID.String() != "badge "+c.want {
			t.Errorf("%s %q: canonical %q, hint %q, want %q", c.form, c.raw, b.ID.Reveal(), b.ID.Hint(), c.want)
		}
	}
	if h := device.NewBadgeID("1234").WithPrinted("1234").Hint(); h != "****" {
		t.Errorf("a short ID shows %q", h)
	}
}
