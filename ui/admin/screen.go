package admin

import (
	"context"
	"errors"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// Screen is the back office: users and badges, groups and the permission
// matrix, security settings, the audit log and the signed bundle, each on
// its own tab.
type Screen struct {
	win  fyne.Window
	deps Deps
	back func()

	tabs     *container.AppTabs
	status   *widget.Label // the last result or refusal, for every tab
	content  fyne.CanvasObject
	users    *usersTab
	groups   *groupsTab
	settings *settingsTab
	audit    *auditTab
	bundle   *bundleTab
	devices  *devicesTab // nil when Deps.Devices is
	items    *catalogueTab
	enrol    *enrolDialog   // open while a badge is being enrolled
	dialogs  []*keyedDialog // open dialogs that own the keyboard (keys.go)
	// managedNote says why users, groups and settings are read-only (nil
	// unless Deps.Managed).
	managedNote *widget.Label
}

// New builds the back office in win; back returns to the sale screen.
func New(win fyne.Window, deps Deps, back func()) *Screen {
	if deps.Async == nil {
		deps.Async = func(f func()) { go f() }
	}
	if deps.Do == nil {
		deps.Do = fyne.Do
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Screen{win: win, deps: deps, back: back}
	s.status = widget.NewLabel("")
	s.status.Wrapping = fyne.TextWrapWord

	s.users = newUsersTab(s)
	s.groups = newGroupsTab(s)
	s.settings = newSettingsTab(s)
	s.audit = newAuditTab(s)
	items := []*container.TabItem{
		container.NewTabItem(lang.X("admin.tab.users", "Users"), s.users.content),
		container.NewTabItem(lang.X("admin.tab.groups", "Groups and permissions"), s.groups.content),
		container.NewTabItem(lang.X("admin.tab.settings", "Security settings"), s.settings.content),
		container.NewTabItem(lang.X("admin.tab.audit", "Audit log"), s.audit.content),
	}
	if deps.Bundles != nil {
		s.bundle = newBundleTab(s)
		items = append(items, container.NewTabItem(lang.X("admin.tab.bundle", "Matrix bundle"), s.bundle.content))
	}
	if deps.Devices != nil {
		s.devices = newDevicesTab(s, deps.Devices)
		items = append(items, container.NewTabItem(lang.X("admin.tab.devices", "Devices"), s.devices.content))
	}
	if deps.Catalogue != nil {
		s.items = newCatalogueTab(s)
		items = append(items, container.NewTabItem(lang.X("admin.tab.items", "Items"), s.items.content))
	}
	s.tabs = container.NewAppTabs(items...)
	s.tabs.OnSelected = func(it *container.TabItem) {
		s.showStatus(false, "")
		if s.devices != nil && it.Content == s.devices.content {
			s.devices.opened()
		}
		if it.Content == s.audit.content {
			s.audit.opened()
		}
	}

	backText, backIcon := lang.X("admin.back", "Back to sale"), theme.NavigateBackIcon()
	if deps.SignOut {
		backText, backIcon = lang.X("admin.sign_out", "Sign out"), theme.LogoutIcon()
	}
	backBtn := widget.NewButtonWithIcon(backText, backIcon, func() {
		if s.back != nil {
			s.back()
		}
	})
	title := widget.NewLabelWithStyle(lang.X("admin.title", "Back office"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := fyne.CanvasObject(container.NewHBox(backBtn, title))
	if deps.Managed {
		s.managedNote = widget.NewLabel(managedText())
		s.managedNote.Wrapping = fyne.TextWrapWord
		s.managedNote.Importance = widget.WarningImportance
		top = container.NewVBox(top, s.managedNote)
	}
	s.content = container.NewBorder(top, s.status, nil, nil, s.tabs)
	s.Reload()
	return s
}

// Content is the screen's root object.
func (s *Screen) Content() fyne.CanvasObject { return s.content }

// HandleInput takes a reader's event (HID or keyboard wedge) and reports
// whether the screen used it: only the enrol dialog wants input, a badge
// presented or a card swiped while it is open.
func (s *Screen) HandleInput(ev device.InputEvent) bool {
	if s.enrol == nil {
		return false
	}
	s.enrol.handle(ev)
	return true
}

// Reload reads everything again from the store.
func (s *Screen) Reload() {
	s.users.reload()
	s.groups.reload()
	s.settings.reload()
	if s.devices != nil {
		s.devices.reload()
	}
	if s.items != nil {
		s.items.reload()
	}
}

func tr(m policy.Message) string { return lang.X(m.Key, m.Fallback, m.Args) }

// errText is the sentence for err: the store's when it sent one, else a
// generic one (the detail goes to the log).
func errText(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return tr(e.Msg)
	}
	fyne.LogError("back office", err)
	return lang.X("admin.error.internal", "The change could not be made. See the log for details.")
}

// showStatus writes the status line: a refusal or failure in the danger
// colour, a result plainly.
func (s *Screen) showStatus(bad bool, text string) {
	s.status.Importance = widget.MediumImportance
	if bad {
		s.status.Importance = widget.DangerImportance
	}
	s.status.SetText(text)
}

func (s *Screen) fail(err error) {
	if errors.Is(err, errDenied) {
		return // decide already said why
	}
	s.showStatus(true, errText(err))
}

func (s *Screen) done(text string) { s.showStatus(false, text) }

// allowed asks the policy before an action. A refusal is shown with the
// policy's reason and audited as denied.
func (s *Screen) allowed(a policy.Action) bool {
	v, m := s.deps.Policy.Decide(a)
	if v.Allowed {
		return true
	}
	s.showStatus(true, tr(m))
	by := s.deps.Policy.Actor()
	s.deps.Async(func() {
		if err := s.deps.Store.Denied(context.Background(), by, a, v.Reason.String()); err != nil {
			fyne.LogError("audit refused "+string(a), err)
		}
	})
	return false
}

// can asks without showing or auditing: for greying out controls.
func (s *Screen) can(a policy.Action) bool {
	v, _ := s.deps.Policy.Decide(a)
	return v.Allowed
}

// run does work off the UI goroutine, then finish on it. After a change the
// running sessions pick the new matrix up (Refresh) before finish runs.
func (s *Screen) run(work func(ctx context.Context) error, finish func(err error)) {
	s.deps.Async(func() {
		ctx := context.Background()
		err := work(ctx)
		if err == nil && s.deps.Refresh != nil {
			if rerr := s.deps.Refresh(ctx); rerr != nil {
				fyne.LogError("refresh the policy after a change", rerr)
			}
		}
		s.deps.Do(func() { finish(err) })
	})
}

// load reads off the UI goroutine without refreshing anything.
func (s *Screen) load(work func(ctx context.Context) error, finish func(err error)) {
	s.deps.Async(func() {
		err := work(context.Background())
		s.deps.Do(func() { finish(err) })
	})
}

func managedText() string {
	return lang.X("admin.managed", "Managed by the head office: users, badges, PINs, groups, permissions, security settings, items and prices come from the chain's centre and cannot be changed on this till. Ask the head office to change them.")
}

// managed refuses a change of what the head office publishes, with the
// reason in the status line, when the till is in a chain.
func (s *Screen) managed() bool {
	if !s.deps.Managed {
		return false
	}
	s.showStatus(true, managedText())
	return true
}
