package main

import (
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
		func(ctx context.Context, args []string) error { return runEmulator(ctx, os.Stdout, args) })
}

const emulatorUsage = "emulator [--baud N] [--fault NAME[,NAME]] [--state FILE] [--shift-open]"

// runEmulator prints "PATH@BAUD" as the first line of out, so scripts can
// read it and hand it to `till register --port` or the till's settings, then
// serves until ctx is done (Ctrl-C).
func runEmulator(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("emulator", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	baud := fs.Int("baud", 115200, "wire speed the emulator charges time for")
	faults := fs.String("fault", "", "faults to inject: paperout[:LINES], cover, silence, nak[:N], corrupt[:N], disconnect[:CMDHEX], slowz[:DURATION], shift24h")
	state := fs.String("state", "", "file that keeps the fiscal memory across restarts")
	shiftOpen := fs.Bool("shift-open", false, "start with shift 1 open (fresh memory only)")
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
	e, err := emu.Open(emu.Config{Baud: *baud, StatePath: *state, StartShiftOpen: *shiftOpen})
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
	<-ctx.Done()
	if err := e.Err(); err != nil {
		return fmt.Errorf("emulator: %w", err)
	}
	return nil
}
