package hidin

import (
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
)

func TestParseSpec(t *testing.T) {
	c, err := ParseSpec("front 0c2e:0b61/0 scanner pos gs=41 tab idle=200ms")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "front" || c.VID != 0x0c2e || c.PID != 0x0b61 || c.Interface != 0 || c.Role != device.RoleScanner ||
		c.Protocol != POS || c.GSUsage != 0x41 || len(c.Terminators) != 2 || c.Idle != 200*time.Millisecond {
		t.Fatalf("%+v", c)
	}
	b, err := ParseSpec("door ffff:0035 badge form=em-wiegand26")
	if err != nil || b.Interface != -1 || b.Reader.BadgeForm.Form != scan.EMWiegand26 || b.Protocol != Boot {
		t.Fatalf("%+v %v", b, err)
	}
	m, err := ParseSpec("msr 0801:0001 card lrc track=2 offset=1")
	if err != nil || !m.Reader.Track.LRC || m.Reader.BadgeTrack != 2 || m.BootOffset != 1 {
		t.Fatalf("%+v %v", m, err)
	}
	for _, bad := range []string{
		"", "x", "x 0c2e scanner", "x zz:0b61 scanner", "x 0c2e:0b61 printer", "x 0c2e:0b61/a scanner",
		"x 0c2e:0b61 scanner bogus", "x 0c2e:0b61 scanner gs=zz", "x 0c2e:0b61 badge", "x 0c2e:0b61 badge form=nfc",
		"x 0c2e:0b61 scanner idle=-1s", "x 0c2e:0b61 card track=4", "x 0c2e:0b61 scanner offset=2", "x 10000:1 scanner",
	} {
		if _, err := ParseSpec(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseSpec: a reader spec is typed by an administrator. Nothing
// panics, and what is accepted is a usable reader: named by its first
// field, a known role, a badge reader with a form, a sane idle time.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"front 0c2e:0b61/0 scanner pos gs=41 tab idle=200ms", "door ffff:0035 badge form=em-wiegand26",
		"msr 0801:0001 card lrc track=2 offset=1", "x 0c2e:0b61 badge em32 form=em-dec10", "x :/ scanner",
		"x 0c2e:0b61/-1 scanner", "x 0c2e:0b61 scanner idle=1m1s", "x 0c2e:0b61 scanner gs=100",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseSpec(line)
		if err != nil {
			return
		}
		f := strings.Fields(line)
		switch {
		case c.Name != f[0]:
			t.Fatalf("%q: name %q", line, c.Name)
		case c.Role != device.RoleScanner && c.Role != device.RoleCard && c.Role != device.RoleBadge:
			t.Fatalf("%q: role %q", line, c.Role)
		case c.Role == device.RoleBadge && c.Reader.BadgeForm.Form == "":
			t.Fatalf("%q: badge reader without a form", line)
		case c.Interface < -1 || c.Idle < 0 || c.Idle > time.Minute || c.BootOffset < 0 || c.BootOffset > 1:
			t.Fatalf("%q: %+v", line, c)
		}
	})
}
