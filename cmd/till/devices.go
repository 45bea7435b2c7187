package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"go.bug.st/serial/enumerator"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/hidin"
)

func init() {
	register("devices", "list serial ports (with USB VID/PID) and HID devices; 'devices read SPEC' shows what a reader sends",
		func(ctx context.Context, args []string) error {
			if len(args) > 0 && args[0] == "read" {
				return runDevicesRead(ctx, os.Stdout, args[1:], hidin.HIDBus{})
			}
			return runDevices(os.Stdout, args, serialPorts, hidin.HIDBus{})
		})
}

const devicesUsage = "devices [--reader SPEC]... [--readers FILE] | devices read SPEC, SPEC = 'NAME VVVV:PPPP[/IFACE] scanner|card|badge [pos] [form=...] ...' (see docs/input.md)"

// serialPort is what the port picker needs of a serial port.
type serialPort struct {
	Name, VID, PID, Serial, Product string
	USB                             bool
}

func serialPorts() ([]serialPort, error) {
	list, err := enumerator.GetDetailedPortsList()
	if err != nil {
		return nil, fmt.Errorf("list serial ports: %w", err)
	}
	out := make([]serialPort, 0, len(list))
	for _, p := range list {
		out = append(out, serialPort{Name: p.Name, VID: p.VID, PID: p.PID, Serial: p.SerialNumber, Product: p.Product, USB: p.IsUSB})
	}
	return out, nil
}

// runDevices prints what is attached. A machine with no ports and no HID
// devices (or a build without cgo) is not an error: it says so. Listing
// failures are printed per section and make the command exit non-zero after
// the other section was still shown.
func runDevices(w io.Writer, args []string, ports func() ([]serialPort, error), bus hidin.Bus) error {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var specs []string
	fs.Func("reader", "a configured reader, as its one-line spec; repeatable", func(v string) error {
		specs = append(specs, v)
		return nil
	})
	file := fs.String("readers", "", "file of reader specs, one a line (# starts a comment)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v; %s", errUsage, err, devicesUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected %q; %s", errUsage, fs.Arg(0), devicesUsage)
	}
	if *file != "" {
		more, err := readSpecFile(*file)
		if err != nil {
			return err
		}
		specs = append(specs, more...)
	}
	var readers []hidin.DeviceConfig
	for _, sp := range specs {
		c, err := hidin.ParseSpec(sp)
		if err != nil {
			return fmt.Errorf("%w: %v", errUsage, err)
		}
		readers = append(readers, c)
	}
	var errs []string

	fmt.Fprintln(w, "Serial ports:")
	list, err := ports()
	switch {
	case err != nil:
		fmt.Fprintf(w, "  cannot list: %v\n", err)
		errs = append(errs, err.Error())
	case len(list) == 0:
		fmt.Fprintln(w, "  none found")
	default:
		sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
		for _, p := range list {
			line := "  " + p.Name
			if p.USB {
				line += fmt.Sprintf("  USB %s:%s", strings.ToLower(p.VID), strings.ToLower(p.PID))
				if p.Serial != "" {
					line += "  serial " + p.Serial
				}
				if p.Product != "" {
					line += "  " + p.Product
				}
			}
			fmt.Fprintln(w, line)
		}
	}

	fmt.Fprintln(w, "HID devices:")
	if !bus.Supported() {
		fmt.Fprintln(w, "  HID is not supported in this build (built without cgo): scanners and readers work only as keyboards")
	} else {
		infos, err := bus.Enumerate()
		switch {
		case err != nil:
			fmt.Fprintf(w, "  cannot list: %v\n", err)
			errs = append(errs, err.Error())
		case len(infos) == 0:
			fmt.Fprintln(w, "  none found (or none this user may see: see docs/input.md, udev)")
		default:
			sort.Slice(infos, func(i, j int) bool {
				a, b := infos[i], infos[j]
				if a.VID != b.VID {
					return a.VID < b.VID
				}
				if a.PID != b.PID {
					return a.PID < b.PID
				}
				return a.Interface < b.Interface
			})
			for _, d := range infos {
				name := strings.TrimSpace(d.Manufacturer + " " + d.Product)
				if name == "" {
					name = "(no product string)"
				}
				fmt.Fprintf(w, "  %04x:%04x  interface %d  %s  path %s\n", d.VID, d.PID, d.Interface, name, d.Path)
			}
		}
	}
	if len(readers) > 0 {
		fmt.Fprintln(w, "Configured readers:")
		// Probe answers in the order asked.
		for i, st := range hidin.Probe(bus, readers) {
			c := readers[i]
			line := fmt.Sprintf("  %s  %s  %04x:%04x", st.Name, c.Role, c.VID, c.PID)
			if c.Interface >= 0 {
				line += fmt.Sprintf("/%d", c.Interface)
			}
			switch st.State {
			case hidin.Connected:
				line += "  live"
				if st.Detail != "" {
					line += "  " + st.Detail
				}
			case hidin.NoPermission:
				line += "  no permission (udev rule missing? see docs/input.md)"
			case hidin.Failed:
				line += "  error: " + st.Detail + " (held open by a running till?)"
			default:
				line += "  " + string(st.State)
			}
			fmt.Fprintln(w, line)
			if st.State != hidin.Connected {
				errs = append(errs, fmt.Sprintf("reader %s: %s", st.Name, st.State))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("devices: %s", strings.Join(errs, "; "))
	}
	return nil
}

// readSpecFile reads reader specs, one a line; blank lines and # comments
// are skipped.
func readSpecFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("devices: readers file: %w", err)
	}
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out, nil
}

