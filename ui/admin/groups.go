package admin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/policy"
)

// groupsTab lists the groups and edits one group's row of the matrix:
// actions by category with checkboxes, limits in their units.
type groupsTab struct {
	s       *Screen
	content fyne.CanvasObject
	denied  *widget.Label

	groups []Group
	matrix policy.Matrix
	list   *widget.List
	sel    policy.GroupID // 0: none

	// the editor: a copy of the selected group's rights until Save
	actions  map[policy.Action]bool
	limits   map[policy.Limit]int64
	filter   *widget.Entry
	copyFrom *widget.Select
	checks   map[policy.Action]*widget.Check
	catLabel map[policy.Category]*widget.Label
	catGrid  map[policy.Category]*fyne.Container
	rows     *fyne.Container
	limitIn  map[policy.Limit]*widget.Entry
	limitBox *widget.Form
	editor   *fyne.Container
	scroll   *container.Scroll
	heading  *widget.Label
	unsaved  *dialog.CustomDialog // "save, discard or keep editing?", for tests
}

func newGroupsTab(s *Screen) *groupsTab {
	t := &groupsTab{s: s, checks: map[policy.Action]*widget.Check{}, catLabel: map[policy.Category]*widget.Label{}, limitIn: map[policy.Limit]*widget.Entry{}}
	t.denied = widget.NewLabel("")
	t.denied.Wrapping = fyne.TextWrapWord
	t.denied.Hide()
	t.list = widget.NewList(
		func() int { return len(t.groups) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			g := t.groups[i]
			o.(*widget.Label).SetText(lang.X("admin.groups.row", "{{.Name}} (users: {{.Users}})", map[string]any{"Name": g.Name, "Users": g.Users}))
		},
	)
	t.list.OnSelected = func(i widget.ListItemID) {
		if i >= len(t.groups) || t.groups[i].ID == t.sel {
			return
		}
		if t.sel != 0 && t.dirty() {
			t.askUnsaved(t.groups[i].ID) // never lose edits silently
			return
		}
		t.open(t.groups[i].ID)
	}
	newBtn := widget.NewButtonWithIcon(lang.X("admin.groups.new", "New group"), theme.ContentAddIcon(), t.newGroup)
	renameBtn := widget.NewButton(lang.X("admin.groups.rename", "Rename"), t.renameGroup)
	deleteBtn := widget.NewButtonWithIcon(lang.X("admin.groups.delete", "Delete"), theme.DeleteIcon(), t.deleteGroup)

	t.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	t.filter = widget.NewEntry()
	t.filter.SetPlaceHolder(lang.X("admin.groups.filter", "Filter actions by name"))
	t.filter.OnChanged = func(string) { t.applyFilter() }
	t.copyFrom = widget.NewSelect(nil, nil)
	t.copyFrom.PlaceHolder = lang.X("admin.groups.copy_from", "Copy permissions from")
	copyBtn := widget.NewButton(lang.X("admin.groups.copy", "Copy"), t.copyRights)
	saveBtn := widget.NewButtonWithIcon(lang.X("admin.groups.save", "Save permissions"), theme.DocumentSaveIcon(), t.save)
	saveBtn.Importance = widget.HighImportance
	if s.deps.Managed {
		for _, b := range []*widget.Button{newBtn, renameBtn, deleteBtn, copyBtn, saveBtn} {
			b.Disable()
		}
	}

	t.rows = container.NewVBox()
	for _, c := range policy.Categories() {
		l := widget.NewLabelWithStyle(lang.X(c.NameKey, c.Name), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		t.catLabel[c.ID] = l
	}
	t.limitBox = widget.NewForm()
	for _, li := range policy.Limits() {
		e := widget.NewEntry()
		info := li
		e.Validator = func(s string) error { _, err := parseLimit(info, s); return err }
		e.OnChanged = func(s string) {
			if v, err := parseLimit(info, s); err == nil && t.limits != nil {
				t.limits[info.ID] = v
			}
		}
		t.limitIn[li.ID] = e
		if s.deps.Managed {
			e.Disable()
		}
		t.limitBox.Append(lang.X(li.NameKey, li.Name), container.NewBorder(nil, nil, nil, widget.NewLabel(unitLabel(li)), e))
	}
	t.editor = container.NewVBox(t.heading,
		container.NewHBox(t.copyFrom, copyBtn, saveBtn),
		t.filter,
		t.rows,
		widget.NewLabelWithStyle(lang.X("admin.groups.limits", "Limits"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		t.limitBox)
	t.editor.Hide()

	left := container.NewBorder(container.NewVBox(t.denied, container.NewHBox(newBtn, renameBtn, deleteBtn)), nil, nil, nil, t.list)
	// Both directions: long names in some languages must not push the
	// buttons off a narrow window.
	t.scroll = container.NewScroll(t.editor)
	split := container.NewHSplit(left, t.scroll)
	split.Offset = 0.25
	t.content = split
	return t
}

func (t *groupsTab) reload() {
	if !t.s.can(policy.ActionManageSecurity) {
		_, m := t.s.deps.Policy.Decide(policy.ActionManageSecurity)
		t.denied.SetText(tr(m))
		t.denied.Show()
		t.groups = nil
		t.list.Refresh()
		t.editor.Hide()
		return
	}
	t.denied.Hide()
	var gs []Group
	var m policy.Matrix
	t.s.load(func(ctx context.Context) error {
		var err error
		if gs, err = t.s.deps.Store.Groups(ctx); err != nil {
			return err
		}
		m, err = t.s.deps.Store.LoadMatrix(ctx)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		keep := t.sel != 0 && t.dirty() // a reload keeps unsaved edits
		t.groups, t.matrix = gs, m
		names := make([]string, 0, len(gs))
		for _, g := range gs {
			names = append(names, g.Name)
		}
		t.copyFrom.SetOptions(names)
		t.list.Refresh()
		// Keep the list's selection on the group being edited (a new
		// one after Create), so the list and the editor agree.
		for i, g := range gs {
			if g.ID == t.sel {
				t.list.Select(i)
				if !keep {
					t.open(t.sel)
				}
				return
			}
		}
		t.list.UnselectAll()
		t.sel = 0
		t.editor.Hide()
	})
}

func (t *groupsTab) group(id policy.GroupID) (policy.Group, bool) {
	for _, g := range t.matrix.Groups {
		if g.ID == id {
			return g, true
		}
	}
	return policy.Group{}, false
}

func (t *groupsTab) selected() (Group, bool) {
	for _, g := range t.groups {
		if g.ID == t.sel {
			return g, true
		}
	}
	return Group{}, false
}

// actionList is the catalogue plus any action the matrix carries that this
// till does not know (a newer till's bundle), so its rows survive an edit.
func (t *groupsTab) actionList() []policy.ActionInfo {
	acts := policy.Catalogue()
	known := map[policy.Action]bool{}
	for _, a := range acts {
		known[a.ID] = true
	}
	var extra []policy.Action
	for _, g := range t.matrix.Groups {
		for a := range g.Actions {
			if !known[a] {
				known[a] = true
				extra = append(extra, a)
			}
		}
	}
	slices.Sort(extra)
	for _, a := range extra {
		acts = append(acts, policy.ActionInfo{ID: a, Category: policy.CategoryOther, NameKey: "policy.action." + string(a), Name: string(a)})
	}
	return acts
}

// dirty says whether the editor holds changes the matrix does not have:
// a right ticked or cleared, a limit typed (or copied from another group).
func (t *groupsTab) dirty() bool {
	g, ok := t.group(t.sel)
	if !ok || t.actions == nil {
		return false
	}
	for _, a := range t.actionList() {
		if t.actions[a.ID] != g.Actions[a.ID] {
			return true
		}
	}
	for _, li := range policy.Limits() {
		v, err := parseLimit(li, t.limitIn[li.ID].Text)
		if err != nil || v != g.Limits[li.ID] {
			return true
		}
	}
	return false
}

// askUnsaved is switching to group next with unsaved edits: save them,
// discard them, or stay on the group being edited.
func (t *groupsTab) askUnsaved(next policy.GroupID) {
	cur := t.sel
	name := ""
	if g, ok := t.groupInfo(cur); ok {
		name = g.Name
	}
	reselect := func() {
		for i, g := range t.groups {
			if g.ID == cur {
				t.list.Select(i)
			}
		}
	}
	var d *dialog.CustomDialog
	save := widget.NewButtonWithIcon(lang.X("admin.groups.unsaved_save", "Save"), theme.DocumentSaveIcon(), func() {
		d.Hide()
		t.saveThen(func() { t.selectGroup(next) })
	})
	save.Importance = widget.HighImportance
	discard := widget.NewButtonWithIcon(lang.X("admin.groups.unsaved_discard", "Discard changes"), theme.DeleteIcon(), func() {
		d.Hide()
		t.actions = nil // nothing to keep
		t.selectGroup(next)
	})
	stay := widget.NewButton(lang.X("admin.groups.unsaved_stay", "Keep editing"), func() {
		d.Hide()
		reselect()
	})
	msg := widget.NewLabel(lang.X("admin.groups.unsaved", "The permissions of {{.Name}} have unsaved changes.", map[string]any{"Name": name}))
	msg.Wrapping = fyne.TextWrapWord
	d = dialog.NewCustomWithoutButtons(lang.X("admin.groups.unsaved_title", "Unsaved changes"),
		container.NewVBox(msg, container.NewGridWithColumns(3, stay, discard, save)), t.s.win)
	d.Resize(fyne.NewSize(560, 200))
	t.unsaved = d
	d.Show()
	reselect() // until the answer the list shows the group being edited
}

// selectGroup opens group id and selects it in the list.
func (t *groupsTab) selectGroup(id policy.GroupID) {
	t.open(id)
	for i, g := range t.groups {
		if g.ID == id {
			t.list.Select(i)
		}
	}
}

func (t *groupsTab) groupInfo(id policy.GroupID) (Group, bool) {
	for _, g := range t.groups {
		if g.ID == id {
			return g, true
		}
	}
	return Group{}, false
}

// open loads a group into the editor.
func (t *groupsTab) open(id policy.GroupID) {
	g, ok := t.group(id)
	if !ok {
		t.sel = 0
		t.editor.Hide()
		return
	}
	t.sel = id
	t.actions = maps.Clone(g.Actions)
	if t.actions == nil {
		t.actions = map[policy.Action]bool{}
	}
	t.limits = maps.Clone(g.Limits)
	if t.limits == nil {
		t.limits = map[policy.Limit]int64{}
	}
	t.heading.SetText(lang.X("admin.groups.editing", "Permissions of {{.Name}}", map[string]any{"Name": g.Name}))
	t.buildRows()
	t.editor.Show()
}

func (t *groupsTab) buildRows() {
	t.rows.RemoveAll()
	t.checks = map[policy.Action]*widget.Check{}
	t.catGrid = map[policy.Category]*fyne.Container{}
	byCat := map[policy.Category][]policy.ActionInfo{}
	for _, a := range t.actionList() {
		byCat[a.Category] = append(byCat[a.Category], a)
	}
	for _, c := range policy.Categories() {
		if len(byCat[c.ID]) == 0 {
			continue
		}
		t.rows.Add(t.catLabel[c.ID])
		grid := container.NewGridWithColumns(2)
		t.catGrid[c.ID] = grid
		t.rows.Add(grid)
		for _, a := range byCat[c.ID] {
			id := a.ID
			ch := widget.NewCheck(lang.X(a.NameKey, a.Name), func(on bool) {
				if t.actions != nil {
					t.actions[id] = on
				}
			})
			ch.SetChecked(t.actions[id])
			if t.s.deps.Managed {
				ch.Disable()
			}
			t.checks[id] = ch
			grid.Add(ch)
		}
	}
	for _, li := range policy.Limits() {
		t.limitIn[li.ID].SetText(limitText(li, t.limits[li.ID]))
	}
	t.applyFilter()
}

// applyFilter shows the actions whose name (in the window's language) or ID
// contains the filter text, and the categories that still have one.
func (t *groupsTab) applyFilter() {
	q := strings.ToLower(strings.TrimSpace(t.filter.Text))
	shown := map[policy.Category]bool{}
	for _, a := range t.actionList() {
		ch := t.checks[a.ID]
		if ch == nil {
			continue
		}
		if q == "" || strings.Contains(strings.ToLower(ch.Text), q) || strings.Contains(string(a.ID), q) {
			ch.Show()
			shown[a.Category] = true
		} else {
			ch.Hide()
		}
	}
	for c, l := range t.catLabel {
		l.Hidden = !shown[c]
		if g := t.catGrid[c]; g != nil {
			g.Hidden = !shown[c]
		}
	}
	// The rows changed size: lay the editor and its scroll out again.
	t.rows.Refresh()
	t.editor.Refresh()
	t.scroll.Refresh()
}

// copyRights fills the editor with another group's rights; Save writes
// them.
func (t *groupsTab) copyRights() {
	if t.sel == 0 || t.copyFrom.Selected == "" {
		return
	}
	for _, g := range t.groups {
		if g.Name == t.copyFrom.Selected {
			src, ok := t.group(g.ID)
			if !ok {
				return
			}
			t.actions = maps.Clone(src.Actions)
			if t.actions == nil {
				t.actions = map[policy.Action]bool{}
			}
			t.limits = maps.Clone(src.Limits)
			if t.limits == nil {
				t.limits = map[policy.Limit]int64{}
			}
			t.buildRows()
			t.s.done(lang.X("admin.groups.copied", "Permissions of {{.From}} copied: save to keep them.", map[string]any{"From": g.Name}))
			return
		}
	}
}

// save writes the edited row as a new matrix version. The matrix is read
// again inside the work, so a change made meanwhile (another group, a user)
// is kept and only this group's row is replaced.
func (t *groupsTab) save() { t.saveThen(nil) }

// saveThen saves and, when that worked, runs then.
func (t *groupsTab) saveThen(then func()) {
	if t.s.managed() {
		return
	}
	if t.sel == 0 || !t.s.allowed(policy.ActionManageSecurity) {
		return
	}
	for _, li := range policy.Limits() {
		v, err := parseLimit(li, t.limitIn[li.ID].Text)
		if err != nil {
			t.s.showStatus(true, fmt.Sprintf("%s: %s", lang.X(li.NameKey, li.Name), err.Error()))
			return
		}
		t.limits[li.ID] = v
	}
	id := t.sel
	acts := maps.Clone(t.actions)
	lims := maps.Clone(t.limits)
	me := t.s.deps.Policy.Actor()
	var version int64
	t.s.run(func(ctx context.Context) error {
		m, err := t.s.deps.Store.LoadMatrix(ctx)
		if err != nil {
			return err
		}
		found := false
		for i := range m.Groups {
			if m.Groups[i].ID == id {
				m.Groups[i].Actions, m.Groups[i].Limits = acts, lims
				found = true
			}
		}
		if !found {
			return fmt.Errorf("group #%d is gone", id)
		}
		version, err = t.s.deps.Store.SaveMatrix(ctx, m, me)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.s.done(lang.X("admin.groups.saved", "Permissions saved: matrix version {{.Version}} is in force.", map[string]any{"Version": version}))
		t.actions = nil // saved: the reload reads them back
		t.s.Reload()
		if then != nil {
			then()
		}
	})
}

func (t *groupsTab) newGroup() {
	if t.s.managed() {
		return
	}
	if !t.s.allowed(policy.ActionManageSecurity) {
		return
	}
	name := widget.NewEntry()
	from := widget.NewSelect(append([]string{lang.X("admin.groups.copy_none", "(nothing)")}, t.copyFrom.Options...), nil)
	from.SetSelectedIndex(0)
	items := []*widget.FormItem{
		widget.NewFormItem(lang.X("admin.groups.name", "Name"), name),
		widget.NewFormItem(lang.X("admin.groups.copy_from", "Copy permissions from"), from),
	}
	dialog.ShowForm(lang.X("admin.groups.new", "New group"), lang.X("admin.create", "Create"), lang.X("admin.cancel", "Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		var src policy.GroupID
		if i := from.SelectedIndex(); i > 0 {
			src = t.groups[i-1].ID
		}
		t.create(name.Text, src)
	}, t.s.win)
}

func (t *groupsTab) create(name string, copyFrom policy.GroupID) {
	me := t.s.deps.Policy.Actor()
	var id policy.GroupID
	t.s.run(func(ctx context.Context) error {
		var err error
		id, err = t.s.deps.Store.CreateGroup(ctx, name, copyFrom, me)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.sel = id
		t.s.done(lang.X("admin.groups.created", "Group {{.Name}} created.", map[string]any{"Name": strings.TrimSpace(name)}))
		t.s.Reload()
	})
}

func (t *groupsTab) renameGroup() {
	if t.s.managed() {
		return
	}
	g, ok := t.selected()
	if !ok || !t.s.allowed(policy.ActionManageSecurity) {
		return
	}
	name := widget.NewEntry()
	name.SetText(g.Name)
	dialog.ShowForm(lang.X("admin.groups.rename", "Rename"), lang.X("admin.save", "Save"), lang.X("admin.cancel", "Cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.X("admin.groups.name", "Name"), name)}, func(ok bool) {
			if ok {
				t.rename(g.ID, name.Text)
			}
		}, t.s.win)
}

func (t *groupsTab) rename(id policy.GroupID, name string) {
	me := t.s.deps.Policy.Actor()
	t.s.run(func(ctx context.Context) error {
		return t.s.deps.Store.RenameGroup(ctx, id, name, me)
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.s.done(lang.X("admin.groups.renamed", "Group renamed to {{.Name}}.", map[string]any{"Name": strings.TrimSpace(name)}))
		t.s.Reload()
	})
}

func (t *groupsTab) deleteGroup() {
	if t.s.managed() {
		return
	}
	g, ok := t.selected()
	if !ok || !t.s.allowed(policy.ActionManageSecurity) {
		return
	}
	if g.Users > 0 {
		t.s.showStatus(true, lang.X("admin.groups.in_use", "{{.Name}} still has {{.Users}} users: move them to another group first.",
			map[string]any{"Name": g.Name, "Users": g.Users}))
		return
	}
	t.s.confirmKeyed(lang.X("admin.groups.delete", "Delete"),
		lang.X("admin.groups.delete_confirm", "Delete the group {{.Name}}?", map[string]any{"Name": g.Name}),
		func(ok bool) {
			if ok {
				t.remove(g)
			}
		})
}

func (t *groupsTab) remove(g Group) {
	me := t.s.deps.Policy.Actor()
	t.s.run(func(ctx context.Context) error {
		return t.s.deps.Store.DeleteGroup(ctx, g.ID, me)
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.sel = 0
		t.editor.Hide()
		t.s.done(lang.X("admin.groups.deleted", "Group {{.Name}} deleted.", map[string]any{"Name": g.Name}))
		t.s.Reload()
	})
}
