package desk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// Config is what a Desk is built from. cmd/till passes the real store
// (through desk/deskstore), the sale services and the register; tests pass
// fakes.
type Config struct {
	Holder   *policy.Holder
	Store    Store
	Bills    sale.Bills // the bill repository the Sales use: Get, Unfinished
	Sales    *sale.Sales
	Checkout *sale.Checkout
	Register device.Register
	// Money formats amounts inside request texts in the store's language;
	// nil writes plain "1234.50".
	Money *sale.Formatter
	// Tape writes pre-bills and receipt copies in the store's language.
	// With it, and a Register that is a device.TextPrinter, PreBill and
	// ReprintLast print on the register's tape; otherwise they only return
	// the content, for the screen.
	Tape     *sale.Tape
	Terminal string // stable ID of this till, for audit rows and lockouts
	Now      func() time.Time
}

// Desk is one cashier's working session on one till: who is signed in,
// whose rights apply, the open bill, and every action the sale screen
// offers, each decided by the policy first. Its methods are safe for
// concurrent use; actions run one at a time (one cashier, one register).
type Desk struct {
	cfg Config
	now func() time.Time

	ops sync.Mutex // serialises actions, held across I/O

	mu          sync.Mutex // guards the fields below; never held across I/O
	started     bool
	session     policy.Session
	cashier     User
	approver    User // valid while session.Elevation != nil
	locked      bool
	last        time.Time // last activity, for the idle expiry of an elevation
	bill        sale.BillID
	prebills    map[sale.BillID]int32
	lastReceipt sale.BillID
	covered     map[sale.BillID]policy.UserID // return bills an approval covers (also in the store)
}

