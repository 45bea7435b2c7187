package admin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/policy"
)

// SerialPort is a serial port as the system lists it.
type SerialPort struct {
	Name, VID, PID, Serial, Product string
	USB                             bool
}

// HIDDevice is a HID device as `till devices` lists it.
type HIDDevice struct {
	VID, PID  uint16
	Interface int
	Name      string
	Path      string
}

// RegisterInfo is what a connection test read from a register.
type RegisterInfo struct {
	Port      string // PATH@BAUD that answered
	Serial    string // the register's factory number
	FN        string // the fiscal storage's serial number
	Firmware  string
	ShiftOpen bool
	Over24h   bool
	PaperOut  bool
	LastFD    uint32
}

// Drawer kinds: how the cash drawer is driven.
const (
	DrawerRegister = "register" // the register's drawer port (default)
	DrawerESCPOS   = "escpos"   // an ESC/POS receipt printer's drawer kick
	DrawerLine     = "line"     // a serial port's DTR/RTS line
)

// DeviceSettings are the till's hardware settings, as the store keeps
// them (cmd/till names the keys).
type DeviceSettings struct {
	RegisterPort string // PATH or PATH@BAUD; "" = no register
	DrawerKind   string // one of the Drawer kinds
	DrawerPort   string // for escpos (PATH[@BAUD]) and line (PATH)
	Readers      string // HID reader specs, one a line
	WedgePrefix  string // a scan must start with it; "" = none
	WedgeSuffix  string // "enter", "tab"
	WedgeAvgGap  time.Duration
	WedgeMaxGap  time.Duration
	WedgeMinLen  int
	BadgeForm    string
}

// DeviceState is one line of the page's live status.
type DeviceState struct {
	Name string // a reader's name; "" for the register and the drawer
	OK   bool
	Msg  policy.Message
}

// Sentences of the Devices page that cmd/till's side produces.
var (
	MsgNoRegister = policy.Message{
		Key:      "admin.devices.none",
		Fallback: "No fiscal register is set up: choose its port below, test it and save.",
	}
	MsgRegisterLive = policy.Message{
		Key:      "admin.devices.live",
		Fallback: "Register connected on {{.Port}}, FN {{.FN}}.",
	}
	MsgRegisterDown = policy.Message{
		Key:      "admin.devices.down",
		Fallback: "Register on {{.Port}}: {{.Why}}",
	}
	MsgNotRegister = policy.Message{
		Key:      "admin.devices.not_register",
		Fallback: "Nothing on {{.Port}} answers as a Shtrih-M register. Check the port, the cable and that the register is on; nothing was changed.",
	}
	MsgDrawerByRegister = policy.Message{
		Key:      "admin.devices.drawer_by_register",
		Fallback: "The drawer is opened by the fiscal register.",
	}
	MsgDrawerReady = policy.Message{
		Key:      "admin.devices.drawer_ready",
		Fallback: "Drawer on {{.Port}}: {{.State}}.",
	}
	MsgDrawerFailed = policy.Message{
		Key:      "admin.devices.drawer_failed",
		Fallback: "The drawer on {{.Port}} cannot be used: {{.Detail}}. Nothing was changed.",
	}
	MsgBadReader = policy.Message{
		Key:      "admin.devices.bad_reader",
		Fallback: "HID reader line {{.Line}} is not valid: {{.Detail}}",
	}
	MsgShiftOnOldRegister = policy.Message{
		Key:      "admin.devices.shift_on_old",
		Fallback: "The register in use ({{.Port}}) has a shift open: close it with a Z report before switching to another register. Nothing was changed.",
	}
	MsgHIDUnsupported = policy.Message{
		Key:      "admin.devices.hid_unsupported",
		Fallback: "HID readers are not supported in this build (built without cgo): scanners and badge readers work only as keyboards.",
	}
	MsgBadDevices = policy.Message{
		Key:      "admin.devices.bad_setting",
		Fallback: "This device setting is not valid: {{.Detail}}",
	}
)

