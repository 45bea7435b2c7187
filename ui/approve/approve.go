package approve

import (
	"context"
	"errors"
	"image/color"
	"maps"
	"math"
	"runtime"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/policy"
)

// Desk is the part of *desk.Desk the dialog uses.
type Desk interface {
	ApprovalMode(ctx context.Context) desk.ApprovalMode
	ApproveOnce(ctx context.Context, p *desk.Pending, cred desk.Credential) error
	Elevate(ctx context.Context, cred desk.Credential) error
}

// ErrCancelled is what Done receives when the dialog was closed (Cancel,
// Escape, Close) without an approval.
var ErrCancelled = errors.New("approve: closed without approval")

// Options is what Show needs.
type Options struct {
	Desk Desk
	// Pending is the denied request for a one-shot approval; nil = sticky
	// elevation (the toolbar's key button).
	Pending *desk.Pending
	// Async runs slow calls (argon2id, the store) off the UI goroutine;
	// nil = go f().
	Async func(func())
	// Do brings results back to the UI goroutine; nil = fyne.Do.
	Do func(func())
	// Done is called exactly once on the UI goroutine: nil on success,
	// ErrCancelled when closed. When a one-shot approval was given but the
	// approved action itself failed (a register error at checkout), the
	// request is spent, so the dialog closes and Done gets that error for
	// the screen to show as the action's own.
	Done func(err error)

	// Reader says how a badge or card reader that types into the dialog
	// (keyboard wedge) prints what it reads: BadgeForm for proximity
	// badges, BadgeTrack and Track for cards. The zero value reads card
	// swipes only; a typed badge number is then refused as "the badge
	// reader is not set up". Optional.
	Reader events.Config
	// Now is the clock (the desk's) for key timings and "try again in N
	// min"; nil = time.Now. Optional.
	Now func() time.Time
}

// Dialog is one open approval dialog. Its methods must be called on the UI
// goroutine.
type Dialog struct {
	o    Options
	win  fyne.Window
	mode desk.ApprovalMode
	dlg  *dialog.CustomDialog

	login  *keyEntry // user + password mode
	secret *keyEntry // password or PIN
	card   *cardField
	submit *widget.Button
	cancel *widget.Button
	status *widget.Label
	hint   *widget.Label

	busy     bool // a desk call runs: no second submit
	finished bool // Done was called; late answers are dropped

	wedge *events.Wedge
	after func(time.Duration, func()) (stop func())
	stop  func()
}