// runDevicesRead opens one reader as the till would and prints its events
// and status changes until ctx ends (Ctrl-C): the way to check a new
// scanner's setup. Badges print masked, swipes only say which tracks read.
func runDevicesRead(ctx context.Context, w io.Writer, args []string, bus hidin.Bus) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: devices read takes one quoted device spec; %s", errUsage, devicesUsage)
	}
	cfg, err := hidin.ParseSpec(args[0])
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if !bus.Supported() {
		return fmt.Errorf("devices read: HID is not supported in this build (built without cgo)")
	}
	evs := make(chan device.InputEvent)
	var mu sync.Mutex // status lines come from the manager's goroutines
	m := hidin.New(bus, []hidin.DeviceConfig{cfg}, evs, hidin.Options{OnStatus: func(s hidin.Status) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, "%s: %s %s\n", s.Name, s.State, s.Detail)
	}})
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	for {
		select {
		case ev := <-evs:
			mu.Lock()
			fmt.Fprintln(w, describeEvent(ev))
			mu.Unlock()
		case err := <-done:
			return err
		}
	}
}

func describeEvent(ev device.InputEvent) string {
	switch e := ev.(type) {
	case device.Scan:
		s := fmt.Sprintf("scan %s %s", e.Kind, e.Symbology)
		switch e.Kind {
		case device.ScanItem:
			s += fmt.Sprintf(" item %s (%s)", e.Item.GTIN, e.Item.From)
		case device.ScanLabel:
			s += fmt.Sprintf(" label prefix %s item %s %s %d", e.Label.Prefix, e.Label.ItemCode, e.Label.Kind, e.Label.Value)
		case device.ScanMarking:
			s += fmt.Sprintf(" marking GTIN %s serial %s", e.Marking.GTIN, e.Marking.Serial)
		}
		return s + fmt.Sprintf(" raw %q", e.Raw)
	case device.Swipe:
		return e.String()
	case device.Badge:
		return fmt.Sprintf("%s (%s)", e.ID, e.Form)
	case device.ReadError:
		return fmt.Sprintf("error %s: %s (%s)", e.Key, e.Fallback, e.Detail)
	}
	return fmt.Sprintf("event %T", ev)
}
