package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/emu"
)

func ptyRegister(t *testing.T, cfg emu.Config) (string, *emu.Emulator) {
	t.Helper()
	e := emu.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	path, err := e.ServePTY(ctx)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	return path, e
}

func TestRegisterCommands(t *testing.T) {
	path, e := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1})
	ctx := context.Background()
	var out bytes.Buffer

	if err := runRegister(ctx, &out, []string{"status", "--port", path + "@115200"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mode:       4 (shift closed)", "shift:      closed", "paper:      ok", "last FD:    0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, out.String())
		}
	}

	err := runRegister(ctx, &out, []string{"test-receipt", "--port", path})
	if err == nil || !strings.Contains(err.Error(), "The shift is not open") {
		t.Fatalf("test-receipt on a closed shift: %v", err)
	}

	out.Reset()
	if err := runRegister(ctx, &out, []string{"test-receipt", "--port", path, "--open-shift", "--cashier", "Петров", "--inn", "7766888321"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "receipt fiscalised: FD 2, fiscal sign ") {
		t.Errorf("test-receipt output:\n%s", out.String())
	}
	docs := e.Documents()
	if len(docs) != 2 || docs[1].Type != emu.DocReceipt || docs[1].Amount != 100 || docs[1].Cashier != "Петров" {
		t.Errorf("fiscal memory %+v", docs)
	}

	out.Reset()
	if err := runRegister(ctx, &out, []string{"x-report", "--port", path}); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != "X report printed" {
		t.Errorf("x-report output %q", out.String())
	}

	e.Inject(emu.Fault{Kind: emu.PaperOut})
	err = runRegister(ctx, &out, []string{"test-receipt", "--port", path})
	if err == nil || !strings.Contains(err.Error(), "out of paper: load receipt paper") {
		t.Errorf("paper out: %v", err)
	}
}

// A receipt left open by paper running out as it closed (the till's own
// cancel refused with 6Bh too) is always resolvable from the command line:
// load paper, `till register cancel`.
func TestRegisterCancelStuckReceipt(t *testing.T) {
	path, e := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	ctx := context.Background()
	var out bytes.Buffer
	e.Inject(emu.Fault{Kind: emu.PaperOut, On: 0xFF45})
	if err := runRegister(ctx, &out, []string{"test-receipt", "--port", path}); err == nil {
		t.Fatal("test receipt went through with the paper out")
	}
	if mode, _, _, _ := e.State(); mode&0x0F != 8 {
		t.Fatalf("mode %02X: the fault did not leave the receipt open", mode)
	}
	out.Reset()
	err := runRegister(ctx, &out, []string{"cancel", "--port", path})
	if err == nil || !strings.Contains(err.Error(), "load receipt paper") {
		t.Fatalf("cancel without paper: %v", err)
	}
	if !strings.Contains(out.String(), "8 (document open)") || !strings.Contains(out.String(), "paper out while printing") {
		t.Errorf("state before the cancel not shown:\n%s", out.String())
	}
	e.Clear() // paper loaded
	out.Reset()
	if err := runRegister(ctx, &out, []string{"cancel", "--port", path}); err != nil {
		t.Fatalf("cancel: %v\n%s", err, out.String())
	}
	before, after, ok := strings.Cut(out.String(), "receipt cancelled")
	if !ok || !strings.Contains(before, "8 (document open)") || !strings.Contains(after, "2 (shift open)") {
		t.Errorf("cancel output:\n%s", out.String())
	}
	if mode, sub, _, _ := e.State(); mode != 2 || sub != 0 {
		t.Errorf("register left in mode %02X submode %d", mode, sub)
	}
	if n := len(e.Documents()); n != 0 {
		t.Errorf("%d documents in fiscal memory, want none", n)
	}
	out.Reset()
	if err := runRegister(ctx, &out, []string{"cancel", "--port", path}); err != nil || !strings.Contains(out.String(), "nothing to cancel") {
		t.Errorf("second cancel: %v\n%s", err, out.String())
	}
}

func TestRegisterUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"status"}, {"launch", "--port", "/dev/null"}, {"status", "--bogus"}} {
		if err := runRegister(context.Background(), &bytes.Buffer{}, args); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	err := runRegister(context.Background(), &bytes.Buffer{}, []string{"status", "--port", "/nonexistent/tty@9600"})
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("missing port: %v", err)
	}
}

// till emulator prints PATH@BAUD first, serves the register there, takes
// fault/clear/state lines on its input, and ends cleanly with its context.
func TestEmulatorCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	in, inW := io.Pipe()
	defer inW.Close()
	var out syncBuf
	done := make(chan error, 1)
	go func() {
		done <- runEmulator(ctx, in, &out, []string{"--baud", "57600", "--shift-open", "--fault", "cover"})
	}()
	first := waitFor(t, &out, "\n")
	spec := strings.SplitN(first, "\n", 2)[0]
	if !strings.HasPrefix(spec, "/dev/") || !strings.HasSuffix(spec, "@57600") {
		t.Fatalf("first line %q, want PATH@57600", spec)
	}
	waitFor(t, &out, "faults: [cover]")

	var rep bytes.Buffer
	err := runRegister(ctx, &rep, []string{"test-receipt", "--port", spec})
	if err == nil || !strings.Contains(err.Error(), "cover") {
		t.Fatalf("test-receipt with the cover open: %v", err)
	}
	fmt.Fprintln(inW, "clear cover")
	waitFor(t, &out, "cleared cover")
	rep.Reset()
	if err := runRegister(ctx, &rep, []string{"test-receipt", "--port", spec}); err != nil {
		t.Fatalf("test-receipt after clear: %v", err)
	}
	if !strings.Contains(rep.String(), "receipt fiscalised: FD 1") {
		t.Errorf("test-receipt output %q", rep.String())
	}
	fmt.Fprintln(inW, "state")
	waitFor(t, &out, "mode 2 (02h) submode")
	fmt.Fprintln(inW, "fault bogus")
	waitFor(t, &out, "error: unknown fault")
	fmt.Fprintln(inW, "help")
	waitFor(t, &out, "commands: fault NAME[:ARG] | clear [NAME] | state")

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("emulator ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("emulator did not end with its context")
	}

	for _, args := range [][]string{{"--baud", "0"}, {"--fault", "bogus"}, {"extra"}, {"--nope"}} {
		if err := runEmulator(context.Background(), strings.NewReader(""), io.Discard, args); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}

