package ui

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
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

// Shortcuts of the main screen; they work from the barcode field too.
var (
	logoutShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyL, Modifier: fyne.KeyModifierShortcutDefault}
	lockShortcut   = &desktop.CustomShortcut{KeyName: fyne.KeyK, Modifier: fyne.KeyModifierShortcutDefault}
)

// MainScreen is what a signed-in user works in: a toolbar (who is signed
// in, the supervisor key, admin, lock, sign out), the notices (security
// off, start-up, the last denial or register error), the sale area, and a
// status bar (cashier, elevation, shift, register, readers).
type MainScreen struct {
	app  *App
	user User
	ctx  context.Context
	desk *desk.Desk

	money *sale.Formatter
	sep   string // decimal separator of money and quantities, the store's

	// toolbar
	keyButton *widget.Button
	admin     *widget.Button

	// notices
	startBox *fyne.Container
	notice   *noticeBar
	anchor   *widget.Label // the audit anchor's warning (anchor.go)

	// status bar
	cashier   *widget.Label
	elevation *widget.Label
	shift     *widget.Label
	register  *widget.Label
	readers   *widget.Label
	chain     *widget.Label
	statusRow *fyne.Container
	status    desk.Status // last one read
	expiring  atomic.Bool // an idle-elevation check is running

	// the item search dialog's parts, while it is open
	search  *shortcutEntry
	results *widget.List
	items   []sale.Item
	found   *widget.Label
	seq     int // numbers searches so a slow answer cannot replace a newer one

	sale    *saleArea
	content fyne.CanvasObject
}

