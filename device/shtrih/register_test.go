package shtrih

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/link"
	"github.com/tillpos/till/device/shtrih/proto"
)

// fakeDevice is a register reduced to a handler per command: enough to
// check which commands the Register sends in which order and how it reacts
// to each answer. Link behaviour is tested in package link, the real
// behaviour against the emulator.
type fakeDevice struct {
	t      *testing.T
	handle func(cmd proto.Command, data []byte) (code byte, reply []byte)
	in     []byte
	held   []byte
	log    []string
	bodies [][]byte
	// lose names commands whose reply is lost: ACKed, executed, then
	// the device is idle with nothing held.
	lose map[string]bool
}

func (d *fakeDevice) Write(b []byte) (int, error) {
	switch b[0] {
	case proto.ENQ:
		if d.held != nil {
			d.in = append(append(d.in, proto.ACK), d.held...)
		} else {
			d.in = append(d.in, proto.NAK)
		}
	case proto.ACK:
		d.held = nil
	case proto.NAK:
	case proto.STX:
		body, err := proto.DecodeFrame(b)
		if err != nil {
			d.in = append(d.in, proto.NAK)
			return len(b), nil
		}
		cmd, data, _ := proto.SplitCommand(body)
		d.log = append(d.log, cmd.String())
		d.bodies = append(d.bodies, append([]byte(nil), body...))
		code, reply := d.handle(cmd, data)
		if d.lose[cmd.String()] {
			d.in = append(d.in, proto.ACK)
			return len(b), nil
		}
		rb := cmd.Append(nil)
		rb = append(rb, code)
		if code == 0 {
			rb = append(rb, reply...)
		}
		f, _ := proto.AppendFrame(nil, rb)
		d.held = f
		d.in = append(append(d.in, proto.ACK), f...)
	}
	return len(b), nil
}

func (d *fakeDevice) Read(b []byte) (int, error) {
	if len(d.in) == 0 {
		time.Sleep(time.Millisecond)
		return 0, nil
	}
	n := copy(b, d.in)
	d.in = d.in[n:]
	return n, nil
}

func (d *fakeDevice) SetReadTimeout(time.Duration) error { return nil }
func (d *fakeDevice) ResetInputBuffer() error            { return nil }
func (d *fakeDevice) Close() error                       { return nil }

// fnState is the little fiscal state the fake answers from.
type fnState struct {
	mode, submode byte
	lastFD        uint32
	curDoc        byte
	docs          map[uint32][]byte // FF0Ah data
	codes         map[string]byte   // command -> ERR to answer (once)
	sticky        map[string]byte   // command -> ERR always
}

func newState() *fnState {
	return &fnState{mode: 2, lastFD: 100, docs: map[uint32][]byte{}, codes: map[string]byte{}, sticky: map[string]byte{}}
}

func fnStatusData(lastFD uint32, cur byte) []byte {
	d := []byte{3, cur, 0, 1, 0, 25, 11, 25, 13, 0}
	d = append(d, "9287440301120991"...)
	return proto.PutUint(d, uint64(lastFD), 4)
}

func receiptDoc(fd, sign uint32, op byte, amount int64) []byte {
	d := []byte{3, 0, 25, 11, 25, 13, 1}
	d = proto.PutUint(d, uint64(fd), 4)
	d = proto.PutUint(d, uint64(sign), 4)
	d = append(d, op)
	return proto.PutUint(d, uint64(amount), 5)
}