// waitFor waits until out holds want and returns what it holds.
func waitFor(t *testing.T, out *syncBuf, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := out.String()
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in output:\n%s", want, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// --packets negotiates the alternative link level over a real pty.
func TestRegisterPackets(t *testing.T) {
	path, e := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	var out bytes.Buffer
	if err := runRegister(context.Background(), &out, []string{"test-receipt", "--port", path, "--packets"}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "link:       numbered packets") || !strings.Contains(out.String(), "receipt fiscalised: FD 1") {
		t.Errorf("output:\n%s", out.String())
	}
	if n := len(e.Documents()); n != 1 {
		t.Errorf("%d documents", n)
	}
}

// A sale made while the register was down goes into fiscal storage as a
// correction receipt from the command line, with its basis document.
func TestRegisterCorrection(t *testing.T) {
	path, e := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true})
	ctx := context.Background()
	var out bytes.Buffer
	args := []string{
		"correction", "--port", path, "--cash", "120.50", "--card", "30", "--type", "sale",
		"--reason", "Касса не работала", "--doc-number", "7", "--doc-date", "2026-12-01", "--cashier", "Петров",
	}
	if err := runRegister(ctx, &out, args); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "correction receipt fiscalised (money received, 150.50): FD 1, fiscal sign ") {
		t.Errorf("output:\n%s", out.String())
	}
	docs := e.Documents()
	if len(docs) != 1 || docs[0].Type != emu.DocCorrection || docs[0].Operation != 1 || docs[0].Amount != 15050 ||
		docs[0].Payments[0] != 12050 || docs[0].Payments[1] != 3000 || docs[0].Cashier != "Петров" {
		t.Fatalf("fiscal memory %+v", docs)
	}
	tags := map[uint16][]byte{}
	for _, tl := range docs[0].Tags {
		tags[tl.Tag] = tl.Value
	}
	if string(tags[1179]) != "7" || !bytes.Equal(tags[1178], []byte{0x00, 0x0E, 0x0E, 0x6B}) || len(tags[1177]) == 0 {
		t.Errorf("basis tags %v", tags)
	}

	out.Reset()
	args = []string{"correction", "--port", path, "--cash", "20", "--type", "return", "--reason", "Возврат", "--doc-number", "8", "--doc-date", "2026-12-02", "--cashier", "Петров"}
	if err := runRegister(ctx, &out, args); err != nil {
		t.Fatal(err)
	}
	if docs := e.Documents(); len(docs) != 2 || docs[1].Operation != 3 || docs[1].Amount != 2000 {
		t.Errorf("refund correction %+v", docs)
	}
	if got := e.CashInDrawer(); got != 12050-2000 {
		t.Errorf("cash in drawer %d", got)
	}

	named := []string{"--cashier", "Петров"}
	for _, bad := range [][]string{
		append([]string{"--cash", "10", "--type", "purchase", "--reason", "x", "--doc-number", "1", "--doc-date", "2026-12-01"}, named...),
		append([]string{"--cash", "0", "--type", "sale", "--reason", "x", "--doc-number", "1", "--doc-date", "2026-12-01"}, named...),
		append([]string{"--cash", "10", "--type", "sale", "--doc-number", "1", "--doc-date", "2026-12-01"}, named...),
		append([]string{"--cash", "10", "--type", "sale", "--reason", "x", "--doc-number", "1", "--doc-date", "01.12.2026"}, named...),
		{"--cash", "10", "--type", "sale", "--reason", "x", "--doc-number", "1", "--doc-date", "2026-12-01"}, // no --cashier
	} {
		err := runRegister(ctx, io.Discard, append([]string{"correction", "--port", path}, bad...))
		if !errors.Is(err, errUsage) {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if n := len(e.Documents()); n != 2 {
		t.Errorf("%d documents after refused commands", n)
	}
}

type mapSettings map[string]string

func (m mapSettings) String(key, fallback string) string {
	if v, ok := m[key]; ok {
		return v
	}
	return fallback
}

// The window's register negotiates numbered packets when the till's
// setting register.packets says on, and keeps the standard level when it
// is off, unset, misspelt, or the register does not answer packets.
func TestWindowRegisterPacketsSetting(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name         string
		setting      mapSettings
		standardOnly bool
		want, logged bool
	}{
		{"unset", mapSettings{}, false, false, false},
		{"off", mapSettings{settingRegisterPackets: "off"}, false, false, false},
		{"on", mapSettings{settingRegisterPackets: "on"}, false, true, false},
		{"on, register without packets", mapSettings{settingRegisterPackets: "on"}, true, false, true},
		{"misspelt", mapSettings{settingRegisterPackets: "yes"}, false, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, e := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1, StartShiftOpen: true, StandardOnly: c.standardOnly})
			r, err := openWindowRegister(ctx, path+"@115200", c.setting)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.UsesPackets() != c.want {
				t.Fatalf("packets %v, want %v", r.UsesPackets(), c.want)
			}
			_, lerr := negotiateLink(ctx, r, c.setting)
			if (lerr != nil) != c.logged {
				t.Errorf("negotiate again: %v", lerr)
			}
			// Whatever the level, the register works: a sale goes through.
			if _, err := r.Status(ctx); err != nil {
				t.Fatal(err)
			}
			if err := r.PrintText(ctx, []string{"link test"}); err != nil {
				t.Fatal(err)
			}
			if got := e.Tape(); len(got) != 1 || got[0] != "link test" {
				t.Errorf("tape %q", got)
			}
		})
	}
}
