package hidin

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/scan/events"
)

// fakeBus plays recorded reports through devices that can be plugged and
// unplugged while the manager runs.
type fakeBus struct {
	mu        sync.Mutex
	supported bool
	devs      map[string]*fakeConn // by path
	denied    map[string]bool
	opens     int
}

type fakeConn struct {
	info    Info
	reports chan []byte
	gone    chan struct{}
	closed  chan struct{}
	once    sync.Once
	reading sync.Mutex // held during a read: Close must never overlap it
	overlap bool
}

func newFakeBus() *fakeBus {
	return &fakeBus{supported: true, devs: map[string]*fakeConn{}, denied: map[string]bool{}}
}

func (b *fakeBus) plug(i Info) *fakeConn {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := &fakeConn{info: i, reports: make(chan []byte, 256), gone: make(chan struct{}), closed: make(chan struct{})}
	b.devs[i.Path] = c
	return c
}

func (b *fakeBus) unplug(path string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.devs[path].gone)
	delete(b.devs, path)
}

func (b *fakeBus) Supported() bool { return b.supported }

func (b *fakeBus) Enumerate() ([]Info, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Info
	for _, d := range b.devs {
		out = append(out, d.info)
	}
	return out, nil
}

func (b *fakeBus) Open(i Info) (Conn, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.denied[i.Path] {
		return nil, ErrNoPermission
	}
	d, ok := b.devs[i.Path]
	if !ok {
		return nil, errors.New("gone")
	}
	b.opens++
	return d, nil
}

func (c *fakeConn) ReadTimeout(buf []byte, ms int) (int, error) {
	if !c.reading.TryLock() {
		c.overlap = true
	}
	defer c.reading.Unlock()
	select {
	case r := <-c.reports:
		return copy(buf, r), nil
	case <-c.gone:
		return 0, errors.New("hidapi: device disconnected")
	case <-time.After(time.Duration(ms) * time.Millisecond):
		return 0, nil
	}
}

func (c *fakeConn) Close() error {
	if !c.reading.TryLock() {
		c.overlap = true
	} else {
		c.reading.Unlock()
	}
	c.once.Do(func() { close(c.closed) })
	return nil
}

func bootReports(text string) [][]byte {
	var out [][]byte
	for _, c := range text {
		var u, mod byte
		switch {
		case c >= '1' && c <= '9':
			u = byte(0x1E + c - '1')
		case c == '0':
			u = 0x27
		case c >= 'a' && c <= 'z':
			u = byte(0x04 + c - 'a')
		case c == ',':
			u = 0x36
		case c == '=':
			u = 0x2E
		case c == ';':
			u = 0x33
		case c == '?':
			u, mod = 0x38, 0x02
		case c == '\r':
			u = 0x28
		case c == '!':
			u = 0x45 // F12: no character
		}
		out = append(out, []byte{mod, 0, u, 0, 0, 0, 0, 0}, make([]byte, 8))
	}
	return out
}

func send(c *fakeConn, reports [][]byte) {
	for _, r := range reports {
		c.reports <- r
	}
}

func next(t *testing.T, ch <-chan device.InputEvent) device.InputEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(3 * time.Second):
		t.Fatal("no event")
		return nil
	}
}

