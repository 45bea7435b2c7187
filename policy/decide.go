package policy

import "strconv"

// Principal says who is acting and whose permissions apply. User is always
// the logged-in cashier: bills, receipts and the journal are attributed to
// them. As is the approver while an elevation is active (see Session); 0,
// or the cashier's own ID, means the cashier's own permissions.
type Principal struct {
	User UserID
	As   UserID
}

// Elevated reports whether permissions are evaluated as someone else.
func (p Principal) Elevated() bool { return p.As != 0 && p.As != p.User }

// Effective is the user whose group's permissions apply.
func (p Principal) Effective() UserID {
	if p.Elevated() {
		return p.As
	}
	return p.User
}

// Args carries the numbers an action's limits are checked against. Fill the
// fields the action's limits use (see ActionInfo.Limits); others are ignored.
type Args struct {
	Percent  int32 // discount asked for, basis points
	Amount   int64 // money, minor units: typed price, or the bill total after this step when selling
	Quantity int64 // milli-units of the line
	Count    int32 // pre-bill prints including the one asked for (the first print is 1)
}

// Reason is why a Verdict came out as it did. Its String form is stable and
// goes into the audit log; never renumber or rename.
type Reason uint8

const (
	// ReasonNone is the zero value: a Verdict nobody filled in denies.
	ReasonNone Reason = iota
	ReasonAllowed
	ReasonElevated    // allowed, evaluated as the approver of an elevation
	ReasonApproved    // one-shot approval granted
	ReasonSecurityOff // allowed because the security module is off
	ReasonNoSnapshot  // no matrix loaded yet
	ReasonUnknownAction
	ReasonInvalidArgs
	ReasonUnknownUser
	ReasonUserInactive
	ReasonNoPermission
	ReasonOverLimit
	ReasonSelfApproval
	ReasonApproverUnknown
	ReasonApproverInactive
	ReasonApproverNoPermission
	ReasonApproverOverLimit
	numReasons
)

var reasonCodes = [numReasons]string{
	ReasonNone:                 "none",
	ReasonAllowed:              "allowed",
	ReasonElevated:             "elevated",
	ReasonApproved:             "approved",
	ReasonSecurityOff:          "security_off",
	ReasonNoSnapshot:           "no_snapshot",
	ReasonUnknownAction:        "unknown_action",
	ReasonInvalidArgs:          "invalid_args",
	ReasonUnknownUser:          "unknown_user",
	ReasonUserInactive:         "user_inactive",
	ReasonNoPermission:         "no_permission",
	ReasonOverLimit:            "over_limit",
	ReasonSelfApproval:         "self_approval",
	ReasonApproverUnknown:      "approver_unknown",
	ReasonApproverInactive:     "approver_inactive",
	ReasonApproverNoPermission: "approver_no_permission",
	ReasonApproverOverLimit:    "approver_over_limit",
}

// String returns the reason's stable code, e.g. "over_limit".
func (r Reason) String() string {
	if r < numReasons {
		return reasonCodes[r]
	}
	return "invalid"
}

// Reasons returns every reason, for docs and translation checks.
func Reasons() []Reason {
	out := make([]Reason, 0, numReasons)
	for r := ReasonNone; r < numReasons; r++ {
		out = append(out, r)
	}
	return out
}

// Verdict is the answer of Decide and Approve. It carries numbers and IDs,
// never formatted text, so deciding does not allocate; Message turns it into
// words.
type Verdict struct {
	Allowed bool
	Reason  Reason
	Action  Action
	// User is the person the reason is about: the cashier, or the approver
	// whose rights were evaluated or who was refused.
	User UserID
	// Limit, LimitValue and Requested are set for the over-limit reasons.
	Limit      Limit
	LimitValue int64
	Requested  int64
	// ApprovalPossible says some active user other than the cashier (and
	// other than an approver already refused) holds the action within the
	// limits asked for: the UI then offers "Ask supervisor".
	ApprovalPossible bool
}

