package hidin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/scan/events"
)

// Protocol is how a device reports.
type Protocol string

const (
	Boot Protocol = "boot" // keyboard mode: 8-byte boot reports
	POS  Protocol = "pos"  // HID POS scanned-data reports (usage page 0x8C)
)

// DeviceConfig is one configured reader.
type DeviceConfig struct {
	Name      string
	VID, PID  uint16
	Interface int // -1: any interface of the device
	Role      device.Role
	Protocol  Protocol
	// BootOffset is 1 when the device prefixes boot reports with a report ID.
	BootOffset int
	// GSUsage is the key usage a scanner sends for GS (see scan.BootDecoder).
	GSUsage byte
	// Terminators end a read in keyboard mode; default Enter.
	Terminators []rune
	// Idle: a read that has started but stopped without its terminator (or
	// HID POS continuation) is reported incomplete after this long.
	// Default 300 ms: dedicated readers send a whole read within a few tens
	// of milliseconds.
	Idle time.Duration
	// Reader holds label layouts, the badge form and card framing; its
	// Source is set from Name and Role.
	Reader events.Config
}

// State is a device's connection state.
type State string

const (
	Connected    State = "connected"
	NoPermission State = "no permission"
	NotPresent   State = "not present"
	Unsupported  State = "unsupported build" // built without cgo: no HID access
	Failed       State = "error"
)

// Status of one configured device. Key is the message key the settings
// screen shows (area "input").
type Status struct {
	Name   string
	Role   device.Role
	State  State
	Key    string
	Detail string
	Since  time.Time
}

var stateKeys = map[State]string{
	Connected:    "input.device.connected",
	NoPermission: "input.device.no_permission",
	NotPresent:   "input.device.not_present",
	Unsupported:  "input.device.unsupported",
	Failed:       "input.device.error",
}

// Options tune the manager; zero values take defaults.
type Options struct {
	Poll        time.Duration    // hot-plug poll interval, default 1.5 s
	ReadTimeout time.Duration    // per read, default 100 ms: how fast a reader notices Close
	Now         func() time.Time // clock, for tests
	// OnStatus, if set, is called (from the manager's goroutines) whenever a
	// device's status changes.
	OnStatus func(Status)
}

// Manager owns the configured devices: it polls the bus, opens what is
// there, runs one reader per open device and publishes events on out.
type Manager struct {
	bus  Bus
	cfgs []DeviceConfig
	out  chan<- device.InputEvent
	opt  Options

	mu      sync.Mutex
	status  map[string]Status
	running map[string]bool // name -> reader goroutine alive
	stop    chan struct{}
	wg      sync.WaitGroup
	closed  bool
}

// New returns a manager. Events go to out; the manager blocks on a full
// channel rather than drop a read, so out should be drained continuously.
func New(bus Bus, cfgs []DeviceConfig, out chan<- device.InputEvent, opt Options) *Manager {
	if opt.Poll <= 0 {
		opt.Poll = 1500 * time.Millisecond
	}
	if opt.ReadTimeout <= 0 {
		opt.ReadTimeout = 100 * time.Millisecond
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	m := &Manager{bus: bus, out: out, opt: opt, status: map[string]Status{}, running: map[string]bool{}, stop: make(chan struct{})}
	for _, c := range cfgs {
		if c.Idle <= 0 {
			c.Idle = 300 * time.Millisecond
		}
		if len(c.Terminators) == 0 {
			c.Terminators = []rune{scan.Enter}
		}
		if c.Protocol == "" {
			c.Protocol = Boot
		}
		c.Reader.Source = device.Source{Name: c.Name, Role: c.Role}
		m.cfgs = append(m.cfgs, c)
		m.status[c.Name] = Status{Name: c.Name, Role: c.Role, State: NotPresent, Key: stateKeys[NotPresent]}
	}
	return m
}

// Status returns every configured device's status, by name.
func (m *Manager) Status() []Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Status, 0, len(m.status))
	for _, s := range m.status {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (m *Manager) setStatus(c DeviceConfig, st State, detail string) {
	m.mu.Lock()
	old := m.status[c.Name]
	changed := old.State != st || old.Detail != detail
	s := Status{Name: c.Name, Role: c.Role, State: st, Key: stateKeys[st], Detail: detail, Since: old.Since}
	if changed {
		s.Since = m.opt.Now()
	}
	m.status[c.Name] = s
	m.mu.Unlock()
	if changed && m.opt.OnStatus != nil {
		m.opt.OnStatus(s)
	}
}

// Run polls for devices until ctx is done or Close is called, then stops
// every reader (each closes its own device) and returns.
func (m *Manager) Run(ctx context.Context) error {
	defer m.Close()
	if !m.bus.Supported() {
		for _, c := range m.cfgs {
			m.setStatus(c, Unsupported, "this till was built without cgo; HID readers need it")
		}
		select {
		case <-ctx.Done():
		case <-m.stop:
		}
		return nil
	}
	t := time.NewTicker(m.opt.Poll)
	defer t.Stop()
	for {
		m.poll()
		select {
		case <-ctx.Done():
			return nil
		case <-m.stop:
			return nil
		case <-t.C:
		}
	}
}

// Close stops the readers and waits for them. Safe to call more than once.
func (m *Manager) Close() {
	m.mu.Lock()
	if !m.closed {
		m.closed = true
		close(m.stop)
	}
	m.mu.Unlock()
	m.wg.Wait()
}

func matches(c DeviceConfig, i Info) bool {
	return i.VID == c.VID && i.PID == c.PID && (c.Interface < 0 || i.Interface == c.Interface)
}

// poll opens configured devices that are present and not yet open.
func (m *Manager) poll() {
	infos, err := m.bus.Enumerate()
	if err != nil {
		for _, c := range m.cfgs {
			if !m.isRunning(c.Name) {
				m.setStatus(c, Failed, err.Error())
			}
		}
		return
	}
	for _, c := range m.cfgs {
		if m.isRunning(c.Name) {
			continue
		}
		var found *Info
		for i := range infos {
			if matches(c, infos[i]) {
				found = &infos[i]
				break
			}
		}
		if found == nil {
			m.setStatus(c, NotPresent, "")
			continue
		}
		conn, err := m.bus.Open(*found)
		switch {
		case errors.Is(err, ErrNoPermission):
			m.setStatus(c, NoPermission, err.Error())
			continue
		case err != nil:
			m.setStatus(c, Failed, err.Error())
			continue
		}
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			_ = conn.Close()
			return
		}
		m.running[c.Name] = true
		m.wg.Add(1)
		m.mu.Unlock()
		m.setStatus(c, Connected, found.Product)
		go m.read(c, conn)
	}
}

