package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/escpos"
	"github.com/tillpos/till/device/hidin"
	"github.com/tillpos/till/device/linedrawer"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui/admin"
)

// Settings of the drawer (docs/admin.md, "Devices").
const (
	settingDrawerKind = "drawer.kind" // admin.DrawerRegister (default), DrawerESCPOS, DrawerLine
	settingDrawerPort = "drawer.port" // PATH[@BAUD] of the printer, PATH of the line
)

// errNoRegister is what the till's register does while none is set up.
var errNoRegister = fmt.Errorf("no fiscal register is set up on this till (Devices page of the back office): %w", device.ErrNoLink)

// errShiftOnOldRegister: the register in use has a shift open.
var errShiftOnOldRegister = errors.New("switch register: a shift is open on the register in use")

// liveRegister is the register the desk drives, switchable while the till
// runs: the Devices page puts a new one in without a restart. With none
// set up every call fails as a register that does not answer, so the
// window still starts (and an admin can reach the Devices page). It also
// routes the drawer: through the register, or a drawer of its own.
type liveRegister struct {
	mu     sync.Mutex
	reg    device.Register
	port   string // the spec reg was opened with
	drawer device.Drawer
	dport  string
	dclose io.Closer
}

var (
	_ device.Register    = (*liveRegister)(nil)
	_ device.TextPrinter = (*liveRegister)(nil)
)

func (l *liveRegister) current() (device.Register, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reg == nil {
		return nil, errNoRegister
	}
	return l.reg, nil
}

// Port is the spec of the register in use, "" if none.
func (l *liveRegister) Port() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.port
}

// swap puts r (opened on port; nil: none) in and closes the one it
// replaces. A call already running on the old one finishes with an error.
func (l *liveRegister) swap(r device.Register, port string) {
	l.mu.Lock()
	old := l.reg
	l.reg, l.port = r, port
	l.mu.Unlock()
	if old != nil && old != r {
		old.Close()
	}
}

// swapDrawer puts a separate drawer in (nil: the register's).
func (l *liveRegister) swapDrawer(d device.Drawer, port string, c io.Closer) {
	l.mu.Lock()
	old := l.dclose
	l.drawer, l.dport, l.dclose = d, port, c
	l.mu.Unlock()
	if old != nil && old != c {
		old.Close()
	}
}

func (l *liveRegister) Status(ctx context.Context) (device.Status, error) {
	r, err := l.current()
	if err != nil {
		return device.Status{}, err
	}
	return r.Status(ctx)
}

func (l *liveRegister) OpenShift(ctx context.Context, c device.Cashier) (device.ShiftResult, error) {
	r, err := l.current()
	if err != nil {
		return device.ShiftResult{}, err
	}
	return r.OpenShift(ctx, c)
}

func (l *liveRegister) Fiscalise(ctx context.Context, rc device.Receipt) (device.FiscalResult, error) {
	r, err := l.current()
	if err != nil {
		return device.FiscalResult{}, err
	}
	return r.Fiscalise(ctx, rc)
}

func (l *liveRegister) CancelReceipt(ctx context.Context) error {
	r, err := l.current()
	if err != nil {
		return err
	}
	return r.CancelReceipt(ctx)
}

func (l *liveRegister) LastDocument(ctx context.Context) (uint32, byte, error) {
	r, err := l.current()
	if err != nil {
		return 0, 0, err
	}
	return r.LastDocument(ctx)
}

func (l *liveRegister) FindDocument(ctx context.Context, n uint32) (device.Document, error) {
	r, err := l.current()
	if err != nil {
		return device.Document{}, err
	}
	return r.FindDocument(ctx, n)
}

func (l *liveRegister) XReport(ctx context.Context, c device.Cashier) error {
	r, err := l.current()
	if err != nil {
		return err
	}
	return r.XReport(ctx, c)
}

func (l *liveRegister) ZReport(ctx context.Context, c device.Cashier, p func(device.Progress)) (device.ShiftResult, error) {
	r, err := l.current()
	if err != nil {
		return device.ShiftResult{}, err
	}
	return r.ZReport(ctx, c, p)
}

