package emu

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device/shtrih/proto"
)

// Requests used across the fault tests.
func saleLine(price uint64) []byte {
	b := proto.CmdOperationV2.Append(nil)
	b = proto.PutUint(b, 30, 4)
	b = append(b, OpSale)
	b = proto.PutUint(b, 1000000, 6)
	b = proto.PutUint(b, price, 5)
	b = proto.PutUint(b, proto.MaxUint(5), 5)
	b = proto.PutUint(b, proto.MaxUint(5), 5)
	b = append(b, 0x08, 1, 4, 1)
	return append(b, encode1251("Хлеб")...)
}

func closeCash(cash uint64) []byte {
	b := proto.CmdCloseV2.Append(nil)
	b = proto.PutUint(b, 30, 4)
	b = proto.PutUint(b, cash, 5)
	b = append(b, make([]byte, 15*5+1+6*5)...)
	return append(b, 0x01)
}

func status(t *testing.T, h *host) (flags uint16, mode, submode byte) {
	t.Helper()
	d := h.ok(statusReq)
	f, _ := proto.Uint(d[1:], 2)
	return uint16(f), d[3], d[4]
}

func TestFaultPaperOutNow(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	e.Inject(Fault{Kind: PaperOut})
	flags, mode, sub := status(t, h)
	if flags&0x82 != 0 || mode != 2 || sub != 1 {
		t.Fatalf("flags %04X mode %d submode %d, want no paper bits, 2, 1", flags, mode, sub)
	}
	if c := h.code(append(pwdBody(proto.CmdOpenReceipt, 30), 0)); c != errNoPaper {
		t.Fatalf("8Dh with no paper: %02X, want 6B", c)
	}
	if m, _, _, _ := e.State(); m != 2 {
		t.Fatalf("refused receipt opened anyway: mode %d", m)
	}
	e.Clear(PaperOut)
	if _, _, sub := status(t, h); sub != 0 {
		t.Fatalf("submode %d after loading paper, want 0", sub)
	}
	h.ok(append(pwdBody(proto.CmdOpenReceipt, 30), 0))
}

// The roll ends while FF45h prints: the receipt is in fiscal memory though
// the reply says 6Bh; submode 2, then 3 once paper is in, then B0h.
func TestFaultPaperOutMidReceipt(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	e.Inject(Fault{Kind: PaperOut, AfterLines: 7}) // 4 header + 2 line, then the close runs out
	h.ok(append(pwdBody(proto.CmdOpenReceipt, 30), 0))
	h.ok(saleLine(5000))
	if c := h.code(closeCash(5000)); c != errNoPaper {
		t.Fatalf("FF45h as the roll ends: %02X, want 6B", c)
	}
	docs := e.Documents()
	if last := docs[len(docs)-1]; last.Type != DocReceipt || last.Amount != 5000 {
		t.Fatalf("receipt not in fiscal memory: %+v", last)
	}
	d := h.ok(pwdBody(proto.CmdFNStatus, 30))
	if fd, _ := proto.Uint(d[26:], 4); fd != 2 || d[1] != 0 {
		t.Fatalf("FF01h last FD %d current doc %02X, want 2 and 00", fd, d[1])
	}
	if _, mode, sub := status(t, h); mode != 2 || sub != 2 {
		t.Fatalf("mode %d submode %d, want 2 and 2", mode, sub)
	}
	line := append(pwdBody(proto.CmdPrintLine, 30), 2, 'x')
	if c := h.code(line); c != errNoPaper {
		t.Fatalf("17h in submode 2: %02X, want 6B", c)
	}
	if c := h.code(pwdBody(proto.CmdContinuePrint, 30)); c != errNoPaper {
		t.Fatalf("B0h without paper: %02X, want 6B", c)
	}
	e.Clear(PaperOut)
	if _, _, sub := status(t, h); sub != 3 {
		t.Fatalf("submode %d after paper loaded, want 3", sub)
	}
	if c := h.code(line); c != errWaitB0 {
		t.Fatalf("17h in submode 3: %02X, want 58", c)
	}
	h.ok(pwdBody(proto.CmdContinuePrint, 30))
	if _, _, sub := status(t, h); sub != 0 {
		t.Fatalf("submode %d after B0h, want 0", sub)
	}
	h.ok(line)
}

