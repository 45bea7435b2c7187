package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/creack/pty"

	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui/admin"
)

// openDevices rebuilds the rig's back office with a Devices page on live,
// the serial enumerator listing ports.
func (r *adminRig) openDevices(live *liveRegister, ports ...serialPort) *adminDevices {
	r.t.Helper()
	devs := newAdminDevices(r.db, live, "")
	devs.ports = func() ([]serialPort, error) { return ports, nil }
	devs.bus = stubBus{}
	deps := adminDeps(r.db, r.path, r.holder, func() policy.Session { return r.sess }, "till-1", nil)
	deps.Devices = devs
	deps.Async = func(f func()) { f() }
	deps.Do = func(f func()) { f() }
	r.screen = admin.New(r.win, deps, func() {})
	r.win.SetContent(r.screen.Content())
	return devs
}

// port types the register's port into the port field, key by key.
func (r *adminRig) port(path string) {
	r.t.Helper()
	e, ok := r.field("Serial port").(*widget.SelectEntry)
	if !ok {
		r.t.Fatal("the serial port field is not an entry with a list")
	}
	e.SetText("")
	test.Type(e, path)
}

func (r *adminRig) setting(key string) string {
	r.t.Helper()
	v, err := r.db.SettingString(context.Background(), key, "<unset>")
	if err != nil {
		r.t.Fatal(err)
	}
	return v
}

// An admin finds the register on the emulator's pseudo-terminal from the
// Devices page: the port as the enumerator lists it, the speed detected,
// the connection test shows the register's serial and FN numbers, a test
// slip prints, and saving puts the register in use at once — no restart.
func TestDevicesPageFindsRegisterOnPTY(t *testing.T) {
	path, e := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1, KKTSerial: 87654321, Serial: "9999078900012345"})
	r := newAdminRig(t, "admin")
	live := &liveRegister{}
	t.Cleanup(func() { live.Close() })
	r.openDevices(live, serialPort{Name: path, USB: true, VID: "1FC9", PID: "0083", Product: "SHTRIH-M FR-F"})
	r.tab("Devices")
	if !r.hasText("No fiscal register is set up") {
		t.Error("the page does not say that no register is set up")
	}
	if !r.hasText(path + "  USB 1fc9:0083  SHTRIH-M FR-F") {
		t.Error("the enumerated port is not listed with its VID:PID and product")
	}
	if !r.hasText("HID readers are not supported in this build") {
		t.Error("a build without HID does not say so")
	}
	if sel := r.field("Serial port").(*widget.SelectEntry); sel.Text != "" {
		t.Errorf("port field holds %q before anything was chosen", sel.Text)
	}
	r.port(path)
	if got := r.field("Speed (baud)").(*widget.Select).Selected; got != "Detect" {
		t.Errorf("speed %q, want Detect", got)
	}
	r.tap("Test connection")
	for _, want := range []string{"serial number 87654321", "FN 9999078900012345", "shift closed", "Register found on " + path + "@"} {
		if !strings.Contains(r.status(), want) {
			t.Errorf("test connection says %q, lacks %q", r.status(), want)
		}
	}
	if got := r.field("Speed (baud)").(*widget.Select).Selected; got == "Detect" {
		t.Error("the detected speed was not put into the speed field")
	}
	if v := r.setting(settingRegisterPort); v != "<unset>" {
		t.Errorf("a test saved the port: %q", v)
	}
	if live.Port() != "" {
		t.Error("a test put the register in use")
	}

	r.tap("Print test receipt")
	if !strings.Contains(r.status(), "Test receipt printed") {
		t.Fatalf("print test: %q", r.status())
	}
	if tape := strings.Join(e.Tape(), "\n"); !strings.Contains(tape, "TEST PRINT") {
		t.Errorf("the tape lacks the test slip:\n%s", tape)
	}
	if docs := e.Documents(); len(docs) != 0 {
		t.Errorf("the test print made fiscal documents: %+v", docs)
	}

	r.tap("Save devices")
	if !strings.Contains(r.status(), "Devices saved: the register and the drawer are in use now.") {
		t.Fatalf("save: %q", r.status())
	}
	saved := r.setting(settingRegisterPort)
	if !strings.HasPrefix(saved, path+"@") {
		t.Errorf("saved port %q", saved)
	}
	if live.Port() != saved {
		t.Errorf("the till uses %q, the setting says %q", live.Port(), saved)
	}
	st, err := live.Status(context.Background())
	if err != nil || st.Serial != "9999078900012345" {
		t.Errorf("the live register: %+v, %v", st, err)
	}
	if !r.hasText("Register connected on " + saved + ", FN 9999078900012345.") {
		t.Error("the live status does not show the connected register")
	}
	a := r.lastAudit()
	if a.Action != "config.set" || !strings.Contains(string(a.Args), settingRegisterPort) || a.Terminal != "till-1" {
		t.Errorf("audit of the save: %+v", a)
	}

	// The port in use is tested through the register in use (it cannot be
	// opened twice).
	r.tap("Test connection")
	if !strings.Contains(r.status(), "serial number 87654321") {
		t.Errorf("test of the port in use: %q", r.status())
	}
	r.tap("Open the drawer")
	if !strings.Contains(r.status(), "The drawer was told to open.") {
		t.Errorf("drawer through the register: %q", r.status())
	}
	// A separate drawer on a port that is not there is refused on save and
	// changes nothing.
	r.choose("Drawer opened by", "ESC/POS receipt printer")
	r.set("Drawer port", "/nonexistent/ttyUSB9")
	r.tap("Save devices")
	if !strings.Contains(r.status(), "The drawer on /nonexistent/ttyUSB9 cannot be used") {
		t.Errorf("save with a missing drawer port: %q", r.status())
	}
	if v := r.setting(settingDrawerKind); v != admin.DrawerRegister {
		t.Errorf("the refused drawer was saved: %q", v)
	}
}