// RepeatDocument asks the register in use for its own copy of the last
// receipt; a register without one says device.ErrCannotRepeat.
func (l *liveRegister) RepeatDocument(ctx context.Context) error {
	r, err := l.current()
	if err != nil {
		return err
	}
	rep, ok := r.(device.DocumentRepeater)
	if !ok {
		return device.ErrCannotRepeat
	}
	return rep.RepeatDocument(ctx)
}

func (l *liveRegister) Correction(ctx context.Context, c device.Correction) (device.FiscalResult, error) {
	r, err := l.current()
	if err != nil {
		return device.FiscalResult{}, err
	}
	return r.Correction(ctx, c)
}

func (l *liveRegister) CashIn(ctx context.Context, c device.Cashier, amount int64) (uint32, error) {
	r, err := l.current()
	if err != nil {
		return 0, err
	}
	return r.CashIn(ctx, c, amount)
}

func (l *liveRegister) CashOut(ctx context.Context, c device.Cashier, amount int64) (uint32, error) {
	r, err := l.current()
	if err != nil {
		return 0, err
	}
	return r.CashOut(ctx, c, amount)
}

// OpenDrawer opens the separate drawer when one is set up, else the
// register's.
func (l *liveRegister) OpenDrawer(ctx context.Context) error {
	l.mu.Lock()
	d := l.drawer
	l.mu.Unlock()
	if d != nil {
		return d.Open(ctx)
	}
	r, err := l.current()
	if err != nil {
		return err
	}
	return r.OpenDrawer(ctx)
}

func (l *liveRegister) PrintText(ctx context.Context, lines []string) error {
	r, err := l.current()
	if err != nil {
		return err
	}
	tp, ok := r.(device.TextPrinter)
	if !ok {
		return fmt.Errorf("the register in use prints no text: %w", device.ErrNoLink)
	}
	return tp.PrintText(ctx, lines)
}

// Close closes the register and the drawer in use.
func (l *liveRegister) Close() error {
	l.swapDrawer(nil, "", nil)
	l.mu.Lock()
	r := l.reg
	l.reg, l.port = nil, ""
	l.mu.Unlock()
	if r != nil {
		return r.Close()
	}
	return nil
}

// identifier is a register that can say which one it is (shtrih.Register).
type identifier interface {
	ReadNameplate(ctx context.Context) (shtrih.Nameplate, error)
}

// registerTest bounds a connection test: a port that is not a register
// is reported within it.
const registerTest = 8 * time.Second

// adminDevices is the Devices page's hardware: the serial enumerator and
// the HID bus `till devices` lists, the live register and drawer, and the
// device settings in the store.
type adminDevices struct {
	db       *store.DB
	live     *liveRegister
	override string // the -register flag
	ports    func() ([]serialPort, error)
	bus      hidin.Bus
	readers  func() []hidin.Status // the running HID readers; nil: none
	open     func(spec string) (*shtrih.Register, string, error)
}