func (s *fnState) handler(cmd proto.Command, data []byte) (byte, []byte) {
	name := cmd.String()
	if c, ok := s.codes[name]; ok {
		delete(s.codes, name)
		return c, nil
	}
	if c, ok := s.sticky[name]; ok {
		return c, nil
	}
	switch cmd {
	case proto.CmdShortStatus:
		return 0, []byte{30, 0x92, 0x02, s.mode, s.submode, 0, 0x9F, 0xE5, 0, 0, 0, 0, 0, 0}
	case proto.CmdFNStatus:
		return 0, fnStatusData(s.lastFD, s.curDoc)
	case proto.CmdFNFindDoc:
		fd := uint32(u(data, 4, 4))
		if d, ok := s.docs[fd]; ok {
			return 0, d
		}
		return 0x08, nil
	case proto.CmdOpenReceipt:
		s.mode, s.curDoc = 8, FNDocReceipt
		return 0, []byte{30}
	case proto.CmdCancelReceipt:
		if s.mode != 8 {
			return 0x55, nil
		}
		s.mode, s.curDoc = 2, 0
		return 0, []byte{30}
	case proto.CmdCloseV2:
		s.lastFD++
		s.mode, s.curDoc = 2, 0
		sum := int64(u(data, 4, 5)) + int64(u(data, 9, 5))
		s.docs[s.lastFD] = receiptDoc(s.lastFD, 0xABCD0000+s.lastFD, 1, sum)
		r := proto.PutUint(nil, 0, 5)
		r = proto.PutUint(r, uint64(s.lastFD), 4)
		return 0, proto.PutUint(r, uint64(0xABCD0000+s.lastFD), 4)
	case proto.CmdCloseReceipt:
		s.lastFD++
		s.mode, s.curDoc = 2, 0
		s.docs[s.lastFD] = receiptDoc(s.lastFD, 0xC1A55000+s.lastFD, 1, 0)
		return 0, append([]byte{30}, proto.PutUint(nil, 250, 5)...)
	case proto.CmdFNBeginOpen:
		s.curDoc = FNDocShiftOpen
		return 0, nil
	case proto.CmdOpenShift:
		s.mode, s.curDoc = 2, 0
		s.lastFD++
		s.docs[s.lastFD] = append(append([]byte{2, 0, 25, 11, 25, 8, 0}, proto.PutUint(proto.PutUint(nil, uint64(s.lastFD), 4), 0x5111F7, 4)...), 8, 0)
		return 0, []byte{30}
	case proto.CmdFNBeginClose:
		s.curDoc = FNDocShiftClose
		return 0, nil
	case proto.CmdZReport:
		s.mode, s.curDoc = 4, 0
		s.lastFD++
		s.docs[s.lastFD] = append(append([]byte{5, 0, 25, 11, 25, 22, 0}, proto.PutUint(proto.PutUint(nil, uint64(s.lastFD), 4), 0x2222, 4)...), 7, 0)
		return 0, []byte{30}
	case proto.CmdFNShiftParams:
		return 0, []byte{1, 8, 0, 3, 0}
	case proto.CmdFNCancelDoc:
		s.curDoc = 0
		return 0, nil
	case proto.CmdErrorText:
		return 0, []byte("\xCE\xF8\xE8\xE1\xEA\xE0") // "Ошибка" in cp1251
	case proto.CmdOperationV2, proto.CmdFNWriteTLV:
		return 0, nil
	case proto.CmdCashIn, proto.CmdCashOut:
		return 0, []byte{30, 17, 0}
	case proto.CmdFullStatus:
		d := make([]byte, 46)
		d[0], d[1], d[2] = 30, 'C', '1'
		d[9] = 16 // document counter: the cash move will be 17
		d[13], d[14] = s.mode, s.submode
		return 0, d
	}
	return 0, []byte{30}
}

var fastLink = link.Config{ByteTimeout: 20 * time.Millisecond, CtlTimeout: 20 * time.Millisecond, ProbeEvery: 20 * time.Millisecond}

func newFake(t *testing.T, s *fnState) (*Register, *fakeDevice) {
	d := &fakeDevice{t: t, handle: s.handler}
	return New(d, Config{Link: fastLink, PollEvery: time.Millisecond}), d
}

var ivanov = device.Cashier{Name: "Иванов И.И.", INN: "7766888321"}

