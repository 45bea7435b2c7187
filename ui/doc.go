// Package ui is the till's window: the app shell, the theme, and one type per
// screen (login, forced password change, main screen), each built by a
// constructor that returns a fyne.CanvasObject.
//
// The ui owns what the cashier sees and in which language; it owns no data.
// Everything it shows or changes comes through the small interfaces in
// deps.go, which cmd/till implements over the store, the register driver and
// the input readers.
//
// It must never import fyne.io/fyne/v2/app (only cmd/till creates the app, so
// these screens test headless with fyne.io/fyne/v2/test), the store, or a
// concrete device package. Background work never touches widgets directly:
// results come back through fyne.Do.
package ui
