package scan

import "time"

// HalfBurst says what the detector does with a fast burst that stops without
// the terminator (the scanner's suffix was lost, or the scanner sends none).
type HalfBurst int

const (
	// HalfBurstReject reports the burst as an incomplete scan: nothing is
	// typed into the focused field and the cashier is asked to scan again.
	HalfBurstReject HalfBurst = iota
	// HalfBurstScan accepts it as a scan, for scanners configured without
	// a suffix.
	HalfBurstScan
	// HalfBurstType hands it to the focused field as typing.
	HalfBurstType
)

// BurstConfig tunes the keyboard-wedge detector. The defaults
// (DefaultBurstConfig) follow onScan.js and measurements of scanners (2-20
// ms per key) against people (80-300 ms).
type BurstConfig struct {
	AvgGap      time.Duration // a scan's average gap between keys is at most this
	MaxGap      time.Duration // and no single gap is longer than this (~3x AvgGap)
	MinLen      int           // characters, prefix and terminator excluded
	Prefix      string        // when set, a scan must start with it (it is removed)
	Terminators []rune        // any of these ends a scan (removed); default Enter
	HalfBurst   HalfBurst
	// MaxLen bounds what the detector holds back (keys, prefix included).
	// A fast burst that reaches it is no scan any reader sends (the longest
	// symbols, QR and DataMatrix, hold a few thousand characters): it is
	// reported once as TooLong and the rest of the burst, up to a pause or
	// a terminator, is dropped key by key, so memory stays flat whatever a
	// reader (or a device posing as a keyboard) sends. A slow run that
	// reaches it is typing and is released. Default DefaultMaxLen.
	MaxLen int
}

// DefaultMaxLen is the default BurstConfig.MaxLen.
const DefaultMaxLen = 8192

// DefaultBurstConfig: 30 ms average, 90 ms max gap, 6 characters, Enter.
func DefaultBurstConfig() BurstConfig {
	return BurstConfig{AvgGap: 30 * time.Millisecond, MaxGap: 90 * time.Millisecond, MinLen: 6, Terminators: []rune{Enter}, MaxLen: DefaultMaxLen}
}

// BurstKind tells what a BurstOutput is.
type BurstKind int

const (
	// Typed is a character a person typed: pass it to the focused field.
	Typed BurstKind = iota + 1
	// Scanned is a complete scan; Text has prefix and terminator removed.
	Scanned
	// Incomplete is a fast burst that ended without a terminator under
	// HalfBurstReject; Text is what arrived. Show a "scan again" message.
	Incomplete
	// TooLong is a fast burst that reached MaxLen; Text is empty (what
	// arrived is dropped, it may be anything). Show a read error once.
	TooLong
	// Dropped is one more key of a too-long burst: nothing to do but keep
	// count (Keys is 1).
	Dropped
)

// BurstOutput is one thing the detector decided.
type BurstOutput struct {
	Kind BurstKind
	Rune rune   // Typed
	Text string // Scanned, Incomplete
	// Keys is how many fed keys this output accounts for (prefix and
	// terminator included), so a caller that keeps per-key data (the rune
	// the OS typed) can stay in step.
	Keys int
}

type timedKey struct {
	at time.Time
	r  rune
}

// Detector splits keyboard-wedge keystrokes into human typing and scans by
// timing. Feed it every character with the time it arrived; it holds back a
// short run of keys until it can tell which they are, so a scan never types
// into a field. The caller must call Flush at Deadline (a timer) so that the
// last keys a person typed are not held back forever.
//
// Not safe for concurrent use: the window feeds it from the UI goroutine.
type Detector struct {
	cfg    BurstConfig
	prefix []rune
	buf    []timedKey
	// dropping: the rest of a too-long burst is being dropped; last is the
	// time of its latest key (a pause after it ends the burst).
	dropping bool
	last     time.Time
}

// NewDetector returns a detector; zero fields of cfg take the defaults.
func NewDetector(cfg BurstConfig) *Detector {
	def := DefaultBurstConfig()
	if cfg.AvgGap <= 0 {
		cfg.AvgGap = def.AvgGap
	}
	if cfg.MaxGap <= 0 {
		cfg.MaxGap = 3 * cfg.AvgGap
	}
	if cfg.MinLen <= 0 {
		cfg.MinLen = def.MinLen
	}
	if len(cfg.Terminators) == 0 {
		cfg.Terminators = def.Terminators
	}
	if cfg.MaxLen <= 0 {
		cfg.MaxLen = def.MaxLen
	}
	if p := len([]rune(cfg.Prefix)); cfg.MaxLen < p+cfg.MinLen+1 {
		cfg.MaxLen = p + cfg.MinLen + 1
	}
	return &Detector{cfg: cfg, prefix: []rune(cfg.Prefix)}
}

// Deadline is when Flush must be called if no key arrives before; ok is
// false when nothing is held back.
func (d *Detector) Deadline() (t time.Time, ok bool) {
	if len(d.buf) == 0 {
		return time.Time{}, false
	}
	return d.buf[len(d.buf)-1].at.Add(d.cfg.MaxGap), true
}

