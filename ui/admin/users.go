package admin

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// adminActions make a group an administrators' group: whoever holds one of
// them can change other people's rights, so managing such a user needs
// users.manage.admin, not users.manage.standard. Deciding by rights rather
// than by the group's name keeps the rule when a group is renamed or
// translated.
var adminActions = []policy.Action{policy.ActionManageUsers, policy.ActionManageAdmins, policy.ActionManageSecurity}

// usersTab lists users with a search and edits one card at a time.
type usersTab struct {
	s       *Screen
	content fyne.CanvasObject

	all      []User
	shown    []User
	groups   []Group
	adminGrp map[policy.GroupID]bool

	search *widget.Entry
	list   *widget.List
	denied *widget.Label

	// the card
	editing  *User // nil: a new user
	code     *widget.Label
	login    *widget.Entry
	fullName *widget.Entry
	group    *widget.Select
	receipt  *widget.Entry
	inn      *widget.Entry
	journal  *widget.Entry
	active   *widget.Check
	save     *widget.Button
	reset    *widget.Button
	enrolBtn *widget.Button
	pin      *widget.Entry
	pinSet   *widget.Button
	pinClear *widget.Button
	badges   *fyne.Container
	locked   *widget.Label  // "Locked out until 14:05", hidden when not
	lift     *widget.Button // "Lift the lockout", shown with locked
	card     *fyne.Container
	hint     *widget.Label // in the card's place until a user is chosen

	password *widget.Entry  // the generated password in the dialog showing it
	printBtn *widget.Button // "Print on the register" in that dialog, when the till can
}