// DeviceStatus is the live status of what the till uses now.
type DeviceStatus struct {
	Register DeviceState
	Drawer   DeviceState
	Readers  []DeviceState
}

// ApplyResult says what a saved change did: the register and drawer are
// switched at once; reader settings take effect after a restart.
type ApplyResult struct {
	Restart bool
}

// Devices is the hardware behind the Devices page; cmd/till wires it to
// the serial enumerator, the HID bus, the live register and the settings.
// Tests and Apply are only called after the policy allowed
// policy.ActionDeviceSettings.
type Devices interface {
	SerialPorts(ctx context.Context) ([]SerialPort, error)
	// HIDDevices lists HID devices; an *Error when HID is not supported.
	HIDDevices(ctx context.Context) ([]HIDDevice, error)
	BadgeForms() []string
	// Settings reads the saved settings, with the defaults filled in.
	Settings(ctx context.Context) (DeviceSettings, error)
	// Override is the -register flag the till was started with ("" if
	// none): it wins over the saved register port.
	Override() string
	// TestRegister talks to a register on port (PATH or PATH@BAUD; no baud:
	// detect) without changing anything, within seconds.
	TestRegister(ctx context.Context, port string) (RegisterInfo, error)
	// PrintTest prints lines, a non-fiscal test slip, on the register on
	// port.
	PrintTest(ctx context.Context, port string, lines []string) error
	// TestDrawer opens the drawer as s describes it.
	TestDrawer(ctx context.Context, s DeviceSettings) error
	// Apply checks and saves s (audited as by), then switches the running
	// till's register and drawer to it.
	Apply(ctx context.Context, s DeviceSettings, by Actor) (ApplyResult, error)
	Status(ctx context.Context) DeviceStatus
}

// devicesTab is the Devices page: the fiscal register, the drawer and the
// readers, with a live status next to each.
type devicesTab struct {
	s       *Screen
	dev     Devices
	content fyne.CanvasObject
	denied  *widget.Label
	body    *fyne.Container

	port      *widget.SelectEntry
	ports     *widget.Label // what the system lists, with VID/PID and product
	baud      *widget.Select
	override  *widget.Label
	regResult *widget.Label
	regLive   *widget.Label

	drawerKind *widget.Select
	drawerPort *widget.Entry
	drawerLive *widget.Label

	hid       *widget.Label
	readers   *widget.Entry
	prefix    *widget.Entry
	suffix    *widget.Select
	avgGap    *widget.Entry
	maxGap    *widget.Entry
	minLen    *widget.Entry
	badgeForm *widget.Select
	readLive  *widget.Label
}

var bauds = []string{"2400", "4800", "9600", "19200", "38400", "57600", "115200"}

func detectText() string { return lang.X("admin.devices.baud_detect", "Detect") }

func drawerKindText(k string) string {
	switch k {
	case DrawerESCPOS:
		return lang.X("admin.devices.drawer_escpos", "ESC/POS receipt printer")
	case DrawerLine:
		return lang.X("admin.devices.drawer_line", "Serial port line (DTR)")
	}
	return lang.X("admin.devices.drawer_register", "Through the fiscal register")
}

func suffixText(s string) string {
	if s == "tab" {
		return lang.X("admin.devices.suffix_tab", "Tab")
	}
	return lang.X("admin.devices.suffix_enter", "Enter")
}

func liveLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	return l
}

