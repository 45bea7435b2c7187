package main

import (
	"context"
	"errors"
	"io/fs"
	"strconv"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/scan/events"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui/admin"
)

// adminHook builds the back office for ui.Deps.Admin. Decisions are
// policy.Decide for session() over holder's snapshot; every change is
// followed by db.RefreshPolicy(holder), so the running session (and the
// desk sharing the holder) decides by the new matrix at once. dbPath
// locates the bundle trust list; badgeFromEvent is the input
// configuration's (nil: default reader settings).
func adminHook(db *store.DB, dbPath string, holder *policy.Holder, win fyne.Window, session func() policy.Session,
	terminal string, badgeFromEvent func(device.InputEvent) device.InputEvent,
	printPassword func(ctx context.Context, u admin.User, password string) error, devices admin.Devices,
) func(back func()) *admin.Screen {
	deps := adminDeps(db, dbPath, holder, session, terminal, badgeFromEvent)
	deps.PrintPassword = printPassword
	deps.Devices = devices
	return func(back func()) *admin.Screen {
		d := deps
		d.Managed = managedByChain(context.Background(), db, dbPath)
		return admin.New(win, d, back)
	}
}

// adminDeps wires the back office to the store, the policy holder and the
// session; adminHook's arguments.
func adminDeps(db *store.DB, dbPath string, holder *policy.Holder, session func() policy.Session,
	terminal string, badgeFromEvent func(device.InputEvent) device.InputEvent,
) admin.Deps {
	if badgeFromEvent == nil {
		badgeFromEvent = events.Config{}.BadgeFromEvent
	}
	return admin.Deps{
		Store:          adminStore{db: db},
		Policy:         adminPolicy{holder: holder, session: session, terminal: terminal},
		Bundles:        adminBundles{db: db, dbPath: dbPath},
		Catalogue:      adminCatalogue{db: db},
		Refresh:        func(ctx context.Context) error { _, err := db.RefreshPolicy(ctx, holder); return err },
		BadgeFromEvent: badgeFromEvent,
	}
}

// adminPolicy decides for the signed-in session.
type adminPolicy struct {
	holder   *policy.Holder
	session  func() policy.Session
	terminal string
}

func (p adminPolicy) Actor() admin.Actor {
	s := p.session()
	a := admin.Actor{User: s.Cashier, Terminal: p.terminal}
	if s.Elevation != nil {
		a.Approver = s.Elevation.Approver
	}
	return a
}

func (p adminPolicy) Decide(a policy.Action) (policy.Verdict, policy.Message) {
	snap := p.holder.Load()
	v := policy.Decide(snap, p.session().Principal(), a, policy.Args{})
	return v, v.Message(snap)
}

// ManageRight is the right managing a user of group g needs, by the
// group's level (policy.ManageRight).
func (p adminPolicy) ManageRight(g policy.GroupID) policy.Action {
	return policy.ManageRight(p.holder.Load(), g)
}

// backOfficeSession is the session the back office decides with: lent
// rights idle for the idle timeout end before each decision, as on the
// sale screen, and each decision counts as activity.
func backOfficeSession(d *desk.Desk) func() policy.Session {
	return func() policy.Session { return d.BackOfficeSession(context.Background(), true) }
}

// adminStore is a *store.DB seen as admin.Store: it converts types and
// wraps errors with the store's sentence, and does nothing else.
type adminStore struct{ db *store.DB }

var _ admin.Store = adminStore{}

func adminErr(err error) error {
	if err == nil {
		return nil
	}
	return &admin.Error{Msg: store.Message(err), Err: err}
}

func actor(a admin.Actor) store.Actor {
	return store.Actor{User: a.User, Approver: a.Approver, Terminal: a.Terminal}
}

func adminUser(u store.User) admin.User {
	return admin.User{
		ID: u.ID, Login: u.Login, FullName: u.FullName, Group: u.Group, ReceiptName: u.ReceiptName, INN: u.INN,
		JournalDays: u.JournalDays, Active: u.Active, MustChange: u.MustChange,
	}
}

func (s adminStore) Users(ctx context.Context) ([]admin.User, error) {
	us, err := s.db.Users(ctx)
	out := make([]admin.User, 0, len(us))
	for _, u := range us {
		out = append(out, adminUser(u))
	}
	return out, adminErr(err)
}

func (s adminStore) CreateUser(ctx context.Context, nu admin.NewUser, by admin.Actor) (admin.User, string, error) {
	u, pw, err := s.db.CreateUser(ctx, store.NewUser{
		Login: nu.Login, FullName: nu.FullName, Group: nu.Group, ReceiptName: nu.ReceiptName, INN: nu.INN, JournalDays: nu.JournalDays,
	}, actor(by))
	return adminUser(u), pw, adminErr(err)
}