// msg is m with its arguments: pairs of name and value.
func msg(m policy.Message, kv ...any) policy.Message {
	args := map[string]any{}
	for k, v := range m.Args {
		args[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		args[kv[i].(string)] = kv[i+1]
	}
	m.Args = args
	return m
}

var _ admin.Devices = (*adminDevices)(nil)

func newAdminDevices(db *store.DB, live *liveRegister, override string) *adminDevices {
	return &adminDevices{db: db, live: live, override: override, ports: serialPorts, bus: hidin.HIDBus{}, open: openRegister}
}

// openRegister opens a Shtrih-M register on spec; with no baud in spec
// the speed is detected and put into the returned spec (the driver tells
// it in its log).
func openRegister(spec string) (*shtrih.Register, string, error) {
	baud := 0
	r, err := shtrih.Open(spec, shtrih.Config{Logf: func(format string, args ...any) {
		if strings.Contains(format, "answers at") && len(args) == 2 {
			baud, _ = args[1].(int)
		}
	}})
	if err != nil {
		return nil, "", err
	}
	if baud > 0 && !strings.Contains(spec, "@") {
		spec += "@" + strconv.Itoa(baud)
	}
	return r, spec, nil
}

func (a *adminDevices) SerialPorts(context.Context) ([]admin.SerialPort, error) {
	list, err := a.ports()
	if err != nil {
		return nil, &admin.Error{Msg: msg(admin.MsgBadDevices, "Detail", err.Error()), Err: err}
	}
	out := make([]admin.SerialPort, 0, len(list))
	for _, p := range list {
		out = append(out, admin.SerialPort{Name: p.Name, VID: p.VID, PID: p.PID, Serial: p.Serial, Product: p.Product, USB: p.USB})
	}
	slices.SortFunc(out, func(x, y admin.SerialPort) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

func (a *adminDevices) HIDDevices(context.Context) ([]admin.HIDDevice, error) {
	if !a.bus.Supported() {
		return nil, &admin.Error{Msg: admin.MsgHIDUnsupported, Err: errors.New("HID: built without cgo")}
	}
	infos, err := a.bus.Enumerate()
	if err != nil {
		return nil, &admin.Error{Msg: msg(admin.MsgBadDevices, "Detail", err.Error()), Err: err}
	}
	out := make([]admin.HIDDevice, 0, len(infos))
	for _, d := range infos {
		name := strings.TrimSpace(d.Manufacturer + " " + d.Product)
		out = append(out, admin.HIDDevice{VID: d.VID, PID: d.PID, Interface: d.Interface, Name: name, Path: d.Path})
	}
	return out, nil
}

func (a *adminDevices) BadgeForms() []string {
	out := make([]string, len(scan.BadgeForms))
	for i, f := range scan.BadgeForms {
		out[i] = string(f)
	}
	return out
}

func (a *adminDevices) Override() string { return a.override }

func (a *adminDevices) Settings(ctx context.Context) (admin.DeviceSettings, error) {
	s := storeSettings{db: a.db}
	w, err := wedgeSettings(s)
	if err != nil {
		return admin.DeviceSettings{}, adminErr(err)
	}
	return admin.DeviceSettings{
		RegisterPort: s.String(settingRegisterPort, ""),
		DrawerKind:   s.String(settingDrawerKind, admin.DrawerRegister),
		DrawerPort:   s.String(settingDrawerPort, ""),
		Readers:      s.String(settingReaders, ""),
		WedgePrefix:  w.Prefix, WedgeSuffix: w.Suffix,
		WedgeAvgGap: w.AvgGap, WedgeMaxGap: w.MaxGap, WedgeMinLen: w.MinLen,
		BadgeForm: s.String(settingKeyboardBadgeForm, string(scan.EMDecimal10)),
	}, nil
}

// samePort: two specs name the same device (the baud aside).
func samePort(a, b string) bool {
	pa, _, _ := strings.Cut(a, "@")
	pb, _, _ := strings.Cut(b, "@")
	return pa != "" && pa == pb
}

// withRegister runs f on the register on spec: the live one when spec
// names its port (a port cannot be opened twice), else one opened for f
// and closed after. Failing to reach a register is MsgNotRegister.
func (a *adminDevices) withRegister(ctx context.Context, spec string, f func(ctx context.Context, r device.Register, spec string) error) error {
	ctx, cancel := context.WithTimeout(ctx, registerTest)
	defer cancel()
	if live := a.live.Port(); samePort(live, spec) {
		r, err := a.live.current()
		if err == nil {
			err = f(ctx, r, live)
		}
		return a.registerErr(spec, err)
	}
	type opened struct {
		r    *shtrih.Register
		spec string
		err  error
	}
	// Opening detects the speed, which has no context: bound it here.
	ch := make(chan opened, 1)
	go func() {
		r, used, err := a.open(spec)
		ch <- opened{r, used, err}
	}()
	var o opened
	select {
	case o = <-ch:
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.r != nil {
				o.r.Close()
			}
		}()
		return a.registerErr(spec, fmt.Errorf("open %s: %w: %w", spec, device.ErrNoLink, ctx.Err()))
	}
	if o.err != nil {
		return a.registerErr(spec, o.err)
	}
	defer o.r.Close()
	return a.registerErr(spec, f(ctx, o.r, o.spec))
}

// registerErr words a failed register test for the page: a register that
// does not answer (or a port that is not one) as MsgNotRegister, the
// register's own refusals in its words.
func (a *adminDevices) registerErr(spec string, err error) error {
	if err == nil {
		return nil
	}
	var ae *admin.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, errNoRegister) {
		return &admin.Error{Msg: admin.MsgNoRegister, Err: err}
	}
	if errors.Is(err, device.ErrNoLink) || errors.Is(err, device.ErrOutcomeUnknown) || errors.Is(err, shtrih.ErrProtocol) || errors.Is(err, context.DeadlineExceeded) {
		return &admin.Error{Msg: msg(admin.MsgNotRegister, "Port", spec), Err: err}
	}
	m := shtrih.MessageOf(err)
	return &admin.Error{Msg: policy.Message{Key: m.Key, Fallback: m.Fallback, Args: m.Args}, Err: err}
}

func (a *adminDevices) TestRegister(ctx context.Context, spec string) (admin.RegisterInfo, error) {
	var info admin.RegisterInfo
	err := a.withRegister(ctx, spec, func(ctx context.Context, r device.Register, used string) error {
		id, ok := r.(identifier)
		if !ok {
			return fmt.Errorf("register on %s cannot identify itself: %w", used, device.ErrNoLink)
		}
		in, err := id.ReadNameplate(ctx)
		if err != nil {
			return err
		}
		info = admin.RegisterInfo{
			Port: used, Serial: in.Serial, FN: in.FN, Firmware: in.Firmware, LastFD: in.LastFD,
			ShiftOpen: in.Status.ShiftOpen, Over24h: in.Status.ShiftOver24, PaperOut: in.Status.PaperOut,
		}
		return nil
	})
	return info, err
}

func (a *adminDevices) PrintTest(ctx context.Context, spec string, lines []string) error {
	return a.withRegister(ctx, spec, func(ctx context.Context, r device.Register, _ string) error {
		tp, ok := r.(device.TextPrinter)
		if !ok {
			return fmt.Errorf("the register prints no text: %w", device.ErrNoLink)
		}
		return tp.PrintText(ctx, lines)
	})
}

// openDrawer opens a separate drawer as s says; nil for the register's.
func openDrawer(s admin.DeviceSettings) (device.Drawer, io.Closer, error) {
	switch s.DrawerKind {
	case admin.DrawerESCPOS:
		return escpos.OpenSerial(s.DrawerPort, escpos.Config{})
	case admin.DrawerLine:
		return linedrawer.OpenSerial(s.DrawerPort, linedrawer.Config{})
	case admin.DrawerRegister, "":
		return nil, nil, nil
	}
	return nil, nil, fmt.Errorf("drawer kind %q: %w", s.DrawerKind, store.ErrInvalid)
}

func (a *adminDevices) TestDrawer(ctx context.Context, s admin.DeviceSettings) error {
	ctx, cancel := context.WithTimeout(ctx, registerTest)
	defer cancel()
	if s.DrawerKind == admin.DrawerRegister || s.DrawerKind == "" {
		if s.RegisterPort == "" {
			r, err := a.live.current()
			if err != nil {
				return a.registerErr("", err)
			}
			return a.registerErr(a.live.Port(), r.OpenDrawer(ctx))
		}
		return a.withRegister(ctx, s.RegisterPort, func(ctx context.Context, r device.Register, _ string) error {
			return r.OpenDrawer(ctx)
		})
	}
	if s.DrawerPort == a.live.drawerPort() {
		return a.drawerErr(s.DrawerPort, a.live.OpenDrawer(ctx))
	}
	d, c, err := openDrawer(s)
	if err != nil {
		return a.drawerErr(s.DrawerPort, err)
	}
	defer c.Close()
	return a.drawerErr(s.DrawerPort, d.Open(ctx))
}

func (l *liveRegister) drawerPort() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dport
}

