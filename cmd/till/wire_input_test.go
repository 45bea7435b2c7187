package main

import (
	"context"
	"strings"
	"testing"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan"
)

// No readers configured: nothing starts; a bad spec is refused with the
// setting's name; a good one starts a manager (no device present here, so
// its status says so).
func TestStartReadersFromSetting(t *testing.T) {
	ctx := context.Background()
	db, _ := openTestStore(t)
	s := storeSettings{db: db, terminal: "test"}
	if r, err := startReaders(ctx, s); r != nil || err != nil {
		t.Fatalf("no setting: %v, %v", r, err)
	}
	if err := s.SetString(settingReaders, "scanner 0c2e:zz scanner"); err != nil {
		t.Fatal(err)
	}
	if _, err := startReaders(ctx, s); err == nil {
		t.Fatal("a bad spec was accepted")
	}
	if err := s.SetString(settingReaders, "# the counter's scanner\nscanner 0c2e:0b61 scanner pos\n"); err != nil {
		t.Fatal(err)
	}
	r, err := startReaders(ctx, s)
	if err != nil || r == nil {
		t.Fatalf("good spec: %v, %v", r, err)
	}
	defer r.close()
	st := r.states()
	if len(st) != 1 || st[0].Name != "scanner" || st[0].OK {
		t.Errorf("states %+v, want one scanner not connected", st)
	}
}

// The keyboard reader reads badges as em-dec10 unless the setting says
// otherwise; a form the till does not know stops the start with the
// setting's name.
func TestKeyboardReaderBadgeForm(t *testing.T) {
	db, _ := openTestStore(t)
	s := storeSettings{db: db, terminal: "test"}
	c, err := keyboardReader(s)
	if err != nil || c.BadgeForm.Form != scan.EMDecimal10 || c.Source != device.KeyboardSource {
		t.Fatalf("default: %+v, %v", c, err)
	}
	if err := s.SetString(settingKeyboardBadgeForm, string(scan.EMWiegand26)); err != nil {
		t.Fatal(err)
	}
	if c, err := keyboardReader(s); err != nil || c.BadgeForm.Form != scan.EMWiegand26 {
		t.Fatalf("set: %+v, %v", c, err)
	}
	if err := s.SetString(settingKeyboardBadgeForm, "em-octal"); err != nil {
		t.Fatal(err)
	}
	if _, err := keyboardReader(s); err == nil || !strings.Contains(err.Error(), settingKeyboardBadgeForm) {
		t.Fatalf("unknown form: %v", err)
	}
}