func (s adminStore) UpdateUser(ctx context.Context, u admin.User, by admin.Actor) error {
	return adminErr(s.db.UpdateUser(ctx, store.User{
		ID: u.ID, Login: u.Login, FullName: u.FullName, Group: u.Group, ReceiptName: u.ReceiptName, INN: u.INN,
		JournalDays: u.JournalDays, Active: u.Active, MustChange: u.MustChange,
	}, actor(by)))
}

func (s adminStore) ResetPassword(ctx context.Context, login string, by admin.Actor) (string, error) {
	pw, err := s.db.ResetPassword(ctx, login, actor(by))
	return pw, adminErr(err)
}

func (s adminStore) Badges(ctx context.Context, user policy.UserID) ([]admin.Badge, error) {
	bs, err := s.db.Badges(ctx, user)
	out := make([]admin.Badge, 0, len(bs))
	for _, b := range bs {
		out = append(out, admin.Badge{ID: b.ID, Hint: b.Hint, Created: b.Created})
	}
	return out, adminErr(err)
}

func (s adminStore) EnrolBadge(ctx context.Context, user policy.UserID, id device.BadgeID, by admin.Actor) (admin.Badge, error) {
	b, err := s.db.EnrolBadgeHint(ctx, user, id.Reveal(), id.HintChars(), actor(by))
	if bt, ok := errors.AsType[*store.BadgeTakenError](err); ok {
		// The admin enrolling cards is told whose card it is: they hold
		// it in their hand, and must take it back from that person.
		return admin.Badge{}, &admin.Error{Msg: admin.BadgeTakenMessage(bt.Name, bt.Login, bt.Holder == user), Err: err}
	}
	return admin.Badge{ID: b.ID, Hint: b.Hint, Created: b.Created}, adminErr(err)
}

func (s adminStore) RevokeBadge(ctx context.Context, badge int64, by admin.Actor) error {
	return adminErr(s.db.RevokeBadge(ctx, badge, actor(by)))
}

func (s adminStore) SetPIN(ctx context.Context, user policy.UserID, pin string, by admin.Actor) error {
	err := s.db.SetPIN(ctx, user, pin, actor(by))
	if errors.Is(err, store.ErrExists) || errors.Is(err, store.ErrWeakPassword) {
		// Taken or too easy, one answer: "taken" alone would tell the
		// admin someone else's PIN. The store audited the refusal.
		return &admin.Error{Msg: admin.MsgPINTaken, Err: err}
	}
	return adminErr(err)
}

func (s adminStore) LiftLockout(ctx context.Context, user policy.UserID, by admin.Actor) error {
	return adminErr(s.db.LiftLockout(ctx, user, actor(by)))
}

// LockedUntil is when a user's lock ends (policy.CheckLockout over their
// failures with the till's lockout settings); zero when not locked.
func (s adminStore) LockedUntil(ctx context.Context, user policy.UserID, now time.Time) (time.Time, error) {
	set := policy.DefaultLockout()
	if n, err := s.db.SettingInt(ctx, admin.SettingLockoutFailures, int64(set.MaxFailures)); err == nil {
		set.MaxFailures = int(n)
	}
	if v, err := s.db.SettingDuration(ctx, admin.SettingLockoutWindow, set.Window); err == nil {
		set.Window = v
	}
	if v, err := s.db.SettingDuration(ctx, admin.SettingLockoutDuration, set.Lock); err == nil {
		set.Lock = v
	}
	f, err := s.db.UserFailures(ctx, user, now.Add(-24*time.Hour))
	if err != nil {
		return time.Time{}, adminErr(err)
	}
	if lo := policy.CheckLockout(f, now, set); lo.Locked {
		return lo.Until, nil
	}
	return time.Time{}, nil
}

func (s adminStore) Groups(ctx context.Context) ([]admin.Group, error) {
	gs, err := s.db.Groups(ctx)
	out := make([]admin.Group, 0, len(gs))
	for _, g := range gs {
		out = append(out, admin.Group{ID: g.ID, Name: g.Name, Users: g.Users})
	}
	return out, adminErr(err)
}

func (s adminStore) CreateGroup(ctx context.Context, name string, copyFrom policy.GroupID, by admin.Actor) (policy.GroupID, error) {
	id, err := s.db.CreateGroup(ctx, name, copyFrom, actor(by))
	return id, adminErr(err)
}

func (s adminStore) RenameGroup(ctx context.Context, id policy.GroupID, name string, by admin.Actor) error {
	return adminErr(s.db.RenameGroup(ctx, id, name, actor(by)))
}

