package ui

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// A device posing as a keyboard floods the focused barcode field with one
// endless fast burst: nothing reaches the field or the bill, the cashier
// sees one "too long" read error, and the window's memory stays flat while
// it lasts (issue 15: 10^7 keys took 1.17 GB).
func TestWedgeFloodIsCapped(t *testing.T) {
	r := newRig(t, "en")
	m := r.signIn("cashier")
	k := newKeyboard(r)
	e := m.sale.entry
	r.w.Canvas().Focus(e)
	flood := strings.Repeat("1", 1000)
	k.typeInto(e, flood, 2*time.Millisecond) // warm up
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 200 {
		k.typeInto(e, flood, 2*time.Millisecond)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if after.HeapAlloc > before.HeapAlloc && after.HeapAlloc-before.HeapAlloc > 2<<20 {
		t.Errorf("live heap grew %d KiB during a 200k-key burst", (after.HeapAlloc-before.HeapAlloc)>>10)
	}
	k.idle()
	if e.Text != "" || len(m.sale.model.rows) != 0 {
		t.Fatalf("the flood reached the field (%d chars) or the bill (%d lines)", len(e.Text), len(m.sale.model.rows))
	}
	if n := r.notice(); !strings.Contains(n, "far more than any barcode") {
		t.Fatalf("notice %q", n)
	}
	// The reader works again after the flood.
	k.typeInto(e, r.item(0).Barcode+"\r", 5*time.Millisecond)
	k.idle()
	if len(m.sale.model.rows) != 1 {
		t.Fatalf("scan after the flood: %d lines (notice %q)", len(m.sale.model.rows), r.notice())
	}
}

// Database files other users can read are shown on the main screen (the
// store finds them at open; cmd/till passes them on).
func TestLooseFilesAreShown(t *testing.T) {
	r := newRig(t, "en")
	r.a.deps.LooseFiles = []LooseFile{{Path: "/srv/till/till.db", Mode: "0644"}}
	m := r.signIn("cashier")
	found := false
	for _, o := range test.LaidOutObjects(m.content) {
		if l, ok := o.(*widget.Label); ok && strings.Contains(l.Text, "/srv/till/till.db") && strings.Contains(l.Text, "chmod 600") {
			found = true
		}
	}
	if !found {
		t.Fatal("no warning about the loose database file on the main screen")
	}
}