func twoLines() device.Receipt {
	return device.Receipt{
		Kind:    device.Sale,
		Cashier: ivanov,
		Lines: []device.ReceiptLine{
			{Name: "Хлеб", QtyMilli: 1000, Price: 4590, Amount: 4590, Tax: device.Tax10},
			{Name: "Сыр", QtyMilli: 350, Price: 89900, Amount: 31465, Tax: device.Tax20, Dept: 2},
		},
		Payments: []device.Payment{{Kind: device.PayCash, Amount: 30000}, {Kind: device.PayElectronic, Amount: 6055}},
	}
}

func TestFiscaliseSequence(t *testing.T) {
	s := newState()
	r, d := newFake(t, s)
	res, err := r.Fiscalise(context.Background(), twoLines())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10h", "FF01h", "8Dh", "FF0Ch", "FF0Ch", "FF46h", "FF46h", "FF45h", "FF0Ah"}
	if diff := cmp.Diff(want, d.log); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	if res.Number != 101 || res.Sign != 0xABCD0000+101 || res.Time.IsZero() {
		t.Errorf("result = %+v", res)
	}
	// Line 2: 0.350 × 899.00 = 314.65, 20 % bit, dept 2, full payment, goods.
	line2 := d.bodies[6]
	wantLine2, _ := OperationV2(30, Operation{
		Type: OpSale, QtyMicro: 350000, Price: 89900, Amount: 31465,
		TaxAmount: NotGiven, Tax: TaxBit20, Dept: 2, Method: 4, Subject: 1, Name: "Сыр",
	})
	if diff := cmp.Diff(wantLine2, line2); diff != "" {
		t.Errorf("FF46h line 2 (-want +got):\n%s", diff)
	}
	closeBody := d.bodies[7]
	if cash, card := u(closeBody, 6, 5), u(closeBody, 11, 5); cash != 30000 || card != 6055 {
		t.Errorf("FF45h payments cash %d card %d", cash, card)
	}
}

func TestFiscaliseClassicFallback(t *testing.T) {
	s := newState()
	s.sticky["FF46h"] = 0x37
	s.sticky["FF45h"] = 0x37
	r, d := newFake(t, s)
	rc := twoLines()
	rc.Cashier.INN = ""
	res, err := r.Fiscalise(context.Background(), rc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10h", "FF01h", "8Dh", "FF0Ch", "FF46h", "80h", "80h", "85h", "FF01h", "FF0Ah"}
	if diff := cmp.Diff(want, d.log); diff != "" {
		t.Errorf("commands (-want +got):\n%s", diff)
	}
	if res.Number != 101 || res.Sign != 0xC1A55000+101 || res.Change != 250 {
		t.Errorf("result = %+v", res)
	}
	// The second receipt goes classic from the start.
	d.log = nil
	if _, err := r.Fiscalise(context.Background(), rc); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(d.log, " "), "FF46h") {
		t.Errorf("second receipt tried FF46h again: %v", d.log)
	}
}

func TestFiscaliseDefiniteErrorCancels(t *testing.T) {
	s := newState()
	r, d := newFake(t, s)
	calls := 0
	d.handle = func(cmd proto.Command, data []byte) (byte, []byte) {
		if cmd == proto.CmdOperationV2 {
			calls++
			if calls == 2 {
				return 0x6B, nil
			}
		}
		return s.handler(cmd, data)
	}
	_, err := r.Fiscalise(context.Background(), twoLines())
	if !errors.Is(err, device.ErrPaperOut) || errors.Is(err, device.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want paper out and a known outcome", err)
	}
	if got := d.log[len(d.log)-1]; got != "88h" {
		t.Errorf("last command %s, want 88h cancel: %v", got, d.log)
	}
	if s.mode != 2 || s.lastFD != 100 {
		t.Errorf("mode %d lastFD %d: receipt not cancelled cleanly", s.mode, s.lastFD)
	}
}

