package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/hidin"
	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/ui"
)

// Settings of the till's hardware the window reads at start.
const (
	// settingRegisterPort is the fiscal register's serial port (PATH or
	// PATH@BAUD) when -register is not given.
	settingRegisterPort = "register.port"
	// settingReaders lists the raw HID readers, one spec a line in
	// hidin.ParseSpec's form ("scanner 0c2e:0b61 scanner pos"), as
	// `till devices` checks them.
	settingReaders = "input.readers"
	// settingKeyboardBadgeForm is how a badge reader that types (a
	// keyboard wedge) prints a badge, one of scan.BadgeForms. Default
	// em-dec10, the 10-digit decimal of most EM-Marine desktop readers and
	// the demo's.
	settingKeyboardBadgeForm = "input.keyboard.badge_form"
	// The keyboard wedge's scan detection (scan.BurstConfig): a prefix a
	// scan must start with ("" = none), the suffix that ends it ("enter"
	// or "tab"), the average and longest gap between a scan's keys (Go
	// durations) and the shortest scan. Defaults: scan.DefaultBurstConfig.
	settingWedgePrefix = "input.keyboard.prefix"
	settingWedgeSuffix = "input.keyboard.suffix"
	settingWedgeAvgGap = "input.keyboard.avg_gap"
	settingWedgeMaxGap = "input.keyboard.max_gap"
	settingWedgeMinLen = "input.keyboard.min_len"
)

// wedgeSetting is the keyboard wedge's detection as the settings hold it.
type wedgeSetting struct {
	Prefix, Suffix string
	AvgGap, MaxGap time.Duration
	MinLen         int
}

// wedgeSettings reads the keyboard wedge's settings, defaults filled in.
func wedgeSettings(s storeSettings) (wedgeSetting, error) {
	def := scan.DefaultBurstConfig()
	w := wedgeSetting{
		Prefix: s.String(settingWedgePrefix, ""),
		Suffix: s.String(settingWedgeSuffix, "enter"),
		AvgGap: def.AvgGap, MaxGap: def.MaxGap, MinLen: def.MinLen,
	}
	for _, d := range []struct {
		key string
		dst *time.Duration
	}{{settingWedgeAvgGap, &w.AvgGap}, {settingWedgeMaxGap, &w.MaxGap}} {
		if v := s.String(d.key, ""); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x <= 0 {
				return w, fmt.Errorf("setting %s: %q is not a duration such as 30ms", d.key, v)
			}
			*d.dst = x
		}
	}
	if v := s.String(settingWedgeMinLen, ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return w, fmt.Errorf("setting %s: %q is not a length", settingWedgeMinLen, v)
		}
		w.MinLen = n
	}
	if w.Suffix != "enter" && w.Suffix != "tab" {
		return w, fmt.Errorf("setting %s: %q is neither enter nor tab", settingWedgeSuffix, w.Suffix)
	}
	return w, nil
}

// keyboardWedge is the window's keyboard wedge: the reader's badge form
// and the scan detection from the settings.
func keyboardWedge(s storeSettings) (events.WedgeConfig, error) {
	r, err := keyboardReader(s)
	if err != nil {
		return events.WedgeConfig{}, err
	}
	w, err := wedgeSettings(s)
	if err != nil {
		return events.WedgeConfig{}, err
	}
	b := scan.DefaultBurstConfig()
	b.AvgGap, b.MaxGap, b.MinLen, b.Prefix = w.AvgGap, w.MaxGap, w.MinLen, w.Prefix
	if w.Suffix == "tab" {
		b.Terminators = []rune{scan.Tab}
	}
	return events.WedgeConfig{Reader: r, Burst: b}, nil
}

// keyboardReader is what the window knows of the readers that type: their
// badges' print form. An unknown form is refused at start, where the admin
// who set it sees it, not at the first badge.
func keyboardReader(s storeSettings) (events.Config, error) {
	form := scan.BadgeForm(s.String(settingKeyboardBadgeForm, string(scan.EMDecimal10)))
	if !slices.Contains(scan.BadgeForms, form) {
		return events.Config{}, fmt.Errorf("setting %s: unknown badge form %q (one of %v)", settingKeyboardBadgeForm, form, scan.BadgeForms)
	}
	return events.Config{Source: device.KeyboardSource, BadgeForm: scan.BadgeConfig{Form: form}}, nil
}

// readers are the raw HID readers the window listens to.
type readers struct {
	mgr    *hidin.Manager
	events chan device.InputEvent
	ctx    context.Context
	cancel context.CancelFunc
}

// startReaders starts the HID readers named in the settings; nil when none
// are configured (the keyboard wedge still works).
func startReaders(ctx context.Context, s storeSettings) (*readers, error) {
	var cfgs []hidin.DeviceConfig
	for _, line := range strings.Split(s.String(settingReaders, ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c, err := hidin.ParseSpec(line)
		if err != nil {
			return nil, fmt.Errorf("setting %s: %w", settingReaders, err)
		}
		cfgs = append(cfgs, c)
	}
	if len(cfgs) == 0 {
		return nil, nil
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &readers{events: make(chan device.InputEvent, 16), ctx: rctx, cancel: cancel}
	r.mgr = hidin.New(hidin.HIDBus{}, cfgs, r.events, hidin.Options{})
	go func() {
		if err := r.mgr.Run(rctx); err != nil && rctx.Err() == nil {
			fyne.LogError("HID readers", err)
		}
	}()
	return r, nil
}

// forward hands every event to the window on the UI goroutine, until the
// readers stop. The manager's sends block, so nothing is dropped while
// the window is busy.
func (r *readers) forward(till *ui.App) {
	for {
		select {
		case ev := <-r.events:
			fyne.Do(func() { till.HandleInput(ev) })
		case <-r.ctx.Done():
			return
		}
	}
}

// close stops the readers; the channel stays open, as the manager's
// goroutines may still be finishing a send.
func (r *readers) close() {
	r.cancel()
	r.mgr.Close()
}

// states is the status bar's view of the readers.
func (r *readers) states() []ui.ReaderState {
	var out []ui.ReaderState
	for _, st := range r.mgr.Status() {
		out = append(out, ui.ReaderState{
			Name: st.Name,
			OK:   st.State == hidin.Connected,
			Msg:  ui.Message{Key: st.Key, Fallback: string(st.State)},
		})
	}
	return out
}