func newDevicesTab(s *Screen, dev Devices) *devicesTab {
	t := &devicesTab{s: s, dev: dev}
	t.denied = widget.NewLabel("")
	t.denied.Wrapping = fyne.TextWrapWord
	t.denied.Hide()

	t.port = widget.NewSelectEntry(nil)
	t.port.SetPlaceHolder(lang.X("admin.devices.port_hint", "for example /dev/ttyACM0"))
	t.ports = liveLabel()
	t.baud = widget.NewSelect(append([]string{detectText()}, bauds...), nil)
	t.baud.SetSelected(detectText())
	t.override = liveLabel()
	t.override.Importance = widget.WarningImportance
	t.override.Hide()
	t.regResult = liveLabel()
	t.regLive = liveLabel()
	refresh := widget.NewButtonWithIcon(lang.X("admin.devices.refresh", "Refresh list"), theme.ViewRefreshIcon(), func() {
		t.listDevices()
		t.refreshStatus()
	})
	testBtn := widget.NewButton(lang.X("admin.devices.test", "Test connection"), t.testRegister)
	printBtn := widget.NewButton(lang.X("admin.devices.print_test", "Print test receipt"), t.printTest)
	regForm := widget.NewForm(
		widget.NewFormItem(lang.X("admin.devices.port", "Serial port"), t.port),
		widget.NewFormItem(lang.X("admin.devices.baud", "Speed (baud)"), t.baud),
	)
	register := container.NewVBox(
		heading(lang.X("admin.devices.register", "Fiscal register")),
		t.regLive, t.override, regForm, t.ports,
		container.NewHBox(refresh, testBtn, printBtn), t.regResult,
	)

	var kinds []string
	for _, k := range []string{DrawerRegister, DrawerESCPOS, DrawerLine} {
		kinds = append(kinds, drawerKindText(k))
	}
	t.drawerPort = widget.NewEntry()
	t.drawerPort.SetPlaceHolder(lang.X("admin.devices.drawer_port_hint", "printer or drawer port, for example /dev/ttyUSB0"))
	t.drawerKind = widget.NewSelect(kinds, func(string) {
		if t.drawerKindValue() == DrawerRegister {
			t.drawerPort.Disable()
		} else {
			t.drawerPort.Enable()
		}
	})
	t.drawerKind.SetSelected(kinds[0])
	t.drawerLive = liveLabel()
	drawer := container.NewVBox(
		heading(lang.X("admin.devices.drawer", "Cash drawer")), t.drawerLive,
		widget.NewForm(
			widget.NewFormItem(lang.X("admin.devices.drawer_kind", "Drawer opened by"), t.drawerKind),
			widget.NewFormItem(lang.X("admin.devices.drawer_port", "Drawer port"), t.drawerPort),
		),
		container.NewHBox(widget.NewButton(lang.X("admin.devices.drawer_test", "Open the drawer"), t.testDrawer)),
	)

	t.hid = liveLabel()
	t.readers = widget.NewMultiLineEntry()
	t.readers.SetPlaceHolder(lang.X("admin.devices.readers_hint", "one reader a line: NAME VVVV:PPPP scanner|card|badge [pos] (see docs/input.md)"))
	t.readers.SetMinRowsVisible(3)
	t.prefix = widget.NewEntry()
	t.suffix = widget.NewSelect([]string{suffixText("enter"), suffixText("tab")}, nil)
	t.avgGap = msEntry(1, 200)
	t.maxGap = msEntry(1, 1000)
	t.minLen = widget.NewEntry()
	t.minLen.Validator = func(v string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < 1 || n > 64 {
			return errors.New(lang.X("admin.devices.bad_min_len", "Enter a length from 1 to 64 characters."))
		}
		return nil
	}
	t.badgeForm = widget.NewSelect(dev.BadgeForms(), nil)
	t.readLive = liveLabel()
	readers := container.NewVBox(
		heading(lang.X("admin.devices.readers", "Scanners and badge readers")), t.readLive, t.hid,
		widget.NewForm(
			widget.NewFormItem(lang.X("admin.devices.readers_hid", "HID readers"), t.readers),
			widget.NewFormItem(lang.X("admin.devices.prefix", "Keyboard scanner prefix"), t.prefix),
			widget.NewFormItem(lang.X("admin.devices.suffix", "Keyboard scanner suffix"), t.suffix),
			widget.NewFormItem(lang.X("admin.devices.avg_gap", "Average key gap of a scan (ms)"), t.avgGap),
			widget.NewFormItem(lang.X("admin.devices.max_gap", "Longest key gap of a scan (ms)"), t.maxGap),
			widget.NewFormItem(lang.X("admin.devices.min_len", "Shortest scan (characters)"), t.minLen),
			widget.NewFormItem(lang.X("admin.devices.badge_form", "Badge reader prints badges as"), t.badgeForm),
		),
	)
	save := widget.NewButtonWithIcon(lang.X("admin.devices.save", "Save devices"), theme.DocumentSaveIcon(), t.save)
	save.Importance = widget.HighImportance
	t.body = container.NewVBox(register, widget.NewSeparator(), drawer, widget.NewSeparator(), readers, container.NewHBox(save))
	t.content = container.NewVScroll(container.NewVBox(t.denied, t.body))
	return t
}