// A line command that runs the roll out is refused and not recorded.
func TestFaultPaperOutOnLine(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	h.ok(append(pwdBody(proto.CmdOpenReceipt, 30), 0))
	e.Inject(Fault{Kind: PaperOut, AfterLines: 1})
	if c := h.code(saleLine(100)); c != errNoPaper {
		t.Fatalf("FF46h as the roll ends: %02X", c)
	}
	e.mu.Lock()
	n := len(e.mem.Receipt.Lines)
	e.mu.Unlock()
	if n != 0 {
		t.Fatalf("refused line recorded")
	}
}

func TestFaultCoverOpen(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	e.Inject(Fault{Kind: CoverOpen})
	if flags, _, _ := status(t, h); flags&(1<<10) == 0 {
		t.Fatalf("flags %04X: b10 cover open not set", flags)
	}
	if c := h.code(pwdBody(proto.CmdOpenShift, 30)); c != errPrinter {
		t.Fatalf("E0h with cover open: %02X, want 77", c)
	}
	h.ok(pwdBody(proto.CmdFNStatus, 30)) // non-print commands still work
	e.Clear(CoverOpen)
	h.ok(pwdBody(proto.CmdOpenShift, 30))
}

func TestFaultSilence(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	e.Inject(Fault{Kind: Silence})
	h.write(proto.ENQ)
	h.write(frameOf(t, pwdBody(proto.CmdOpenShift, 30))...)
	h.silent(200 * time.Millisecond)
	if m, _, _, _ := e.State(); m != 4 {
		t.Fatal("a silent device executed a command")
	}
	e.Clear(Silence)
	h.write(proto.ENQ)
	h.ctl(proto.NAK)
}

func TestFaultNAK(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	e.Inject(Fault{Kind: NAK, Count: 2})
	f := frameOf(t, pwdBody(proto.CmdOpenShift, 30))
	for range 2 {
		h.write(f...)
		h.ctl(proto.NAK)
	}
	h.write(f...)
	h.ctl(proto.ACK)
	h.readFrame(time.Second)
	h.write(proto.ACK)
	if _, _, shift, fd := e.State(); shift != 1 || fd != 1 {
		t.Fatalf("shift %d FD %d: want exactly one execution", shift, fd)
	}
}

func TestFaultCorruptReply(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	e.Inject(Fault{Kind: CorruptReply})
	h.send(statusReq)
	bad := h.readFrame(time.Second)
	if _, err := proto.DecodeFrame(bad); err == nil {
		t.Fatalf("reply % X not corrupted", bad)
	}
	h.write(proto.NAK)
	h.write(proto.ENQ)
	h.ctl(proto.ACK)
	good := h.readFrame(time.Second)
	if _, err := proto.DecodeFrame(good); err != nil {
		t.Fatalf("re-sent reply % X: %v", good, err)
	}
	h.write(proto.ACK)
}

// The cable goes after FF45h ran: the receipt is fiscalised, the reply is
// held; once the line is back, ENQ collects it.
func TestFaultDisconnectAfterClose(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	h.ok(saleLine(12345))
	e.Inject(Fault{Kind: Disconnect, After: proto.CmdCloseV2})
	h.send(closeCash(20000))
	h.silent(200 * time.Millisecond)
	h.write(proto.ENQ)
	h.silent(100 * time.Millisecond)
	docs := e.Documents()
	if last := docs[len(docs)-1]; last.Type != DocReceipt || last.Amount != 12345 || last.Change != 20000-12345 {
		t.Fatalf("receipt not in fiscal memory: %+v", last)
	}
	e.Clear(Disconnect)
	// The till restarts: a new connection asks first.
	h2 := newHost(t, e)
	h.p.Close()
	h2.write(proto.ENQ)
	h2.ctl(proto.ACK)
	f := h2.readFrame(time.Second)
	h2.write(proto.ACK)
	body, err := proto.DecodeFrame(f)
	if err != nil || body[2] != 0 {
		t.Fatalf("held reply % X: %v", f, err)
	}
	fd, _ := proto.Uint(body[8:], 4)
	if got := uint32(fd); got != docs[len(docs)-1].Number {
		t.Fatalf("held reply FD %d, want %d", got, docs[len(docs)-1].Number)
	}
	h2.write(proto.ENQ)
	h2.ctl(proto.NAK)
}