// New returns a Desk. Call Start before anything else.
func New(cfg Config) (*Desk, error) {
	switch {
	case cfg.Holder == nil, cfg.Store == nil, cfg.Bills == nil, cfg.Sales == nil, cfg.Checkout == nil, cfg.Register == nil:
		return nil, errors.New("desk: Holder, Store, Bills, Sales, Checkout and Register are required")
	case cfg.Terminal == "":
		return nil, errors.New("desk: a terminal ID is required")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Desk{cfg: cfg, now: now, prebills: map[sale.BillID]int32{}, covered: map[sale.BillID]policy.UserID{}}, nil
}

// Start does what must happen before the first sale: load the permission
// matrix and reconcile every bill left Fiscalising by a crash or a lost
// reply, oldest first. Until it succeeds every action is refused with
// ErrNotStarted (the UI offers to retry it); sign-in works, so a supervisor
// can look. The outcomes are returned for the UI to show.
func (d *Desk) Start(ctx context.Context) ([]sale.Reconciled, error) {
	d.ops.Lock()
	defer d.ops.Unlock()
	if err := d.refresh(ctx); err != nil {
		return nil, err
	}
	out, err := d.cfg.Checkout.ReconcileAll(ctx)
	if err != nil {
		return out, fmt.Errorf("start: %w", err)
	}
	d.mu.Lock()
	d.started = true
	d.mu.Unlock()
	return out, nil
}

// refresh swaps in a newer permission matrix. The version read is one row,
// cheap enough before every decision; the full load happens on change.
func (d *Desk) refresh(ctx context.Context) error {
	v, err := d.cfg.Store.MatrixVersion(ctx)
	if err != nil {
		return fmt.Errorf("matrix version: %w", err)
	}
	if cur := d.cfg.Holder.Load(); cur != nil && cur.Version() >= v {
		return nil
	}
	m, err := d.cfg.Store.LoadMatrix(ctx)
	if err != nil {
		return fmt.Errorf("load matrix: %w", err)
	}
	s, err := policy.NewSnapshot(m)
	if err != nil {
		return fmt.Errorf("matrix version %d: %w", m.Version, err)
	}
	d.cfg.Holder.Swap(s)
	return nil
}

// ---- signing in and out ----

// SignIn signs a cashier in with login and password. A user whose
// MustChange is set is signed in; the UI must force the new password before
// anything else. Another cashier still signed in is signed out first.
//
// Failures lock the login out (docs/approve.md, "Lockout"): the login is
// never written anywhere, only the user it names or a keyed tag of it.
func (d *Desk) SignIn(ctx context.Context, login, password string) (User, error) {
	d.ops.Lock()
	defer d.ops.Unlock()
	args := map[string]any{"method": "password"}
	b, err := d.loginBucket(ctx, login, args)
	if err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	b.name = "" // "this login": the sign-in screen tells nobody which logins exist
	return d.checked(ctx, b, args, func() (User, error) { return d.cfg.Store.Authenticate(ctx, login, password) })
}

// SignInBadge signs in the holder of a badge from any reader. Unknown
// badges slow this till down (the throttle), they lock nobody out.
func (d *Desk) SignInBadge(ctx context.Context, badge device.BadgeID) (User, error) {
	d.ops.Lock()
	defer d.ops.Unlock()
	return d.checked(ctx, d.tillBucket(), map[string]any{"method": "badge", "badge": badge.Hint()},
		func() (User, error) { return d.cfg.Store.UserByBadge(ctx, badge.Reveal()) })
}

// SignInPIN signs in the user with this PIN; wrong PINs throttle the till.
func (d *Desk) SignInPIN(ctx context.Context, pin string) (User, error) {
	d.ops.Lock()
	defer d.ops.Unlock()
	return d.checked(ctx, d.tillBucket(), map[string]any{"method": "pin"},
		func() (User, error) { return d.cfg.Store.UserByPIN(ctx, pin) })
}

// checked runs one sign-in credential check under b's lockout: refused
// unchecked while b is locked or throttled; a wrong credential is counted
// against b and, when it trips the lock, answered with the lock's message.
func (d *Desk) checked(ctx context.Context, b bucket, args map[string]any, check func() (User, error)) (User, error) {
	set := d.lockoutSettings(ctx)
	now := d.now()
	if err := d.guard(ctx, "session.sign_in", 0, b, now, set, args); err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	u, err := check()
	if err != nil && errors.Is(err, ErrBadCredential) {
		lo, lerr := d.failed(ctx, b, now, set)
		if lerr != nil {
			return User{}, fmt.Errorf("sign in: %w", lerr)
		}
		if lo.Locked {
			aerr := d.audit(ctx, AuditEntry{
				Action: "session.sign_in", Approver: b.user, Outcome: OutcomeFailed, Reason: reasonOf(err),
			}, args)
			return User{}, errors.Join(fmt.Errorf("sign in: %w", &Refused{Kind: ErrLockedOut, Lockout: lo, Msg: b.message(lo)}), aerr)
		}
	}
	if err == nil && u.Active {
		if cerr := d.cfg.Store.ClearFailures(ctx, u.ID, d.cfg.Terminal); cerr != nil {
			return User{}, fmt.Errorf("sign in: %w", cerr)
		}
	}
	return d.signIn(ctx, u, err, args)
}

func (d *Desk) signIn(ctx context.Context, u User, err error, args map[string]any) (User, error) {
	if err == nil && !u.Active {
		err = newErr(ErrBadCredential, "desk.error.inactive", map[string]any{"Name": u.DisplayName()}, nil)
	}
	if err != nil {
		aerr := d.audit(ctx, AuditEntry{
			Action: "session.sign_in", Actor: u.ID, Outcome: OutcomeFailed,
			Reason: reasonOf(err),
		}, args)
		if errors.Is(err, ErrBadCredential) {
			var de *Error
			if !errors.As(err, &de) {
				err = newErr(ErrBadCredential, "desk.error.bad_credential", nil, err)
			}
		}
		return User{}, errors.Join(fmt.Errorf("sign in: %w", err), aerr)
	}
	d.signOut(ctx, "sign_in")
	if err := d.refresh(ctx); err != nil {
		return User{}, fmt.Errorf("sign in: %w", err)
	}
	// The cashier's own open bill comes back: a restart mid-bill loses
	// nothing. Parked bills wait for Recall; other cashiers' bills stay theirs.
	open, err := d.openBillOf(ctx, u.ID)
	if err != nil {
		return User{}, fmt.Errorf("sign in: restore open bill: %w", err)
	}
	d.mu.Lock()
	d.session = policy.Session{Cashier: u.ID}
	d.cashier, d.approver = u, User{}
	d.locked = false
	d.last = d.now()
	d.bill = open
	d.mu.Unlock()
	return u, d.audit(ctx, AuditEntry{Action: "session.sign_in", Actor: u.ID, Outcome: OutcomeOK}, args)
}

// PasswordChanged is called by the UI after the forced password change
// succeeded in the store: the user is read again and, if the store agrees
// the password was changed, actions are allowed.
func (d *Desk) PasswordChanged(ctx context.Context) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	d.mu.Lock()
	login := d.cashier.Login
	d.mu.Unlock()
	if login == "" {
		return newErr(ErrNotSignedIn, "desk.error.not_signed_in", nil, nil)
	}
	u, err := d.cfg.Store.UserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("reload %s: %w", login, err)
	}
	d.mu.Lock()
	if d.cashier.ID == u.ID {
		d.cashier = u
	}
	d.mu.Unlock()
	if u.MustChange {
		return newErr(ErrMustChange, "desk.error.must_change", nil, nil)
	}
	return nil
}

