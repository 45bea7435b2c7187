package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/store"
)

// The keyboard wedge's settings the Devices page writes are the ones the
// window starts with; unset ones are scan's defaults, a bad one stops the
// start with the key named.
func TestKeyboardWedgeSettings(t *testing.T) {
	db, _ := openTestStore(t)
	s := storeSettings{db: db, terminal: "till-1"}
	w, err := keyboardWedge(s)
	if err != nil {
		t.Fatal(err)
	}
	def := scan.DefaultBurstConfig()
	if w.Burst.AvgGap != def.AvgGap || w.Burst.MaxGap != def.MaxGap || w.Burst.MinLen != def.MinLen || w.Burst.Prefix != "" ||
		!slices.Equal(w.Burst.Terminators, def.Terminators) || w.Reader.BadgeForm.Form != scan.EMDecimal10 {
		t.Errorf("defaults %+v", w)
	}
	if err := db.SetSettings(context.Background(), map[string]string{
		settingWedgePrefix: "~", settingWedgeSuffix: "tab", settingWedgeAvgGap: "20ms", settingWedgeMaxGap: "60ms",
		settingWedgeMinLen: "8", settingKeyboardBadgeForm: string(scan.EMWiegand26),
	}, store.Actor{}); err != nil {
		t.Fatal(err)
	}
	w, err = keyboardWedge(s)
	if err != nil {
		t.Fatal(err)
	}
	if w.Burst.AvgGap != 20*time.Millisecond || w.Burst.MaxGap != 60*time.Millisecond || w.Burst.MinLen != 8 ||
		w.Burst.Prefix != "~" || !slices.Equal(w.Burst.Terminators, []rune{scan.Tab}) || w.Reader.BadgeForm.Form != scan.EMWiegand26 {
		t.Errorf("saved settings read as %+v", w)
	}
	if err := db.SetSetting(context.Background(), settingWedgeAvgGap, "fast", store.Actor{}); err != nil {
		t.Fatal(err)
	}
	if _, err := keyboardWedge(s); err == nil || !strings.Contains(err.Error(), settingWedgeAvgGap) {
		t.Errorf("a bad gap: %v", err)
	}
}
