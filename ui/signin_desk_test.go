package ui

import (
	"testing"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/store"
)

func demo(t *testing.T, login string) store.DemoUser {
	t.Helper()
	for _, u := range store.DemoUsers {
		if u.Login == login {
			return u
		}
	}
	t.Fatalf("no demo user %s", login)
	return store.DemoUser{}
}

// A badge on the login screen signs in through the desk, and the same
// badge unlocks the locked till; someone else's badge does not.
func TestBadgeSignInAndUnlockThroughDesk(t *testing.T) {
	r := newRig(t, "en")
	sup := demo(t, "supervisor")
	r.a.HandleInput(device.Badge{ID: device.NewBadgeID(sup.Badge)})
	if _, ok := r.a.screen.(*MainScreen); !ok {
		t.Fatalf("badge sign-in left the screen at %T", r.a.screen)
	}
	if st := r.d.Session(); st.Cashier == 0 {
		t.Fatal("the desk is not signed in")
	}
	r.a.Lock()
	l := r.a.screen.(*LockScreen)
	r.a.HandleInput(device.Badge{ID: device.NewBadgeID(demo(t, "admin").Badge)})
	if r.a.screen != l || l.ErrorText() == "" {
		t.Fatalf("another user's badge: screen %T, error %q", r.a.screen, l.ErrorText())
	}
	r.a.HandleInput(device.Badge{ID: device.NewBadgeID(sup.Badge)})
	if _, ok := r.a.screen.(*MainScreen); !ok {
		t.Fatalf("own badge did not unlock: %T %q", r.a.screen, l.ErrorText())
	}
}

// The forced change: until the new password is saved the desk refuses
// to sell; afterwards the sale screen sells.
func TestForcedChangeThroughDesk(t *testing.T) {
	r := newRig(t, "en")
	nb := demo(t, "newbie")
	loginAs(t, r.a, r.w, nb.Login, nb.Password)
	c, ok := r.a.screen.(*ChangePasswordScreen)
	if !ok {
		t.Fatalf("screen %T, want the change", r.a.screen)
	}
	c.newPass.SetText("river2024")
	c.repeat.SetText("river2024")
	c.Submit()
	m := r.main()
	r.scan(r.item(0).Barcode)
	if n := len(m.sale.model.rows); n != 1 {
		t.Errorf("after the change a scan gives %d lines (notice %q)", n, r.notice())
	}
}
