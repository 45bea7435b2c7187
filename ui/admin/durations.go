package admin

import (
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
)

// Durations are shown as a person says them — "2 min", "30 s",
// "1 h 30 min", in the window's language — never Go's "2m0s". Typing takes
// the same form, the other languages' units and Go's ("90s", "5m").

func unitNames() (h, m, s string) {
	return lang.X("admin.unit.h", "h"), lang.X("admin.unit.min", "min"), lang.X("admin.unit.s", "s")
}

// formatDuration writes d in whole hours, minutes and seconds.
func formatDuration(d time.Duration) string {
	if d <= 0 {
		return "0 " + lang.X("admin.unit.s", "s")
	}
	uh, um, us := unitNames()
	d = d.Round(time.Second)
	var parts []string
	if h := d / time.Hour; h > 0 {
		parts = append(parts, strconv.Itoa(int(h))+" "+uh)
	}
	if m := d % time.Hour / time.Minute; m > 0 {
		parts = append(parts, strconv.Itoa(int(m))+" "+um)
	}
	if s := d % time.Minute / time.Second; s > 0 {
		parts = append(parts, strconv.Itoa(int(s))+" "+us)
	}
	return strings.Join(parts, " ")
}

// parseDuration reads "2 min", "1 h 30 min", "30 s", "90s", "5m", "2m0s"
// and the units of every language the till ships.
func parseDuration(text string) (time.Duration, error) {
	s := strings.ToLower(strings.TrimSpace(text))
	uh, um, us := unitNames()
	units := []struct{ word, unit string }{
		// longest first, so "min" is not read as "m" + "in"
		{"мин", "m"},
		{"min", "m"},
		{strings.ToLower(um), "m"},
		{"сек", "s"},
		{"sec", "s"},
		{"с", "s"},
		{strings.ToLower(us), "s"},
		{"ч", "h"},
		{"ore", "h"},
		{"ora", "h"},
		{strings.ToLower(uh), "h"},
	}
	for _, u := range units {
		if u.word != "" {
			s = strings.ReplaceAll(s, u.word, u.unit)
		}
	}
	s = strings.Join(strings.Fields(s), "")
	return time.ParseDuration(s)
}

// showDuration is a stored setting (Go's form) as the window shows it.
func showDuration(stored string) string {
	d, err := time.ParseDuration(strings.TrimSpace(stored))
	if err != nil {
		return stored
	}
	return formatDuration(d)
}
