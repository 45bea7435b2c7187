// Command till is the point-of-sale terminal: with no subcommand it opens the
// window; operator subcommands (emulator, register, devices, audit, matrix,
// users) run without a display and exit non-zero with a clear message on
// failure. Only this package knows concrete types and wires them together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"

	// First of the till's own imports to initialise: a C locale must read
	// as English before Fyne's lang package looks at it (see the package).
	_ "github.com/tillpos/till/internal/localeenv"
)

// subcommand is an operator command. Each lives in its own file and adds
// itself to the table in init, so commands from different areas (register,
// devices, audit) do not touch each other's code.
type subcommand struct {
	summary string
	run     func(ctx context.Context, args []string) error
}

var subcommands = map[string]subcommand{}

func register(name, summary string, run func(ctx context.Context, args []string) error) {
	if _, dup := subcommands[name]; dup {
		panic("till: subcommand registered twice: " + name)
	}
	subcommands[name] = subcommand{summary: summary, run: run}
}

// errUsage marks a usage mistake: the message is printed with the usage text.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := dispatch(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "till:", err)
		if errors.Is(err, errUsage) {
			usage()
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func dispatch(ctx context.Context, args []string) error {
	if len(args) > 0 {
		if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
			usage()
			return nil
		}
		if sc, ok := subcommands[args[0]]; ok {
			return sc.run(ctx, args[1:])
		}
		if len(args[0]) > 0 && args[0][0] != '-' {
			return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
		}
	}
	return runWindow(ctx, args)
}

func usage() {
	w := flag.CommandLine.Output()
	fmt.Fprintln(w, "usage: till [-demo] [-db PATH] [-register PORT[@BAUD]] [-lang en|ru|it] [-fullscreen]   open the till window")
	fmt.Fprintln(w, "         [-key FILE] [-centre nats-leaf://HOST:PORT -store ID -till NAME]   the key file (as till join -key); the chain for this run (see till join)")
	fmt.Fprintln(w, "       till COMMAND [ARGS]             operator commands:")
	names := make([]string, 0, len(subcommands))
	for n := range subcommands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, subcommands[n].summary)
	}
}