func TestFaultShift24h(t *testing.T) {
	clock := newClock()
	e := New(fastCfg(clock))
	h := newHost(t, e)
	openShift(e, h)
	e.Inject(Fault{Kind: Shift24h})
	if _, mode, _ := status(t, h); mode != 3 {
		t.Fatalf("mode %d, want 3", mode)
	}
	if c := h.code(append(pwdBody(proto.CmdOpenReceipt, 30), 0)); c != errShift24h {
		t.Fatalf("8Dh over 24h: %02X, want 4E", c)
	}
	e.Clear(Shift24h)
	h.ok(saleLine(100))
	clock.Add(24*time.Hour + time.Minute) // the real way: time passes
	if c := h.code(closeCash(100)); c != errFNShift24h {
		t.Fatalf("FF45h over 24h: %02X, want 16", c)
	}
	h.ok(pwdBody(proto.CmdCancelReceipt, 30))
	if _, mode, _ := status(t, h); mode != 3 {
		t.Fatalf("mode %d, want 3", mode)
	}
	h.ok(pwdBody(proto.CmdZReport, 30))
	if _, mode, _ := status(t, h); mode != 4 {
		t.Fatalf("mode %d after Z, want 4", mode)
	}
}

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Fault
	}{
		{"paperout", Fault{Kind: PaperOut}},
		{"paperout:12", Fault{Kind: PaperOut, AfterLines: 12}},
		{"cover", Fault{Kind: CoverOpen}},
		{"silence", Fault{Kind: Silence}},
		{"nak:3", Fault{Kind: NAK, Count: 3}},
		{"corrupt", Fault{Kind: CorruptReply}},
		{"disconnect:FF45", Fault{Kind: Disconnect, After: proto.CmdCloseV2}},
		{"slowz:5s", Fault{Kind: SlowZ, Duration: 5 * time.Second}},
		{"SHIFT24H", Fault{Kind: Shift24h}},
		{"nak:25@ff45", Fault{Kind: NAK, Count: 25, On: proto.CmdCloseV2}},
		{"corrupt:30@FF45h", Fault{Kind: CorruptReply, Count: 30, On: proto.CmdCloseV2}},
		{"paperout@ff45", Fault{Kind: PaperOut, On: proto.CmdCloseV2}},
		{"paperafter@ff45", Fault{Kind: PaperAfter, On: proto.CmdCloseV2}},
		{"silence:5s@ff45", Fault{Kind: Silence, Duration: 5 * time.Second, On: proto.CmdCloseV2}},
		{"disconnect:FF45:5s", Fault{Kind: Disconnect, After: proto.CmdCloseV2, Duration: 5 * time.Second}},
		{"missing@ff0c", Fault{Kind: Missing, On: proto.CmdFNWriteTLV}},
	} {
		got, err := ParseFault(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.in, diff)
		}
		if again, err := ParseFault(got.String()); err != nil || again != got {
			t.Errorf("%s: String %q does not parse back: %v %v", tc.in, got.String(), again, err)
		}
	}
	for _, bad := range []string{"", "fire", "nak:x", "cover:1", "disconnect:zz", "slowz:soon", "missing", "paperafter", "nak@zz", "disconnect:FF45:soon"} {
		if _, err := ParseFault(bad); err == nil {
			t.Errorf("ParseFault(%q) accepted", bad)
		}
	}
}

// FF46h that would open the receipt and print its line is all or nothing.
func TestFaultPaperOutOnFirstLine(t *testing.T) {
	cfg := fastCfg(newClock())
	cfg.StartShiftOpen = true
	e := New(cfg)
	h := newHost(t, e)
	e.Inject(Fault{Kind: PaperOut, AfterLines: 5})
	if c := h.code(saleLine(100)); c != errNoPaper {
		t.Fatalf("FF46h as the roll ends: %02X", c)
	}
	if m, sub, _, _ := e.State(); m != 2 || sub != 2 {
		t.Fatalf("mode %d submode %d, want 2 (no receipt) and 2", m, sub)
	}
}

