package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"sync"

	"fyne.io/fyne/v2"
)

// The till's icon is drawn here rather than shipped as a binary: a receipt
// on a blue tile, readable at 16 px in a task bar. assets/icon.png (for
// `fyne package` through FyneApp.toml) is this image written to a file; a
// test keeps the two the same.
var (
	iconOnce sync.Once
	iconRes  fyne.Resource
)

// Icon is the window and application icon.
func Icon() fyne.Resource {
	iconOnce.Do(func() {
		var buf bytes.Buffer
		if err := png.Encode(&buf, drawIcon(256)); err != nil {
			panic("ui: encode icon: " + err.Error()) // an in-memory RGBA always encodes
		}
		iconRes = fyne.NewStaticResource("icon.png", buf.Bytes())
	})
	return iconRes
}

func drawIcon(n int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	tile := color.NRGBA{R: 0x1e, G: 0x6f, B: 0xd9, A: 0xff}
	paper := color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	ink := color.NRGBA{R: 0x44, G: 0x55, B: 0x66, A: 0xff}
	f := float64(n)
	r := f * 0.18 // tile corner radius
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if inRoundRect(float64(x)+0.5, float64(y)+0.5, 0, 0, f, f, r) {
				img.SetNRGBA(x, y, tile)
			}
		}
	}
	// The receipt: a white strip with a zigzag tear at the bottom.
	left, right, top, bottom := f*0.28, f*0.72, f*0.16, f*0.84
	tooth := (right - left) / 6
	for y := int(top); y < int(bottom); y++ {
		for x := int(left); x < int(right); x++ {
			// Distance into the current tooth decides how far up the tear reaches.
			d := float64(x) - left
			for d > tooth {
				d -= tooth
			}
			edge := bottom - tooth*0.5 + abs(d-tooth/2)
			if float64(y) < edge {
				img.SetNRGBA(x, y, paper)
			}
		}
	}
	// Printed lines, the last one short like a total.
	for i, w := range []float64{0.32, 0.26, 0.32, 0.18} {
		y0 := int(top + f*0.1 + float64(i)*f*0.12)
		for y := y0; y < y0+int(f*0.045); y++ {
			for x := int(left + f*0.06); x < int(left+f*0.06+f*w); x++ {
				img.SetNRGBA(x, y, ink)
			}
		}
	}
	return img
}

func inRoundRect(x, y, x0, y0, x1, y1, r float64) bool {
	cx := min(max(x, x0+r), x1-r)
	cy := min(max(y, y0+r), y1-r)
	dx, dy := x-cx, y-cy
	return x >= x0 && x < x1 && y >= y0 && y < y1 && dx*dx+dy*dy <= r*r
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
