package scan

// POSLayout says where things are in a HID POS (usage page 0x8C) scanned-data
// input report. Vendors differ, so layouts are kept per VID/PID (POSLayouts)
// and read from the device's report descriptor when a new model is added.
type POSLayout struct {
	ReportID byte // first byte of a scanned-data report
	LenAt    int  // index of the data length byte (counts data bytes after the AIM ID)
	AIMAt    int  // index of the 3-byte AIM ID ("]E0"); -1 if the model sends none
	DataAt   int  // index of the first data byte
	MoreAt   int  // index of the continuation flag byte; -1 if none
	MoreMask byte // bit in that byte that says another report follows
	DataMax  int  // data bytes one report can carry
}

// HoneywellPOS is the scanned-data report of Honeywell scanners in "HID POS"
// (USB HID bar code scanner) mode, 64 bytes: ID 0x02, length, AIM ID, 56 data
// bytes, two bytes of Honeywell code ID, and a flag whose bit 0 says more data
// follows in the next report. Recorded dumps in testdata.
var HoneywellPOS = POSLayout{ReportID: 0x02, LenAt: 1, AIMAt: 2, DataAt: 5, MoreAt: 63, MoreMask: 0x01, DataMax: 56}

// VIDPID identifies a USB device model.
type VIDPID struct{ VID, PID uint16 }

// POSLayouts is the table of known models. A model not listed uses
// HoneywellPOS, the most common layout; add a row (with a recorded dump in
// testdata and a test) for each model whose descriptor differs.
var POSLayouts = map[VIDPID]POSLayout{
	{0x0c2e, 0x0b61}: HoneywellPOS, // Honeywell Voyager 1250g/1450g, HID POS
	{0x0c2e, 0x0b6a}: HoneywellPOS, // Honeywell Voyager 1470g/1472g, HID POS
	{0x0c2e, 0x0b81}: HoneywellPOS, // Honeywell Xenon 1900/1950, HID POS
}

// LayoutFor returns the layout of a model, HoneywellPOS when unknown.
func LayoutFor(id VIDPID) POSLayout {
	if l, ok := POSLayouts[id]; ok {
		return l
	}
	return HoneywellPOS
}

// POSAssembler joins HID POS scanned-data reports into one read.
type POSAssembler struct {
	Layout POSLayout

	aim     string
	data    []byte
	pending bool
}

// MaxPOSData bounds one read: the largest GS1 DataMatrix carries about 2 KB.
// A scanner that keeps saying "more" past that is broken, not scanning.
const MaxPOSData = 4096

// Pending reports whether a read was started and is waiting for the reports
// that continue it.
func (a *POSAssembler) Pending() bool { return a.pending }

// Abandon drops a read that never finished (the device went quiet or was
// unplugged) and returns an error saying so, or nil when nothing was pending.
func (a *POSAssembler) Abandon() error {
	if !a.pending {
		return nil
	}
	n := len(a.data)
	a.reset()
	return newErr(ErrIncomplete, "input.scan.incomplete", "The scan was cut off. Scan again",
		nil, "HID POS read stopped after %d bytes", n)
}

func (a *POSAssembler) reset() { a.aim, a.data, a.pending = "", nil, false }

// Feed adds one report. done is true when a read is complete; aim and data
// are then the AIM ID ("" when the model sends none) and the data bytes.
// Reports with another report ID (status, attribute reports) are ignored.
func (a *POSAssembler) Feed(report []byte) (aim string, data []byte, done bool, err error) {
	l := a.Layout
	if len(report) == 0 || report[0] != l.ReportID {
		return "", nil, false, nil
	}
	need := l.DataAt + l.DataMax
	if l.MoreAt >= need {
		need = l.MoreAt + 1
	}
	if l.LenAt >= need {
		need = l.LenAt + 1
	}
	if l.AIMAt >= 0 && l.AIMAt+3 > need {
		need = l.AIMAt + 3
	}
	if len(report) < need {
		a.reset()
		return "", nil, false, newErr(ErrMalformedReport, "input.report.malformed", "The reader sent a damaged report",
			nil, "HID POS report of %d bytes, want at least %d", len(report), need)
	}
	n := int(report[l.LenAt])
	if n > l.DataMax {
		a.reset()
		return "", nil, false, newErr(ErrMalformedReport, "input.report.malformed", "The reader sent a damaged report",
			nil, "HID POS length %d exceeds %d", n, l.DataMax)
	}
	if !a.pending && l.AIMAt >= 0 {
		a.aim = string(report[l.AIMAt : l.AIMAt+3])
		if a.aim[0] != ']' {
			a.aim = ""
		}
	}
	a.pending = true
	a.data = append(a.data, report[l.DataAt:l.DataAt+n]...)
	if len(a.data) > MaxPOSData {
		a.reset()
		return "", nil, false, newErr(ErrMalformedReport, "input.report.malformed", "The reader sent a damaged report",
			nil, "HID POS read longer than %d bytes", MaxPOSData)
	}
	more := l.MoreAt >= 0 && report[l.MoreAt]&l.MoreMask != 0
	if more {
		return "", nil, false, nil
	}
	aim, data = a.aim, a.data
	a.reset()
	return aim, data, true, nil
}