func TestFaultCorruptCountsResends(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	e.Inject(Fault{Kind: CorruptReply, Count: 2})
	h.send(statusReq)
	for i := range 3 {
		f := h.readFrame(time.Second)
		_, err := proto.DecodeFrame(f)
		if (err == nil) != (i == 2) {
			t.Fatalf("transmission %d: % X (%v)", i, f, err)
		}
		if err == nil {
			h.write(proto.ACK)
			break
		}
		h.write(proto.NAK)
		h.write(proto.ENQ)
		h.ctl(proto.ACK)
	}
	h.write(proto.ENQ)
	h.ctl(proto.NAK)
}

// FuzzParseFault: faults come from the command line and the emulator's
// standard input. Nothing typed panics, and an accepted fault reads back as
// a name that parses to the same fault.
func FuzzParseFault(f *testing.F) {
	for _, s := range []string{
		"paperout", "paperout:20", "cover", "silence", "nak:3", "corrupt", "disconnect:FF45h",
		"disconnect:85", "slowz:3s", "shift24h", " NAK:1 ", "nak:-1", "cover:1", "slowz:", "disconnect:10000", ":",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ft, err := ParseFault(s)
		if err != nil {
			return
		}
		again, err := ParseFault(ft.String())
		if err != nil {
			t.Fatalf("%q -> %v, which does not parse: %v", s, ft, err)
		}
		if again.String() != ft.String() {
			t.Fatalf("%q -> %v -> %v", s, ft, again)
		}
	})
}

// A NAK storm aimed at the close: every other command goes through, the
// close is NAKed Count times and then taken.
func TestFaultNAKStormOnCommand(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	h.ok(saleLine(5000))
	e.Inject(Fault{Kind: NAK, Count: 3, On: proto.CmdCloseV2})
	h.ok(statusReq) // not the aimed command: answered
	f, _ := proto.AppendFrame(nil, closeCash(5000))
	h.write(proto.ENQ)
	h.ctl(proto.NAK)
	for range 3 {
		h.write(f...)
		h.ctl(proto.NAK)
	}
	if m, _, _, _ := e.State(); m&0x0F != 8 {
		t.Fatalf("a NAKed close ran: mode %02X", m)
	}
	h.write(f...)
	h.ctl(proto.ACK)
	h.readFrame(time.Second)
	h.write(proto.ACK)
	if m, _, _, _ := e.State(); m != 2 {
		t.Fatalf("close not executed after the storm: mode %02X", m)
	}
}

// Garbled replies aimed at one command leave the others clean.
func TestFaultCorruptOnCommand(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	h.ok(saleLine(5000))
	e.Inject(Fault{Kind: CorruptReply, Count: 2, On: proto.CmdCloseV2})
	h.ok(statusReq)
	h.send(closeCash(5000))
	for range 2 {
		if _, err := proto.DecodeFrame(h.readFrame(time.Second)); err == nil {
			t.Fatal("reply to the close not garbled")
		}
		h.write(proto.NAK)
		h.write(proto.ENQ)
		h.ctl(proto.ACK)
	}
	if _, err := proto.DecodeFrame(h.readFrame(time.Second)); err != nil {
		t.Fatalf("third transmission: %v", err)
	}
	h.write(proto.ACK)
}

