package desk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// ApprovalMode is how the impersonate dialog identifies the approver; an
// admin chooses it (SettingApprovalMode).
type ApprovalMode string

const (
	ModeUserPassword ApprovalMode = "user_password" // login + password
	ModePassword     ApprovalMode = "password"      // PIN only, found through the keyed hash
	ModeCard         ApprovalMode = "card"          // badge or card from any reader
)

// Credential is what the dialog collected. Secret is the password or PIN;
// Badge the canonical badge ID (it prints masked). Neither ever reaches an
// audit row or an error.
type Credential struct {
	Mode   ApprovalMode
	Login  string
	Secret string
	Badge  device.BadgeID
}

// Refused is the error of a failed approval or elevation: a bad
// credential (Lockout says how many attempts remain), a locked-out approver
// or terminal, a credential of the wrong mode, or an approver the policy
// refuses (Verdict says why: self-approval, inactive, lacks the right, over
// their own limit).
type Refused struct {
	Kind    error // ErrBadCredential, ErrLockedOut, ErrWrongMode or ErrApproval
	Verdict policy.Verdict
	Lockout policy.Lockout
	Msg     policy.Message
}

func (e *Refused) Error() string           { return e.Kind.Error() + ": " + e.Msg.English() }
func (e *Refused) Unwrap() error           { return e.Kind }
func (e *Refused) Message() policy.Message { return e.Msg }

// ApprovalMode returns the dialog's mode from the settings (default user +
// password; an unknown value reads as the default).
func (d *Desk) ApprovalMode(ctx context.Context) ApprovalMode {
	s, err := d.cfg.Store.SettingString(ctx, SettingApprovalMode, string(ModeUserPassword))
	switch m := ApprovalMode(s); {
	case err != nil:
		return ModeUserPassword
	case m == ModePassword, m == ModeCard:
		return m
	}
	return ModeUserPassword
}

func (d *Desk) lockoutSettings(ctx context.Context) policy.LockoutSettings {
	def := policy.DefaultLockout()
	set := def
	if n, err := d.cfg.Store.SettingInt(ctx, SettingLockoutFailures, int64(def.MaxFailures)); err == nil {
		set.MaxFailures = int(n)
	}
	if v, err := d.cfg.Store.SettingDuration(ctx, SettingLockoutWindow, def.Window); err == nil {
		set.Window = v
	}
	if v, err := d.cfg.Store.SettingDuration(ctx, SettingLockoutDuration, def.Lock); err == nil {
		set.Lock = v
	}
	return set // CheckLockout replaces nonsense field by field
}

// ApproveOnce runs exactly the pending request with the approver's rights
// and the cashier's attribution, then forgets them: the next action is
// checked afresh. The approver is found by cred (the configured mode), must
// not be locked out, and policy.Approve must allow every check of the
// request. Every attempt is audited with both identities.
func (d *Desk) ApproveOnce(ctx context.Context, p *Pending, cred Credential) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	sess, err := d.begin(ctx)
	if err != nil {
		return err
	}
	if p == nil || len(p.req.checks) == 0 || p.cashier != sess.Cashier || p.used.Load() {
		return newErr(ErrPendingUsed, "desk.error.pending_used", nil, nil)
	}
	r := p.req
	attempt := d.auditArgs(r)
	attempt["action"] = string(r.checks[0].action)
	attempt["mode"] = string(cred.Mode)
	approver, err := d.identify(ctx, auditApprove, sess, cred, attempt)
	if err != nil {
		return err
	}
	snap := d.cfg.Holder.Load()
	for _, c := range r.checks {
		v := policy.Approve(snap, sess.Cashier, approver.ID, c.action, c.args)
		if !v.Allowed {
			return d.refuse(ctx, auditApprove, sess.Cashier, approver.ID, v, snap, attempt)
		}
	}
	if err := d.mustChange(ctx, auditApprove, sess.Cashier, approver, attempt); err != nil {
		return err
	}
	if !p.used.CompareAndSwap(false, true) {
		return newErr(ErrPendingUsed, "desk.error.pending_used", nil, nil)
	}
	if err := d.audit(ctx, AuditEntry{
		Action: auditApprove, Actor: sess.Cashier, Approver: approver.ID,
		Outcome: OutcomeApproved, Reason: policy.ReasonApproved.String(),
	}, attempt); err != nil {
		return err
	}
	// The one-shot elevation lives only in this call: the request was
	// decided already (by Approve), so it runs as is, and the session the
	// next action is decided with never held the approver's rights.
	err = r.run(ctx)
	d.touch()
	if err == nil {
		// One approval covers one whole return: its payout and receipt.
		d.cover(ctx, approver.ID, r)
	}
	return d.auditDone(ctx, r, sess.Cashier, approver.ID, err)
}

