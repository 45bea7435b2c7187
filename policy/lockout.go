package policy

import (
	"slices"
	"time"
)

// LockoutSettings bound failed approval attempts per approver and terminal.
type LockoutSettings struct {
	MaxFailures int           // failures within Window that lock
	Window      time.Duration // how close together they must be
	Lock        time.Duration // how long the lock lasts from the failure that tripped it
}

// DefaultLockout is 5 failures within 5 minutes lock for 5 minutes.
func DefaultLockout() LockoutSettings {
	return LockoutSettings{MaxFailures: 5, Window: 5 * time.Minute, Lock: 5 * time.Minute}
}

// Lockout is the state CheckLockout computes.
type Lockout struct {
	Locked bool
	Until  time.Time // end of the lock; zero when never locked
	// Remaining is how many more failures, within the window ending now,
	// lock the approver: for "2 attempts left". 0 while locked.
	Remaining int
}

// CheckLockout says whether an approver on a terminal is locked out at now,
// given the times of their recent failed attempts (since their last
// success; any order). A lock trips when MaxFailures failures fall within
// Window of each other (both ends included) and lasts Lock from the last of
// them. Once a lock has been served the count starts again from zero.
// Callers must refuse attempts during a lock without checking the
// credential; a failure recorded during a lock neither counts nor extends
// it, so nobody can keep a supervisor locked out forever by typing their
// login. Settings with MaxFailures < 1 or a non-positive duration fall back
// to the defaults field by field.
func CheckLockout(failures []time.Time, now time.Time, set LockoutSettings) Lockout {
	def := DefaultLockout()
	if set.MaxFailures < 1 {
		set.MaxFailures = def.MaxFailures
	}
	if set.Window <= 0 {
		set.Window = def.Window
	}
	if set.Lock <= 0 {
		set.Lock = def.Lock
	}
	f := slices.Clone(failures)
	slices.SortFunc(f, time.Time.Compare)

	var until time.Time
	start := 0 // first failure that counts towards the next lock
	for i, t := range f {
		if t.Before(until) {
			continue
		}
		for start < i && (f[start].Before(until) || t.Sub(f[start]) > set.Window) {
			start++
		}
		if i-start+1 >= set.MaxFailures {
			until = t.Add(set.Lock)
			start = i + 1
		}
	}
	if now.Before(until) {
		return Lockout{Locked: true, Until: until}
	}
	recent := 0
	for _, t := range f[min(start, len(f)):] {
		if !t.Before(until) && !t.After(now) && now.Sub(t) <= set.Window {
			recent++
		}
	}
	return Lockout{Until: until, Remaining: max(set.MaxFailures-recent, 0)}
}
