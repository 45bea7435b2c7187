package policy

import (
	"testing"
	"time"
)

func levelMatrix() Matrix {
	return Matrix{
		Version:  1,
		Settings: Settings{SecurityEnabled: true},
		Groups: []Group{
			{ID: 1, Name: "Cashiers", Actions: map[Action]bool{ActionSell: true, ActionDiscountLine: true}, Limits: map[Limit]int64{LimitDiscountLine: 500}},
			{ID: 2, Name: "Supervisors", Actions: map[Action]bool{ActionSell: true, ActionDiscountLine: true, ActionVoidLine: true, ActionImpersonate: true}, Limits: map[Limit]int64{LimitDiscountLine: 3000}},
			{ID: 3, Name: "User admins", Actions: map[Action]bool{ActionManageUsers: true}},
			{ID: 4, Name: "Admins", Actions: map[Action]bool{ActionManageUsers: true, ActionManageAdmins: true, ActionManageSecurity: true}},
			{ID: 5, Name: "Back office", Actions: map[Action]bool{ActionSell: true, ActionConfigure: true}},
			{ID: 6, Name: "Technicians", Actions: map[Action]bool{ActionDeviceSettings: true}},
		},
		Users: []User{{ID: 10, Login: "ua", Group: 3, Active: true}},
	}
}

// A standard-users admin manages cashiers; supervisors (who lend their
// rights), user admins, administrators, configuration and device people
// are the administrators' level.
func TestManageRightByGroupLevel(t *testing.T) {
	s, err := NewSnapshot(levelMatrix())
	if err != nil {
		t.Fatal(err)
	}
	for g, want := range map[GroupID]Action{
		1: ActionManageUsers, 2: ActionManageAdmins, 3: ActionManageAdmins, 4: ActionManageAdmins,
		5: ActionManageAdmins, 6: ActionManageAdmins, 99: ActionManageAdmins,
	} {
		if got := ManageRight(s, g); got != want {
			t.Errorf("ManageRight(group %d) = %s, want %s", g, got, want)
		}
	}
	if ManageRight(nil, 1) != ActionManageAdmins {
		t.Error("no snapshot must need the administrator right")
	}
}

func TestCheckThrottleGrows(t *testing.T) {
	set := DefaultLockout()
	var f []time.Time
	at := t0
	for i := 1; i <= 4; i++ {
		f = append(f, at)
		if l := CheckThrottle(f, at, set); l.Locked || l.Remaining != 5-i {
			t.Fatalf("after %d failures: %+v", i, l)
		}
		at = at.Add(time.Second)
	}
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}
	for i, w := range want {
		f = append(f, at)
		l := CheckThrottle(f, at, set)
		if !l.Locked || !l.Until.Equal(at.Add(w)) {
			t.Fatalf("failure %d: %+v, want locked until +%v", 5+i, l, w)
		}
		if l2 := CheckThrottle(f, at.Add(w), set); l2.Locked {
			t.Fatalf("failure %d: still locked after the wait", 5+i)
		}
		at = at.Add(w)
	}
	// Capped at the lock duration.
	for range 20 {
		f = append(f, at)
	}
	if l := CheckThrottle(f, at, set); !l.Until.Equal(at.Add(set.Lock)) {
		t.Errorf("cap: until %v, want %v", l.Until, at.Add(set.Lock))
	}
	// Old failures outside the window cost nothing.
	if l := CheckThrottle(f, at.Add(set.Window+time.Second), set); l.Locked || l.Remaining != 5 {
		t.Errorf("after the window: %+v", l)
	}
}

func TestThrottleAndLoginMessages(t *testing.T) {
	l := Lockout{Locked: true, Until: t0.Add(90 * time.Second)}
	if got := l.TillMessage().English(); got != "Too many unknown cards, PINs or logins on this till: try again after 10:01:30." {
		t.Errorf("till message = %q", got)
	}
	if got := l.LoginMessage().English(); got != "This login is locked out until 10:01 after too many failed attempts. Wait, or ask an administrator to lift the lock." {
		t.Errorf("login message = %q", got)
	}
}