func (s adminStore) DeleteGroup(ctx context.Context, id policy.GroupID, by admin.Actor) error {
	return adminErr(s.db.DeleteGroup(ctx, id, actor(by)))
}

func (s adminStore) LoadMatrix(ctx context.Context) (policy.Matrix, error) {
	m, err := s.db.LoadMatrix(ctx)
	return m, adminErr(err)
}

func (s adminStore) SaveMatrix(ctx context.Context, m policy.Matrix, by admin.Actor) (int64, error) {
	v, err := s.db.SaveMatrix(ctx, m, "local", actor(by))
	return v, adminErr(err)
}

func (s adminStore) Setting(ctx context.Context, key, def string) (string, error) {
	v, err := s.db.SettingString(ctx, key, def)
	return v, adminErr(err)
}

func (s adminStore) SetSettings(ctx context.Context, kv map[string]string, by admin.Actor) error {
	return adminErr(s.db.SetSettings(ctx, kv, actor(by)))
}

func (s adminStore) SearchAudit(ctx context.Context, q admin.AuditQuery) ([]admin.AuditEntry, error) {
	es, err := s.db.SearchAudit(ctx, store.AuditQuery{
		Actor: q.Actor, Approver: q.Approver, Action: q.Action, From: q.From, To: q.To, Limit: q.Limit,
	})
	out := make([]admin.AuditEntry, 0, len(es))
	for _, e := range es {
		out = append(out, admin.AuditEntry{
			ID: e.ID, Time: e.Time, Terminal: e.Terminal, Actor: e.Actor, Approver: e.Approver,
			Action: e.Action, Args: string(e.Args), Outcome: e.Outcome, Reason: e.Reason,
		})
	}
	return out, adminErr(err)
}

func (s adminStore) VerifyAudit(ctx context.Context) (admin.ChainReport, error) {
	rep, err := s.db.VerifyAudit(ctx)
	out := admin.ChainReport{Rows: rep.Rows}
	if rep.Break != nil {
		out.BrokenAt, out.Why = rep.Break.ID, rep.Break.Why
	}
	return out, adminErr(err)
}

func (s adminStore) Denied(ctx context.Context, by admin.Actor, a policy.Action, reason string) error {
	e := store.AuditEntry{Terminal: by.Terminal, Actor: by.User, Approver: by.Approver, Action: string(a), Outcome: store.OutcomeDenied, Reason: reason}
	_, err := s.db.Audit(ctx, e)
	return adminErr(err)
}

// adminBundles exports and imports bundle files as `till matrix` does.
type adminBundles struct {
	db     *store.DB
	dbPath string
}

func (b adminBundles) Export(ctx context.Context, path, keyPath string, by admin.Actor) (int64, error) {
	v, err := exportBundleFile(ctx, b.db, path, keyPath, "")
	if err != nil {
		return 0, bundleErr(err)
	}
	// Unlike the read-only command line, the window can record who
	// published what.
	e := store.AuditEntry{
		Terminal: by.Terminal, Actor: by.User, Approver: by.Approver, Action: "security.bundle.export",
		Args: []byte(`{"version":` + strconv.FormatInt(v, 10) + `}`), Outcome: store.OutcomeOK,
	}
	if _, err := b.db.Audit(ctx, e); err != nil {
		return v, adminErr(err)
	}
	return v, nil
}

func (b adminBundles) Import(ctx context.Context, path string, by admin.Actor) (int64, error) {
	v, err := importBundleFile(ctx, b.db, b.dbPath, path, actor(by))
	return v, bundleErr(err)
}

// bundleErr gives a bundle failure the back office's sentence for it.
func bundleErr(err error) error {
	if err == nil {
		return nil
	}
	for _, m := range []struct {
		err error
		msg policy.Message
	}{
		{errNoTrust, admin.MsgBundleNoTrust},
		{errKeyFile, admin.MsgBundleKeyFile},
		{bundle.ErrUntrusted, admin.MsgBundleUntrusted},
		{bundle.ErrSignature, admin.MsgBundleSignature},
		{bundle.ErrFormat, admin.MsgBundleFormat},
		{bundle.ErrNotNewer, admin.MsgBundleNotNewer},
		{bundle.ErrKeyMismatch, admin.MsgBundleKeyMismatch},
		{bundle.ErrInvalid, admin.MsgBundleInvalid},
		{bundle.ErrWrongStore, admin.MsgBundleWrongStore},
		{fs.ErrNotExist, admin.MsgBundleFile},
		{fs.ErrPermission, admin.MsgBundleFile},
	} {
		if errors.Is(err, m.err) {
			return &admin.Error{Msg: m.msg, Err: err}
		}
	}
	return adminErr(err)
}