// ElevationRequest names what the key button's dialog asks the approver
// for, as Pending.Describe does for a one-shot approval.
func ElevationRequest() policy.Message { return Text("desk.request.impersonate", nil) }

// Elevate lends the approver's rights to the session until Restore, sign
// out, lock or the idle timeout (sticky, the toolbar's key button). The
// approver's group must hold session.impersonate. Elevating while elevated
// switches approver.
func (d *Desk) Elevate(ctx context.Context, cred Credential) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	sess, err := d.begin(ctx)
	if err != nil {
		return err
	}
	attempt := map[string]any{
		"action": string(policy.ActionImpersonate), "mode": string(cred.Mode),
		"request": ElevationRequest().English(),
	}
	if sess.Elevation != nil {
		attempt["previous_approver"] = int64(sess.Elevation.Approver)
	}
	approver, err := d.identify(ctx, auditElevate, sess, cred, attempt)
	if err != nil {
		return err
	}
	snap := d.cfg.Holder.Load()
	if v := policy.Approve(snap, sess.Cashier, approver.ID, policy.ActionImpersonate, policy.Args{}); !v.Allowed {
		return d.refuse(ctx, auditElevate, sess.Cashier, approver.ID, v, snap, attempt)
	}
	if err := d.mustChange(ctx, auditElevate, sess.Cashier, approver, attempt); err != nil {
		return err
	}
	now := d.now()
	d.mu.Lock()
	d.session = d.session.Elevate(policy.Elevation{Approver: approver.ID, Mode: policy.ModeSticky, Since: now, Terminal: d.cfg.Terminal})
	d.approver = approver
	d.last = now
	d.mu.Unlock()
	return d.audit(ctx, AuditEntry{
		Action: auditElevate, Actor: sess.Cashier, Approver: approver.ID,
		Outcome: OutcomeApproved, Reason: policy.ReasonApproved.String(),
	}, attempt)
}

// Restore ends a sticky elevation ("Restore" button).
func (d *Desk) Restore(ctx context.Context) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	d.mu.Lock()
	sess := d.session
	if sess.Elevation == nil {
		d.mu.Unlock()
		return newErr(ErrNotElevated, "desk.error.not_elevated", nil, nil)
	}
	d.session, d.approver = sess.Restore(), User{}
	d.last = d.now()
	d.mu.Unlock()
	return d.audit(ctx, AuditEntry{
		Action: "session.restore", Actor: sess.Cashier,
		Approver: sess.Elevation.Approver, Outcome: OutcomeOK, Reason: "restore",
	}, nil)
}

// refuse audits a policy refusal of an approver and returns it.
func (d *Desk) refuse(ctx context.Context, name string, cashier, approver policy.UserID, v policy.Verdict, snap *policy.Snapshot, attempt map[string]any) error {
	e := &Refused{Kind: ErrApproval, Verdict: v, Msg: v.Message(snap)}
	aerr := d.audit(ctx, AuditEntry{
		Action: name, Actor: cashier, Approver: approver,
		Outcome: OutcomeFailed, Reason: v.String(),
	}, attempt)
	return errors.Join(e, aerr)
}

// Audit actions of approval attempts: one-shot ("Ask supervisor") and
// sticky (the key button).
const (
	auditApprove = "session.approve"
	auditElevate = "session.elevate"
)

// mustChange refuses (and audits) an approver whose password must be
// changed — an initial or reset password — after the policy agreed: such a
// user approves and lends nothing, in any mode, because whoever set or
// reset that password knows it (a standard-users admin resetting a
// supervisor's password must not become the supervisor).
func (d *Desk) mustChange(ctx context.Context, what string, cashier policy.UserID, u User, attempt map[string]any) error {
	if !u.MustChange {
		return nil
	}
	e := &Refused{Kind: ErrApproval, Msg: policy.UIMessage(policy.KeyMustChange, map[string]any{"Name": u.DisplayName()})}
	return errors.Join(e, d.audit(ctx, AuditEntry{
		Action: what, Actor: cashier,
		Approver: u.ID, Outcome: OutcomeFailed, Reason: "must_change",
	}, attempt))
}

