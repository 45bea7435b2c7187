package policy

import "time"

// Mode is how an elevation ends.
type Mode uint8

const (
	// ModeSticky is the toolbar key button: the approver's rights apply
	// until "Restore", logout or the idle timeout.
	ModeSticky Mode = iota + 1
	// ModeOneShot is "Ask supervisor": the approver's rights apply to one
	// invocation, then the elevation is consumed.
	ModeOneShot
)

// String returns the mode's stable name for the audit log.
func (m Mode) String() string {
	switch m {
	case ModeSticky:
		return "sticky"
	case ModeOneShot:
		return "one_shot"
	}
	return "invalid"
}

// DefaultIdleTimeout ends a sticky elevation nobody used for this long.
const DefaultIdleTimeout = 2 * time.Minute

// Elevation is a supervisor lending their rights to the cashier's session.
// Treat it as immutable: Session methods return new values, never change
// an Elevation another Session may share.
type Elevation struct {
	Approver UserID
	Mode     Mode
	Since    time.Time
	Terminal string
}

// Session is who is logged in on a terminal and whether someone lent them
// rights. It is a value: every change returns a new Session.
type Session struct {
	Cashier   UserID
	Elevation *Elevation
}

// Principal is what Decide evaluates: the approver's rights while elevated,
// the cashier's otherwise, attribution always to the cashier.
func (s Session) Principal() Principal {
	p := Principal{User: s.Cashier}
	if s.Elevation != nil {
		p.As = s.Elevation.Approver
	}
	return p
}

// Attribution is who bills, lines, payments and receipts are recorded for:
// always the cashier, elevated or not.
func (s Session) Attribution() UserID { return s.Cashier }

// Elevated reports whether someone else's rights apply.
func (s Session) Elevated() bool { return s.Principal().Elevated() }

// Elevate returns the session with e as its elevation, replacing any other.
func (s Session) Elevate(e Elevation) Session {
	s.Elevation = &e
	return s
}

// Restore returns the session with the cashier's own rights ("Restore"
// button, logout).
func (s Session) Restore() Session {
	s.Elevation = nil
	return s
}

// AfterUse is called after an action ran under the session: a one-shot
// elevation is consumed, a sticky one stays.
func (s Session) AfterUse() Session {
	if s.Elevation != nil && s.Elevation.Mode == ModeOneShot {
		s.Elevation = nil
	}
	return s
}

// ExpireIdle drops the elevation when the session was idle for timeout
// (see IdleExpired); otherwise it returns s unchanged.
func (s Session) ExpireIdle(lastActivity, now time.Time, timeout time.Duration) Session {
	if s.Elevation != nil && IdleExpired(lastActivity, now, timeout) {
		s.Elevation = nil
	}
	return s
}

// IdleExpired reports whether an elevation idle since lastActivity has
// expired at now. A timeout of 0 or less means DefaultIdleTimeout: an
// elevation that never ends is not a setting the till offers. Exactly
// timeout idle is expired. A clock that went backwards (now before
// lastActivity) also expires it: when time is in doubt, lent rights end.
func IdleExpired(lastActivity, now time.Time, timeout time.Duration) bool {
	if timeout <= 0 {
		timeout = DefaultIdleTimeout
	}
	idle := now.Sub(lastActivity)
	return idle < 0 || idle >= timeout
}