func waitState(t *testing.T, m *Manager, name string, st State) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range m.Status() {
			if s.Name == name && s.State == st {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s never %s: %+v", name, st, m.Status())
}

var fast = Options{Poll: 20 * time.Millisecond, ReadTimeout: 10 * time.Millisecond}

func TestScannerCardBadge(t *testing.T) {
	bus := newFakeBus()
	scanner := bus.plug(Info{Path: "0001:0004:00", VID: 0x0c2e, PID: 0x0b61, Interface: 0, Product: "Voyager"})
	pos := bus.plug(Info{Path: "0001:0005:00", VID: 0x0c2e, PID: 0x0b6a, Interface: 0})
	card := bus.plug(Info{Path: "0001:0006:00", VID: 0x0801, PID: 0x0001, Interface: 0})
	badge := bus.plug(Info{Path: "0001:0007:00", VID: 0xffff, PID: 0x0035, Interface: 0})
	bus.plug(Info{Path: "0001:0007:01", VID: 0xffff, PID: 0x0035, Interface: 1}) // another interface: not ours
	cfgs := []DeviceConfig{
		{Name: "scanner", VID: 0x0c2e, PID: 0x0b61, Interface: -1, Role: device.RoleScanner},
		{Name: "pos", VID: 0x0c2e, PID: 0x0b6a, Interface: -1, Role: device.RoleScanner, Protocol: POS},
		{Name: "msr", VID: 0x0801, PID: 0x0001, Interface: 0, Role: device.RoleCard},
		{
			Name: "prox", VID: 0xffff, PID: 0x0035, Interface: 0, Role: device.RoleBadge,
			Reader: events.Config{BadgeForm: scan.BadgeConfig{Form: scan.EMWiegand26}},
		},
	}
	out := make(chan device.InputEvent)
	m := New(bus, cfgs, out, fast)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	for _, n := range []string{"scanner", "pos", "msr", "prox"} {
		waitState(t, m, n, Connected)
	}

	send(scanner, bootReports("4006381333931\r"))
	if s, ok := next(t, out).(device.Scan); !ok || s.Item.GTIN != "4006381333931" || s.Source.Name != "scanner" {
		t.Fatalf("scan %#v", s)
	}
	// A HID POS marking code over two reports.
	r1 := make([]byte, 64)
	r2 := make([]byte, 64)
	code := "0104601234567893215Ab<CdE!fgH'i\x1d93dGh0"
	r1[0], r1[1], r1[63] = 2, 20, 1
	copy(r1[2:], "]d2")
	copy(r1[5:], code[:20])
	r2[0], r2[1] = 2, byte(len(code)-20)
	copy(r2[2:], "]d2")
	copy(r2[5:], code[20:])
	send(pos, [][]byte{r1, r2})
	if s, ok := next(t, out).(device.Scan); !ok || s.Kind != device.ScanMarking || s.Marking.Tail != "dGh0" {
		t.Fatalf("pos scan %#v", s)
	}
	send(card, bootReports(";123456=?\r"))
	if s, ok := next(t, out).(device.Swipe); !ok || s.Tracks[1].PAN != "123456" {
		t.Fatalf("swipe %#v", s)
	}
	send(badge, bootReports("188,24910\r"))
	if b, ok := next(t, out).(device.Badge); !ok || b.ID.Reveal() != "EM:188,24910" {
		t.Fatalf("badge %#v", b)
	}
	// Bad input becomes a clear event.
	send(scanner, bootReports("4006381333932\r"))
	if e, ok := next(t, out).(device.ReadError); !ok || e.Key != "input.scan.check_digit" {
		t.Fatalf("check digit %#v", e)
	}
	send(scanner, bootReports("40063!81333931\r"))
	if e, ok := next(t, out).(device.ReadError); !ok || e.Key != "input.scan.unknown_key" {
		t.Fatalf("unknown key %#v", e)
	}
	send(scanner, [][]byte{{0, 0, 4}})
	if e, ok := next(t, out).(device.ReadError); !ok || e.Key != "input.report.malformed" {
		t.Fatalf("short report %#v", e)
	}
	send(badge, bootReports("12345\r"))
	if e, ok := next(t, out).(device.ReadError); !ok || e.Key != "input.badge.unreadable" || strings.Contains(e.Error(), "12345") {
		t.Fatalf("bad badge %#v", e)
	}

	cancel()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not stop")
	}
	for _, c := range []*fakeConn{scanner, pos, card, badge} {
		select {
		case <-c.closed:
		default:
			t.Errorf("%s not closed", c.info.Path)
		}
		if c.overlap {
			t.Errorf("%s closed or read concurrently", c.info.Path)
		}
	}
}