// Decide answers whether principal p may do action a with args. It is pure,
// reads only the snapshot and does not allocate. The default is deny: a nil
// snapshot, an action the snapshot does not index, an unknown or inactive
// user all deny. With the security module off everything the snapshot
// indexes is allowed (args must still make sense).
func Decide(s *Snapshot, p Principal, a Action, args Args) Verdict {
	v := Verdict{Action: a, User: p.User}
	ai, ok := s.precheck(&v, a, args)
	if !ok || v.Allowed {
		return v
	}
	ci, ok := s.userIdx[p.User]
	if !ok {
		v.Reason = ReasonUnknownUser
		return v
	}
	if !s.users[ci].Active {
		v.Reason = ReasonUserInactive
		return v
	}
	ei := ci
	if p.Elevated() {
		v.User = p.As
		if ei, ok = s.userIdx[p.As]; !ok {
			v.Reason = ReasonApproverUnknown
			return v
		}
		if !s.users[ei].Active {
			v.Reason = ReasonApproverInactive
			return v
		}
	}
	return s.judge(v, ai, ci, ei, args)
}

// Approve answers a one-shot "Ask supervisor": may approver authorise
// cashier to do a with args? The approver must exist, be active, not be the
// cashier, hold the action and be within their own limits; each refusal has
// its own reason so the dialog can say which.
func Approve(s *Snapshot, cashier, approver UserID, a Action, args Args) Verdict {
	v := Verdict{Action: a, User: cashier}
	ai, ok := s.precheck(&v, a, args)
	if !ok || v.Allowed {
		return v
	}
	ci, ok := s.userIdx[cashier]
	if !ok {
		v.Reason = ReasonUnknownUser
		return v
	}
	if !s.users[ci].Active {
		v.Reason = ReasonUserInactive
		return v
	}
	v.User = approver
	if approver == cashier {
		v.Reason = ReasonSelfApproval
		return v
	}
	ei, ok := s.userIdx[approver]
	if !ok {
		v.Reason = ReasonApproverUnknown
		return v
	}
	if !s.users[ei].Active {
		v.Reason = ReasonApproverInactive
		return v
	}
	v = s.judge(v, ai, ci, ei, args)
	if v.Allowed {
		v.Reason = ReasonApproved
	}
	return v
}

// Visible says whether the UI shows the control of action a at all. With
// "hide disabled actions" off everything known is shown (greyed out when
// Decide with zero Args denies); with it on, only what the effective user's
// group holds. An elevation shows what the approver may do.
func Visible(s *Snapshot, p Principal, a Action) bool {
	if s == nil {
		return false
	}
	if _, ok := s.actionIdx[a]; !ok {
		return false
	}
	if !s.settings.SecurityEnabled || !s.settings.HideDisabled {
		return true
	}
	// Zero Args are within every limit (a 0 % limit allows a 0 % discount),
	// so this asks only whether the action is held by an active user.
	return Decide(s, p, a, Args{}).Allowed
}

// precheck does what Decide and Approve share before looking at people: a
// snapshot exists, the action is indexed, args are sane, security is on.
// It returns the action's index and false when v is final.
func (s *Snapshot) precheck(v *Verdict, a Action, args Args) (int32, bool) {
	if s == nil {
		v.Reason = ReasonNoSnapshot
		return 0, false
	}
	ai, ok := s.actionIdx[a]
	if !ok {
		v.Reason = ReasonUnknownAction
		return 0, false
	}
	// Limits are magnitudes: a negative number would slip under any of
	// them, and a discount over 100 % is not a discount. Refused even with
	// security off, because no setting makes such a request meaningful.
	for _, li := range s.actions[ai].limits {
		if li < 0 {
			continue
		}
		info := &limitTable[li]
		r := args.requested(info.Unit)
		if r < 0 || (info.Unit == UnitPercent && r > MaxPercent) {
			v.Reason = ReasonInvalidArgs
			v.Limit, v.Requested = info.ID, r
			return ai, false
		}
	}
	if !s.settings.SecurityEnabled {
		v.Allowed = true
		v.Reason = ReasonSecurityOff
	}
	return ai, true
}