// bucket is who a credential attempt counts against (store lockouts):
//   - a user (user > 0, scope the terminal) when the attempt names one: a
//     typed login that exists, or a badge or PIN that matched. CheckLockout:
//     after MaxFailures failures the user is locked out ("Anna is locked
//     out until 14:05"); an admin can lift it;
//   - a typed login that names nobody (user 0, scope store.LoginScope of its
//     keyed tag): locked the same way, "This login is locked out", so
//     locking tells nobody which logins exist;
//   - the terminal (user 0, scope the terminal) for a badge or PIN that
//     matched nobody: CheckThrottle, a growing delay for this till instead
//     of a lock of every supervisor on it.
type bucket struct {
	user  policy.UserID
	scope string
	name  string // names the user in messages; "" says "this login"
	login bool   // a typed login that names nobody
}

func (b bucket) throttled() bool { return b.user == 0 && !b.login }

// message is what the person at the till reads about b's state.
func (b bucket) message(lo policy.Lockout) policy.Message {
	switch {
	case b.throttled():
		return lo.TillMessage()
	case b.name != "":
		return lo.Message(b.name)
	}
	return lo.LoginMessage()
}

func (d *Desk) tillBucket() bucket { return bucket{scope: d.cfg.Terminal} }

// loginTagger is implemented by stores that can make a keyed tag of a typed
// login (deskstore over store.DB): the tag stands for what was typed in the
// audit log and the per-login lockout.
type loginTagger interface {
	LoginTag(ctx context.Context, login string) (string, error)
}

// loginBucket finds who a typed login names. What a person types into a
// login field may be a password or a badge number a reader typed, so it is
// never written anywhere: args gets the user's ID when the login exists, and
// "login":"unknown" with the keyed tag when it does not.
func (d *Desk) loginBucket(ctx context.Context, login string, args map[string]any) (bucket, error) {
	u, err := d.cfg.Store.UserByLogin(ctx, login)
	if err == nil {
		args["user"] = int64(u.ID)
		return bucket{user: u.ID, scope: d.cfg.Terminal, name: u.DisplayName()}, nil
	}
	if !errors.Is(err, ErrBadCredential) {
		return bucket{}, err
	}
	args["login"] = "unknown"
	if lt, ok := d.cfg.Store.(loginTagger); ok {
		tag, err := lt.LoginTag(ctx, login)
		if err != nil {
			return bucket{}, err
		}
		args["login_tag"] = tag
		return bucket{scope: "login:" + tag, login: true}, nil
	}
	return d.tillBucket(), nil
}

// lockState is the lock or throttle of b at now.
func (d *Desk) lockState(ctx context.Context, b bucket, now time.Time, set policy.LockoutSettings) (policy.Lockout, error) {
	// A day back is more than any sane window plus lock; the store prunes
	// older rows anyway.
	f, err := d.cfg.Store.Failures(ctx, b.user, b.scope, now.Add(-24*time.Hour))
	if err != nil {
		return policy.Lockout{}, fmt.Errorf("lockout: %w", err)
	}
	var lo policy.Lockout
	if b.throttled() {
		lo = policy.CheckThrottle(f, now, set)
	} else {
		lo = policy.CheckLockout(f, now, set)
	}
	// The store reads times back in UTC; messages say until when in the
	// till's own time (the desk's clock's location, local in the till).
	if !lo.Until.IsZero() {
		lo.Until = lo.Until.In(now.Location())
	}
	return lo, nil
}

// guard refuses (and audits as action what) an attempt against a locked or
// throttled bucket, before its credential is checked.
func (d *Desk) guard(ctx context.Context, what string, actor policy.UserID, b bucket, now time.Time, set policy.LockoutSettings, args map[string]any) error {
	lo, err := d.lockState(ctx, b, now, set)
	if err != nil {
		return err
	}
	if !lo.Locked {
		return nil
	}
	e := &Refused{Kind: ErrLockedOut, Lockout: lo, Msg: b.message(lo)}
	return errors.Join(e, d.audit(ctx, AuditEntry{
		Action: what, Actor: actor, Approver: b.user,
		Outcome: OutcomeFailed, Reason: "locked_out",
	}, args))
}