func heading(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func msEntry(lo, hi int) *widget.Entry {
	e := widget.NewEntry()
	e.Validator = func(v string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(v)); err != nil || n < lo || n > hi {
			return errors.New(lang.X("admin.devices.bad_ms", "Enter a time in milliseconds from {{.Min}} to {{.Max}}.", map[string]any{"Min": lo, "Max": hi}))
		}
		return nil
	}
	return e
}

func (t *devicesTab) drawerKindValue() string {
	for _, k := range []string{DrawerESCPOS, DrawerLine} {
		if t.drawerKind.Selected == drawerKindText(k) {
			return k
		}
	}
	return DrawerRegister
}

// portSpec is PATH or PATH@BAUD from the port and speed fields.
func (t *devicesTab) portSpec() string {
	p := strings.TrimSpace(t.port.Text)
	if p == "" || t.baud.Selected == detectText() || t.baud.Selected == "" {
		return p
	}
	return p + "@" + t.baud.Selected
}

// opened is the page being chosen: someone without the right has tried
// to reach the till's hardware, which is refused and audited; with it the
// live status is read again.
func (t *devicesTab) opened() {
	if !t.s.allowed(policy.ActionDeviceSettings) {
		return
	}
	t.refreshStatus()
}

func (t *devicesTab) reload() {
	if !t.s.can(policy.ActionDeviceSettings) {
		_, m := t.s.deps.Policy.Decide(policy.ActionDeviceSettings)
		t.denied.SetText(tr(m))
		t.denied.Show()
		t.body.Hide()
		return
	}
	t.denied.Hide()
	t.body.Show()
	var set DeviceSettings
	t.s.load(func(ctx context.Context) error {
		var err error
		set, err = t.dev.Settings(ctx)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		path, baud, _ := strings.Cut(set.RegisterPort, "@")
		t.port.SetText(path)
		if baud == "" {
			t.baud.SetSelected(detectText())
		} else {
			t.baud.SetSelected(baud)
		}
		if o := t.dev.Override(); o != "" {
			t.override.SetText(lang.X("admin.devices.override", "This till was started with -register {{.Port}}: that port is used instead of the saved one until the till is started without it.", map[string]any{"Port": o}))
			t.override.Show()
		}
		t.drawerKind.SetSelected(drawerKindText(set.DrawerKind))
		t.drawerPort.SetText(set.DrawerPort)
		t.readers.SetText(set.Readers)
		t.prefix.SetText(set.WedgePrefix)
		t.suffix.SetSelected(suffixText(set.WedgeSuffix))
		t.avgGap.SetText(strconv.FormatInt(set.WedgeAvgGap.Milliseconds(), 10))
		t.maxGap.SetText(strconv.FormatInt(set.WedgeMaxGap.Milliseconds(), 10))
		t.minLen.SetText(strconv.Itoa(set.WedgeMinLen))
		t.badgeForm.SetSelected(set.BadgeForm)
	})
	t.listDevices()
	t.refreshStatus()
}

