package policy

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func TestSessionElevation(t *testing.T) {
	s := Session{Cashier: anna}
	if s.Elevated() || s.Principal() != (Principal{User: anna}) {
		t.Fatalf("fresh session: elevated %v, principal %+v", s.Elevated(), s.Principal())
	}
	sticky := s.Elevate(Elevation{Approver: vera, Mode: ModeSticky, Since: t0, Terminal: "T1"})
	if s.Elevation != nil {
		t.Fatal("Elevate changed the session it was called on")
	}
	if got, want := sticky.Principal(), (Principal{User: anna, As: vera}); got != want {
		t.Errorf("principal = %+v, want %+v", got, want)
	}
	if sticky.Attribution() != anna {
		t.Errorf("attribution = %d, want the cashier %d", sticky.Attribution(), anna)
	}
	if after := sticky.AfterUse(); !after.Elevated() {
		t.Error("a sticky elevation was consumed by one use")
	}
	if r := sticky.Restore(); r.Elevated() || r.Cashier != anna {
		t.Errorf("Restore = %+v", r)
	}

	once := s.Elevate(Elevation{Approver: vera, Mode: ModeOneShot, Since: t0, Terminal: "T1"})
	if !once.Elevated() {
		t.Fatal("one-shot elevation not active before use")
	}
	used := once.AfterUse()
	if used.Elevated() || used.Cashier != anna {
		t.Errorf("one-shot after use = %+v, want the cashier alone", used)
	}
	if !once.Elevated() {
		t.Error("AfterUse changed the session it was called on")
	}
	// Under elevation Decide evaluates the approver, and names them.
	snap := mustSnapshot(t, fixtureMatrix())
	v := Decide(snap, once.Principal(), ActionDrawerOpen, Args{})
	if !v.Allowed || v.Reason != ReasonElevated || v.User != vera {
		t.Errorf("Decide under one-shot = %+v", v)
	}
	if v := Decide(snap, used.Principal(), ActionDrawerOpen, Args{}); v.Allowed {
		t.Errorf("Decide after the one-shot was used = %+v, want denied", v)
	}
	// Elevating as oneself is not an elevation.
	if self := s.Elevate(Elevation{Approver: anna, Mode: ModeSticky}); self.Elevated() {
		t.Error("elevated as oneself")
	}
}

func TestIdleExpired(t *testing.T) {
	tests := []struct {
		name    string
		last    time.Time
		now     time.Time
		timeout time.Duration
		want    bool
	}{
		{"just active", t0, t0, time.Minute, false},
		{"one tick before the timeout", t0, t0.Add(time.Minute - 1), time.Minute, false},
		{"exactly the timeout", t0, t0.Add(time.Minute), time.Minute, true},
		{"long idle", t0, t0.Add(time.Hour), time.Minute, true},
		{"0 means the default of 2 minutes: before", t0, t0.Add(2*time.Minute - 1), 0, false},
		{"0 means the default of 2 minutes: at", t0, t0.Add(2 * time.Minute), 0, true},
		{"negative means the default", t0, t0.Add(3 * time.Minute), -time.Second, true},
		{"clock went backwards", t0, t0.Add(-time.Second), time.Minute, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IdleExpired(tt.last, tt.now, tt.timeout); got != tt.want {
				t.Errorf("IdleExpired = %v, want %v", got, tt.want)
			}
		})
	}
	s := Session{Cashier: anna}.Elevate(Elevation{Approver: vera, Mode: ModeSticky, Since: t0})
	if got := s.ExpireIdle(t0, t0.Add(119*time.Second), 0); !got.Elevated() {
		t.Error("expired before the idle timeout")
	}
	if got := s.ExpireIdle(t0, t0.Add(120*time.Second), 0); got.Elevated() || got.Cashier != anna {
		t.Errorf("not expired at the idle timeout: %+v", got)
	}
}

func TestCheckLockout(t *testing.T) {
	at := func(secs ...int) []time.Time {
		var out []time.Time
		for _, s := range secs {
			out = append(out, t0.Add(time.Duration(s)*time.Second))
		}
		return out
	}
	def := DefaultLockout()
	tests := []struct {
		name     string
		failures []time.Time
		now      time.Time
		set      LockoutSettings
		want     Lockout
	}{
		{"no failures", nil, t0, def, Lockout{Remaining: 5}},
		{"four failures: one left", at(0, 10, 20, 30), t0.Add(40 * time.Second), def, Lockout{Remaining: 1}},
		{
			"five within five minutes lock", at(0, 10, 20, 30, 40), t0.Add(41 * time.Second), def,
			Lockout{Locked: true, Until: t0.Add(40*time.Second + 5*time.Minute)},
		},
		{
			"window is inclusive: 5 failures exactly 5 minutes apart lock", at(0, 60, 120, 180, 300), t0.Add(301 * time.Second), def,
			Lockout{Locked: true, Until: t0.Add(10 * time.Minute)},
		},
		{
			"5 failures 5 minutes and 1 s apart do not lock", at(0, 60, 120, 180, 301), t0.Add(302 * time.Second), def,
			Lockout{Remaining: 1},
		},
		{
			"locked one tick before the end", at(0, 1, 2, 3, 4), t0.Add(304*time.Second - 1), def,
			Lockout{Locked: true, Until: t0.Add(304 * time.Second)},
		},
		{
			"unlocked exactly at the end, slate wiped", at(0, 1, 2, 3, 4), t0.Add(304 * time.Second), def,
			Lockout{Until: t0.Add(304 * time.Second), Remaining: 5},
		},
		{
			"order does not matter", at(40, 0, 30, 10, 20), t0.Add(41 * time.Second), def,
			Lockout{Locked: true, Until: t0.Add(340 * time.Second)},
		},
		{
			"failures during a lock neither count nor extend", at(0, 1, 2, 3, 4, 100, 200, 300), t0.Add(304 * time.Second), def,
			Lockout{Until: t0.Add(304 * time.Second), Remaining: 5},
		},
		{
			"after a served lock, old failures do not count", at(0, 1, 2, 3, 4, 305, 306), t0.Add(307 * time.Second), def,
			Lockout{Until: t0.Add(304 * time.Second), Remaining: 3},
		},
		{
			"after a served lock, five new failures lock again", at(0, 1, 2, 3, 4, 305, 306, 307, 308, 309), t0.Add(310 * time.Second), def,
			Lockout{Locked: true, Until: t0.Add(609 * time.Second)},
		},
		{
			"old failures leave the window", at(0, 10, 20, 30), t0.Add(5*time.Minute + 11*time.Second), def,
			Lockout{Remaining: 3},
		},
		{
			"custom settings", at(0, 1, 2), t0.Add(3 * time.Second),
			LockoutSettings{MaxFailures: 3, Window: time.Minute, Lock: time.Hour},
			Lockout{Locked: true, Until: t0.Add(time.Hour + 2*time.Second)},
		},
		{
			"zero settings mean the defaults", at(0, 1, 2, 3, 4), t0.Add(5 * time.Second),
			LockoutSettings{},
			Lockout{Locked: true, Until: t0.Add(304 * time.Second)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]time.Time(nil), tt.failures...)
			got := CheckLockout(tt.failures, tt.now, tt.set)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !cmp.Equal(in, tt.failures) {
				t.Error("CheckLockout reordered the caller's slice")
			}
		})
	}
}
