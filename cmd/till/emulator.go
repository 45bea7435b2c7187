package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tillpos/till/device/shtrih/emu"
)

func init() {
	register("emulator", "run an emulated Shtrih-M register on a pseudo-terminal and print its path",
		func(ctx context.Context, args []string) error { return runEmulator(ctx, os.Stdin, os.Stdout, args) })
}

const emulatorUsage = "emulator [--baud N] [--fault NAME[,NAME]] [--state FILE] [--shift-open] [--classic]"

// runEmulator prints "PATH@BAUD" as the first line of out, so scripts can
// read it and hand it to `till register --port` or the till's settings, then
// serves until ctx is done (Ctrl-C). Lines on in change faults while it runs
// (see emulatorControl); a closed in is fine.
func runEmulator(ctx context.Context, in io.Reader, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	baud := fs.Int("baud", 115200, "wire speed the emulator charges time for")
	faults := fs.String("fault", "", "faults to inject: paperout[:LINES], paperafter@CMD, cover, silence[:DURATION], nak[:N], corrupt[:N], disconnect[:CMDHEX[:DURATION]], slowz[:DURATION], shift24h, missing@CMD; NAME@CMDHEX aims one at a command (nak:25@FF45)")
	state := fs.String("state", "", "file that keeps the fiscal memory across restarts")
	shiftOpen := fs.Bool("shift-open", false, "start with shift 1 open (fresh memory only)")
	classic := fs.Bool("classic", false, "older firmware: no FF45h/FF46h, only 80h/82h/85h")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v; %s", errUsage, err, emulatorUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected %q; %s", errUsage, fs.Arg(0), emulatorUsage)
	}
	if *baud <= 0 {
		return fmt.Errorf("%w: --baud must be positive; %s", errUsage, emulatorUsage)
	}
	var inject []emu.Fault
	for name := range strings.SplitSeq(*faults, ",") {
		if strings.TrimSpace(name) == "" {
			continue
		}
		f, err := emu.ParseFault(name)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		inject = append(inject, f)
	}
	e, err := emu.Open(emu.Config{Baud: *baud, StatePath: *state, StartShiftOpen: *shiftOpen, Classic: *classic})
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	for _, f := range inject {
		e.Inject(f)
	}
	path, err := e.ServePTY(ctx)
	if err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	fmt.Fprintf(out, "%s@%d\n", path, *baud)
	if len(inject) > 0 {
		fmt.Fprintf(out, "faults: %v\n", inject)
	}
	go emulatorControl(e, in, out)
	<-ctx.Done()
	if err := e.Err(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	return nil
}

// emulatorControl reads operator lines while the emulator runs, so a fault
// can be shown and then cured the way it would be at the counter:
//
//	fault NAME[:ARG]   inject (same names as --fault)
//	clear [NAME]       clear one fault, or all (clear paperout = paper loaded)
//	state              mode, submode, shift, last FD, cash in drawer
func emulatorControl(e *emu.Emulator, in io.Reader, out io.Writer) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		verb, arg, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		arg = strings.TrimSpace(arg)
		switch verb {
		case "":
		case "fault":
			f, err := emu.ParseFault(arg)
			if err != nil {
				fmt.Fprintln(out, "error:", err)
				continue
			}
			e.Inject(f)
			fmt.Fprintln(out, "injected", f)
		case "clear":
			if arg == "" {
				e.Clear()
				fmt.Fprintln(out, "cleared all faults")
				continue
			}
			f, err := emu.ParseFault(arg)
			if err != nil {
				fmt.Fprintln(out, "error:", err)
				continue
			}
			e.Clear(f.Kind)
			fmt.Fprintln(out, "cleared", f.Kind)
		case "state":
			mode, sub, shift, fd := e.State()
			fmt.Fprintf(out, "mode %d (%02Xh) submode %d shift %d last FD %d cash %d\n",
				mode&0x0F, mode, sub, shift, fd, e.CashInDrawer())
		default:
			fmt.Fprintln(out, "commands: fault NAME[:ARG] | clear [NAME] | state")
		}
	}
}
