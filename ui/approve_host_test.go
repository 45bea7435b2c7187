package ui

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui/approve"
)

// hostApprove wires the real supervisor dialog as cmd/till does.
func hostApprove(r *rig) {
	r.deps.Approve = func(win fyne.Window, p *desk.Pending, done func(error)) InputSink {
		return approve.Show(win, approve.Options{
			Desk: r.d, Pending: p,
			Async: func(f func()) { f() }, Do: func(f func()) { f() },
			Done: func(err error) {
				if errors.Is(err, approve.ErrCancelled) {
					err = errors.Join(ErrCancelled, err)
				}
				done(err)
			},
		})
	}
}

// Issue 7's story on the sale screen: the cashier's 15 % discount is
// denied with its reason; "Ask supervisor" opens the dialog in card mode;
// the supervisor's badge, read by a reader (routed by the window to the
// open dialog first), approves that one discount; the next one is denied
// again. The bill stays the cashier's.
func TestAskSupervisorByBadge(t *testing.T) {
	r := newRig(t, "en")
	if err := r.db.SetSetting(context.Background(), desk.SettingApprovalMode, string(desk.ModeCard), store.Actor{Terminal: "test"}); err != nil {
		t.Fatal(err)
	}
	hostApprove(r)
	r.startApp()
	m := r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	r.press("line_discount")
	r.formSubmit("15")
	ask := m.notice.button(translation(t, "en", "ui.deny.ask"))
	if ask == nil || ask.Disabled() {
		t.Fatalf("no Ask supervisor on %q", r.notice())
	}
	test.Tap(ask)
	if len(r.a.sinks) != 1 {
		t.Fatalf("the dialog is not on the input stack (%d sinks)", len(r.a.sinks))
	}
	var sup store.DemoUser
	for _, u := range store.DemoUsers {
		if u.Login == "supervisor" {
			sup = u
		}
	}
	if !r.a.HandleInput(device.Badge{Source: device.Source{Name: "badge", Role: device.RoleBadge}, ID: device.NewBadgeID(sup.Badge)}) {
		t.Fatal("nobody took the badge")
	}
	b, _ := r.bill()
	if b.Lines[0].Discount != (sale.Discount{Kind: sale.DiscountPercent, Value: 1500}) {
		t.Fatalf("discount after approval: %+v (notice %q)", b.Lines[0].Discount, r.notice())
	}
	if len(r.a.sinks) != 0 {
		t.Error("the dialog stayed on the input stack after approving")
	}
	if m.sale.model.rows[0].discount.Value != 1500 {
		t.Error("the screen does not show the approved discount")
	}
	u, err := r.db.UserByLogin(context.Background(), "cashier")
	if err != nil || b.CashierID != int64(u.ID) {
		t.Errorf("bill cashier %d, want the cashier %d (%v)", b.CashierID, u.ID, err)
	}
	// Checked afresh: the next 15 % is denied again.
	r.scan(r.item(1).Barcode)
	r.press("line_discount")
	r.formSubmit("15")
	if b, _ = r.bill(); b.Lines[1].Discount.Kind != sale.DiscountNone {
		t.Errorf("second discount went through on one approval: %+v", b.Lines[1].Discount)
	}
}

// Signing out with the dialog open closes it.
func TestLogoutClosesTheDialog(t *testing.T) {
	r := newRig(t, "en")
	hostApprove(r)
	r.startApp()
	m := r.signIn("cashier")
	r.scan(r.item(0).Barcode)
	m.sale.list.Select(0)
	r.press("void")
	test.Tap(m.notice.button(translation(t, "en", "ui.deny.ask")))
	if len(r.a.sinks) != 1 {
		t.Fatal("dialog not open")
	}
	r.a.Logout()
	if len(r.a.sinks) != 0 {
		t.Error("dialog still on the input stack after sign-out")
	}
}