// Show opens the dialog over win in the mode the desk's settings name and
// focuses its first field. The mode is read here (one settings row).
func Show(win fyne.Window, o Options) *Dialog {
	if o.Async == nil {
		o.Async = func(f func()) { go f() }
	}
	if o.Do == nil {
		o.Do = fyne.Do
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &Dialog{
		o: o, win: win,
		mode: o.Desk.ApprovalMode(context.Background()),
		after: func(dt time.Duration, f func()) func() {
			t := time.AfterFunc(dt, f)
			return func() { t.Stop() }
		},
	}
	d.build()
	d.dlg.Show()
	d.focusFirst()
	return d
}

// Mode is the approval mode the dialog was opened in.
func (d *Dialog) Mode() desk.ApprovalMode { return d.mode }

// Close closes the dialog as Cancel does (Done gets ErrCancelled) unless it
// already finished. A desk call still running is not stopped: the desk
// finishes it and audits it; its answer is dropped.
func (d *Dialog) Close() { d.finish(ErrCancelled) }

// HandleInput takes a reader event while the dialog is open. In card mode a
// Badge, a Swipe (an employee card) or a wedge Scan becomes the credential
// and a ReadError is shown; every reader event is consumed so nothing rings
// up behind the dialog. In the other modes, and once closed, nothing is
// consumed: the window decides.
func (d *Dialog) HandleInput(ev device.InputEvent) bool {
	if d.finished || d.mode != desk.ModeCard {
		return false
	}
	if d.busy {
		return true // one badge at a time; a read while checking is dropped
	}
	switch e := ev.(type) {
	case device.Badge:
		d.submitBadge(e.ID)
	case device.Scan:
		if e.Kind != device.ScanOther {
			d.showError(text("approve.err.barcode", nil))
			break
		}
		d.badgeFrom(ev)
	case device.Swipe:
		d.badgeFrom(ev)
	case device.ReadError:
		d.showReadError(e)
	default:
		return false
	}
	return true
}

func (d *Dialog) reader() events.Config {
	c := d.o.Reader
	c.Source.Role = device.RoleBadge
	if c.Source.Name == "" {
		c.Source.Name = device.KeyboardSource.Name
	}
	return c
}

func (d *Dialog) badgeFrom(ev device.InputEvent) {
	switch b := d.reader().BadgeFromEvent(ev).(type) {
	case device.Badge:
		d.submitBadge(b.ID)
	case device.ReadError:
		d.showReadError(b)
	}
}

func (d *Dialog) submitBadge(id device.BadgeID) {
	if id.IsZero() {
		d.showError(policy.Message{Key: "input.badge.unreadable", Fallback: "The badge could not be read. Present it again"})
		return
	}
	d.run(desk.Credential{Mode: desk.ModeCard, Badge: id}, text("approve.card.checking", map[string]any{"Badge": id.Hint()}))
}

func (d *Dialog) build() {
	var title, request policy.Message
	if d.o.Pending != nil {
		title, request = text("approve.title.once", nil), d.o.Pending.Describe()
	} else {
		title, request = text("approve.title.sticky", nil), desk.ElevationRequest()
	}
	asks := widget.NewLabelWithStyle(tr(text("approve.asks", map[string]any{"Request": tr(request)})),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	asks.Wrapping = fyne.TextWrapWord
	hint := widget.NewLabel("")
	hint.Wrapping = fyne.TextWrapWord
	d.hint = hint

	d.status = widget.NewLabel("")
	d.status.Wrapping = fyne.TextWrapWord
	d.status.Hide()

	d.cancel = widget.NewButtonWithIcon(tr(text("approve.button.cancel", nil)), theme.CancelIcon(), func() { d.finish(ErrCancelled) })
	buttons := []fyne.CanvasObject{touch(d.cancel)}

	var form fyne.CanvasObject
	switch d.mode {
	case desk.ModeCard:
		hint.SetText(tr(text("approve.hint.card", nil)))
		d.card = newCardField(d, tr(text("approve.card.prompt", nil)))
		d.wedge = events.NewWedge(events.WedgeConfig{Reader: d.reader(), LinuxScanCodes: runtime.GOOS == "linux"})
		form = d.card
	case desk.ModePassword:
		hint.SetText(tr(text("approve.hint.password", nil)))
		d.secret = newKeyEntry(true, d.submitForm, d.escape)
		d.secret.SetPlaceHolder(tr(text("approve.field.pin", nil)))
		form = widget.NewForm(widget.NewFormItem(tr(text("approve.field.pin", nil)), touch(d.secret)))
	default:
		d.mode = desk.ModeUserPassword
		hint.SetText(tr(text("approve.hint.user_password", nil)))
		d.secret = newKeyEntry(true, d.submitForm, d.escape)
		d.secret.SetPlaceHolder(tr(text("approve.field.password", nil)))
		d.login = newKeyEntry(false, d.loginEnter, d.escape)
		d.login.SetPlaceHolder(tr(text("approve.field.login", nil)))
		form = widget.NewForm(
			widget.NewFormItem(tr(text("approve.field.login", nil)), touch(d.login)),
			widget.NewFormItem(tr(text("approve.field.password", nil)), touch(d.secret)),
		)
	}
	if d.mode != desk.ModeCard {
		d.submit = widget.NewButtonWithIcon(tr(text("approve.button.approve", nil)), theme.ConfirmIcon(), d.submitForm)
		d.submit.Importance = widget.HighImportance
		buttons = append(buttons, touch(d.submit))
	}
	// The width keeps long requests on two lines rather than ten, and
	// leaves room for Cyrillic and Italian labels.
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(480, 0))
	content := newBackdrop(container.NewVBox(asks, hint, form, d.status, width), d.focusFirst)
	d.dlg = dialog.NewCustomWithoutButtons(tr(title), content, d.win)
	d.dlg.SetButtons(buttons)
}

// touch gives a control a finger-sized height.
func touch(o fyne.CanvasObject) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(0, touchHeight))
	return container.NewStack(r, o)
}