func (m *Manager) isRunning(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.running[name]
}

// read is the one goroutine that reads (and finally closes) a device.
func (m *Manager) read(c DeviceConfig, conn Conn) {
	defer m.wg.Done()
	p := newPipeline(c)
	gone := ""
	buf := make([]byte, 256)
	for {
		select {
		case <-m.stop:
			_ = conn.Close()
			m.finish(c, NotPresent, "")
			return
		default:
		}
		n, err := conn.ReadTimeout(buf, int(m.opt.ReadTimeout/time.Millisecond))
		now := m.opt.Now()
		if err != nil {
			// Unplugged or failed: report what was half read, close, and let
			// the next poll reopen it when it is back.
			if ev := p.idle(now, true); ev != nil {
				m.emit(ev)
			}
			gone = err.Error()
			_ = conn.Close()
			m.finish(c, NotPresent, "read: "+gone)
			return
		}
		var evs []device.InputEvent
		if n == 0 {
			if ev := p.idle(now, false); ev != nil {
				evs = append(evs, ev)
			}
		} else {
			evs = p.report(now, buf[:n])
		}
		for _, ev := range evs {
			if !m.emit(ev) {
				_ = conn.Close()
				m.finish(c, NotPresent, "")
				return
			}
		}
	}
}

func (m *Manager) finish(c DeviceConfig, st State, detail string) {
	m.mu.Lock()
	delete(m.running, c.Name)
	m.mu.Unlock()
	m.setStatus(c, st, detail)
}

// emit blocks until the event is taken or the manager stops: a read is
// never dropped because the consumer was slow.
func (m *Manager) emit(ev device.InputEvent) bool {
	select {
	case m.out <- ev:
		return true
	case <-m.stop:
		return false
	}
}

// pipeline turns one device's reports into events.
type pipeline struct {
	cfg  DeviceConfig
	boot scan.BootDecoder
	pos  scan.POSAssembler
	text []rune
	last time.Time
}

// maxText bounds a keyboard-mode read: far above any barcode or track set,
// so only a stuck or broken device reaches it.
const maxText = 4096

func newPipeline(c DeviceConfig) *pipeline {
	p := &pipeline{cfg: c}
	p.boot = scan.BootDecoder{Offset: c.BootOffset, GSUsage: c.GSUsage}
	p.pos = scan.POSAssembler{Layout: scan.LayoutFor(scan.VIDPID{VID: c.VID, PID: c.PID})}
	return p
}

func (p *pipeline) isTerm(r rune) bool {
	for _, t := range p.cfg.Terminators {
		if r == t {
			return true
		}
	}
	return false
}

// report handles one report and returns the events it completed.
func (p *pipeline) report(now time.Time, b []byte) []device.InputEvent {
	p.last = now
	if p.cfg.Protocol == POS {
		aim, data, done, err := p.pos.Feed(b)
		if err != nil {
			return []device.InputEvent{p.cfg.Reader.Error(now, err)}
		}
		if !done {
			return nil
		}
		return []device.InputEvent{p.cfg.Reader.FromText(now, aim, string(data))}
	}
	runes, err := p.boot.Feed(nil, b)
	if err != nil {
		return []device.InputEvent{p.cfg.Reader.Error(now, err)}
	}
	var evs []device.InputEvent
	for _, r := range runes {
		if p.isTerm(r) {
			if len(p.text) > 0 {
				evs = append(evs, p.cfg.Reader.FromText(now, "", string(p.text)))
			}
			p.text = p.text[:0]
			continue
		}
		p.text = append(p.text, r)
		if len(p.text) > maxText {
			p.text = p.text[:0]
			evs = append(evs, p.cfg.Reader.Error(now, &scan.Error{
				Key:      "input.report.malformed",
				Fallback: "The reader sent a damaged report", Detail: fmt.Sprintf("read over %d characters without terminator", maxText),
				Err: scan.ErrMalformedReport,
			}))
		}
	}
	return evs
}

// idle reports a read that stopped half way: after Idle without a report,
// or at once when the device went away (force).
func (p *pipeline) idle(now time.Time, force bool) device.InputEvent {
	if !force && now.Sub(p.last) < p.cfg.Idle {
		return nil
	}
	if p.cfg.Protocol == POS {
		if err := p.pos.Abandon(); err != nil {
			return p.cfg.Reader.Error(now, err)
		}
		return nil
	}
	if len(p.text) == 0 {
		return nil
	}
	n := len(p.text)
	p.text = p.text[:0]
	p.boot.Reset()
	return p.cfg.Reader.Incomplete(now, fmt.Sprintf("%d characters without terminator", n))
}