// failed records a failed attempt against b and returns its state after it.
func (d *Desk) failed(ctx context.Context, b bucket, now time.Time, set policy.LockoutSettings) (policy.Lockout, error) {
	if err := d.cfg.Store.RecordFailure(ctx, b.user, b.scope, now); err != nil {
		return policy.Lockout{}, fmt.Errorf("record failure: %w", err)
	}
	return d.lockState(ctx, b, now, set)
}

// identify finds the approver behind cred, enforcing the lockout: a locked
// approver (or login, or a throttled terminal for badges and PINs) is
// refused without the credential being checked; a wrong credential is
// recorded and audited.
func (d *Desk) identify(ctx context.Context, what string, sess policy.Session, cred Credential, attempt map[string]any) (User, error) {
	if mode := d.ApprovalMode(ctx); cred.Mode != mode {
		e := &Refused{Kind: ErrWrongMode, Msg: Text("desk.error.wrong_mode", nil)}
		return User{}, errors.Join(e, d.audit(ctx, AuditEntry{
			Action: what, Actor: sess.Cashier,
			Outcome: OutcomeFailed, Reason: "wrong_mode",
		}, attempt))
	}
	set := d.lockoutSettings(ctx)
	now := d.now()

	// Who the attempt counts against, before the secret is checked.
	b := d.tillBucket()
	switch cred.Mode {
	case ModeUserPassword:
		var err error
		if b, err = d.loginBucket(ctx, cred.Login, attempt); err != nil {
			return User{}, fmt.Errorf("approval: %w", err)
		}
	case ModeCard:
		attempt["badge"] = cred.Badge.Hint()
	}
	if err := d.guard(ctx, what, sess.Cashier, b, now, set, attempt); err != nil {
		return User{}, err
	}

	var u User
	var err error
	switch cred.Mode {
	case ModeUserPassword:
		u, err = d.cfg.Store.Authenticate(ctx, cred.Login, cred.Secret)
	case ModePassword:
		u, err = d.cfg.Store.UserByPIN(ctx, cred.Secret)
	case ModeCard:
		u, err = d.cfg.Store.UserByBadge(ctx, cred.Badge.Reveal())
	}
	if err != nil {
		if !errors.Is(err, ErrBadCredential) {
			return User{}, fmt.Errorf("approval: %w", err)
		}
		lo, lerr := d.failed(ctx, b, now, set)
		if lerr != nil {
			return User{}, fmt.Errorf("approval: %w", lerr)
		}
		e := &Refused{Kind: ErrBadCredential, Lockout: lo, Msg: b.message(lo)}
		return User{}, errors.Join(e, d.audit(ctx, AuditEntry{
			Action: what, Actor: sess.Cashier,
			Approver: b.user, Outcome: OutcomeFailed, Reason: "bad_credential",
		}, attempt))
	}
	// A PIN or badge names the approver only now: their own lock applies too.
	if b.user == 0 {
		ub := bucket{user: u.ID, scope: d.cfg.Terminal, name: u.DisplayName()}
		if err := d.guard(ctx, what, sess.Cashier, ub, now, set, attempt); err != nil {
			return User{}, err
		}
	}
	if err := d.cfg.Store.ClearFailures(ctx, u.ID, d.cfg.Terminal); err != nil {
		return User{}, fmt.Errorf("approval: %w", err)
	}
	return u, nil
}

// BackOfficeSession is the session the back office decides every action
// with: lent rights idle for the idle timeout end first (audited), as
// before every action on the sale screen, so rights an admin lent for a
// minute do not outlive the timeout because the cashier went to the back
// office. touch says the call is an action (activity that keeps a sticky
// elevation alive, as on the sale screen); a mere look (greying a button)
// passes false. It takes no action lock, like Status: the back office must
// not wait for a Z report. A failure to audit the expiry still ends the
// rights (expireIdle drops them first).
//
// A locked till, or a cashier who has not yet changed an initial password,
// gets the empty session: the back office decides nothing for them.
func (d *Desk) BackOfficeSession(ctx context.Context, touch bool) policy.Session {
	_ = d.expireIdle(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.locked || d.cashier.MustChange {
		return policy.Session{}
	}
	if touch && d.session.Elevation != nil {
		d.last = d.now()
	}
	return d.session
}