const touchHeight = 48

func (d *Dialog) focusFirst() {
	c := d.win.Canvas()
	switch {
	case d.card != nil:
		c.Focus(d.card)
	case d.login != nil && d.login.Text == "":
		c.Focus(d.login)
	default:
		c.Focus(d.secret)
	}
}

func (d *Dialog) escape() { d.finish(ErrCancelled) }

// loginEnter: Enter in the login field moves to the password, or submits
// when the password is typed already.
func (d *Dialog) loginEnter() {
	if strings.TrimSpace(d.login.Text) == "" {
		d.showError(text("approve.err.empty_login", nil))
		return
	}
	if d.secret.Text == "" {
		d.win.Canvas().Focus(d.secret)
		return
	}
	d.submitForm()
}

func (d *Dialog) submitForm() {
	if d.busy || d.finished || d.mode == desk.ModeCard {
		return
	}
	cred := desk.Credential{Mode: d.mode, Secret: d.secret.Text}
	if d.login != nil {
		cred.Login = strings.TrimSpace(d.login.Text)
		if cred.Login == "" {
			d.showError(text("approve.err.empty_login", nil))
			d.win.Canvas().Focus(d.login)
			return
		}
	}
	// An empty secret would only count as a failure towards the lockout.
	if cred.Secret == "" {
		m := text("approve.err.empty_password", nil)
		if d.mode == desk.ModePassword {
			m = text("approve.err.empty_pin", nil)
		}
		d.showError(m)
		d.win.Canvas().Focus(d.secret)
		return
	}
	d.run(cred, text("approve.busy", nil))
}

// run calls the desk off the UI goroutine and comes back with the answer.
func (d *Dialog) run(cred desk.Credential, busy policy.Message) {
	if d.busy || d.finished {
		return
	}
	d.setBusy(true)
	d.showStatus(tr(busy), widget.MediumImportance)
	p, dk := d.o.Pending, d.o.Desk
	d.o.Async(func() {
		// Spent by this call, not before: a replayed request is refused
		// (ErrPendingUsed) and keeps the dialog open to say so.
		wasUsed := p != nil && p.Used()
		var err error
		if p != nil {
			err = dk.ApproveOnce(context.Background(), p, cred)
		} else {
			err = dk.Elevate(context.Background(), cred)
		}
		spent := p != nil && !wasUsed && p.Used()
		d.o.Do(func() { d.answer(err, spent) })
	})
}

func (d *Dialog) answer(err error, spent bool) {
	if d.finished {
		return // closed meanwhile: the answer has no one to tell
	}
	d.setBusy(false)
	var ref *desk.Refused
	switch {
	case err == nil:
		d.finish(nil)
		return
	case !errors.As(err, &ref) && spent:
		d.finish(err)
		return
	}
	d.showError(messages(err, d.o.Now())...)
	if d.secret != nil {
		d.secret.SetText("")
	}
	d.focusFirst()
}

func (d *Dialog) setBusy(b bool) {
	d.busy = b
	if d.submit == nil {
		return
	}
	if b {
		d.submit.Disable()
	} else {
		d.submit.Enable()
	}
}

func (d *Dialog) finish(err error) {
	if d.finished {
		return
	}
	d.finished = true
	if d.stop != nil {
		d.stop()
		d.stop = nil
	}
	if d.secret != nil {
		d.secret.SetText("")
	}
	d.dlg.Hide()
	if d.o.Done != nil {
		d.o.Done(err)
	}
}