func (a *adminDevices) drawerErr(port string, err error) error {
	if err == nil {
		return nil
	}
	return &admin.Error{Msg: msg(admin.MsgDrawerFailed, "Port", port, "Detail", err.Error()), Err: err}
}

// startDrawer puts the saved separate drawer (ESC/POS or a serial line)
// in use; the register's drawer needs nothing.
func startDrawer(live *liveRegister, s storeSettings) error {
	set := admin.DeviceSettings{DrawerKind: s.String(settingDrawerKind, admin.DrawerRegister), DrawerPort: s.String(settingDrawerPort, "")}
	d, c, err := openDrawer(set)
	if err != nil || d == nil {
		return err
	}
	live.swapDrawer(d, set.DrawerPort, c)
	return nil
}

// checkDevices refuses settings the till could not start with.
func checkDevices(s admin.DeviceSettings) error {
	for i, line := range strings.Split(s.Readers, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if _, err := hidin.ParseSpec(line); err != nil {
			return &admin.Error{Msg: msg(admin.MsgBadReader, "Line", i+1, "Detail", err.Error()), Err: err}
		}
	}
	bad := func(what string) error {
		return &admin.Error{Msg: msg(admin.MsgBadDevices, "Detail", what), Err: store.ErrInvalid}
	}
	switch {
	case !slices.Contains(scan.BadgeForms, scan.BadgeForm(s.BadgeForm)):
		return bad("badge form " + s.BadgeForm)
	case s.WedgeSuffix != "enter" && s.WedgeSuffix != "tab":
		return bad("suffix " + s.WedgeSuffix)
	case s.WedgeAvgGap <= 0 || s.WedgeMaxGap < s.WedgeAvgGap || s.WedgeMinLen < 1:
		return bad("scan timing")
	case s.DrawerKind != admin.DrawerRegister && s.DrawerKind != admin.DrawerESCPOS && s.DrawerKind != admin.DrawerLine:
		return bad("drawer kind " + s.DrawerKind)
	case s.RegisterPort != "":
		if _, _, err := shtrih.ParsePortSpec(s.RegisterPort); err != nil {
			return bad(err.Error())
		}
	}
	return nil
}

