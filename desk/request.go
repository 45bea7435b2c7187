package desk

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/tillpos/till/policy"
)

// check is one policy question an action asks: most ask one, some two
// (a generic item is "sell" and "generic item").
type check struct {
	action policy.Action
	args   policy.Args
}

// request is one invocation of an action: its policy checks, its words for
// the approval dialog and the audit row, and the work to do once allowed.
type request struct {
	// name is the audit row's action when the request has no checks
	// (retrying a checkout that was decided before); else checks[0]'s.
	name   string
	checks []check
	desc   policy.Message
	args   map[string]any // audit args: numbers and names, never secrets
	// always audits the action even when done with the cashier's own rights
	// (money leaving the drawer, shifts, cancellations); selling is audited
	// only under elevation, so the hot path writes one transaction, not two.
	always bool
	// coveredBy is the supervisor whose earlier approval of a return covers
	// this request on the same return bill: it asks nothing and is audited
	// with them as approver.
	coveredBy policy.UserID
	run       func(ctx context.Context) error
}

// Pending is a denied request that an approval can authorise: exactly this
// action with these arguments, once, for the cashier who asked.
type Pending struct {
	cashier policy.UserID
	req     *request
	used    atomic.Bool
}

// Action is the policy action of the request (its first check).
func (p *Pending) Action() policy.Action { return p.req.checks[0].action }

// Args are the numbers the action was checked with.
func (p *Pending) Args() policy.Args { return p.req.checks[0].args }

// auditName is the action an audit row of r names.
func (r *request) auditName() string {
	if len(r.checks) == 0 {
		return r.name
	}
	return string(r.checks[0].action)
}

// Describe names the request for the dialog: "line discount 15 % on Milk".
func (p *Pending) Describe() policy.Message { return p.req.desc }

// Used reports whether the request was already run by an approval.
func (p *Pending) Used() bool { return p.used.Load() }

// Denied is the error of an action the policy refused. Verdict carries the
// reason and the limit; Request is what "Ask supervisor" passes to
// ApproveOnce when Verdict.ApprovalPossible.
type Denied struct {
	Verdict policy.Verdict
	Reason  policy.Message // Verdict's words: "Line discount 15 % is over your limit of 5 %."
	Request *Pending
}

func (e *Denied) Error() string {
	return fmt.Sprintf("denied: %s: %s", e.Request.Describe().English(), e.Reason.English())
}

// Is makes errors.Is(err, ErrDenied) hold.
func (e *Denied) Is(target error) bool { return target == ErrDenied }

// Message is what the cashier reads.
func (e *Denied) Message() policy.Message { return e.Reason }

// do runs a request through the policy: the session must be usable, the
// matrix current, an idle elevation expired; each check must be allowed,
// else the denial is audited and returned with a Pending.
//
// build makes the request once the session is known to be usable, under
// the action lock, so the arguments it checks (the bill's total after this
// step) are read in the same turn as the action runs.
func (d *Desk) do(ctx context.Context, build func(ctx context.Context) (*request, error)) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	sess, err := d.begin(ctx)
	if err != nil {
		return err
	}
	r, err := build(ctx)
	if err != nil {
		return err
	}
	return d.decideAndRun(ctx, sess, r)
}

func (d *Desk) decideAndRun(ctx context.Context, sess policy.Session, r *request) error {
	snap := d.cfg.Holder.Load()
	p := sess.Principal()
	var approver policy.UserID
	if p.Elevated() {
		approver = p.As
	}
	for _, c := range r.checks {
		v := policy.Decide(snap, p, c.action, c.args)
		if v.Allowed {
			continue
		}
		denied := &Denied{Verdict: v, Reason: v.Message(snap), Request: &Pending{cashier: sess.Cashier, req: r}}
		aerr := d.audit(ctx, AuditEntry{
			Action: string(c.action), Actor: sess.Cashier, Approver: approver,
			Outcome: OutcomeDenied, Reason: v.String(),
		}, d.auditArgs(r))
		if aerr != nil {
			return errors.Join(denied, aerr)
		}
		return denied
	}
	err := r.run(ctx)
	d.touch()
	if err == nil {
		d.cover(ctx, approver, r)
	}
	if approver == 0 {
		approver = r.coveredBy
	}
	if approver == 0 && !r.always {
		return err
	}
	return d.auditDone(ctx, r, sess.Cashier, approver, err)
}

