package admin

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// ownCard refuses badge changes on the acting person's own card (the
// cashier's or the approver's whose rights are in use): a badge is a
// credential, and whoever could bind a card to themselves could sign in
// with a card someone else handed them.
func (t *usersTab) ownCard(u User) bool {
	me := t.s.deps.Policy.Actor()
	if u.ID == me.User || (me.Approver != 0 && u.ID == me.Approver) {
		t.s.showStatus(true, lang.X("admin.badges.own", "Nobody enrols or changes a badge on their own card: ask another administrator."))
		return true
	}
	return false
}

// mayBadge: badges.manage, and the right to manage the card's holder (a
// badge on an administrator's card signs in as that administrator).
func (t *usersTab) mayBadge(u User) bool {
	return !t.ownCard(u) && !t.s.managed() && t.s.allowed(policy.ActionManageBadges) && t.s.allowed(t.rightFor(u.Group))
}

func (t *usersTab) enrolBadge() {
	if t.editing == nil {
		return
	}
	u := *t.editing
	if !t.mayBadge(u) {
		return
	}
	t.s.enrol = newEnrolDialog(t, u)
}

func (t *usersTab) revoke(b Badge) {
	if t.editing == nil {
		return
	}
	u := *t.editing
	if !t.mayBadge(u) {
		return
	}
	me := t.s.deps.Policy.Actor()
	t.s.run(func(ctx context.Context) error {
		return t.s.deps.Store.RevokeBadge(ctx, b.ID, me)
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.s.done(lang.X("admin.badges.revoked", "Badge …{{.Hint}} revoked.", map[string]any{"Hint": b.Hint}))
		t.loadBadges(u.ID)
	})
}

// enrolDialog waits for a badge from any reader: the window routes every
// input event to Screen.HandleInput while it is open.
type enrolDialog struct {
	t      *usersTab
	user   User
	d      *dialog.CustomDialog
	prompt *widget.Label
	busy   bool
}

func newEnrolDialog(t *usersTab, u User) *enrolDialog {
	e := &enrolDialog{t: t, user: u}
	e.prompt = widget.NewLabel(lang.X("admin.badges.prompt", "Present {{.Name}}'s badge to a reader or swipe the card.",
		map[string]any{"Name": displayName(u)}))
	e.prompt.Wrapping = fyne.TextWrapWord
	e.d = dialog.NewCustom(lang.X("admin.badges.enrol", "Enrol badge"), lang.X("admin.cancel", "Cancel"),
		container.NewVBox(e.prompt, widget.NewProgressBarInfinite()), t.s.win)
	e.d.SetOnClosed(func() {
		if t.s.enrol == e {
			t.s.enrol = nil
		}
	})
	e.d.Resize(fyne.NewSize(420, 180))
	e.d.Show()
	return e
}

func (e *enrolDialog) handle(ev device.InputEvent) {
	if e.busy {
		return
	}
	if f := e.t.s.deps.BadgeFromEvent; f != nil {
		ev = f(ev)
	}
	switch ev := ev.(type) {
	case device.Badge:
		e.enrol(ev.ID)
	case device.ReadError:
		e.prompt.SetText(lang.X(ev.Key, ev.Fallback, ev.Args))
	default:
		e.prompt.SetText(lang.X("admin.badges.not_badge", "That was not a badge. Present the badge or swipe the card."))
	}
}

func (e *enrolDialog) enrol(id device.BadgeID) {
	s := e.t.s
	me := s.deps.Policy.Actor()
	e.busy = true
	var b Badge
	s.run(func(ctx context.Context) error {
		var err error
		b, err = s.deps.Store.EnrolBadge(ctx, e.user.ID, id, me)
		return err
	}, func(err error) {
		e.busy = false
		if err != nil {
			e.prompt.SetText(errText(err))
			return
		}
		e.d.Hide()
		s.done(lang.X("admin.badges.enrolled", "Badge …{{.Hint}} enrolled for {{.Name}}.",
			map[string]any{"Hint": b.Hint, "Name": displayName(e.user)}))
		e.t.loadBadges(e.user.ID)
	})
}
