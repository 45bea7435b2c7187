package admin

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/policy"
)

const dateLayout = "2006-01-02"

// auditTab searches the audit log and verifies its hash chain.
type auditTab struct {
	s       *Screen
	content fyne.CanvasObject

	users    []User
	user     *widget.Select
	approver *widget.Select
	action   *widget.Entry
	from     *widget.Entry
	to       *widget.Entry
	rows     []AuditEntry
	list     *widget.List
	count    *widget.Label
	verdict  *widget.Label
	anchor   *widget.Label // the anchor's state: where it is, or what is wrong with it
}

// AnchorReport is the audit log's anchor as the audit tab shows it
// (issue 15): Problem "" = current, with its rows and time.
type AnchorReport struct {
	Problem string // AnchorWriteFailed, AnchorMissing, AnchorInvalid or ""
	File    string
	Detail  string
	Rows    int64
	Time    time.Time
}

// The anchor's troubles (AnchorReport.Problem).
const (
	AnchorWriteFailed = "write"
	AnchorMissing     = "missing"
	AnchorInvalid     = "invalid"
)

// AnchorChecker is implemented by a Store that keeps the audit anchor
// (cmd/till's): the audit tab shows its state when it opens and with every
// verification.
type AnchorChecker interface {
	AuditAnchor(ctx context.Context) (AnchorReport, error)
}

func dateEntry() *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(lang.X("admin.audit.date_hint", "YYYY-MM-DD"))
	e.Validator = func(s string) error {
		if s = strings.TrimSpace(s); s == "" {
			return nil
		}
		if _, err := time.ParseInLocation(dateLayout, s, time.Local); err != nil {
			return errors.New(lang.X("admin.audit.bad_date", "Enter a date as YYYY-MM-DD, or leave it empty."))
		}
		return nil
	}
	return e
}

func newAuditTab(s *Screen) *auditTab {
	t := &auditTab{s: s}
	anyone := lang.X("admin.audit.anyone", "(anyone)")
	t.user = widget.NewSelect([]string{anyone}, nil)
	t.user.SetSelectedIndex(0)
	t.approver = widget.NewSelect([]string{anyone}, nil)
	t.approver.SetSelectedIndex(0)
	t.action = widget.NewEntry()
	t.action.SetPlaceHolder(lang.X("admin.audit.action_hint", "action ID, or a prefix ending in a dot: users."))
	t.from = dateEntry()
	t.to = dateEntry()
	// Enter in any field searches: the filters are typed, then Enter, as
	// in every other form of the till. Each filter is one indexed read in
	// the store (store/audit_search.go), so a search on a year of log
	// returns at once.
	for _, e := range []*widget.Entry{t.action, t.from, t.to} {
		e.OnSubmitted = func(string) { t.search() }
	}
	search := widget.NewButtonWithIcon(lang.X("admin.audit.search", "Search"), theme.SearchIcon(), t.search)
	verify := widget.NewButtonWithIcon(lang.X("admin.audit.verify", "Verify chain"), theme.ConfirmIcon(), t.verify)
	t.count = widget.NewLabel("")
	t.verdict = widget.NewLabel("")
	t.verdict.Wrapping = fyne.TextWrapWord
	t.anchor = widget.NewLabel("")
	t.anchor.Wrapping = fyne.TextWrapWord
	t.anchor.Hide()
	t.list = widget.NewList(
		func() int { return len(t.rows) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(t.rowText(t.rows[i])) },
	)
	form := widget.NewForm(
		widget.NewFormItem(lang.X("admin.audit.user", "User"), t.user),
		widget.NewFormItem(lang.X("admin.audit.approver", "Approver"), t.approver),
		widget.NewFormItem(lang.X("admin.audit.action", "Action"), t.action),
		widget.NewFormItem(lang.X("admin.audit.from", "From"), t.from),
		widget.NewFormItem(lang.X("admin.audit.to", "To (inclusive)"), t.to),
	)
	top := container.NewVBox(form, container.NewHBox(search, verify, t.count), t.verdict, t.anchor)
	t.content = container.NewBorder(top, nil, nil, nil, t.list)
	return t
}

func (t *auditTab) login(id policy.UserID) string {
	if id == 0 {
		return ""
	}
	for _, u := range t.users {
		if u.ID == id {
			return u.Login
		}
	}
	return "#" + strconv.FormatInt(int64(id), 10)
}

func (t *auditTab) rowText(e AuditEntry) string {
	who := t.login(e.Actor)
	if who == "" {
		who = e.Terminal
	}
	s := e.Time.Local().Format("2006-01-02 15:04:05") + "  " + who
	if e.Approver != 0 {
		s += " (" + lang.X("admin.audit.approved_by", "approver {{.Login}}", map[string]any{"Login": t.login(e.Approver)}) + ")"
	}
	s += "  " + actionName(e.Action) + "  " + e.Outcome
	if e.Reason != "" {
		s += " " + e.Reason
	}
	if e.Args != "" && e.Args != "{}" {
		s += "  " + e.Args
	}
	return s
}