func TestHalfScanAndHotPlug(t *testing.T) {
	bus := newFakeBus()
	info := Info{Path: "0001:0004:00", VID: 0x0c2e, PID: 0x0b61}
	dev := bus.plug(info)
	out := make(chan device.InputEvent)
	var mu sync.Mutex
	var seen []State
	opt := fast
	opt.OnStatus = func(s Status) { mu.Lock(); seen = append(seen, s.State); mu.Unlock() }
	m := New(bus, []DeviceConfig{{Name: "scanner", VID: 0x0c2e, PID: 0x0b61, Interface: -1, Role: device.RoleScanner, Idle: 50 * time.Millisecond}}, out, opt)
	go m.Run(context.Background())
	defer m.Close()
	waitState(t, m, "scanner", Connected)

	// Half a scan: no Enter, then silence.
	send(dev, bootReports("400638"))
	if e, ok := next(t, out).(device.ReadError); !ok || e.Key != "input.scan.incomplete" {
		t.Fatalf("half scan %#v", e)
	}
	// Unplug mid-read: the half read is reported, the status follows.
	send(dev, bootReports("4006"))
	time.Sleep(20 * time.Millisecond)
	bus.unplug(info.Path)
	if e, ok := next(t, out).(device.ReadError); !ok || e.Key != "input.scan.incomplete" {
		t.Fatalf("unplug mid-read %#v", e)
	}
	waitState(t, m, "scanner", NotPresent)
	// Plug it back: the poll reopens it and it reads again.
	dev = bus.plug(info)
	waitState(t, m, "scanner", Connected)
	send(dev, bootReports("96385074\r"))
	if s, ok := next(t, out).(device.Scan); !ok || s.Item.GTIN != "96385074" {
		t.Fatalf("after replug %#v", s)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 3 || seen[0] != Connected {
		t.Fatalf("status changes %v", seen)
	}
}

func TestStatuses(t *testing.T) {
	bus := newFakeBus()
	bus.plug(Info{Path: "0001:0009:00", VID: 1, PID: 2})
	bus.denied["0001:0009:00"] = true
	m := New(bus, []DeviceConfig{
		{Name: "locked", VID: 1, PID: 2, Interface: -1, Role: device.RoleScanner},
		{Name: "absent", VID: 3, PID: 4, Interface: -1, Role: device.RoleBadge},
	}, make(chan device.InputEvent), fast)
	go m.Run(context.Background())
	waitState(t, m, "locked", NoPermission)
	waitState(t, m, "absent", NotPresent)
	m.Close()
	for _, s := range m.Status() {
		if s.Key == "" {
			t.Errorf("%s without message key", s.Name)
		}
	}

	unsupported := newFakeBus()
	unsupported.supported = false
	m2 := New(unsupported, []DeviceConfig{{Name: "s", VID: 1, PID: 2, Interface: -1}}, make(chan device.InputEvent), fast)
	ctx, cancel := context.WithCancel(context.Background())
	go m2.Run(ctx)
	waitState(t, m2, "s", Unsupported)
	cancel()
}

// Close unblocks a reader that is waiting to hand over an event nobody takes.
func TestCloseUnblocksBlockedEmit(t *testing.T) {
	bus := newFakeBus()
	dev := bus.plug(Info{Path: "p", VID: 1, PID: 2})
	m := New(bus, []DeviceConfig{{Name: "s", VID: 1, PID: 2, Interface: -1, Role: device.RoleScanner}}, make(chan device.InputEvent), fast)
	go m.Run(context.Background())
	waitState(t, m, "s", Connected)
	send(dev, bootReports("4006381333931\r"))
	time.Sleep(50 * time.Millisecond)
	closed := make(chan struct{})
	go func() { m.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		t.Fatal("Close blocked")
	}
}
