package linedrawer

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/device"
)

// fakeLines records every line change with the time it happened.
type fakeLines struct {
	events []string
	at     []time.Time
	lines  Lines
	err    error
}

func (f *fakeLines) SetDTR(on bool) error { return f.rec("DTR", on) }
func (f *fakeLines) SetRTS(on bool) error { return f.rec("RTS", on) }
func (f *fakeLines) rec(n string, on bool) error {
	f.events = append(f.events, fmt.Sprint(n, "=", on))
	f.at = append(f.at, time.Now())
	return f.err
}
func (f *fakeLines) ModemStatus() (Lines, error) { return f.lines, f.err }

func TestPulse(t *testing.T) {
	for _, out := range []Output{DTR, RTS} {
		f := &fakeLines{}
		if err := New(f, Config{Fire: out, Pulse: 30 * time.Millisecond}).Open(context.Background()); err != nil {
			t.Fatal(err)
		}
		name := map[Output]string{DTR: "DTR", RTS: "RTS"}[out]
		if diff := cmp.Diff([]string{name + "=true", name + "=false"}, f.events); diff != "" {
			t.Error(diff)
		}
		if d := f.at[1].Sub(f.at[0]); d < 30*time.Millisecond {
			t.Errorf("pulse %v shorter than 30ms", d)
		}
	}
}

func TestPulseReleasedOnCancel(t *testing.T) {
	f := &fakeLines{}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	err := New(f, Config{Pulse: time.Hour}).Open(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if len(f.events) != 2 || f.events[1] != "DTR=false" {
		t.Fatalf("line not released: %v", f.events)
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		sense Input
		low   bool
		lines Lines
		want  device.DrawerState
	}{
		{NoSense, false, Lines{CTS: true}, device.DrawerUnknown},
		{CTS, false, Lines{CTS: true}, device.DrawerOpen},
		{CTS, false, Lines{}, device.DrawerClosed},
		{CTS, true, Lines{}, device.DrawerOpen},
		{DSR, false, Lines{CTS: true}, device.DrawerClosed},
		{DSR, false, Lines{DSR: true}, device.DrawerOpen},
	} {
		f := &fakeLines{lines: tc.lines}
		got, err := New(f, Config{Sense: tc.sense, OpenWhenLow: tc.low}).Status(context.Background())
		if err != nil || got != tc.want {
			t.Errorf("%+v: %v %v, want %v", tc, got, err, tc.want)
		}
	}
	f := &fakeLines{err: errors.New("ENOTTY")}
	if _, err := New(f, Config{Sense: CTS}).Status(context.Background()); err == nil {
		t.Error("modem status error swallowed")
	}
}

func TestOpenSerialMissingPort(t *testing.T) {
	if _, _, err := OpenSerial("/nonexistent/tty", Config{}); err == nil {
		t.Error("OpenSerial of a missing port succeeded")
	}
}
