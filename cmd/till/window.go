package main

import (
	"context"
	"errors"
)

// runWindow opens the Fyne window. Placeholder until the foundation's window
// lands; it must be the only place that imports fyne.io/fyne/v2/app.
func runWindow(ctx context.Context, args []string) error {
	return errors.New("the window is not built yet")
}