func (d *Dialog) showError(ms ...policy.Message) {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		parts = append(parts, tr(m))
	}
	d.showStatus(strings.Join(parts, " "), widget.DangerImportance)
}

func (d *Dialog) showReadError(e device.ReadError) {
	d.showError(policy.Message{Key: e.Key, Fallback: e.Fallback, Args: e.Args})
}

func (d *Dialog) showStatus(t string, imp widget.Importance) {
	// Importance first: SetText refreshes, and so repaints the colour too.
	d.status.Importance = imp
	d.status.SetText(t)
	d.status.Show()
	// A pop-up keeps the size it was shown at; the new line needs room.
	d.dlg.Resize(d.dlg.MinSize())
}

// StatusText is the line under the form (an error, or "checking"), as the
// person reads it; "" when none is shown.
func (d *Dialog) StatusText() string {
	if !d.status.Visible() {
		return ""
	}
	return d.status.Text
}

// messages says why an attempt failed: the desk's words, and for a lock
// how long it lasts.
func messages(err error, now time.Time) []policy.Message {
	var ref *desk.Refused
	if !errors.As(err, &ref) {
		return []policy.Message{desk.MessageOf(err)}
	}
	out := []policy.Message{ref.Message()}
	if lo := ref.Lockout; lo.Locked && lo.Until.After(now) {
		// The till's throttle waits seconds: say so rather than "1 min".
		if left := lo.Until.Sub(now); left < time.Minute {
			secs := int(math.Ceil(left.Seconds()))
			out = append(out, text("approve.err.locked_for_seconds", map[string]any{"Seconds": strconv.Itoa(secs)}))
		} else {
			mins := int(math.Ceil(left.Minutes()))
			out = append(out, text("approve.err.locked_for", map[string]any{"Minutes": strconv.Itoa(mins)}))
		}
	}
	return out
}

// key feeds one keystroke typed into the card field to the dialog's own
// keyboard wedge: the field has the focus, so the window never sees these
// keys, and what a person types is never shown anywhere.
func (d *Dialog) key(k events.KeyPress) {
	if d.finished || d.wedge == nil {
		return
	}
	k.At = d.o.Now()
	res, handled := d.wedge.Key(k)
	if !handled {
		return
	}
	d.wedgeResult(res)
	d.armFlush()
}

func (d *Dialog) wedgeResult(res events.Result) {
	if len(res.Typed) > 0 {
		d.showError(text("approve.err.typing", nil))
	}
	for _, ev := range res.Events {
		d.HandleInput(ev)
	}
}

func (d *Dialog) armFlush() {
	if d.stop != nil {
		d.stop()
		d.stop = nil
	}
	dl, ok := d.wedge.Deadline()
	if !ok || d.finished {
		return
	}
	d.stop = d.after(dl.Sub(d.o.Now()), func() { d.o.Do(d.flush) })
}

func (d *Dialog) flush() {
	if d.finished || d.wedge == nil {
		return
	}
	now := d.o.Now()
	// The timer fired, so the deadline has passed whatever a slow or fake
	// clock says; never re-arm for the same keys.
	if dl, ok := d.wedge.Deadline(); ok && now.Before(dl) {
		now = dl
	}
	d.stop = nil
	d.wedgeResult(d.wedge.Flush(now))
	d.armFlush()
}

// tr translates m into the current language; a Message among its
// arguments (the register's state in a request) is translated first.
func tr(m policy.Message) string {
	if len(m.Args) == 0 {
		return lang.X(m.Key, m.Fallback)
	}
	args := m.Args
	cloned := false
	for k, v := range m.Args {
		if inner, ok := v.(policy.Message); ok {
			if !cloned {
				args, cloned = maps.Clone(m.Args), true // never change the caller's map
			}
			args[k] = tr(inner)
		}
	}
	return lang.X(m.Key, m.Fallback, args)
}