func TestFiscaliseRefusedCloseThatReachedFN(t *testing.T) {
	s := newState()
	r, d := newFake(t, s)
	d.handle = func(cmd proto.Command, data []byte) (byte, []byte) {
		if cmd == proto.CmdCloseV2 {
			s.handler(cmd, data) // the FN took it, then the printer failed
			return 0x6B, nil
		}
		return s.handler(cmd, data)
	}
	res, err := r.Fiscalise(context.Background(), twoLines())
	if err != nil {
		t.Fatalf("err = %v: the receipt is in the FN", err)
	}
	if res.Number != 101 || res.Change != 0 {
		t.Errorf("result = %+v", res)
	}
	if strings.Contains(strings.Join(d.log, " "), "88h") {
		t.Errorf("cancelled a fiscalised receipt: %v", d.log)
	}
}

func TestFiscaliseContinuePrint(t *testing.T) {
	s := newState()
	s.codes["8Dh"] = 0x58
	r, d := newFake(t, s)
	if _, err := r.Fiscalise(context.Background(), twoLines()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.log[:5], " "); got != "10h FF01h 8Dh B0h 8Dh" {
		t.Errorf("commands %s, want B0h then the refused 8Dh again", got)
	}
}

func TestFiscaliseStates(t *testing.T) {
	for _, tc := range []struct {
		name          string
		mode, submode byte
		curDoc        byte
		want          error
		sent          string
	}{
		{"passive paper out", 2, 1, 0, device.ErrPaperOut, "10h"},
		{"active paper out", 2, 2, 0, device.ErrPaperOut, "10h"},
		{"receipt open", 8, 0, 4, ErrReceiptOpen, "10h"},
		{"shift over 24h", 3, 0, 0, device.ErrShiftOver24h, "10h"},
		{"shift closed", 4, 0, 0, device.ErrShiftClosed, "10h"},
		{"FN document lost by the register", 2, 0, 4, ErrReceiptOpen, "10h FF01h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newState()
			s.mode, s.submode, s.curDoc = tc.mode, tc.submode, tc.curDoc
			r, d := newFake(t, s)
			_, err := r.Fiscalise(context.Background(), twoLines())
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := strings.Join(d.log, " "); got != tc.sent {
				t.Errorf("sent %s, want %s", got, tc.sent)
			}
		})
	}
}

func TestFiscaliseAfterPaperLoaded(t *testing.T) {
	s := newState()
	s.submode = 3
	r, d := newFake(t, s)
	d.handle = func(cmd proto.Command, data []byte) (byte, []byte) {
		if cmd == proto.CmdContinuePrint {
			s.submode = 0
		}
		return s.handler(cmd, data)
	}
	if _, err := r.Fiscalise(context.Background(), twoLines()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.log[:3], " "); got != "10h B0h 10h" {
		t.Errorf("start %s, want 10h B0h 10h", got)
	}
}

