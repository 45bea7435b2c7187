package ui

import (
	"bytes"
	"os"
	"testing"
)

// assets/icon.png is what `fyne package` puts in the desktop file; the
// window uses Icon(). They must be the same picture.
func TestIconFileMatchesDrawnIcon(t *testing.T) {
	file, err := os.ReadFile("../assets/icon.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, Icon().Content()) {
		t.Error("assets/icon.png differs from ui.Icon(): regenerate it by writing Icon().Content() to the file")
	}
}