// Apply checks s, reaches the new register and drawer (a register that
// does not answer refuses the whole change), saves every setting in one
// audited transaction, then puts the register and drawer in use. Reader
// and keyboard settings are read at start: a change to them asks for a
// restart.
func (a *adminDevices) Apply(ctx context.Context, s admin.DeviceSettings, by admin.Actor) (admin.ApplyResult, error) {
	if err := checkDevices(s); err != nil {
		return admin.ApplyResult{}, err
	}
	before, err := a.Settings(ctx)
	if err != nil {
		return admin.ApplyResult{}, err
	}
	// The register first: nothing is saved unless it answers.
	var newReg *shtrih.Register
	newSpec := s.RegisterPort
	swapReg := a.override == "" && s.RegisterPort != "" && !samePort(s.RegisterPort, a.live.Port())
	if swapReg {
		// A shift lives in its register: switching away from one with a
		// shift open would strand it (its Z report, its receipts). A
		// register that does not answer may be replaced.
		if old, err := a.live.current(); err == nil {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			st, err := old.Status(sctx)
			cancel()
			if err == nil && st.ShiftOpen {
				return admin.ApplyResult{}, &admin.Error{Msg: msg(admin.MsgShiftOnOldRegister, "Port", a.live.Port()), Err: errShiftOnOldRegister}
			}
		}
		ictx, cancel := context.WithTimeout(ctx, registerTest)
		r, used, err := a.open(s.RegisterPort)
		if err == nil {
			newSpec = used
			if _, ierr := r.ReadNameplate(ictx); ierr != nil {
				r.Close()
				err = ierr
			} else if _, lerr := negotiateLink(ictx, r, storeSettings{db: a.db}); lerr != nil {
				fyne.LogError("register on "+used, lerr)
			}
		}
		cancel()
		if err != nil {
			return admin.ApplyResult{}, a.registerErr(s.RegisterPort, err)
		}
		newReg = r
	}
	var drawer device.Drawer
	var dcloser io.Closer
	swapDrawer := s.DrawerKind != before.DrawerKind || s.DrawerPort != before.DrawerPort
	if swapDrawer {
		if drawer, dcloser, err = openDrawer(s); err != nil {
			if newReg != nil {
				newReg.Close()
			}
			return admin.ApplyResult{}, a.drawerErr(s.DrawerPort, err)
		}
	}
	kv := map[string]string{
		settingRegisterPort: newSpec, settingDrawerKind: s.DrawerKind, settingDrawerPort: s.DrawerPort,
		settingReaders: s.Readers, settingKeyboardBadgeForm: s.BadgeForm,
		settingWedgePrefix: s.WedgePrefix, settingWedgeSuffix: s.WedgeSuffix,
		settingWedgeAvgGap: s.WedgeAvgGap.String(), settingWedgeMaxGap: s.WedgeMaxGap.String(),
		settingWedgeMinLen: strconv.Itoa(s.WedgeMinLen),
	}
	if err := a.db.SetSettings(ctx, kv, actor(by)); err != nil {
		if newReg != nil {
			newReg.Close()
		}
		if dcloser != nil {
			dcloser.Close()
		}
		return admin.ApplyResult{}, adminErr(err)
	}
	switch {
	case newReg != nil:
		a.live.swap(newReg, newSpec)
	case s.RegisterPort == "" && a.override == "":
		a.live.swap(nil, "")
	}
	if swapDrawer {
		a.live.swapDrawer(drawer, s.DrawerPort, dcloser)
	}
	restart := s.Readers != before.Readers || s.BadgeForm != before.BadgeForm || s.WedgePrefix != before.WedgePrefix ||
		s.WedgeSuffix != before.WedgeSuffix || s.WedgeAvgGap != before.WedgeAvgGap || s.WedgeMaxGap != before.WedgeMaxGap ||
		s.WedgeMinLen != before.WedgeMinLen
	return admin.ApplyResult{Restart: restart}, nil
}

