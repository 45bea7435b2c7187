package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
)

// How often the status bar asks the register for its state, and how long
// one question may take before the bar says the link is down.
const (
	statusEvery   = 5 * time.Second
	statusTimeout = 3 * time.Second
	searchLimit   = 50

	// Columns of the item list: a 13-digit barcode and a price per kilogram
	// in roubles fit at text size 16.
	barcodeWidth = 170
	priceWidth   = 190
)

// logoutShortcut signs out from anywhere on the main screen.
var logoutShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}

// MainScreen is what a signed-in user works in: a toolbar with who is signed
// in and sign-out, the sale area, and a status bar with the shift and the
// register. The sale itself (bill, payments) is a later screen; until then the
// sale area searches the real item catalogue, so what it shows is true.
type MainScreen struct {
	app  *App
	user User
	ctx  context.Context

	money    *sale.Formatter
	search   *shortcutEntry
	results  *widget.List
	items    []sale.Item
	found    *widget.Label
	seq      int // numbers searches so a slow answer cannot replace a newer one
	shift    *widget.Label
	register *widget.Label
	content  fyne.CanvasObject
}

// NewMainScreen builds the main screen for u. Background work (register
// status, searches) stops when ctx is cancelled.
func NewMainScreen(ctx context.Context, app *App, u User) *MainScreen {
	s := &MainScreen{app: app, user: u, ctx: ctx}
	cur := app.deps.Currency
	if cur == (currency.Unit{}) {
		cur = currency.RUB
	}
	s.money = sale.NewFormatter(language.Make(CurrentLanguage()), cur)

	who := widget.NewLabelWithStyle(u.FullName, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	group := widget.NewLabel(u.Group)
	logout := widget.NewButtonWithIcon(lang.X("ui.main.logout", "Sign out"), theme.LogoutIcon(), app.Logout)
	title := widget.NewLabelWithStyle(lang.X("ui.app.title", "Till"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	toolbar := container.NewBorder(nil, nil,
		container.NewHBox(title, widget.NewSeparator(), who, group),
		logout)

	top := []fyne.CanvasObject{toolbar}
	if app.deps.Unprotected != nil && app.deps.Unprotected() {
		warn := widget.NewLabel(lang.X("ui.main.unprotected", "Security module is off: every action is allowed on this till."))
		warn.Importance = widget.WarningImportance
		warn.Wrapping = fyne.TextWrapWord
		top = append(top, warn)
	}
	top = append(top, widget.NewSeparator())

	s.shift = widget.NewLabel("")
	s.register = widget.NewLabel("")
	s.found = widget.NewLabel("")
	status := container.NewVBox(widget.NewSeparator(), container.NewHBox(s.shift, widget.NewSeparator(), s.register))

	s.content = container.NewBorder(container.NewVBox(top...), status, nil, nil, s.saleArea())

	// The shortcut also works when no field has the focus.
	if c := app.win.Canvas(); c != nil {
		c.AddShortcut(logoutShortcut, func(fyne.Shortcut) { app.Logout() })
	}

	s.showRegister(device.Status{}, errNotConnected)
	if reg := app.deps.Register; reg != nil {
		s.register.SetText(lang.X("ui.status.register_checking", "Register: checking…"))
		s.shift.SetText(lang.X("ui.status.shift_unknown", "Shift: unknown"))
		if app.pollStatus {
			app.async(func() { s.pollLoop(reg) })
		}
	}
	s.runSearch("")
	return s
}

var errNotConnected = errors.New("register not connected")

func (s *MainScreen) saleArea() fyne.CanvasObject {
	head := widget.NewLabelWithStyle(lang.X("ui.sale.title", "Sale"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameSubHeadingText
	note := widget.NewLabel(lang.X("ui.sale.not_yet", "Ringing up a bill comes in the next release. Meanwhile you can look items up in the catalogue."))
	note.Wrapping = fyne.TextWrapWord

	s.search = newShortcutEntry(func(sc fyne.Shortcut) bool {
		if cs, ok := sc.(*desktop.CustomShortcut); ok && cs.ShortcutName() == logoutShortcut.ShortcutName() {
			s.app.Logout()
			return true
		}
		return false
	})
	s.search.SetPlaceHolder(lang.X("ui.sale.search", "Search items by name"))
	s.search.OnChanged = s.runSearch

	if s.app.deps.Items == nil {
		s.search.Disable()
		s.found.SetText(lang.X("ui.sale.no_catalogue", "The item catalogue is not connected."))
	}

	s.results = widget.NewList(
		func() int { return len(s.items) },
		func() fyne.CanvasObject {
			name := widget.NewLabel("")
			name.Truncation = fyne.TextTruncateEllipsis
			barcode := widget.NewLabel("")
			price := widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{})
			return &fyne.Container{Layout: columns{barcodeWidth, priceWidth}, Objects: []fyne.CanvasObject{name, barcode, price}}
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.items) {
				return
			}
			it := s.items[id]
			row := o.(*fyne.Container).Objects
			row[0].(*widget.Label).SetText(it.Name)
			row[1].(*widget.Label).SetText(it.Barcode)
			row[2].(*widget.Label).SetText(priceText(it, s.money))
		},
	)
	top := container.NewVBox(head, note, s.search, s.found)
	return container.NewBorder(top, nil, nil, nil, s.results)
}

// runSearch looks items up in the background; only the newest search's
// answer is shown.
func (s *MainScreen) runSearch(prefix string) {
	items := s.app.deps.Items
	if items == nil {
		return
	}
	s.seq++
	seq := s.seq
	ctx := s.ctx
	s.app.async(func() {
		found, err := items.SearchItems(ctx, prefix, searchLimit)
		s.app.do(func() {
			if seq != s.seq || ctx.Err() != nil {
				return
			}
			if err != nil {
				fyne.LogError("search items", err)
				s.found.Importance = widget.DangerImportance
				s.found.SetText(tr(errorMessage(fmt.Errorf("search items: %w", err))))
				return
			}
			s.items = found
			s.found.Importance = widget.MediumImportance
			switch {
			case len(found) == 0:
				s.found.SetText(lang.X("ui.sale.none", "No items found."))
			case len(found) >= searchLimit:
				s.found.SetText(lang.X("ui.sale.first_n", "First {{.N}} items; type more of the name to narrow.", map[string]any{"N": len(found)}))
			default:
				s.found.SetText(lang.X("ui.sale.found", "Items found: {{.N}}", map[string]any{"N": len(found)}))
			}
			s.results.Refresh()
		})
	})
}

// pollLoop asks the register for its state until the screen is left.
func (s *MainScreen) pollLoop(reg RegisterStatus) {
	t := time.NewTicker(statusEvery)
	defer t.Stop()
	for {
		s.pollOnce(reg)
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *MainScreen) pollOnce(reg RegisterStatus) {
	ctx, cancel := context.WithTimeout(s.ctx, statusTimeout)
	st, err := reg.Status(ctx)
	cancel()
	if s.ctx.Err() != nil {
		return
	}
	s.app.do(func() { s.showRegister(st, err) })
}

// showRegister puts the register's state and the shift's into the status bar.
func (s *MainScreen) showRegister(st device.Status, err error) {
	reg, regBad := registerText(st, err)
	s.register.Importance = importance(regBad)
	s.register.SetText(tr(reg))
	sh, shBad := shiftText(st, err)
	s.shift.Importance = importance(shBad)
	s.shift.SetText(tr(sh))
}

func importance(bad bool) widget.Importance {
	if bad {
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

func registerText(st device.Status, err error) (Message, bool) {
	switch {
	case errors.Is(err, errNotConnected):
		return Message{Key: "ui.status.register_none", Fallback: "Register: not connected"}, false
	case errors.Is(err, device.ErrNoLink), errors.Is(err, context.DeadlineExceeded):
		return Message{Key: "ui.status.register_no_link", Fallback: "Register: no link"}, true
	case err != nil:
		return Message{Key: "ui.status.register_error", Fallback: "Register: {{.Err}}", Args: map[string]any{"Err": err.Error()}}, true
	case st.PaperOut:
		return Message{Key: "ui.status.register_paper_out", Fallback: "Register: paper out"}, true
	case st.CoverOpen:
		return Message{Key: "ui.status.register_cover_open", Fallback: "Register: cover open"}, true
	}
	if st.Serial == "" {
		return Message{Key: "ui.status.register_ready", Fallback: "Register: ready"}, false
	}
	return Message{Key: "ui.status.register_ready_serial", Fallback: "Register {{.Serial}}: ready", Args: map[string]any{"Serial": st.Serial}}, false
}

func shiftText(st device.Status, err error) (Message, bool) {
	switch {
	case err != nil:
		return Message{Key: "ui.status.shift_unknown", Fallback: "Shift: unknown"}, false
	case st.ShiftOver24:
		return Message{Key: "ui.status.shift_over24", Fallback: "Shift over 24 hours: close it (Z report)"}, true
	case st.ShiftOpen:
		return Message{Key: "ui.status.shift_open", Fallback: "Shift open"}, false
	}
	return Message{Key: "ui.status.shift_closed", Fallback: "Shift closed"}, false
}

// priceText shows an item's price through the sale's formatter (the
// window's language, the store's currency), per kilogram for weighed goods.
func priceText(it sale.Item, f *sale.Formatter) string {
	p := f.Format(it.Price)
	if it.Weighed {
		return lang.X("ui.sale.per_kg", "{{.Price}} / kg", map[string]any{"Price": p})
	}
	return p
}

// Content is the screen's root object.
func (s *MainScreen) Content() fyne.CanvasObject { return s.content }

// Focus puts the cursor in the item search.
func (s *MainScreen) Focus() { s.app.focus(s.search) }

// shortcutEntry is an Entry that lets the screen see shortcuts first: Fyne
// gives shortcuts to the focused widget and not to the window, so Ctrl+L
// would not sign out while the cursor is in the search.
type shortcutEntry struct {
	widget.Entry
	handle func(fyne.Shortcut) bool
}

func newShortcutEntry(handle func(fyne.Shortcut) bool) *shortcutEntry {
	e := &shortcutEntry{handle: handle}
	e.ExtendBaseWidget(e)
	return e
}

func (e *shortcutEntry) TypedShortcut(sc fyne.Shortcut) {
	if e.handle(sc) {
		return
	}
	e.Entry.TypedShortcut(sc)
}