// SignOut ends the session; an elevation ends with it (audited as a
// restore for "logout").
func (d *Desk) SignOut(ctx context.Context) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	return d.signOut(ctx, "logout")
}

func (d *Desk) signOut(ctx context.Context, why string) error {
	d.mu.Lock()
	sess, cashier := d.session, d.cashier
	d.session, d.cashier, d.approver = policy.Session{}, User{}, User{}
	d.locked, d.bill = false, 0
	d.mu.Unlock()
	if sess.Cashier == 0 {
		return nil
	}
	var errs []error
	if sess.Elevation != nil {
		errs = append(errs, d.audit(ctx, AuditEntry{
			Action: "session.restore", Actor: cashier.ID,
			Approver: sess.Elevation.Approver, Outcome: OutcomeOK, Reason: why,
		}, nil))
	}
	errs = append(errs, d.audit(ctx, AuditEntry{Action: "session.sign_out", Actor: cashier.ID, Outcome: OutcomeOK, Reason: why}, nil))
	return errors.Join(errs...)
}

// Lock hides the session behind the lock screen; lent rights end (a
// supervisor's rights must not wait on an unattended till).
func (d *Desk) Lock(ctx context.Context) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	d.mu.Lock()
	sess, cashier := d.session, d.cashier
	if sess.Cashier == 0 {
		d.mu.Unlock()
		return newErr(ErrNotSignedIn, "desk.error.not_signed_in", nil, nil)
	}
	d.locked = true
	d.session = sess.Restore()
	d.approver = User{}
	d.mu.Unlock()
	var errs []error
	if sess.Elevation != nil {
		errs = append(errs, d.audit(ctx, AuditEntry{
			Action: "session.restore", Actor: cashier.ID,
			Approver: sess.Elevation.Approver, Outcome: OutcomeOK, Reason: "lock",
		}, nil))
	}
	errs = append(errs, d.audit(ctx, AuditEntry{Action: "session.lock", Actor: cashier.ID, Outcome: OutcomeOK}, nil))
	return errors.Join(errs...)
}

// Unlock returns to the locked session with the cashier's own password
// (Credential.Secret, mode ModeUserPassword or ModePassword) or badge.
// Anyone else gets ErrNotSameUser: they sign out and sign in.
func (d *Desk) Unlock(ctx context.Context, c Credential) error {
	d.ops.Lock()
	defer d.ops.Unlock()
	d.mu.Lock()
	cashier, locked := d.cashier, d.locked
	d.mu.Unlock()
	if cashier.ID == 0 {
		return newErr(ErrNotSignedIn, "desk.error.not_signed_in", nil, nil)
	}
	if !locked {
		return nil
	}
	// The cashier's password is guessed against their own lock; a badge
	// that matches nobody throttles the till.
	b := bucket{user: cashier.ID, scope: d.cfg.Terminal, name: cashier.DisplayName()}
	if c.Mode == ModeCard {
		b = d.tillBucket()
	}
	set := d.lockoutSettings(ctx)
	now := d.now()
	if err := d.guard(ctx, "session.unlock", cashier.ID, b, now, set, nil); err != nil {
		return err
	}
	var u User
	var err error
	if c.Mode == ModeCard {
		u, err = d.cfg.Store.UserByBadge(ctx, c.Badge.Reveal())
	} else {
		u, err = d.cfg.Store.Authenticate(ctx, cashier.Login, c.Secret)
	}
	switch {
	case err != nil:
		aerr := d.audit(ctx, AuditEntry{Action: "session.unlock", Actor: cashier.ID, Outcome: OutcomeFailed, Reason: reasonOf(err)}, nil)
		if errors.Is(err, ErrBadCredential) {
			lo, lerr := d.failed(ctx, b, now, set)
			if lerr != nil {
				return errors.Join(lerr, aerr)
			}
			if lo.Locked {
				return errors.Join(&Refused{Kind: ErrLockedOut, Lockout: lo, Msg: b.message(lo)}, aerr)
			}
		}
		return errors.Join(newErr(ErrBadCredential, "desk.error.bad_credential", nil, err), aerr)
	case u.ID != cashier.ID:
		aerr := d.audit(ctx, AuditEntry{Action: "session.unlock", Actor: cashier.ID, Outcome: OutcomeFailed, Reason: "not_same_user"}, nil)
		return errors.Join(newErr(ErrNotSameUser, "desk.error.not_same_user", map[string]any{"Name": cashier.DisplayName()}, nil), aerr)
	}
	if err := d.cfg.Store.ClearFailures(ctx, cashier.ID, d.cfg.Terminal); err != nil {
		return fmt.Errorf("unlock: %w", err)
	}
	d.mu.Lock()
	d.locked = false
	d.last = d.now()
	d.mu.Unlock()
	return d.audit(ctx, AuditEntry{Action: "session.unlock", Actor: cashier.ID, Outcome: OutcomeOK}, nil)
}

