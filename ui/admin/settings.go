package admin

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/policy"
)

// settingsTab edits the security module's switches and the approval
// settings the desk reads. Defaults are the desk's and the policy's.
type settingsTab struct {
	s       *Screen
	content fyne.CanvasObject
	denied  *widget.Label

	security *widget.Check
	warning  *widget.Label // shown while the security module is off
	hide     *widget.Check
	mode     *widget.RadioGroup
	idle     *widget.Entry
	failures *widget.Entry
	window   *widget.Entry
	lock     *widget.Entry
	form     *fyne.Container
}

func modeText(m string) string {
	switch m {
	case "password":
		return lang.X("admin.settings.mode_password", "Password (PIN) only")
	case "card":
		return lang.X("admin.settings.mode_card", "Badge or card")
	}
	return lang.X("admin.settings.mode_user_password", "Login and password")
}

func durationEntry() *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(lang.X("admin.settings.duration_hint", "for example 2 min or 90 s"))
	e.Validator = func(s string) error {
		if d, err := parseDuration(s); err != nil || d <= 0 || d > 24*time.Hour {
			return errors.New(lang.X("admin.settings.bad_duration", "Enter a time such as 90 s, 5 min or 1 h (at most 24 h)."))
		}
		return nil
	}
	return e
}

func newSettingsTab(s *Screen) *settingsTab {
	t := &settingsTab{s: s}
	t.denied = widget.NewLabel("")
	t.denied.Wrapping = fyne.TextWrapWord
	t.denied.Hide()
	t.warning = widget.NewLabelWithStyle(lang.X("admin.settings.security_off",
		"The security module is off: every action is allowed to everyone on this till, without any check."),
		fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.warning.Importance = widget.DangerImportance
	t.warning.Wrapping = fyne.TextWrapWord
	t.warning.Hide()
	t.security = widget.NewCheck(lang.X("admin.settings.security", "Enable security module"), func(on bool) { t.warning.Hidden = on; t.warning.Refresh() })
	t.hide = widget.NewCheck(lang.X("admin.settings.hide_disabled", "Hide disabled actions"), nil)
	var opts []string
	for _, m := range approvalModes {
		opts = append(opts, modeText(m))
	}
	t.mode = widget.NewRadioGroup(opts, nil)
	t.idle = durationEntry()
	t.failures = widget.NewEntry()
	t.failures.Validator = func(s string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n < 1 || n > 100 {
			return errors.New(lang.X("admin.settings.bad_failures", "Enter a number of attempts from 1 to 100."))
		}
		return nil
	}
	t.window = durationEntry()
	t.lock = durationEntry()
	save := widget.NewButtonWithIcon(lang.X("admin.save", "Save"), theme.DocumentSaveIcon(), t.save)
	save.Importance = widget.HighImportance
	if s.deps.Managed {
		save.Disable()
	}
	form := widget.NewForm(
		widget.NewFormItem("", t.security),
		widget.NewFormItem("", t.hide),
		widget.NewFormItem(lang.X("admin.settings.mode", "Impersonation confirmed by"), t.mode),
		widget.NewFormItem(lang.X("admin.settings.idle", "Lent rights end after idle"), t.idle),
		widget.NewFormItem(lang.X("admin.settings.failures", "Lockout after failed attempts"), t.failures),
		widget.NewFormItem(lang.X("admin.settings.window", "counted within"), t.window),
		widget.NewFormItem(lang.X("admin.settings.lock", "Lockout lasts"), t.lock),
	)
	t.form = container.NewVBox(t.warning, form, container.NewHBox(save))
	t.content = container.NewVScroll(container.NewVBox(t.denied, t.form))
	return t
}

func (t *settingsTab) reload() {
	if !t.s.can(policy.ActionManageSecurity) {
		_, m := t.s.deps.Policy.Decide(policy.ActionManageSecurity)
		t.denied.SetText(tr(m))
		t.denied.Show()
		t.form.Hide()
		return
	}
	t.denied.Hide()
	t.form.Show()
	lock := policy.DefaultLockout()
	keys := []struct{ key, def string }{
		{SettingSecurityEnabled, "true"},
		{SettingHideDisabled, "false"},
		{SettingApprovalMode, "user_password"},
		{SettingIdleTimeout, policy.DefaultIdleTimeout.String()},
		{SettingLockoutFailures, strconv.Itoa(lock.MaxFailures)},
		{SettingLockoutWindow, lock.Window.String()},
		{SettingLockoutDuration, lock.Lock.String()},
	}
	vals := map[string]string{}
	t.s.load(func(ctx context.Context) error {
		for _, k := range keys {
			v, err := t.s.deps.Store.Setting(ctx, k.key, k.def)
			if err != nil {
				return err
			}
			vals[k.key] = v
		}
		return nil
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		on, _ := strconv.ParseBool(vals[SettingSecurityEnabled])
		t.security.SetChecked(on)
		t.warning.Hidden = on
		t.warning.Refresh()
		hide, _ := strconv.ParseBool(vals[SettingHideDisabled])
		t.hide.SetChecked(hide)
		t.mode.SetSelected(modeText(vals[SettingApprovalMode]))
		t.idle.SetText(showDuration(vals[SettingIdleTimeout]))
		t.failures.SetText(vals[SettingLockoutFailures])
		t.window.SetText(showDuration(vals[SettingLockoutWindow]))
		t.lock.SetText(showDuration(vals[SettingLockoutDuration]))
	})
}

func (t *settingsTab) save() {
	if t.s.managed() {
		return
	}
	if !t.s.allowed(policy.ActionManageSecurity) {
		return
	}
	for _, e := range []*widget.Entry{t.idle, t.failures, t.window, t.lock} {
		if err := e.Validate(); err != nil {
			t.s.showStatus(true, err.Error())
			return
		}
	}
	mode := approvalModes[0]
	for _, m := range approvalModes {
		if modeText(m) == t.mode.Selected {
			mode = m
		}
	}
	norm := func(e *widget.Entry) string {
		d, _ := parseDuration(e.Text)
		return d.String() // stored in Go's form, which the desk reads
	}
	kv := map[string]string{
		SettingSecurityEnabled: strconv.FormatBool(t.security.Checked),
		SettingHideDisabled:    strconv.FormatBool(t.hide.Checked),
		SettingApprovalMode:    mode,
		SettingIdleTimeout:     norm(t.idle),
		SettingLockoutFailures: strings.TrimSpace(t.failures.Text),
		SettingLockoutWindow:   norm(t.window),
		SettingLockoutDuration: norm(t.lock),
	}
	me := t.s.deps.Policy.Actor()
	t.s.run(func(ctx context.Context) error {
		return t.s.deps.Store.SetSettings(ctx, kv, me)
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.s.done(lang.X("admin.settings.saved", "Security settings saved."))
		t.s.Reload()
	})
}
