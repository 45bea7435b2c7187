package ui

import (
	"math"
	"sync/atomic"

	"fyne.io/fyne/v2"
)

// The window is designed for 1024×768 (docs/ui.md). On a larger screen —
// a till's own 1920×1080 display, -fullscreen — everything grows by the
// same factor instead of leaving the text small in a sea of space: the
// theme's sizes and the design's fixed widths (px) are multiplied by
// uiScale, the smaller of the two ratios to 1024×768 in steps of 0.1,
// between 1 and 2. Fyne's own DPI scaling comes on top (a dense screen).
var uiScale atomic.Value

func init() { uiScale.Store(float32(1)) }

// scaleFor is the scale for a window of size.
func scaleFor(size fyne.Size) float32 {
	r := min(size.Width/1024, size.Height/768)
	r = float32(math.Floor(float64(r)*10) / 10)
	return max(1, min(2, r))
}

// scaleLayout is the window's root: it lays the screen out over the whole
// window and, when the window's size calls for another scale, applies it
// (the theme is set again, so every widget refreshes).
type scaleLayout struct{ app *App }

func (l scaleLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if s := scaleFor(size); s != uiScale.Load().(float32) && l.app != nil {
		uiScale.Store(s)
		l.app.applyTheme(l.app.deps.Settings.String(SettingTheme, ThemeSystem))
	}
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// MinSize is the screen's at scale 1 at most: a scaled screen never asks
// for more than the window that made it scale.
func (l scaleLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var m fyne.Size
	for _, o := range objs {
		m = m.Max(o.MinSize())
	}
	return m
}