// ---- status ----

// ElevationStatus is the key button's state.
type ElevationStatus struct {
	Approver     policy.UserID
	ApproverName string
	Mode         policy.Mode
	Since        time.Time
}

// RegisterStatus is the register's part of the status bar.
type RegisterStatus struct {
	Status device.Status
	Err    error          // nil when the register answered
	Msg    policy.Message // what to tell the cashier (RegisterMessage)
}

// Status is what the status bar shows.
type Status struct {
	SignedIn    bool
	Cashier     User
	Locked      bool
	Elevation   *ElevationStatus // nil: the cashier's own rights
	SecurityOff bool             // the terminal runs unprotected: show the banner
	Started     bool             // start-up reconciliation succeeded
	Bill        sale.BillID      // open bill, 0 none
	Shift       *Shift           // the till's open shift, nil none
	Register    RegisterStatus
}

// Status reads the session and asks the register and the store. It takes
// no action lock, so the status bar stays live during a long Z report.
func (d *Desk) Status(ctx context.Context) Status {
	d.mu.Lock()
	st := Status{SignedIn: d.session.Cashier != 0, Cashier: d.cashier, Locked: d.locked, Started: d.started, Bill: d.bill}
	if e := d.session.Elevation; e != nil {
		st.Elevation = &ElevationStatus{Approver: e.Approver, ApproverName: d.approver.DisplayName(), Mode: e.Mode, Since: e.Since}
	}
	d.mu.Unlock()
	if s := d.cfg.Holder.Load(); s != nil {
		st.SecurityOff = !s.Settings().SecurityEnabled
	}
	if sh, err := d.cfg.Store.CurrentShift(ctx); err == nil {
		st.Shift = &sh
	}
	rs, err := d.cfg.Register.Status(ctx)
	st.Register = RegisterStatus{Status: rs, Err: err, Msg: RegisterMessage(err)}
	if err == nil && rs.ShiftOver24 {
		st.Register.Msg = RegisterMessage(device.ErrShiftOver24h)
	}
	return st
}

// Session returns the policy session (cashier and elevation), for Visible
// checks of buttons.
func (d *Desk) Session() policy.Session {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.session
}

// Visible says whether the UI shows action a's control at all (the "hide
// disabled actions" setting) for the current session.
func (d *Desk) Visible(a policy.Action) bool {
	return policy.Visible(d.cfg.Holder.Load(), d.Session().Principal(), a)
}

// Allowed says whether action a's control is enabled (not greyed out):
// the current session may do it with zero arguments. Limits are checked
// when the action runs, with its real arguments.
func (d *Desk) Allowed(a policy.Action) bool {
	return policy.Decide(d.cfg.Holder.Load(), d.Session().Principal(), a, policy.Args{}).Allowed
}

// ---- audit ----

// audit writes one row; args are merged into e.Args. Terminal and time are
// filled in. A nil args map writes {}.
func (d *Desk) audit(ctx context.Context, e AuditEntry, args map[string]any) error {
	e.Terminal = d.cfg.Terminal
	if e.Time.IsZero() {
		e.Time = d.now()
	}
	if args != nil {
		b, err := json.Marshal(args)
		if err != nil {
			return fmt.Errorf("audit %s: %w", e.Action, err)
		}
		e.Args = b
	}
	if err := d.cfg.Store.Audit(ctx, e); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// reasonOf is a short, secret-free word for an audit row's reason column.
func reasonOf(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrLockedOut):
		return "locked_out"
	case errors.Is(err, ErrBadCredential):
		return "bad_credential"
	case errors.Is(err, ErrWrongMode):
		return "wrong_mode"
	}
	return "error"
}
