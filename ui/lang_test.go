package ui

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/assets"
	"github.com/tillpos/till/internal/langcheck"
)

func TestEveryKeyInEveryLanguage(t *testing.T) {
	langcheck.Area(t, "ui", langcheck.UsedKeys(t), 20)
}

func TestLanguagesMatchAssets(t *testing.T) {
	var tags []string
	for _, l := range Languages {
		tags = append(tags, l.Tag)
	}
	if d := cmp.Diff(assets.Languages, tags); d != "" {
		t.Errorf("ui.Languages and assets.Languages differ (-assets +ui):\n%s", d)
	}
}