func newUsersTab(s *Screen) *usersTab {
	t := &usersTab{s: s, adminGrp: map[policy.GroupID]bool{}}
	t.search = widget.NewEntry()
	t.search.SetPlaceHolder(lang.X("admin.users.search", "Search by login, name or code"))
	t.search.OnChanged = func(string) { t.filter() }
	t.list = widget.NewList(
		func() int { return len(t.shown) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(t.rowText(t.shown[i])) },
	)
	t.list.OnSelected = func(i widget.ListItemID) {
		if i < len(t.shown) {
			t.edit(t.shown[i])
		}
	}
	t.denied = widget.NewLabel("")
	t.denied.Wrapping = fyne.TextWrapWord
	t.denied.Hide()
	newBtn := widget.NewButtonWithIcon(lang.X("admin.users.new", "New user"), theme.ContentAddIcon(), t.startNew)
	if s.deps.Managed {
		newBtn.Disable()
	}

	t.code = widget.NewLabel("")
	t.login = widget.NewEntry()
	t.fullName = widget.NewEntry()
	t.group = widget.NewSelect(nil, nil)
	t.receipt = widget.NewEntry()
	t.inn = widget.NewEntry()
	t.inn.SetPlaceHolder(lang.X("admin.users.inn_hint", "12 digits, may be empty"))
	t.inn.Validator = func(s string) error {
		if s = strings.TrimSpace(s); s != "" && !sale.ValidINN(s) {
			return fmt.Errorf("%s", lang.X("admin.users.inn_invalid", "The INN must be 12 digits with valid check digits."))
		}
		return nil
	}
	t.journal = widget.NewEntry()
	t.journal.Validator = func(s string) error {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err != nil || n < 1 || n > 3650 {
			return fmt.Errorf("%s", lang.X("admin.users.journal_invalid", "Enter a number of days from 1 to 3650."))
		}
		return nil
	}
	t.active = widget.NewCheck(lang.X("admin.users.active", "Active"), nil)
	form := widget.NewForm(
		widget.NewFormItem(lang.X("admin.users.code", "Code"), t.code),
		widget.NewFormItem(lang.X("admin.users.login", "Login"), t.login),
		widget.NewFormItem(lang.X("admin.users.full_name", "Full name"), t.fullName),
		widget.NewFormItem(lang.X("admin.users.group", "Group"), t.group),
		widget.NewFormItem(lang.X("admin.users.receipt_name", "Cashier name on receipt"), t.receipt),
		widget.NewFormItem(lang.X("admin.users.inn", "Cashier INN"), t.inn),
		widget.NewFormItem(lang.X("admin.users.journal", "Journal depth, days"), t.journal),
		widget.NewFormItem("", t.active),
	)
	t.save = widget.NewButtonWithIcon(lang.X("admin.save", "Save"), theme.DocumentSaveIcon(), t.saveCard)
	t.save.Importance = widget.HighImportance
	t.reset = widget.NewButton(lang.X("admin.users.reset_password", "Reset to an initial password"), t.resetPassword)
	t.enrolBtn = widget.NewButton(lang.X("admin.badges.enrol", "Enrol badge"), t.enrolBadge)
	t.pin = widget.NewPasswordEntry()
	t.pin.SetPlaceHolder(lang.X("admin.users.pin_hint", "4 to 12 digits"))
	t.pinSet = widget.NewButton(lang.X("admin.users.pin_set", "Set PIN"), func() { t.setPIN(t.pin.Text) })
	t.pinClear = widget.NewButton(lang.X("admin.users.pin_clear", "Clear PIN"), func() { t.setPIN("") })
	pinRow := widget.NewForm(widget.NewFormItem(lang.X("admin.users.pin", "PIN for approvals"),
		container.NewBorder(nil, nil, nil, container.NewHBox(t.pinSet, t.pinClear), t.pin)))
	t.badges = container.NewVBox()
	t.locked = widget.NewLabel("")
	t.locked.Importance = widget.DangerImportance
	t.locked.Wrapping = fyne.TextWrapWord
	t.locked.Hide()
	t.lift = widget.NewButton(lang.X("admin.users.lift", "Lift the lockout"), t.liftLockout)
	t.lift.Hide()
	t.card = container.NewVBox(form, container.NewHBox(t.save, t.reset), t.locked, container.NewHBox(t.lift), pinRow,
		widget.NewLabelWithStyle(lang.X("admin.badges.title", "Badges"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		t.badges, container.NewHBox(t.enrolBtn))
	t.card.Hide()
	// Until a user is chosen the card's place says what to do.
	t.hint = widget.NewLabel(lang.X("admin.users.choose", "Choose a user on the left, or create a new one."))
	t.hint.Wrapping = fyne.TextWrapWord

	left := container.NewBorder(container.NewVBox(t.denied, container.NewBorder(nil, nil, nil, newBtn, t.search)), nil, nil, nil, t.list)
	split := container.NewHSplit(left, container.NewScroll(container.NewVBox(t.hint, t.card)))
	split.Offset = 0.42 // "login — full name (group)" fits at 1024 px
	t.content = split
	return t
}

func (t *usersTab) rowText(u User) string {
	name := t.groupName(u.Group)
	s := fmt.Sprintf("%d  %s — %s (%s)", u.ID, u.Login, u.FullName, name)
	if !u.Active {
		s += " — " + lang.X("admin.users.inactive", "not active")
	}
	return s
}

func (t *usersTab) groupName(id policy.GroupID) string {
	for _, g := range t.groups {
		if g.ID == id {
			return g.Name
		}
	}
	return "#" + strconv.FormatInt(int64(id), 10)
}

func (t *usersTab) groupByName(name string) (policy.GroupID, bool) {
	for _, g := range t.groups {
		if g.Name == name {
			return g.ID, true
		}
	}
	return 0, false
}

// mayList: either user-management right opens the list.
func (t *usersTab) mayList() bool {
	return t.s.can(policy.ActionManageUsers) || t.s.can(policy.ActionManageAdmins)
}

func (t *usersTab) reload() {
	if !t.mayList() {
		_, m := t.s.deps.Policy.Decide(policy.ActionManageUsers)
		t.denied.SetText(tr(m))
		t.denied.Show()
		t.all, t.groups = nil, nil
		t.filter()
		t.card.Hide()
		t.hint.Show()
		return
	}
	t.denied.Hide()
	var users []User
	var groups []Group
	var m policy.Matrix
	t.s.load(func(ctx context.Context) error {
		var err error
		if users, err = t.s.deps.Store.Users(ctx); err != nil {
			return err
		}
		if groups, err = t.s.deps.Store.Groups(ctx); err != nil {
			return err
		}
		m, err = t.s.deps.Store.LoadMatrix(ctx)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.all, t.groups = users, groups
		t.adminGrp = map[policy.GroupID]bool{}
		for _, g := range m.Groups {
			for _, a := range adminActions {
				if g.Actions[a] {
					t.adminGrp[g.ID] = true
				}
			}
		}
		names := make([]string, 0, len(groups))
		for _, g := range groups {
			names = append(names, g.Name)
		}
		t.group.SetOptions(names)
		t.filter()
		if t.editing != nil {
			for _, u := range users {
				if u.ID == t.editing.ID {
					t.edit(u)
				}
			}
		}
	})
}

func (t *usersTab) filter() {
	q := strings.ToLower(strings.TrimSpace(t.search.Text))
	t.shown = t.shown[:0]
	for _, u := range t.all {
		if q == "" || strings.Contains(strings.ToLower(u.Login), q) || strings.Contains(strings.ToLower(u.FullName), q) ||
			strconv.FormatInt(int64(u.ID), 10) == q {
			t.shown = append(t.shown, u)
		}
	}
	t.list.UnselectAll()
	t.list.Refresh()
}

// GroupLevel is implemented by a Policy that knows each group's level
// (cmd/till's, through policy.ManageRight): a group holding any right of
// the security, administration or devices categories — a supervisor who
// lends their rights among them — is managed as an administrators' group.
type GroupLevel interface {
	ManageRight(g policy.GroupID) policy.Action
}

// rightFor is the action managing a user of group g needs: the
// administrator-users right for an administrators'-level group (whoever
// resets a password can act as its owner), the standard-users right
// otherwise.
func (t *usersTab) rightFor(g policy.GroupID) policy.Action {
	if t.adminGrp[g] {
		return policy.ActionManageAdmins
	}
	if gl, ok := t.s.deps.Policy.(GroupLevel); ok {
		return gl.ManageRight(g)
	}
	return policy.ActionManageUsers
}

func (t *usersTab) startNew() {
	if t.s.managed() {
		return
	}
	t.editing = nil
	t.code.SetText(lang.X("admin.users.code_new", "assigned on saving"))
	t.login.SetText("")
	t.login.Enable()
	t.fullName.SetText("")
	t.group.ClearSelected()
	t.receipt.SetText("")
	t.inn.SetText("")
	t.journal.SetText("1")
	t.active.SetChecked(true)
	t.active.Disable()
	t.reset.Disable()
	t.enrolBtn.Disable()
	t.pin.SetText("")
	t.pinSet.Disable()
	t.pinClear.Disable()
	t.badges.RemoveAll()
	t.hint.Hide()
	t.card.Show()
	t.card.Refresh()
}

func (t *usersTab) edit(u User) {
	cp := u
	t.editing = &cp
	t.code.SetText(strconv.FormatInt(int64(u.ID), 10))
	t.login.SetText(u.Login)
	t.login.Disable()
	t.fullName.SetText(u.FullName)
	t.group.SetSelected(t.groupName(u.Group))
	t.receipt.SetText(u.ReceiptName)
	t.inn.SetText(u.INN)
	t.journal.SetText(strconv.Itoa(u.JournalDays))
	t.active.SetChecked(u.Active)
	t.active.Enable()
	t.reset.Enable()
	t.enrolBtn.Enable()
	t.pin.SetText("")
	t.pinSet.Enable()
	t.pinClear.Enable()
	t.hint.Hide()
	if t.s.deps.Managed {
		for _, w := range []fyne.Disableable{t.save, t.reset, t.enrolBtn, t.pinSet, t.pinClear, t.active, t.fullName, t.receipt, t.inn, t.journal, t.pin, t.group} {
			w.Disable()
		}
	}
	t.card.Show()
	t.loadBadges(u.ID)
	t.loadLock(u.ID)
}

// loadLock shows whether the user is locked out after failed sign-in,
// unlock or approval attempts, and offers to lift it.
func (t *usersTab) loadLock(id policy.UserID) {
	t.locked.Hide()
	t.lift.Hide()
	lo, ok := t.s.deps.Store.(Lockouts)
	if !ok {
		return
	}
	now := time.Now
	if t.s.deps.Now != nil {
		now = t.s.deps.Now
	}
	var until time.Time
	t.s.load(func(ctx context.Context) error {
		var err error
		until, err = lo.LockedUntil(ctx, id, now())
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		if t.editing == nil || t.editing.ID != id || until.IsZero() {
			return
		}
		t.locked.SetText(lang.X("admin.users.locked", "Locked out until {{.Until}} after too many failed attempts.",
			map[string]any{"Until": until.In(now().Location()).Format("15:04")}))
		t.locked.Show()
		t.lift.Show()
		t.card.Refresh()
	})
}

// liftLockout lets a locked-out user try again at once; it needs the right
// to manage that user, and the store audits it.
func (t *usersTab) liftLockout() {
	lo, ok := t.s.deps.Store.(Lockouts)
	if t.editing == nil || !ok {
		return
	}
	u := *t.editing
	if !t.s.allowed(t.rightFor(u.Group)) {
		return
	}
	me := t.s.deps.Policy.Actor()
	t.s.run(func(ctx context.Context) error {
		return lo.LiftLockout(ctx, u.ID, me)
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.locked.Hide()
		t.lift.Hide()
		t.s.done(lang.X("admin.users.lifted", "{{.Login}} may try again now.", map[string]any{"Login": u.Login}))
	})
}

// cardInput reads the card's fields, or says what is wrong with them.
func (t *usersTab) cardInput() (User, bool) {
	var u User
	if t.editing != nil {
		u = *t.editing
	}
	u.Login = strings.TrimSpace(t.login.Text)
	u.FullName = strings.TrimSpace(t.fullName.Text)
	u.ReceiptName = strings.TrimSpace(t.receipt.Text)
	u.INN = strings.TrimSpace(t.inn.Text)
	u.Active = t.active.Checked
	g, ok := t.groupByName(t.group.Selected)
	switch {
	case u.Login == "":
		t.s.showStatus(true, lang.X("admin.users.login_missing", "Enter a login."))
		return u, false
	case !ok:
		t.s.showStatus(true, lang.X("admin.users.group_missing", "Choose a group."))
		return u, false
	case t.inn.Validate() != nil:
		t.s.showStatus(true, t.inn.Validate().Error())
		return u, false
	case t.journal.Validate() != nil:
		t.s.showStatus(true, t.journal.Validate().Error())
		return u, false
	}
	u.Group = g
	u.JournalDays, _ = strconv.Atoi(strings.TrimSpace(t.journal.Text))
	if u.ReceiptName == "" {
		u.ReceiptName = u.FullName
	}
	return u, true
}

func (t *usersTab) saveCard() {
	if t.s.managed() {
		return
	}
	u, ok := t.cardInput()
	if !ok {
		return
	}
	if t.editing == nil {
		t.create(u)
		return
	}
	old := *t.editing
	me := t.s.deps.Policy.Actor()
	own := old.ID == me.User || (me.Approver != 0 && old.ID == me.Approver)
	if own && (u.Group != old.Group || !u.Active) {
		t.s.showStatus(true, lang.X("admin.users.own_rights", "You cannot change your own group or deactivate yourself: ask another administrator."))
		return
	}
	// Both the group the user is in and the one they go to: a standard-user
	// admin may neither edit an administrator nor make someone one.
	if !t.s.allowed(t.rightFor(old.Group)) || !t.s.allowed(t.rightFor(u.Group)) {
		return
	}
	t.s.run(func(ctx context.Context) error {
		return t.s.deps.Store.UpdateUser(ctx, u, me)
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.editing = &u
		t.s.done(lang.X("admin.users.saved", "User {{.Login}} saved.", map[string]any{"Login": u.Login}))
		t.reload()
	})
}

func (t *usersTab) create(u User) {
	if t.s.managed() {
		return
	}
	if !t.s.allowed(t.rightFor(u.Group)) {
		return
	}
	me := t.s.deps.Policy.Actor()
	var created User
	var pw string
	t.s.run(func(ctx context.Context) error {
		var err error
		created, pw, err = t.s.deps.Store.CreateUser(ctx, NewUser{
			Login: u.Login, FullName: u.FullName, Group: u.Group, ReceiptName: u.ReceiptName, INN: u.INN, JournalDays: u.JournalDays,
		}, me)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.editing = &created
		t.s.done(lang.X("admin.users.created", "User {{.Login}} created.", map[string]any{"Login": created.Login}))
		t.showPassword(created, pw)
		t.reload()
	})
}

// showPassword shows a generated initial password once, and prints it on
// the register's tape when the till can. It is not kept anywhere: the store
// has only its hash.
func (t *usersTab) showPassword(u User, pw string) {
	t.password = widget.NewEntry()
	t.password.SetText(pw)
	t.password.TextStyle = fyne.TextStyle{Monospace: true}
	t.password.Disable() // selectable, not editable
	// A disabled entry's text is faint; the big copy is the one to read out.
	big := widget.NewLabelWithStyle(pw, fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	big.SizeName = theme.SizeNameHeadingText
	note := widget.NewLabel(lang.X("admin.users.password_note",
		"This initial password is shown only now. Give it to {{.Name}}: it must be changed at the first sign-in.",
		map[string]any{"Name": displayName(u)}))
	note.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(note, big, t.password)
	if printPW := t.s.deps.PrintPassword; printPW != nil {
		printed := widget.NewLabel("")
		printed.Wrapping = fyne.TextWrapWord
		var btn *widget.Button
		btn = widget.NewButtonWithIcon(lang.X("admin.users.password_print", "Print on the register"), theme.DocumentPrintIcon(), func() {
			btn.Disable()
			t.s.load(func(ctx context.Context) error { return printPW(ctx, u, pw) }, func(err error) {
				btn.Enable()
				if err != nil {
					printed.Importance = widget.DangerImportance
					printed.SetText(errText(err))
					return
				}
				printed.Importance = widget.SuccessImportance
				printed.SetText(lang.X("admin.users.password_printed", "Printed: tear it off and hand it over."))
			})
		})
		t.printBtn = btn
		body.Add(btn)
		body.Add(printed)
	}
	d := dialog.NewCustom(lang.X("admin.users.password_title", "Initial password"), lang.X("admin.close", "Close"),
		body, t.s.win)
	d.Resize(fyne.NewSize(420, 220))
	t.s.showKeyed(d, nil, func() { t.password = nil }) // Enter closes it, as its only button does
}

func displayName(u User) string {
	if u.FullName != "" {
		return u.FullName
	}
	return u.Login
}

func (t *usersTab) resetPassword() {
	if t.s.managed() {
		return
	}
	if t.editing == nil {
		return
	}
	u := *t.editing
	if !t.s.allowed(t.rightFor(u.Group)) {
		return
	}
	me := t.s.deps.Policy.Actor()
	var pw string
	t.s.run(func(ctx context.Context) error {
		var err error
		pw, err = t.s.deps.Store.ResetPassword(ctx, u.Login, me)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.s.done(lang.X("admin.users.reset_done", "{{.Login}} has a new initial password.", map[string]any{"Login": u.Login}))
		t.showPassword(u, pw)
		t.reload()
	})
}

func (t *usersTab) loadBadges(id policy.UserID) {
	var bs []Badge
	t.s.load(func(ctx context.Context) error {
		var err error
		bs, err = t.s.deps.Store.Badges(ctx, id)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		if t.editing == nil || t.editing.ID != id {
			return
		}
		t.badges.RemoveAll()
		if len(bs) == 0 {
			t.badges.Add(widget.NewLabel(lang.X("admin.badges.none", "No badge enrolled.")))
		}
		for _, b := range slices.Clone(bs) {
			t.badges.Add(container.NewHBox(
				widget.NewLabel(lang.X("admin.badges.row", "Badge …{{.Hint}}, enrolled {{.Date}}",
					map[string]any{"Hint": b.Hint, "Date": b.Created.Local().Format("2006-01-02")})),
				widget.NewButtonWithIcon(lang.X("admin.badges.revoke", "Revoke"), theme.DeleteIcon(), func() { t.revoke(b) }),
			))
		}
		t.card.Refresh()
	})
}

// setPIN sets or clears (pin "") the user's approval PIN. It needs the
// right to manage the user, like a password reset; the PIN is never shown
// again.
func (t *usersTab) setPIN(pin string) {
	if t.s.managed() {
		return
	}
	if t.editing == nil {
		return
	}
	u := *t.editing
	if pin != "" && !validPIN(pin) {
		t.s.showStatus(true, lang.X("admin.users.pin_invalid", "A PIN is 4 to 12 digits."))
		return
	}
	if !t.s.allowed(t.rightFor(u.Group)) {
		return
	}
	me := t.s.deps.Policy.Actor()
	t.s.run(func(ctx context.Context) error {
		return t.s.deps.Store.SetPIN(ctx, u.ID, pin, me)
	}, func(err error) {
		t.pin.SetText("")
		if err != nil {
			t.s.fail(err)
			return
		}
		if pin == "" {
			t.s.done(lang.X("admin.users.pin_cleared", "The PIN of {{.Login}} is cleared.", map[string]any{"Login": u.Login}))
			return
		}
		t.s.done(lang.X("admin.users.pin_saved", "The PIN of {{.Login}} is set.", map[string]any{"Login": u.Login}))
	})
}

func validPIN(pin string) bool {
	if len(pin) < 4 || len(pin) > 12 {
		return false
	}
	for _, c := range pin {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// MsgPINTaken is what cmd/till answers for a PIN another user has: it says
// no more than that the PIN cannot be used.
var MsgPINTaken = policy.Message{Key: "admin.users.pin_taken", Fallback: "This PIN cannot be used: choose another one."}
