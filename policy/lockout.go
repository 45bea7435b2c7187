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

// ThrottleBase is the first delay of CheckThrottle; each further failure
// doubles it, up to the settings' Lock.
const ThrottleBase = 2 * time.Second

// CheckThrottle is the rule for failures that identify nobody (an unknown
// badge or PIN, counted per terminal): they must not lock out every
// supervisor of the till, so instead of a lock they slow the terminal down.
// The first MaxFailures-1 failures within Window cost nothing; the
// MaxFailures-th makes the next attempt wait ThrottleBase after it, and each
// further one doubles the wait, never beyond Lock. Locked (with Until) while
// now is inside that wait; Remaining counts the free attempts left. Callers
// refuse an attempt inside the wait without checking it and without
// recording it, so the delay grows only with attempts actually checked: at
// the defaults (5 within 5 minutes, lock 5 minutes), guessing a 4-digit PIN
// takes weeks. Settings are defaulted as in CheckLockout.
func CheckThrottle(failures []time.Time, now time.Time, set LockoutSettings) Lockout {
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
	n := 0
	var last time.Time
	for _, t := range failures {
		if t.After(now) || now.Sub(t) > set.Window {
			continue
		}
		n++
		if t.After(last) {
			last = t
		}
	}
	if n < set.MaxFailures {
		return Lockout{Remaining: set.MaxFailures - n}
	}
	delay := set.Lock
	if k := n - set.MaxFailures; k < 30 {
		delay = min(ThrottleBase<<k, set.Lock)
	}
	until := last.Add(delay)
	return Lockout{Locked: now.Before(until), Until: until}
}