// judge checks the effective user's group (ei) for action ai; ci is the
// cashier, excluded from ApprovalPossible along with ei.
func (s *Snapshot) judge(v Verdict, ai, ci, ei int32, args Args) Verdict {
	elevated := ei != ci
	gi := s.users[ei].group
	if !s.holds(gi, ai) {
		v.Reason = ReasonNoPermission
		if elevated {
			v.Reason = ReasonApproverNoPermission
		}
		v.ApprovalPossible = s.approvable(ai, ci, ei, args)
		return v
	}
	if li, lim, req, ok := s.withinLimits(gi, ai, args); !ok {
		v.Reason = ReasonOverLimit
		if elevated {
			v.Reason = ReasonApproverOverLimit
		}
		v.Limit, v.LimitValue, v.Requested = limitTable[li].ID, lim, req
		v.ApprovalPossible = s.approvable(ai, ci, ei, args)
		return v
	}
	v.Allowed = true
	v.Reason = ReasonAllowed
	if elevated {
		v.Reason = ReasonElevated
	}
	return v
}

// withinLimits checks group gi's limits for action ai; on failure it returns
// the first limit exceeded, its value and the value requested.
func (s *Snapshot) withinLimits(gi, ai int32, args Args) (int8, int64, int64, bool) {
	row := s.limits[int(gi)*numLimits : int(gi+1)*numLimits]
	for _, li := range s.actions[ai].limits {
		if li < 0 {
			continue
		}
		info := &limitTable[li]
		req := args.requested(info.Unit)
		if !within(info, row[li], req) {
			return li, row[li], req, false
		}
	}
	return -1, 0, 0, true
}

// approvable reports whether an active user other than the cashier ci and
// the evaluated user ei holds ai within args. Candidates are sorted most
// generous first on the action's first limit, so once a group with someone
// available fails that limit, no later group can pass it.
func (s *Snapshot) approvable(ai, ci, ei int32, args Args) bool {
	e := &s.actions[ai]
	first := e.limits[0]
	for _, gi := range s.cands[e.candStart:e.candEnd] {
		avail := s.groups[gi].active
		if s.users[ci].group == gi && s.users[ci].Active {
			avail--
		}
		if ei != ci && s.users[ei].group == gi && s.users[ei].Active {
			avail--
		}
		if avail <= 0 {
			continue
		}
		li, _, _, ok := s.withinLimits(gi, ai, args)
		if ok {
			return true
		}
		if li == first {
			return false
		}
	}
	return false
}

// ParseReason is the inverse of Reason.String, for reading audit rows back.
func ParseReason(code string) (Reason, bool) {
	for r := ReasonNone; r < numReasons; r++ {
		if reasonCodes[r] == code {
			return r, true
		}
	}
	return ReasonNone, false
}

// String is a one-line, untranslated account of the verdict for logs and
// the audit log's detail column, e.g.
// "deny bill.discount.line user=10 reason=over_limit limit.discount.line=1000 requested=1500 approval=possible".
func (v Verdict) String() string {
	var b []byte
	if v.Allowed {
		b = append(b, "allow "...)
	} else {
		b = append(b, "deny "...)
	}
	b = append(b, v.Action...)
	b = append(b, " user="...)
	b = strconv.AppendInt(b, int64(v.User), 10)
	b = append(b, " reason="...)
	b = append(b, v.Reason.String()...)
	if v.Limit != "" {
		b = append(b, ' ')
		b = append(b, v.Limit...)
		b = append(b, '=')
		b = strconv.AppendInt(b, v.LimitValue, 10)
		b = append(b, " requested="...)
		b = strconv.AppendInt(b, v.Requested, 10)
	}
	if v.ApprovalPossible {
		b = append(b, " approval=possible"...)
	}
	return string(b)
}