// open fills the user choices; the audit tab reads users without the
// user-management rights, as logins are part of what an auditor reads.
func (t *auditTab) open() bool {
	if !t.s.allowed(policy.ActionViewAudit) {
		return false
	}
	if t.users != nil {
		return true
	}
	var us []User
	t.s.load(func(ctx context.Context) error {
		var err error
		us, err = t.s.deps.Store.Users(ctx)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.users = us
		opts := []string{lang.X("admin.audit.anyone", "(anyone)")}
		for _, u := range us {
			opts = append(opts, u.Login)
		}
		t.user.SetOptions(opts)
		t.approver.SetOptions(opts)
	})
	return true
}

func (t *auditTab) pick(sel *widget.Select) policy.UserID {
	i := sel.SelectedIndex()
	if i <= 0 || i > len(t.users) {
		return 0
	}
	return t.users[i-1].ID
}

func (t *auditTab) query() (AuditQuery, bool) {
	q := AuditQuery{Actor: t.pick(t.user), Approver: t.pick(t.approver), Action: strings.TrimSpace(t.action.Text), Limit: 1000}
	for _, e := range []*widget.Entry{t.from, t.to} {
		if err := e.Validate(); err != nil {
			t.s.showStatus(true, err.Error())
			return q, false
		}
	}
	if s := strings.TrimSpace(t.from.Text); s != "" {
		q.From, _ = time.ParseInLocation(dateLayout, s, time.Local)
	}
	if s := strings.TrimSpace(t.to.Text); s != "" {
		d, _ := time.ParseInLocation(dateLayout, s, time.Local)
		q.To = d.AddDate(0, 0, 1)
	}
	return q, true
}

func (t *auditTab) search() {
	if !t.open() {
		return
	}
	q, ok := t.query()
	if !ok {
		return
	}
	var rows []AuditEntry
	t.s.load(func(ctx context.Context) error {
		var err error
		rows, err = t.s.deps.Store.SearchAudit(ctx, q)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.rows = rows
		t.count.SetText(lang.X("admin.audit.count", "{{.Count}} rows, newest first", map[string]any{"Count": len(rows)}))
		t.list.Refresh()
	})
}

func (t *auditTab) verify() {
	if !t.open() {
		return
	}
	var rep ChainReport
	t.s.load(func(ctx context.Context) error {
		var err error
		rep, err = t.s.deps.Store.VerifyAudit(ctx)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		if rep.BrokenAt != 0 {
			t.verdict.Importance = widget.DangerImportance
			t.verdict.SetText(lang.X("admin.audit.broken", "The audit log has been tampered with: row {{.Row}} — {{.Why}} ({{.Rows}} rows read).",
				map[string]any{"Row": rep.BrokenAt, "Why": rep.Why, "Rows": rep.Rows}))
			return
		}
		t.verdict.Importance = widget.SuccessImportance
		t.verdict.SetText(lang.X("admin.audit.intact", "The chain holds: {{.Rows}} rows checked.", map[string]any{"Rows": rep.Rows}))
	})
	t.checkAnchor()
}

// opened runs when the tab is chosen: the anchor's state is shown at once,
// before anyone presses Verify.
func (t *auditTab) opened() {
	if t.s.allowed(policy.ActionViewAudit) {
		t.checkAnchor()
	}
}

// checkAnchor reads the anchor's state and shows it: a warning when its
// last write failed or it is missing or unusable.
func (t *auditTab) checkAnchor() {
	ac, ok := t.s.deps.Store.(AnchorChecker)
	if !ok {
		return
	}
	var rep AnchorReport
	t.s.load(func(ctx context.Context) error {
		var err error
		rep, err = ac.AuditAnchor(ctx)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.showAnchor(rep)
	})
}

func (t *auditTab) showAnchor(rep AnchorReport) {
	args := map[string]any{"File": rep.File, "Detail": rep.Detail, "Rows": rep.Rows}
	t.anchor.Importance = widget.DangerImportance
	switch rep.Problem {
	case AnchorWriteFailed:
		t.anchor.SetText(lang.X("admin.audit.anchor_write",
			"The anchor {{.File}} could not be written ({{.Detail}}): the newest rows are not anchored, so cutting them off would not be found. Free disk space or make the key's folder writable; the next action writes it again.", args))
	case AnchorMissing:
		t.anchor.SetText(lang.X("admin.audit.anchor_missing",
			"The anchor {{.File}} is missing: rows cut off the end of the log, or an emptied log, cannot be found. It is written again with the next audited action; find out who removed it.", args))
	case AnchorInvalid:
		t.anchor.SetText(lang.X("admin.audit.anchor_invalid",
			"The anchor {{.File}} cannot be used ({{.Detail}}): it was edited, or made with another key or for another database. Press Verify chain and keep the file as evidence.", args))
	default:
		t.anchor.Importance = widget.MediumImportance
		args["Time"] = rep.Time.Local().Format("2006-01-02 15:04:05")
		t.anchor.SetText(lang.X("admin.audit.anchor_ok", "Anchor {{.File}}: {{.Rows}} rows, written {{.Time}}.", args))
	}
	t.anchor.Show()
}

// actionName is an audited action as the matrix editor names it, with its
// ID, or the ID alone for audit actions outside the catalogue
// ("users.create", "session.sign_in").
func actionName(id string) string {
	if ai, ok := policy.LookupAction(policy.Action(id)); ok {
		return lang.X(ai.NameKey, ai.Name) + " (" + id + ")"
	}
	return id
}