// Status is the live state of the register, drawer and readers in use.
func (a *adminDevices) Status(ctx context.Context) admin.DeviceStatus {
	var st admin.DeviceStatus
	port := a.live.Port()
	switch r, err := a.live.current(); {
	case err != nil:
		st.Register = admin.DeviceState{Msg: admin.MsgNoRegister}
	default:
		s, err := r.Status(ctx)
		if err != nil {
			m := shtrih.MessageOf(err)
			st.Register = admin.DeviceState{Msg: msg(admin.MsgRegisterDown, "Port", port, "Why", m.String())}
		} else {
			st.Register = admin.DeviceState{OK: true, Msg: msg(admin.MsgRegisterLive, "Port", port, "FN", s.Serial)}
		}
	}
	a.live.mu.Lock()
	d, dport := a.live.drawer, a.live.dport
	a.live.mu.Unlock()
	if d == nil {
		st.Drawer = admin.DeviceState{OK: true, Msg: admin.MsgDrawerByRegister}
	} else {
		ds, err := d.Status(ctx)
		state := map[device.DrawerState]string{device.DrawerUnknown: "ready", device.DrawerClosed: "closed", device.DrawerOpen: "open"}[ds]
		if err != nil {
			st.Drawer = admin.DeviceState{Msg: msg(admin.MsgDrawerFailed, "Port", dport, "Detail", err.Error())}
		} else {
			st.Drawer = admin.DeviceState{OK: true, Msg: msg(admin.MsgDrawerReady, "Port", dport, "State", state)}
		}
	}
	if a.readers != nil {
		for _, r := range a.readers() {
			st.Readers = append(st.Readers, admin.DeviceState{
				Name: r.Name, OK: r.State == hidin.Connected,
				Msg: policy.Message{Key: r.Key, Fallback: string(r.State)},
			})
		}
	}
	return st
}