// auditDone writes the row of an action that ran, with its outcome.
func (d *Desk) auditDone(ctx context.Context, r *request, cashier, approver policy.UserID, err error) error {
	out, why := OutcomeOK, ""
	if err != nil {
		out, why = OutcomeFailed, err.Error()
	}
	aerr := d.audit(ctx, AuditEntry{
		Action: r.auditName(), Actor: cashier, Approver: approver,
		Outcome: out, Reason: why,
	}, d.auditArgs(r))
	return errors.Join(err, aerr)
}

// auditArgs are the request's audit args plus its words in English, so the
// log reads "line discount 15 % on Milk" without the translation files.
func (d *Desk) auditArgs(r *request) map[string]any {
	out := make(map[string]any, len(r.args)+1)
	for k, v := range r.args {
		out[k] = v
	}
	out["request"] = r.desc.English()
	return out
}

// begin checks the session can act, refreshes the matrix and expires an
// idle elevation; it returns the session to decide with.
func (d *Desk) begin(ctx context.Context) (policy.Session, error) {
	d.mu.Lock()
	sess, locked, started, mustChange := d.session, d.locked, d.started, d.cashier.MustChange
	d.mu.Unlock()
	switch {
	case sess.Cashier == 0:
		return sess, newErr(ErrNotSignedIn, "desk.error.not_signed_in", nil, nil)
	case locked:
		return sess, newErr(ErrTerminalLock, "desk.error.terminal_lock", nil, nil)
	case mustChange:
		return sess, newErr(ErrMustChange, "desk.error.must_change", nil, nil)
	case !started:
		return sess, newErr(ErrNotStarted, "desk.error.not_started", nil, nil)
	}
	if err := d.refresh(ctx); err != nil {
		return sess, err
	}
	if err := d.expireIdle(ctx); err != nil {
		return sess, err
	}
	return d.Session(), nil
}

// ExpireIdle ends a sticky elevation idle for the idle timeout (setting,
// default 2 minutes) and audits it. Every action calls it first; the UI
// calls it from a timer so the key button goes dark without an action.
func (d *Desk) ExpireIdle(ctx context.Context) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	return d.expireIdle(ctx)
}

func (d *Desk) expireIdle(ctx context.Context) error {
	timeout, err := d.cfg.Store.SettingDuration(ctx, SettingIdleTimeout, policy.DefaultIdleTimeout)
	if err != nil {
		// A malformed setting must not keep lent rights alive: use the default.
		timeout = policy.DefaultIdleTimeout
	}
	d.mu.Lock()
	sess := d.session
	if sess.Elevation == nil || sess.Elevation.Mode != policy.ModeSticky {
		d.mu.Unlock()
		return nil
	}
	now := d.now()
	next := sess.ExpireIdle(d.last, now, timeout)
	if next.Elevation != nil {
		d.mu.Unlock()
		return nil
	}
	d.session, d.approver = next, User{}
	d.mu.Unlock()
	return d.audit(ctx, AuditEntry{
		Action: "session.elevation.expire", Actor: sess.Cashier,
		Approver: sess.Elevation.Approver, Outcome: OutcomeOK, Reason: "idle",
	},
		map[string]any{"idle_timeout": timeout.String()})
}

// touch records activity: an elevation in use does not expire.
func (d *Desk) touch() {
	d.mu.Lock()
	d.last = d.now()
	d.mu.Unlock()
}
