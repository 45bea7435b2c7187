package events

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
)

var idRuns = regexp.MustCompile(`[0-9A-Fa-f]{5,}`)

// FuzzFromText: every complete read, from any reader role, becomes exactly
// one event — a Scan, Swipe, Badge or a ReadError with a message key —
// never nothing; and when a badge is expected, neither a Badge nor a
// refusal prints the ID: no run of five or more ID characters of the read
// reaches an event's printed form or an error's detail.
func FuzzFromText(f *testing.F) {
	for _, s := range []string{
		"4601234567893", "]E04601234567893", "2212345012340", "0104601234567893215ABCDE\x1d91EE06\x1d92abc=",
		"%B4111111111111111^DOE/J^2512101?;4111111111111111=2512101?", ";0012345678?", "0012345678",
		"188,24910", "0100BC614E", "04A22B1C", "", "\r", "%E?",
	} {
		f.Add(uint8(0), "", s)
	}
	roles := []device.Role{device.RoleScanner, device.RoleCard, device.RoleBadge, device.RoleKeyboard}
	f.Fuzz(func(t *testing.T, pick uint8, sym, text string) {
		c := Config{
			Source:    device.Source{Name: "r", Role: roles[int(pick)%len(roles)]},
			Scan:      scan.ScanConfig{Labels: scan.DefaultLabelLayouts()},
			BadgeForm: scan.BadgeConfig{Form: scan.BadgeForms[int(pick/4)%len(scan.BadgeForms)]},
		}
		ev := c.FromText(t0, sym, text)
		checkEvent(t, ev, "", false)
		badge := c.Source.Role == device.RoleBadge
		if c.Source.Role == device.RoleKeyboard {
			// The impersonate dialog: the same read taken as a badge.
			ev, badge = c.BadgeFromEvent(ev), true
			checkEvent(t, ev, "", false)
		}
		if badge {
			checkEvent(t, ev, text, true)
		}
	})
}

func checkEvent(t *testing.T, ev device.InputEvent, raw string, badge bool) {
	t.Helper()
	switch e := ev.(type) {
	case nil:
		t.Fatal("no event")
	case device.ReadError:
		if e.Key == "" || e.Fallback == "" {
			t.Fatalf("error without message: %+v", e)
		}
		if badge {
			for _, run := range idRuns.FindAllString(raw, -1) {
				if strings.Contains(e.Detail, run) {
					t.Fatalf("badge error detail %q leaks %q", e.Detail, run)
				}
			}
		}
	case device.Badge:
		if e.ID.IsZero() {
			t.Fatal("badge without an ID")
		}
		id := e.ID.Reveal()
		for _, out := range []string{fmt.Sprint(e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			if len(id) > 4 && strings.Contains(out, id) {
				t.Fatalf("badge printed in full: %s", out)
			}
		}
	case device.Scan, device.Swipe:
		if badge {
			t.Fatalf("a badge read became %T", ev)
		}
	default:
		t.Fatalf("unexpected event %T", ev)
	}
}