// listDevices fills the port list and the HID list from the system.
func (t *devicesTab) listDevices() {
	var ports []SerialPort
	var hids []HIDDevice
	var perr, herr error
	t.s.load(func(ctx context.Context) error {
		ports, perr = t.dev.SerialPorts(ctx)
		hids, herr = t.dev.HIDDevices(ctx)
		return nil
	}, func(error) {
		var names, lines []string
		for _, p := range ports {
			names = append(names, p.Name)
			line := p.Name
			if p.USB {
				line += fmt.Sprintf("  USB %s:%s", strings.ToLower(p.VID), strings.ToLower(p.PID))
				if p.Product != "" {
					line += "  " + p.Product
				}
				if p.Serial != "" {
					line += "  " + p.Serial
				}
			}
			lines = append(lines, line)
		}
		t.port.SetOptions(names)
		switch {
		case perr != nil:
			t.ports.SetText(errText(perr))
		case len(lines) == 0:
			t.ports.SetText(lang.X("admin.devices.no_ports", "No serial ports found. Type the port's path if you know it."))
		default:
			t.ports.SetText(strings.Join(lines, "\n"))
		}
		lines = nil
		for _, d := range hids {
			lines = append(lines, fmt.Sprintf("%04x:%04x/%d  %s", d.VID, d.PID, d.Interface, d.Name))
		}
		switch {
		case herr != nil:
			t.hid.SetText(errText(herr))
		case len(lines) == 0:
			t.hid.SetText(lang.X("admin.devices.no_hid", "No HID devices found (or none this user may open: see docs/input.md)."))
		default:
			t.hid.SetText(strings.Join(lines, "\n"))
		}
	})
}

func stateText(prefix string, st DeviceState) string {
	if st.Name != "" {
		return prefix + " " + st.Name + ": " + tr(st.Msg)
	}
	return prefix + " " + tr(st.Msg)
}

// refreshStatus shows the live state of the register, drawer and readers
// the till uses now.
func (t *devicesTab) refreshStatus() {
	var st DeviceStatus
	t.s.load(func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		st = t.dev.Status(ctx)
		return nil
	}, func(error) {
		now := lang.X("admin.devices.now", "Now:")
		t.regLive.SetText(stateText(now, st.Register))
		t.regLive.Importance = importance(st.Register.OK)
		t.regLive.Refresh()
		t.drawerLive.SetText(stateText(now, st.Drawer))
		t.drawerLive.Importance = importance(st.Drawer.OK)
		t.drawerLive.Refresh()
		var lines []string
		ok := true
		for _, r := range st.Readers {
			lines = append(lines, stateText(now, r))
			ok = ok && r.OK
		}
		if len(lines) == 0 {
			lines = append(lines, now+" "+lang.X("admin.devices.keyboard_only", "no HID readers configured: scanners and badge readers work as keyboards."))
		}
		t.readLive.SetText(strings.Join(lines, "\n"))
		t.readLive.Importance = importance(ok)
		t.readLive.Refresh()
	})
}

func importance(ok bool) widget.Importance {
	if ok {
		return widget.SuccessImportance
	}
	return widget.DangerImportance
}

// RegisterText is the line a connection test shows.
func RegisterText(in RegisterInfo) string {
	shift := lang.X("admin.devices.shift_closed", "shift closed")
	switch {
	case in.Over24h:
		shift = lang.X("admin.devices.shift_over24", "shift open over 24 hours")
	case in.ShiftOpen:
		shift = lang.X("admin.devices.shift_open", "shift open")
	}
	return lang.X("admin.devices.register_ok", "Register found on {{.Port}}: serial number {{.Serial}}, FN {{.FN}}, {{.Shift}}, last fiscal document {{.FD}}.",
		map[string]any{"Port": in.Port, "Serial": in.Serial, "FN": in.FN, "Shift": shift, "FD": in.LastFD})
}

func (t *devicesTab) testRegister() {
	if !t.s.allowed(policy.ActionDeviceSettings) {
		return
	}
	spec := t.portSpec()
	if spec == "" {
		t.s.showStatus(true, lang.X("admin.devices.no_port", "Choose or type the register's serial port first."))
		return
	}
	t.regResult.SetText(lang.X("admin.devices.testing", "Talking to {{.Port}}…", map[string]any{"Port": spec}))
	var info RegisterInfo
	t.s.load(func(ctx context.Context) error {
		var err error
		info, err = t.dev.TestRegister(ctx, spec)
		return err
	}, func(err error) {
		if err != nil {
			t.regResult.SetText(errText(err))
			t.regResult.Importance = widget.DangerImportance
			t.regResult.Refresh()
			t.s.fail(err)
			return
		}
		t.regResult.SetText(RegisterText(info))
		t.regResult.Importance = widget.SuccessImportance
		t.regResult.Refresh()
		if i := strings.LastIndexByte(info.Port, '@'); i > 0 {
			t.baud.SetSelected(info.Port[i+1:]) // the detected speed, to save
		}
		t.s.done(RegisterText(info))
	})
}