// NewMainScreen builds the main screen for u. Background work (register
// status, searches) stops when ctx is cancelled.
func NewMainScreen(ctx context.Context, app *App, u User) *MainScreen {
	s := &MainScreen{app: app, user: u, ctx: ctx, desk: app.deps.Desk}
	cur := app.deps.Currency
	if cur == (currency.Unit{}) {
		cur = currency.RUB
	}
	// Money and quantities read as the store writes them (its receipts,
	// its price tags), whatever language the window speaks.
	tag := app.deps.StoreLanguage
	if tag == "" {
		tag = CurrentLanguage()
	}
	s.money = sale.NewFormatter(language.Make(tag), cur)
	s.sep = decimalSep(tag)

	// Short in the toolbar ("А. Иванова") so the buttons keep their room at
	// 1024 px with a supervisor's name on the key button; the status bar
	// has the whole name.
	who := widget.NewLabelWithStyle(shortName(u.FullName), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	group := widget.NewLabel(u.Group)
	logout := widget.NewButtonWithIcon(lang.X("ui.main.logout", "Sign out"), theme.LogoutIcon(), app.Logout)
	title := widget.NewLabelWithStyle(lang.X("ui.app.title", "Till"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	right := container.NewHBox()
	s.keyButton = widget.NewButtonWithIcon(lang.X("ui.key.button", "Supervisor"), theme.AccountIcon(), s.keyPressed)
	right.Add(s.keyButton)
	if app.deps.Admin != nil {
		s.admin = widget.NewButtonWithIcon(lang.X("ui.admin.button", "Admin"), theme.SettingsIcon(), s.openAdmin)
		right.Add(s.admin)
	}
	if s.desk != nil {
		right.Add(widget.NewButtonWithIcon(lang.X("ui.lock.button", "Lock (Ctrl+K)"), theme.VisibilityOffIcon(), app.Lock))
	}
	right.Add(logout)
	toolbar := container.NewBorder(nil, nil,
		container.NewHBox(title, widget.NewSeparator(), who, group),
		right)

	top := []fyne.CanvasObject{toolbar}
	if app.deps.Unprotected != nil && app.deps.Unprotected() {
		warn := widget.NewLabel(lang.X("ui.main.unprotected", "Security module is off: every action is allowed on this till."))
		warn.Importance = widget.WarningImportance
		warn.Wrapping = fyne.TextWrapWord
		top = append(top, warn)
	}
	for _, f := range app.deps.LooseFiles {
		warn := widget.NewLabel(lang.X("ui.main.loose_file", "{{.Path}} can be read by other users of this computer (mode {{.Mode}}): run chmod 600 on it.",
			map[string]any{"Path": f.Path, "Mode": f.Mode}))
		warn.Importance = widget.WarningImportance
		warn.Wrapping = fyne.TextWrapWord
		top = append(top, warn)
	}
	s.anchor = newAnchorLabel()
	s.startBox = container.NewVBox()
	s.notice = newNoticeBar()
	top = append(top, s.anchor, s.startBox, s.notice.box, widget.NewSeparator())

	s.cashier = widget.NewLabel(u.FullName)
	s.elevation = widget.NewLabel("")
	s.shift = widget.NewLabel("")
	s.register = widget.NewLabel("")
	s.readers = widget.NewLabel("")
	s.chain = widget.NewLabel("")
	s.chain.Hide()
	s.elevation.Hide()
	// Wraps to a second line rather than widen the window when every part
	// of it is long (elevated, a long register serial, several readers).
	s.statusRow = newFlow(
		s.cashier, s.elevation, s.shift, s.register, s.readers, s.chain)
	status := container.NewVBox(widget.NewSeparator(), s.statusRow)

	s.sale = newSaleArea(s)
	s.content = container.NewBorder(container.NewVBox(top...), status, nil, nil, s.sale.content)

	// The shortcuts also work when no field has the focus.
	if c := app.win.Canvas(); c != nil {
		c.AddShortcut(logoutShortcut, func(fyne.Shortcut) { app.Logout() })
		c.AddShortcut(lockShortcut, func(fyne.Shortcut) { app.Lock() })
		for _, sc := range append([]*desktop.CustomShortcut{genericShortcut, historyShortcut, shiftShortcut, reprintShortcut}, buttonShortcuts...) {
			c.AddShortcut(sc, func(sh fyne.Shortcut) {
				if app.screen == s {
					s.sale.shortcut(sh.ShortcutName())
				}
			})
		}
	}

	s.showRegister(device.Status{}, errNotConnected)
	s.showReaders()
	s.startChain()
	switch {
	case s.desk != nil:
		s.register.SetText(lang.X("ui.status.register_checking", "Register: checking…"))
		s.shift.SetText(lang.X("ui.status.shift_unknown", "Shift: unknown"))
		if app.pollStatus {
			app.async(func() { s.pollLoop(nil) })
		}
	case app.deps.Register != nil:
		s.register.SetText(lang.X("ui.status.register_checking", "Register: checking…"))
		s.shift.SetText(lang.X("ui.status.shift_unknown", "Shift: unknown"))
		if app.pollStatus {
			reg := app.deps.Register
			app.async(func() { s.pollLoop(reg) })
		}
	}
	s.startChanged()
	s.checkAnchor()
	s.refreshKey()
	s.sale.reload()
	s.sale.offerStaleParked()
	return s
}

var errNotConnected = errors.New("register not connected")

// shortcut handles the screen's shortcuts from inside a field, where Fyne
// gives them to the field and not to the window.
func (s *MainScreen) shortcut(sc fyne.Shortcut) bool {
	cs, ok := sc.(*desktop.CustomShortcut)
	if !ok {
		return false
	}
	switch cs.ShortcutName() {
	case logoutShortcut.ShortcutName():
		s.app.Logout()
		return true
	case lockShortcut.ShortcutName():
		s.app.Lock()
		return true
	}
	return s.sale.shortcut(cs.ShortcutName())
}

// startChanged shows how the desk's start-up reconciliation went: while it
// runs, what it proved about unconfirmed receipts, or its error with a
// button to run it again. Until it succeeded the desk refuses every sale.
func (s *MainScreen) startChanged() {
	s.startBox.RemoveAll()
	if s.desk == nil {
		return
	}
	st := s.app.start
	switch {
	case st.running:
		l := widget.NewLabel(lang.X("ui.start.running", "Checking the fiscal register for unconfirmed receipts…"))
		l.Importance = widget.WarningImportance
		s.startBox.Add(l)
	case st.err != nil:
		l := widget.NewLabel(lang.X("ui.start.failed", "Sales are stopped: a previous receipt could not be confirmed with the fiscal register. {{.Reason}}",
			map[string]any{"Reason": tr(desk.MessageOf(st.err))}))
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		retry := widget.NewButtonWithIcon(lang.X("ui.start.retry", "Check again"), theme.ViewRefreshIcon(), func() {
			s.app.start = startState{}
			s.app.StartDesk()
			s.startChanged()
		})
		s.startBox.Add(container.NewBorder(nil, nil, nil, retry, l))
	}
	for _, r := range st.results {
		var m Message
		switch {
		case r.Err != nil:
			m = Message{Key: "ui.start.bill_error", Fallback: "Bill {{.Bill}}: {{.Reason}}", Args: map[string]any{"Bill": int64(r.Bill), "Reason": tr(desk.MessageOf(r.Err))}}
		case r.Outcome == sale.OutcomeFiscalised:
			m = Message{Key: "ui.start.bill_fiscalised", Fallback: "Bill {{.Bill}}: the register had printed its receipt; it is recorded.", Args: map[string]any{"Bill": int64(r.Bill)}}
		default:
			m = Message{Key: "ui.start.bill_not_printed", Fallback: "Bill {{.Bill}}: no receipt was printed; the bill is open again.", Args: map[string]any{"Bill": int64(r.Bill)}}
		}
		l := widget.NewLabel(tr(m))
		l.Wrapping = fyne.TextWrapWord
		s.startBox.Add(l)
	}
	if s.sale != nil && st.done && !st.running {
		s.sale.reload() // a bill reconciled back to Open is the cashier's again
	}
}

// keyPressed is the toolbar's key button: elevate with a supervisor's
// rights, or end the elevation (Restore).
func (s *MainScreen) keyPressed() {
	if s.desk == nil {
		return
	}
	if s.desk.Session().Elevation != nil {
		s.sale.run(func(ctx context.Context) error { return s.desk.Restore(ctx) }, func() {
			s.refreshKey()
			s.sale.refreshButtons()
		})
		return
	}
	if s.app.deps.Approve == nil {
		return
	}
	s.askSupervisor(nil, func() {
		s.refreshKey()
		s.sale.refreshButtons()
	})
}

// askSupervisor opens the supervisor dialog for a denied request (or the
// key button's elevation when p is nil); ok runs once it succeeded.
func (s *MainScreen) askSupervisor(p *desk.Pending, ok func()) {
	if s.app.deps.Approve == nil {
		return
	}
	var pop, release func()
	finished := false
	sink := s.app.deps.Approve(s.app.win, p, func(err error) {
		finished = true
		if pop != nil {
			pop()
		}
		if release != nil {
			release()
		}
		switch {
		case errors.Is(err, ErrCancelled):
			return
		case err != nil:
			// Approved, but the action itself failed (a register error).
			s.sale.fail(err)
			return
		}
		s.notice.hide()
		ok()
	})
	if finished {
		return
	}
	pop = s.app.pushSink(sink)
	var esc func()
	if c, ok := sink.(interface{ Close() }); ok {
		esc = c.Close
	}
	release = s.app.holdKeys(esc)
}

// refreshKey shows the elevation on the key button: highlighted and named
// while a supervisor's rights are lent, "Restore" ends it.
func (s *MainScreen) refreshKey() {
	b := s.keyButton
	if s.desk == nil {
		b.Disable()
		return
	}
	if s.admin != nil {
		if s.adminAllowed() {
			s.admin.Show()
		} else {
			s.admin.Hide()
		}
	}
	// The session says whether rights are lent (no I/O: this runs on the
	// UI goroutine); the approver's name comes with the polled status.
	if e := s.desk.Session().Elevation; e != nil {
		name := ""
		known := false
		if st := s.status.Elevation; st != nil && st.Approver == e.Approver {
			name, known = st.ApproverName, true
		}
		b.Importance = widget.WarningImportance
		// Fyne has no tooltips: the button names the approver, shortened so
		// a long name cannot widen the toolbar past a 1024 px window; the
		// status bar has the whole name.
		b.SetText(lang.X("ui.key.restore", "Restore ({{.Name}})", map[string]any{"Name": shortName(name)}))
		b.Enable()
		s.elevation.SetText(lang.X("ui.status.elevated", "Rights of {{.Name}}", map[string]any{"Name": name}))
		s.elevation.Importance = widget.WarningImportance
		s.elevation.Show()
		if !known {
			s.app.async(s.pollDesk) // the approver's name comes with the status
		}
		return
	}
	b.Importance = widget.MediumImportance
	b.SetText(lang.X("ui.key.button", "Supervisor"))
	s.elevation.Hide()
	if s.app.deps.Approve == nil {
		b.Disable()
	} else {
		b.Enable()
	}
}

func (s *MainScreen) ctxOrBackground() context.Context {
	if s.ctx.Err() != nil {
		return context.Background()
	}
	return s.ctx
}

// adminActions are the back office's actions: the Admin button is shown
// when the session may do any of them.
var adminActions = []policy.Action{
	policy.ActionManageUsers, policy.ActionManageAdmins, policy.ActionManageBadges, policy.ActionManageSecurity,
	policy.ActionViewAudit, policy.ActionConfigure, policy.ActionBackup, policy.ActionDataReset, policy.ActionDeviceSettings,
}

func (s *MainScreen) adminAllowed() bool {
	if s.desk == nil {
		return false
	}
	for _, a := range adminActions {
		if s.desk.Allowed(a) {
			return true
		}
	}
	return false
}

func (s *MainScreen) openAdmin() {
	if s.app.deps.Admin == nil || !s.adminAllowed() {
		return
	}
	s.app.showAdmin()
}

// pollLoop asks for the status bar's facts until the screen is left: the
// desk's Status when there is a desk, else the register's.
func (s *MainScreen) pollLoop(reg RegisterStatus) {
	t := time.NewTicker(statusEvery)
	defer t.Stop()
	for {
		if reg != nil {
			s.pollOnce(reg)
		} else {
			s.pollDesk()
		}
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
	aw := s.app.anchorWarning()
	s.app.do(func() { s.showRegister(st, err); s.showAnchor(aw) })
}

// pollDesk reads the desk's status (it takes no action lock, so it answers
// during a Z report) and then expires an idle elevation. Expiring takes the
// desk's action lock, so it runs on its own: a 65 s Z report must not stop
// the status bar.
func (s *MainScreen) pollDesk() {
	ctx, cancel := context.WithTimeout(s.ctx, statusTimeout)
	st := s.desk.Status(ctx)
	cancel()
	if s.ctx.Err() != nil {
		return
	}
	aw := s.app.anchorWarning()
	s.app.do(func() { s.showStatus(st); s.showAnchor(aw) })
	if st.Elevation == nil || !s.expiring.CompareAndSwap(false, true) {
		return
	}
	s.app.async(func() {
		defer s.expiring.Store(false)
		if err := s.desk.ExpireIdle(s.ctx); err != nil && s.ctx.Err() == nil {
			fyne.LogError("expire elevation", err)
		}
		if s.desk.Session().Elevation == nil && s.ctx.Err() == nil {
			s.app.do(s.refreshKey)
		}
	})
}

// showStatus puts the desk's status into the bar.
func (s *MainScreen) showStatus(st desk.Status) {
	s.status = st
	s.showRegister(st.Register.Status, st.Register.Err)
	if st.Register.Err == nil && st.Shift == nil && st.Register.Status.ShiftOpen && !st.Register.Status.ShiftOver24 {
		// Opened on the register by someone else (or a fresh emulator).
		s.shift.SetText(lang.X("ui.status.shift_open", "Shift open"))
	}
	if sh := st.Shift; sh != nil && !st.Register.Status.ShiftOver24 {
		s.shift.SetText(lang.X("ui.status.shift_number", "Shift {{.N}} open since {{.Since}}",
			map[string]any{"N": sh.Number, "Since": sh.Opened.Local().Format("02.01 15:04")}))
	}
	if st.Register.Err == nil && st.Register.Status.ShiftOver24 {
		s.sale.offerZ()
	}
	s.sale.statusChanged()
	s.refreshKey()
	s.showReaders()
	s.statusRow.Refresh()
}

// showRegister puts the register's state and the shift's into the status bar.
func (s *MainScreen) showRegister(st device.Status, err error) {
	reg, regBad := registerText(st, err)
	s.register.Importance = importance(regBad)
	s.register.SetText(tr(reg))
	sh, shBad := shiftText(st, err)
	s.shift.Importance = importance(shBad)
	s.shift.SetText(tr(sh))
	s.statusRow.Refresh() // the texts' widths changed
}

func (s *MainScreen) showReaders() {
	if s.app.deps.Readers == nil {
		s.readers.SetText(lang.X("ui.status.readers_keyboard", "Readers: keyboard"))
		s.readers.Importance = widget.MediumImportance
		return
	}
	bad := false
	n := 0
	for _, r := range s.app.deps.Readers() {
		if r.OK {
			n++
		} else {
			bad = true
		}
	}
	s.readers.SetText(lang.X("ui.status.readers", "Readers: {{.N}} connected", map[string]any{"N": n}))
	s.readers.Importance = importance(bad)
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

// Focus puts the cursor in the barcode field.
func (s *MainScreen) Focus() { s.app.focus(s.sale.entry) }

// HandleInput takes the readers' events on the sale screen: a scan rings
// the item up; a badge or swipe with no dialog open is not the sale's.
func (s *MainScreen) HandleInput(ev device.InputEvent) bool {
	return s.sale.handleInput(ev)
}

func (s *MainScreen) typedKey(ev *fyne.KeyEvent) bool { return s.sale.key(ev) }

func (s *MainScreen) typeRune(r rune) {
	s.app.focus(s.sale.entry)
	s.sale.entry.Entry.TypedRune(r)
}

// shortcutEntry is an Entry that lets the screen see shortcuts first: Fyne
// gives shortcuts to the focused widget and not to the window, so Ctrl+L
// would not sign out while the cursor is in the search.
type shortcutEntry struct {
	widget.Entry
	handle func(fyne.Shortcut) bool
	onKey  func(*fyne.KeyEvent) bool
	// selectOnFocus selects the text when the field gets the focus, so
	// typing replaces a prefilled value ("49,90" then 100 is 100).
	selectOnFocus bool
}

func (e *shortcutEntry) FocusGained() {
	e.Entry.FocusGained()
	if e.selectOnFocus {
		selectAll(e)
	}
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

func (e *shortcutEntry) TypedKey(ev *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(ev) {
		return
	}
	e.Entry.TypedKey(ev)
}

// shortName keeps a person's name to what fits on a toolbar button: the
// whole name when it is short, else the first name's initial and the last
// word ("И. Волков"), which is who people say.
func shortName(name string) string {
	if utf8.RuneCountInString(name) <= keyNameRunes {
		return name
	}
	w := strings.Fields(name)
	if len(w) < 2 {
		return string([]rune(name)[:keyNameRunes]) + "…"
	}
	first, _ := utf8.DecodeRuneInString(w[0])
	return string(first) + ". " + w[len(w)-1]
}

// keyNameRunes is the longest name the key button shows whole.
const keyNameRunes = 16
