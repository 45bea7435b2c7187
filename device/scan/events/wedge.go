package events

import (
	"fmt"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
)

// KeyPress is one key as the window saw it, in plain values so this package
// needs no Fyne. The window's adapter fills it from desktop KeyDown
// (Name = string(ev.Name), ScanCode = ev.Physical.ScanCode, modifiers) and
// the rune Fyne typed for the same key (TypedRune, 0 if none): the physical
// key decides what a scanner meant, the typed rune is what a person meant.
type KeyPress struct {
	At       time.Time
	Name     string // fyne.KeyName
	ScanCode int    // fyne.HardwareKey.ScanCode; 0 = unknown
	Shift    bool
	Ctrl     bool
	Typed    rune // what the OS layout typed (Cyrillic under ЙЦУКЕН), 0 = none
}

// WedgeConfig configures the window's keyboard wedge.
type WedgeConfig struct {
	Reader Config
	Burst  scan.BurstConfig
	// LinuxScanCodes: ScanCode is an XKB keycode (Linux, X11 or Wayland),
	// so letters and punctuation are decoded by physical position even under
	// a Russian or French layout. Off elsewhere: Fyne's key name is used.
	LinuxScanCodes bool
	// GSKey is a key name the scanners are set to send for GS (e.g. "F8").
	// Ctrl+] is always GS.
	GSKey string
}

type pendingKey struct {
	us    rune // US character of the physical key: what a scanner meant
	typed rune // what to type if it turns out a person pressed it
}

// Wedge splits the window's keystrokes into typing and input events.
// Call Key for each key, and Flush when the Deadline passes (a timer in the
// window); not safe for concurrent use (the UI goroutine owns it).
type Wedge struct {
	cfg     WedgeConfig
	det     *scan.Detector
	pending []pendingKey
	out     []scan.BurstOutput
	one     [1]pendingKey // pop's result for one key, without an allocation
	base    []pendingKey  // pending's array from its start, reused once pending empties
}

// NewWedge returns a wedge with cfg; zero burst settings take the defaults.
func NewWedge(cfg WedgeConfig) *Wedge {
	if cfg.Reader.Source.Name == "" {
		cfg.Reader.Source = device.KeyboardSource
	}
	return &Wedge{cfg: cfg, det: scan.NewDetector(cfg.Burst)}
}

// Result is what the window must do after a key or a flush: type these
// runes into the focused field (in order), then handle these events.
type Result struct {
	Typed  []rune
	Events []device.InputEvent
	// Keys are, for each event, what a person would have typed with the
	// keys that made it (the terminator included): a window can give a
	// burst back to a field as typing where only a badge is meant as a
	// read (a login typed fast).
	Keys [][]rune
}

// Char returns the US character of a key by physical position; ok is false
// for keys with no character, which the window handles itself (arrows,
// function keys other than the GS key).
func (w *Wedge) Char(k KeyPress) (rune, bool) {
	if w.cfg.GSKey != "" && k.Name == w.cfg.GSKey {
		return scan.GS, true
	}
	var c rune
	ok := false
	if w.cfg.LinuxScanCodes && k.ScanCode != 0 {
		c, ok = scan.LinuxKeycodeChar(k.ScanCode, k.Shift)
	}
	if !ok {
		c, ok = scan.KeyNameChar(k.Name, k.Shift)
	}
	if !ok {
		return 0, false
	}
	if k.Ctrl {
		if c == ']' || c == '}' {
			return scan.GS, true
		}
		// Other Ctrl shortcuts belong to the window (copy, paste ...).
		return 0, false
	}
	return c, true
}

// Key feeds one key. handled is false when the key has no character: the
// window should process it as usual.
func (w *Wedge) Key(k KeyPress) (res Result, handled bool) {
	us, ok := w.Char(k)
	if !ok {
		return Result{}, false
	}
	typed := k.Typed
	if typed == 0 {
		typed = us
	}
	if len(w.pending) == 0 {
		w.pending = w.base[:0] // reuse the array from its start
	}
	w.pending = append(w.pending, pendingKey{us: us, typed: typed})
	if len(w.pending) == 1 || cap(w.pending) > cap(w.base) {
		w.base = w.pending[:0]
	}
	w.out = w.det.Feed(w.out[:0], k.At, us)
	return w.drain(k.At), true
}

// Deadline is when Flush must be called if no key comes first.
func (w *Wedge) Deadline() (time.Time, bool) { return w.det.Deadline() }

// Flush decides the held-back keys once the deadline has passed.
func (w *Wedge) Flush(now time.Time) Result {
	w.out = w.det.Flush(w.out[:0], now)
	return w.drain(now)
}

// drain maps detector outputs back onto the pending keys: the detector
// emits every key exactly once (typed, or inside a scan with the prefix and
// terminator, or inside an incomplete burst), in order.
func (w *Wedge) drain(at time.Time) Result {
	var res Result
	for _, o := range w.out {
		keys := w.pop(o.Keys)
		switch o.Kind {
		case scan.Typed:
			res.Typed = append(res.Typed, keys[0].typed)
		case scan.Scanned:
			res.Events = append(res.Events, w.cfg.Reader.FromText(at, "", o.Text))
			res.Keys = append(res.Keys, typedOf(keys))
		case scan.Incomplete:
			res.Events = append(res.Events, w.cfg.Reader.Incomplete(at, "wedge burst ended without terminator"))
			res.Keys = append(res.Keys, typedOf(keys))
		case scan.TooLong:
			res.Events = append(res.Events, w.cfg.Reader.TooLong(at, fmt.Sprintf("wedge burst of over %d keys", o.Keys)))
			// Nothing of it goes back to a field as typing: no person
			// types thousands of keys at a scanner's pace.
			res.Keys = append(res.Keys, nil)
		case scan.Dropped:
		}
	}
	return res
}

// typedOf is what a person would have typed with these keys.
func typedOf(keys []pendingKey) []rune {
	out := make([]rune, 0, len(keys))
	for _, k := range keys {
		if k.typed != 0 {
			out = append(out, k.typed)
		}
	}
	return out
}

func (w *Wedge) pop(n int) []pendingKey {
	if n > len(w.pending) {
		// Cannot happen while the detector keeps its accounting; never
		// panic on the UI goroutine over it.
		n = len(w.pending)
	}
	var head []pendingKey
	if n > 0 {
		head = w.one[:0]
		if n > 1 {
			head = make([]pendingKey, n)
		}
		head = append(head[:0], w.pending[:n]...)
	}
	// pending never holds more than the detector does (bounded by
	// BurstConfig.MaxLen).
	w.pending = w.pending[n:]
	if len(head) == 0 {
		head = append(w.one[:0], pendingKey{})
	}
	return head
}