// Paper out as the close arrives: 6Bh, not executed, the receipt stays
// open; the cancel is refused too until paper is loaded and B0h sent.
func TestFaultPaperOutBeforeClose(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	h.ok(saleLine(5000))
	e.Inject(Fault{Kind: PaperOut, On: proto.CmdCloseV2})
	if c := h.code(closeCash(5000)); c != errNoPaper {
		t.Fatalf("close: %02X, want 6B", c)
	}
	if m, sub, _, fd := e.State(); m&0x0F != 8 || sub != 2 || fd != 1 {
		t.Fatalf("mode %02X submode %d last FD %d, want receipt open, 2, 1", m, sub, fd)
	}
	if c := h.code(pwdBody(proto.CmdCancelReceipt, 30)); c != errNoPaper {
		t.Fatalf("cancel without paper: %02X, want 6B", c)
	}
	e.Clear(PaperOut)
	if _, sub, _, _ := e.State(); sub != 3 {
		t.Fatalf("submode %d after loading paper, want 3", sub)
	}
	h.ok(pwdBody(proto.CmdContinuePrint, 30))
	h.ok(pwdBody(proto.CmdCancelReceipt, 30))
	if m, _, _, _ := e.State(); m != 2 {
		t.Fatalf("mode %02X after cancel", m)
	}
}

// Paper out after the fiscal write: 6Bh, yet the receipt is in memory.
func TestFaultPaperAfterClose(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	h.ok(saleLine(5000))
	e.Inject(Fault{Kind: PaperAfter, On: proto.CmdCloseV2})
	if c := h.code(closeCash(5000)); c != errNoPaper {
		t.Fatalf("close: %02X, want 6B", c)
	}
	docs := e.Documents()
	if last := docs[len(docs)-1]; last.Type != DocReceipt || last.Amount != 5000 {
		t.Fatalf("receipt not in fiscal memory: %+v", last)
	}
	if m, sub, _, _ := e.State(); m != 2 || sub != 2 {
		t.Fatalf("mode %02X submode %d, want 2 and 2", m, sub)
	}
}

// Silence before the ACK: the close's frame is swallowed and not executed;
// the line comes back by itself after Duration.
func TestFaultSilenceBeforeAck(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	h.ok(saleLine(5000))
	e.Inject(Fault{Kind: Silence, On: proto.CmdCloseV2, Duration: 300 * time.Millisecond})
	h.write(proto.ENQ)
	h.ctl(proto.NAK)
	f, _ := proto.AppendFrame(nil, closeCash(5000))
	h.write(f...)
	h.silent(150 * time.Millisecond)
	h.write(proto.ENQ)
	h.silent(100 * time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	h.write(proto.ENQ)
	h.ctl(proto.NAK) // idle: nothing held, the close never ran
	if m, _, _, _ := e.State(); m&0x0F != 8 {
		t.Fatalf("swallowed close ran: mode %02X", m)
	}
}

// Silence after the ACK (timed disconnect): executed, reply held, the line
// comes back by itself and ENQ collects the reply.
func TestFaultSilenceAfterAckTimed(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	openShift(e, h)
	h.ok(saleLine(5000))
	e.Inject(Fault{Kind: Disconnect, After: proto.CmdCloseV2, Duration: 300 * time.Millisecond})
	h.send(closeCash(5000))
	h.silent(150 * time.Millisecond)
	time.Sleep(250 * time.Millisecond)
	h.write(proto.ENQ)
	h.ctl(proto.ACK)
	body, err := proto.DecodeFrame(h.readFrame(time.Second))
	h.write(proto.ACK)
	if err != nil || body[2] != 0 {
		t.Fatalf("held reply % X: %v", body, err)
	}
	if m, _, _, _ := e.State(); m != 2 {
		t.Fatalf("mode %02X", m)
	}
}

// Firmware without a command answers 37h to it and only to it.
func TestFaultMissingCommand(t *testing.T) {
	e := New(fastCfg(newClock()))
	h := newHost(t, e)
	e.Inject(Fault{Kind: Missing, On: proto.CmdFNBeginOpen})
	e.Inject(Fault{Kind: Missing, On: proto.CmdFNWriteTLV})
	if c := h.code(pwdBody(proto.CmdFNBeginOpen, 30)); c != errUnsupported {
		t.Fatalf("FF41h: %02X, want 37", c)
	}
	if c := h.code(pwdBody(proto.CmdFNWriteTLV, 30)); c != errUnsupported {
		t.Fatalf("FF0Ch: %02X, want 37", c)
	}
	openShift(e, h)
	e.Clear(Missing)
	h.ok(pwdBody(proto.CmdFNBeginClose, 30))
}