// Feed adds one character typed at time at and appends what can now be
// decided to out.
func (d *Detector) Feed(out []BurstOutput, at time.Time, r rune) []BurstOutput {
	if d.dropping {
		if at.Sub(d.last) <= d.cfg.MaxGap {
			d.last = at
			if d.isTerminator(r) {
				d.dropping = false
			}
			return append(out, BurstOutput{Kind: Dropped, Keys: 1})
		}
		d.dropping = false // a pause: this key starts afresh
	}
	if n := len(d.buf); n > 0 && at.Sub(d.buf[n-1].at) > d.cfg.MaxGap {
		// A pause: what was held back is finished, and it had no terminator.
		out = d.resolvePause(out)
	}
	if d.isTerminator(r) {
		out = d.splitLead(out, at)
		if len(d.buf) > 0 && d.fastEnough(at) && d.longEnough() && d.hasPrefix() {
			out = append(out, BurstOutput{Kind: Scanned, Text: d.text(len(d.prefix)), Keys: len(d.buf) + 1})
			d.buf = d.buf[:0]
			return out
		}
		out = d.typeAll(out)
		return append(out, BurstOutput{Kind: Typed, Rune: r, Keys: 1})
	}
	if len(d.buf) == 0 && len(d.prefix) > 0 && r != d.prefix[0] {
		// With a prefix configured, a key that cannot start a scan is typing
		// and need not wait.
		return append(out, BurstOutput{Kind: Typed, Rune: r, Keys: 1})
	}
	d.buf = append(d.buf, timedKey{at: at, r: r})
	if len(d.buf) >= d.cfg.MaxLen {
		if !d.fastEnough(time.Time{}) {
			// A person (or a held key's auto-repeat): typing.
			return d.typeAll(out)
		}
		out = append(out, BurstOutput{Kind: TooLong, Keys: len(d.buf)})
		d.buf = d.buf[:0]
		d.dropping, d.last = true, at
	}
	return out
}

// Flush decides what is held back once the deadline has passed (now is the
// current time); before the deadline it does nothing.
func (d *Detector) Flush(out []BurstOutput, now time.Time) []BurstOutput {
	if dl, ok := d.Deadline(); !ok || now.Before(dl) {
		return out
	}
	return d.resolvePause(out)
}

func (d *Detector) resolvePause(out []BurstOutput) []BurstOutput {
	if len(d.buf) == 0 {
		return out
	}
	out = d.splitLead(out, time.Time{})
	if !(d.fastEnough(time.Time{}) && d.longEnough() && d.hasPrefix()) {
		return d.typeAll(out)
	}
	switch d.cfg.HalfBurst {
	case HalfBurstScan:
		out = append(out, BurstOutput{Kind: Scanned, Text: d.text(len(d.prefix)), Keys: len(d.buf)})
	case HalfBurstType:
		return d.typeAll(out)
	default:
		out = append(out, BurstOutput{Kind: Incomplete, Text: d.text(0), Keys: len(d.buf)})
	}
	d.buf = d.buf[:0]
	return out
}

// fastEnough checks the gaps of the held-back keys, plus the gap to a
// terminator arriving at end (zero time: no terminator).
func (d *Detector) fastEnough(end time.Time) bool {
	times := make([]time.Time, 0, len(d.buf)+1)
	for _, k := range d.buf {
		times = append(times, k.at)
	}
	if !end.IsZero() {
		times = append(times, end)
	}
	if len(times) < 2 {
		return false
	}
	for i := 1; i < len(times); i++ {
		if times[i].Sub(times[i-1]) > d.cfg.MaxGap {
			return false
		}
	}
	avg := times[len(times)-1].Sub(times[0]) / time.Duration(len(times)-1)
	return avg <= d.cfg.AvgGap
}

// splitLead hands keys a person typed just before a scan to the field: a
// fast typist's last key can fall within MaxGap of the scan's first, but its
// gap is far above a scanner's. Leading keys followed by a gap over twice
// AvgGap are typing when what follows them would be a scan on its own.
func (d *Detector) splitLead(out []BurstOutput, end time.Time) []BurstOutput {
	for len(d.buf) > 1 && d.buf[1].at.Sub(d.buf[0].at) > 2*d.cfg.AvgGap {
		rest := &Detector{cfg: d.cfg, prefix: d.prefix, buf: d.buf[1:]}
		if !(rest.fastEnough(end) && rest.longEnough() && rest.hasPrefix()) {
			break
		}
		out = append(out, BurstOutput{Kind: Typed, Rune: d.buf[0].r, Keys: 1})
		d.buf = append(d.buf[:0], d.buf[1:]...)
	}
	return out
}

func (d *Detector) longEnough() bool { return len(d.buf)-len(d.prefix) >= d.cfg.MinLen }

func (d *Detector) hasPrefix() bool {
	p := d.prefix
	if len(d.buf) < len(p) {
		return false
	}
	for i := range p {
		if d.buf[i].r != p[i] {
			return false
		}
	}
	return true
}

func (d *Detector) isTerminator(r rune) bool {
	for _, t := range d.cfg.Terminators {
		if r == t {
			return true
		}
	}
	return false
}

// text is the held-back keys from index from on.
func (d *Detector) text(from int) string {
	rs := make([]rune, 0, len(d.buf))
	for _, k := range d.buf[from:] {
		rs = append(rs, k.r)
	}
	return string(rs)
}

func (d *Detector) typeAll(out []BurstOutput) []BurstOutput {
	for _, k := range d.buf {
		out = append(out, BurstOutput{Kind: Typed, Rune: k.r, Keys: 1})
	}
	d.buf = d.buf[:0]
	return out
}