func TestCheckReceipt(t *testing.T) {
	r := New(&fakeDevice{}, Config{})
	base := twoLines
	for _, tc := range []struct {
		name string
		edit func(*device.Receipt)
		want error
	}{
		{"ok", func(*device.Receipt) {}, nil},
		{"one kopeck off is the register's rounding", func(rc *device.Receipt) { rc.Lines[1].Amount = 31466; rc.Payments[1].Amount++ }, nil},
		{"amount disagrees", func(rc *device.Receipt) { rc.Lines[1].Amount = 31000 }, &ReceiptError{}},
		{"no lines", func(rc *device.Receipt) { rc.Lines = nil }, &ReceiptError{}},
		{"zero quantity", func(rc *device.Receipt) { rc.Lines[0].QtyMilli = 0 }, &ReceiptError{}},
		{"underpaid", func(rc *device.Receipt) { rc.Payments = rc.Payments[:1] }, &ReceiptError{}},
		{"card over total", func(rc *device.Receipt) { rc.Payments = []device.Payment{{Kind: 2, Amount: 50000}} }, &ReceiptError{}},
		{"5 % VAT has no bit", func(rc *device.Receipt) { rc.Lines[0].Tax = device.Tax5 }, ErrTaxUnsupported},
		{"bad INN", func(rc *device.Receipt) { rc.Cashier.INN = "123" }, ErrBadINN},
		{"marking", func(rc *device.Receipt) { rc.Lines[0].Marking = "010460" }, &ReceiptError{}},
		{"overflow", func(rc *device.Receipt) { rc.Lines[0].Price = 1 << 60 }, &ReceiptError{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := base()
			tc.edit(&rc)
			_, err := r.checkReceipt(rc)
			switch want := tc.want.(type) {
			case nil:
				if err != nil {
					t.Fatalf("err = %v", err)
				}
			case *ReceiptError:
				var re *ReceiptError
				if !errors.As(err, &re) {
					t.Fatalf("err = %v, want *ReceiptError", err)
				}
			default:
				if !errors.Is(err, want) {
					t.Fatalf("err = %v, want %v", err, want)
				}
			}
		})
	}
}

func TestOpenShiftSequence(t *testing.T) {
	s := newState()
	s.mode = 4
	r, d := newFake(t, s)
	res, err := r.OpenShift(context.Background(), ivanov)
	if err != nil {
		t.Fatal(err)
	}
	want := "10h FF01h FF41h FF0Ch FF0Ch E0h FF40h FF01h FF0Ah"
	if got := strings.Join(d.log, " "); got != want {
		t.Errorf("commands %s\nwant     %s", got, want)
	}
	if res != (device.ShiftResult{Shift: 8, Number: 101, Sign: 0x5111F7}) {
		t.Errorf("result = %+v", res)
	}
	if _, err := r.OpenShift(context.Background(), ivanov); !errors.Is(err, ErrShiftOpen) {
		t.Errorf("second open: %v, want ErrShiftOpen", err)
	}
}

func TestOpenShiftCancelsStaleDocument(t *testing.T) {
	s := newState()
	s.mode, s.curDoc = 4, FNDocShiftOpen
	r, d := newFake(t, s)
	if _, err := r.OpenShift(context.Background(), device.Cashier{Name: "Петров"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.log[:4], " "); got != "10h FF01h FF08h FF41h" {
		t.Errorf("start %s", got)
	}
}

func TestOpenShiftInTable(t *testing.T) {
	s := newState()
	s.mode = 4
	d := &fakeDevice{t: t, handle: s.handler}
	r := New(d, Config{Link: fastLink, CashierInTable: true, Operator: 3, NameWidth: 21})
	if _, err := r.OpenShift(context.Background(), ivanov); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.log[:6], " "); got != "10h FF01h FF41h 1Eh FF0Ch E0h" {
		t.Errorf("commands %s", got)
	}
	if diff := cmp.Diff(WriteTableString(30, 2, 3, 2, ivanov.Name, 21), d.bodies[3]); diff != "" {
		t.Errorf("1Eh (-want +got):\n%s", diff)
	}
}

func TestZReport(t *testing.T) {
	s := newState()
	r, d := newFake(t, s)
	var stages []string
	res, err := r.ZReport(context.Background(), ivanov, func(p device.Progress) { stages = append(stages, fmt.Sprint(p.Stage, p.Percent)) })
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.log, " "); got != "10h FF42h FF0Ch FF0Ch 41h FF40h FF01h FF0Ah" {
		t.Errorf("commands %s", got)
	}
	if res.Number != 101 || res.Sign != 0x2222 {
		t.Errorf("result %+v", res)
	}
	if len(stages) < 2 || stages[0] != "register.progress.z_start0" || stages[len(stages)-1] != "register.progress.z_done100" {
		t.Errorf("progress %v", stages)
	}
	if _, err := r.ZReport(context.Background(), ivanov, nil); !errors.Is(err, device.ErrShiftClosed) {
		t.Errorf("Z on a closed shift: %v", err)
	}
}