// notARegister is a pseudo-terminal with something else on it: silent, or
// answering every byte with text (a modem, a scale, a printer).
func notARegister(t *testing.T, chatty bool) string {
	t.Helper()
	master, slave, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { master.Close(); slave.Close() })
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := master.Read(buf)
			if err != nil {
				return
			}
			if chatty && n > 0 {
				if _, err := io.WriteString(master, "ERROR\r\n"); err != nil {
					return
				}
			}
		}
	}()
	return slave.Name()
}

// A port with something else on it is reported as not a register within
// seconds, with the speed detected or given, and nothing changes: not the
// setting, not the register in use.
func TestDevicesPageRefusesAPortThatIsNotARegister(t *testing.T) {
	regPath, _ := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1})
	r := newAdminRig(t, "admin")
	if err := r.db.SetSetting(context.Background(), settingRegisterPort, regPath+"@115200", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	live := &liveRegister{}
	reg, spec, err := openRegister(regPath + "@115200")
	if err != nil {
		t.Fatal(err)
	}
	live.swap(reg, spec)
	t.Cleanup(func() { live.Close() })
	for _, c := range []struct {
		name   string
		chatty bool
		baud   string
	}{{"silent, detect", false, "Detect"}, {"chatty, 115200", true, "115200"}} {
		t.Run(c.name, func(t *testing.T) {
			other := notARegister(t, c.chatty)
			r.openDevices(live)
			r.tab("Devices")
			r.port(other)
			r.choose("Speed (baud)", c.baud)
			start := time.Now()
			r.tap("Test connection")
			took := time.Since(start)
			if !strings.Contains(r.status(), "Nothing on "+other) || !strings.Contains(r.status(), "answers as a Shtrih-M register") {
				t.Errorf("test of a port that is not a register: %q", r.status())
			}
			if took > registerTest+time.Second {
				t.Errorf("the test took %v", took)
			}
			t.Logf("%s: refused in %v", c.name, took.Round(time.Millisecond))
			audits, _ := r.db.SearchAudit(context.Background(), store.AuditQuery{Action: "config.set"})
			r.tap("Save devices")
			if !strings.Contains(r.status(), "Nothing on "+other) {
				t.Errorf("save with a port that is not a register: %q", r.status())
			}
			if v := r.setting(settingRegisterPort); v != regPath+"@115200" {
				t.Errorf("the refused port changed the setting to %q", v)
			}
			if live.Port() != regPath+"@115200" {
				t.Errorf("the refused port replaced the register in use: %q", live.Port())
			}
			if _, err := live.Status(context.Background()); err != nil {
				t.Errorf("the register in use stopped answering: %v", err)
			}
			after, _ := r.db.SearchAudit(context.Background(), store.AuditQuery{Action: "config.set"})
			if len(after) != len(audits) {
				t.Error("a refused save wrote settings")
			}
		})
	}
}

// A cashier is refused the Devices page: opening it is refused with the
// policy's reason and audited as denied, and nothing of the hardware shows.
func TestDevicesPageDeniedForCashier(t *testing.T) {
	r := newAdminRig(t, "cashier")
	live := &liveRegister{}
	r.openDevices(live)
	r.tab("Devices")
	if !r.hasText("You may not change device settings") {
		t.Errorf("the Devices page is not refused: %q", r.status())
	}
	if r.hasText("Fiscal register") || r.hasText("No fiscal register is set up") {
		t.Error("a cashier sees the device settings")
	}
	a := r.lastAudit()
	if a.Action != string(policy.ActionDeviceSettings) || a.Outcome != store.OutcomeDenied {
		t.Errorf("last audit %+v, want %s denied", a, policy.ActionDeviceSettings)
	}
	if a.Actor != r.user("cashier").ID {
		t.Errorf("denial attributed to %d", a.Actor)
	}
}

// The register in use is not switched away from while it has a shift open:
// the shift's Z report and receipts live in it.
func TestDevicesPageKeepsARegisterWithAnOpenShift(t *testing.T) {
	oldPath, _ := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	newPath, _ := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1})
	r := newAdminRig(t, "admin")
	live := &liveRegister{}
	reg, spec, err := openRegister(oldPath + "@115200")
	if err != nil {
		t.Fatal(err)
	}
	live.swap(reg, spec)
	t.Cleanup(func() { live.Close() })
	r.openDevices(live)
	r.tab("Devices")
	r.port(newPath)
	r.tap("Test connection")
	if !strings.Contains(r.status(), "Register found on "+newPath) {
		t.Fatalf("test of the new register: %q", r.status())
	}
	r.tap("Save devices")
	if !strings.Contains(r.status(), "has a shift open: close it with a Z report") {
		t.Errorf("switching away from an open shift: %q", r.status())
	}
	if live.Port() != spec {
		t.Errorf("the register in use changed to %q", live.Port())
	}
	if v := r.setting(settingRegisterPort); v != "<unset>" {
		t.Errorf("the refused switch saved %q", v)
	}
}