func (t *devicesTab) printTest() {
	if !t.s.allowed(policy.ActionDeviceSettings) {
		return
	}
	spec := t.portSpec()
	if spec == "" {
		t.s.showStatus(true, lang.X("admin.devices.no_port", "Choose or type the register's serial port first."))
		return
	}
	lines := []string{
		lang.X("admin.devices.slip_title", "TEST PRINT"),
		lang.X("admin.devices.slip_note", "Not a fiscal document"),
		time.Now().Format("2006-01-02 15:04"),
	}
	t.s.load(func(ctx context.Context) error { return t.dev.PrintTest(ctx, spec, lines) }, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.s.done(lang.X("admin.devices.printed", "Test receipt printed (not a fiscal document)."))
	})
}

func (t *devicesTab) testDrawer() {
	if !t.s.allowed(policy.ActionDeviceSettings) {
		return
	}
	set, ok := t.collect()
	if !ok {
		return
	}
	t.s.load(func(ctx context.Context) error { return t.dev.TestDrawer(ctx, set) }, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.s.done(lang.X("admin.devices.drawer_opened", "The drawer was told to open."))
	})
}

// collect reads the form; false (and the problem shown) when a field is
// wrong.
func (t *devicesTab) collect() (DeviceSettings, bool) {
	for _, e := range []*widget.Entry{t.avgGap, t.maxGap, t.minLen} {
		if err := e.Validate(); err != nil {
			t.s.showStatus(true, err.Error())
			return DeviceSettings{}, false
		}
	}
	ms := func(e *widget.Entry) time.Duration {
		n, _ := strconv.Atoi(strings.TrimSpace(e.Text))
		return time.Duration(n) * time.Millisecond
	}
	n, _ := strconv.Atoi(strings.TrimSpace(t.minLen.Text))
	suffix := "enter"
	if t.suffix.Selected == suffixText("tab") {
		suffix = "tab"
	}
	set := DeviceSettings{
		RegisterPort: t.portSpec(), DrawerKind: t.drawerKindValue(), DrawerPort: strings.TrimSpace(t.drawerPort.Text),
		Readers: strings.TrimSpace(t.readers.Text), WedgePrefix: t.prefix.Text, WedgeSuffix: suffix,
		WedgeAvgGap: ms(t.avgGap), WedgeMaxGap: ms(t.maxGap), WedgeMinLen: n, BadgeForm: t.badgeForm.Selected,
	}
	if set.WedgeMaxGap < set.WedgeAvgGap {
		t.s.showStatus(true, lang.X("admin.devices.gaps", "The longest key gap cannot be shorter than the average gap."))
		return DeviceSettings{}, false
	}
	if set.DrawerKind != DrawerRegister && set.DrawerPort == "" {
		t.s.showStatus(true, lang.X("admin.devices.drawer_needs_port", "Type the port of the printer or line the drawer hangs on."))
		return DeviceSettings{}, false
	}
	return set, true
}

func (t *devicesTab) save() {
	if !t.s.allowed(policy.ActionDeviceSettings) {
		return
	}
	set, ok := t.collect()
	if !ok {
		return
	}
	me := t.s.deps.Policy.Actor()
	var res ApplyResult
	t.s.run(func(ctx context.Context) error {
		var err error
		res, err = t.dev.Apply(ctx, set, me)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		msg := lang.X("admin.devices.saved", "Devices saved: the register and the drawer are in use now.")
		if res.Restart {
			msg += " " + lang.X("admin.devices.restart", "Restart the till for the reader settings to take effect.")
		}
		t.s.done(msg)
		t.refreshStatus()
	})
}