func TestCancelReceipt(t *testing.T) {
	s := newState()
	s.curDoc = FNDocReceipt // FN document the register lost (§6 step 3)
	r, d := newFake(t, s)
	if err := r.CancelReceipt(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.log, " "); got != "88h FF01h FF08h" {
		t.Errorf("commands %s", got)
	}
}

func TestUnknownCodeFetchesDeviceText(t *testing.T) {
	s := newState()
	s.codes["28h"] = 0xE7
	r, _ := newFake(t, s)
	err := r.OpenDrawer(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.Code != 0xE7 || e.Text != "Ошибка" {
		t.Fatalf("err = %v", err)
	}
	if m := MessageOf(err); m.String() != "Register error E7h: Ошибка" {
		t.Errorf("message %q", m.String())
	}
}

func TestBusyWaitsAndResends(t *testing.T) {
	s := newState()
	s.codes["50h"] = 0x50
	r, d := newFake(t, s)
	doc, err := r.CashIn(context.Background(), ivanov, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(d.log, " "); got != "10h 11h 50h 10h 50h" {
		t.Errorf("commands %s", got)
	}
	if doc != 17 {
		t.Errorf("doc %d, want 17", doc)
	}
}

func TestDrawerAdapter(t *testing.T) {
	s := newState()
	r, d := newFake(t, s)
	dr := Drawer{R: r}
	if err := dr.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	st, err := dr.Status(context.Background())
	if err != nil || st != device.DrawerClosed {
		t.Fatalf("status %v %v", st, err)
	}
	if d.log[0] != "28h" {
		t.Errorf("open sent %v", d.log)
	}
}

func TestParsePortSpec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		path string
		baud int
		ok   bool
	}{
		{"/dev/ttyUSB0@115200", "/dev/ttyUSB0", 115200, true},
		{"/dev/ttyACM0", "/dev/ttyACM0", 0, true},
		{"/dev/pts/3@x", "", 0, false},
		{"@9600", "", 0, false},
		{"/dev/ttyS0@-1", "", 0, false},
	} {
		p, b, err := ParsePortSpec(tc.in)
		if (err == nil) != tc.ok || p != tc.path || b != tc.baud {
			t.Errorf("ParsePortSpec(%q) = %q, %d, %v", tc.in, p, b, err)
		}
	}
}

func TestQueryFailureIsNoLinkNotUnknown(t *testing.T) {
	s := newState()
	r, d := newFake(t, s)
	d.lose = map[string]bool{"FF01h": true}
	_, err := r.Fiscalise(context.Background(), twoLines())
	if !errors.Is(err, device.ErrNoLink) || errors.Is(err, device.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want no link and no unknown outcome: only queries were sent", err)
	}
	if got := strings.Join(d.log, " "); got != "10h FF01h FF01h" {
		t.Errorf("commands %s: the query is repeated once, nothing else sent", got)
	}
}

func TestLostReplyOfStateChangeIsUnknown(t *testing.T) {
	s := newState()
	r, d := newFake(t, s)
	d.lose = map[string]bool{"FF45h": true}
	_, err := r.Fiscalise(context.Background(), twoLines())
	if !errors.Is(err, device.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want outcome unknown", err)
	}
	if last := d.log[len(d.log)-1]; last != "FF45h" {
		t.Errorf("after a lost close the driver sent %s; it must touch nothing", last)
	}
	if s.lastFD != 101 {
		t.Fatalf("fake did not fiscalise")
	}
	res, done, err := r.Recover(context.Background(), 100, device.Sale, 36055)
	if err != nil || !done || res.Number != 101 {
		t.Fatalf("Recover = %+v, %v, %v; want FD 101 found", res, done, err)
	}
}
