package emu

import "time"

// Config describes the emulated register. Zero fields take the defaults
// noted; a negative duration or rate switches that cost off (tests that only
// care about state run at memory speed).
type Config struct {
	// Baud charges wire time for every byte in both directions: 10 bits per
	// byte (8N1). Default 115200; negative = no wire time.
	Baud int
	// CommandTime is the register's own processing of every command
	// before its reply is ready (parsing, checks, the FN exchange of a
	// command that is not a document). Default 3 ms, about what an FN-era
	// Shtrih answers a status request in; negative = none (the benchmark
	// measures the driver, not the register).
	CommandTime time.Duration
	// PrintSpeed is printed lines per second. Default 25 (a 57 mm thermal
	// head at about 100 mm/s); negative = printing takes no time.
	PrintSpeed int
	// FNWrite is how long the fiscal storage takes to sign and store one
	// document. Default 150 ms; negative = none.
	FNWrite time.Duration
	// ZTime is the extra time of a Z report (counters, FN shift close) on top
	// of printing. Default 1.5 s; negative = none. The SlowZ fault replaces it.
	ZTime time.Duration
	// ByteTimeout is the device's inter-byte timeout inside a frame; a frame
	// that stalls longer is NAKed. Default 100 ms (S112; S117 says 50).
	ByteTimeout time.Duration
	// AckTimeout is how long the device waits for the host's ACK after it
	// sent a reply before it keeps the reply for the next ENQ. Default 500 ms.
	AckTimeout time.Duration

	// Clock is the register's real-time clock: document times and the 24 h
	// shift limit follow it. Default time.Now.
	Clock func() time.Time

	// StartShiftOpen opens shift 1 at start (fresh fiscal memory only).
	StartShiftOpen bool
	// Serial is the FN serial (16 ASCII digits) reported by FF01h.
	// Default "9999078900001234".
	Serial string
	// KKTSerial is the register's own serial number (11h). Default 12345678.
	KKTSerial uint32
	// INN of the owner (11h, 12 digits at most). Default 7700000000.
	INN uint64
	// Status17 makes 10h answer with the 17-byte layout that carries the
	// last-print result (some models); default is the 16-byte layout.
	Status17 bool
	// Classic models firmware without FF45h/FF46h: they answer 37h, and the
	// host must use 80h/82h/85h (always available).
	Classic bool
	// ExtendedClose appends DATE_TIME to the FF45h and FF43h replies, as the
	// "extended reply" table setting does.
	ExtendedClose bool
	// Sign computes the fiscal sign of a document. Default: the first four
	// bytes of a SHA-256 over the serial and the document's fields, so signs
	// are deterministic and differ between documents.
	Sign func(Document) uint32
	// StatePath, when set, keeps the fiscal memory in this file: loaded at
	// start, rewritten after every command that changes it.
	StatePath string
	// StandardOnly models firmware without the alternative link level:
	// numbered packets (8Fh) are noise to it.
	StandardOnly bool
	// NameWidth is the size of table 2 field 2 (the operator's name) that
	// 2Eh reports and 1Eh accepts: 21 on old models, 64 on newer ones.
	// Default 64.
	NameWidth int
}

func (c Config) nameWidth() int {
	if c.NameWidth <= 0 {
		return 64
	}
	return c.NameWidth
}

const (
	defaultBaud        = 115200
	defaultCommandTime = 3 * time.Millisecond
	defaultPrintSpeed  = 25
	defaultFNWrite     = 150 * time.Millisecond
	defaultZTime       = 1500 * time.Millisecond
	defaultByteTimeout = 100 * time.Millisecond
	defaultAckTimeout  = 500 * time.Millisecond
	defaultSerial      = "9999078900001234"
	defaultKKTSerial   = 12345678
	defaultINN         = 7700000000
)

func (c Config) withDefaults() Config {
	if c.Baud == 0 {
		c.Baud = defaultBaud
	}
	if c.CommandTime == 0 {
		c.CommandTime = defaultCommandTime
	}
	if c.PrintSpeed == 0 {
		c.PrintSpeed = defaultPrintSpeed
	}
	if c.FNWrite == 0 {
		c.FNWrite = defaultFNWrite
	}
	if c.ZTime == 0 {
		c.ZTime = defaultZTime
	}
	if c.ByteTimeout <= 0 {
		c.ByteTimeout = defaultByteTimeout
	}
	if c.AckTimeout <= 0 {
		c.AckTimeout = defaultAckTimeout
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Serial == "" {
		c.Serial = defaultSerial
	}
	if c.KKTSerial == 0 {
		c.KKTSerial = defaultKKTSerial
	}
	if c.INN == 0 {
		c.INN = defaultINN
	}
	return c
}

// byteTime is the wire time of one byte: start bit, 8 data bits, stop bit.
func (c Config) byteTime() time.Duration {
	if c.Baud <= 0 {
		return 0
	}
	return time.Duration(10 * int64(time.Second) / int64(c.Baud))
}

func (c Config) lineTime(lines int) time.Duration {
	if c.PrintSpeed <= 0 || lines <= 0 {
		return 0
	}
	return time.Duration(int64(lines) * int64(time.Second) / int64(c.PrintSpeed))
}

func positive(d time.Duration) time.Duration { return max(d, 0) }
