package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Users of the fixture matrix.
const (
	anna    UserID = 10 // cashier, active
	boris   UserID = 11 // cashier, inactive
	vera    UserID = 20 // supervisor, active
	gleb    UserID = 21 // supervisor, inactive
	admin   UserID = 30 // administrator, active
	trainee UserID = 40 // trainee, active
	nobody  UserID = 99 // not in the matrix
)

const actionCustom Action = "ext.custom.report" // not in the catalogue

func fixtureMatrix() Matrix {
	all := map[Action]bool{actionCustom: true}
	for _, ai := range Catalogue() {
		all[ai.ID] = true
	}
	return Matrix{
		Version:  7,
		Settings: Settings{SecurityEnabled: true},
		Groups: []Group{
			{ID: 1, Name: "Cashiers", Actions: map[Action]bool{
				ActionSell: true, ActionVoidLine: true, ActionDiscountLine: true, ActionPreBillPrint: true,
				ActionParkBill: true, ActionDrawerOpen: false,
			}, Limits: map[Limit]int64{
				LimitDiscountLine: 1000, LimitLineQuantity: 10_000, LimitBillTotal: 500_000, LimitPreBillPrints: 2,
			}},
			{ID: 2, Name: "Supervisors", Actions: map[Action]bool{
				ActionSell: true, ActionVoidLine: true, ActionDiscountLine: true, ActionDiscountTotal: true,
				ActionPreBillPrint: true, ActionManualPrice: true, ActionCancelBill: true, ActionDrawerOpen: true,
				ActionReportX: true, ActionImpersonate: true,
			}, Limits: map[Limit]int64{
				LimitDiscountLine: 2500, LimitDiscountTotal: 1000, LimitManualPrice: 100_000,
			}},
			{ID: 3, Name: "Administrators", Actions: all, Limits: map[Limit]int64{
				LimitDiscountLine: 5000, LimitDiscountTotal: 5000, LimitDiscountPromo: 5000,
			}},
			{ID: 4, Name: "Trainees", Actions: map[Action]bool{ActionSell: true, ActionDiscountLine: true}},
		},
		Users: []User{
			{ID: anna, Login: "anna", Name: "Anna Ivanova", Group: 1, Active: true},
			{ID: boris, Login: "boris", Name: "Boris Orlov", Group: 1},
			{ID: vera, Login: "vera", Name: "Vera Petrova", Group: 2, Active: true},
			{ID: gleb, Login: "gleb", Name: "Gleb Sokolov", Group: 2},
			{ID: admin, Login: "admin", Group: 3, Active: true},
			{ID: trainee, Login: "trainee", Name: "Tom Trainee", Group: 4, Active: true},
		},
	}
}

func mustSnapshot(t testing.TB, m Matrix) *Snapshot {
	t.Helper()
	s, err := NewSnapshot(m)
	if err != nil {
		t.Fatalf("NewSnapshot: %v", err)
	}
	return s
}

func TestDecide(t *testing.T) {
	s := mustSnapshot(t, fixtureMatrix())
	me := Principal{User: anna}
	tests := []struct {
		name string
		p    Principal
		a    Action
		args Args
		want Verdict
	}{
		{
			"held, no limit", me, ActionVoidLine,
			Args{},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: ActionVoidLine, User: anna},
		},
		{
			"default deny: unknown action", me, "bill.teleport",
			Args{},
			Verdict{Reason: ReasonUnknownAction, Action: "bill.teleport", User: anna},
		},
		{
			"unknown user",
			Principal{User: nobody},
			ActionSell,
			Args{},
			Verdict{Reason: ReasonUnknownUser, Action: ActionSell, User: nobody},
		},
		{
			"inactive user",
			Principal{User: boris},
			ActionSell,
			Args{},
			Verdict{Reason: ReasonUserInactive, Action: ActionSell, User: boris},
		},
		{
			"not held, a supervisor could", me, ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonNoPermission, Action: ActionDrawerOpen, User: anna, ApprovalPossible: true},
		},
		{
			"not held, only the admin could", me, ActionDataReset,
			Args{},
			Verdict{Reason: ReasonNoPermission, Action: ActionDataReset, User: anna, ApprovalPossible: true},
		},
		{
			"action outside the catalogue, held",
			Principal{User: admin},
			actionCustom,
			Args{},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: actionCustom, User: admin},
		},
		{
			"action outside the catalogue, not held", me, actionCustom,
			Args{},
			Verdict{Reason: ReasonNoPermission, Action: actionCustom, User: anna, ApprovalPossible: true},
		},

		{
			"line discount at the limit", me, ActionDiscountLine,
			Args{Percent: 1000},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: ActionDiscountLine, User: anna},
		},
		{
			"line discount 1 bp over", me, ActionDiscountLine,
			Args{Percent: 1001},
			Verdict{
				Reason: ReasonOverLimit, Action: ActionDiscountLine, User: anna,
				Limit: LimitDiscountLine, LimitValue: 1000, Requested: 1001, ApprovalPossible: true,
			},
		},
		{
			"line discount over every limit", me, ActionDiscountLine,
			Args{Percent: 5001},
			Verdict{
				Reason: ReasonOverLimit, Action: ActionDiscountLine, User: anna,
				Limit: LimitDiscountLine, LimitValue: 1000, Requested: 5001,
			},
		},
		{
			"line discount 100 % is a request, not nonsense", me, ActionDiscountLine,
			Args{Percent: 10000},
			Verdict{
				Reason: ReasonOverLimit, Action: ActionDiscountLine, User: anna,
				Limit: LimitDiscountLine, LimitValue: 1000, Requested: 10000,
			},
		},
		{
			"percent over 100 %", me, ActionDiscountLine,
			Args{Percent: 10001},
			Verdict{
				Reason: ReasonInvalidArgs, Action: ActionDiscountLine, User: anna,
				Limit: LimitDiscountLine, Requested: 10001,
			},
		},
		{
			"negative percent", me, ActionDiscountLine,
			Args{Percent: -1},
			Verdict{
				Reason: ReasonInvalidArgs, Action: ActionDiscountLine, User: anna,
				Limit: LimitDiscountLine, Requested: -1,
			},
		},
		{
			"percent limit absent means 0 %: zero is fine",
			Principal{User: trainee},
			ActionDiscountLine,
			Args{},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: ActionDiscountLine, User: trainee},
		},
		{
			"percent limit absent means 0 %: 1 bp is over",
			Principal{User: trainee},
			ActionDiscountLine,
			Args{Percent: 1},
			Verdict{
				Reason: ReasonOverLimit, Action: ActionDiscountLine, User: trainee,
				Limit: LimitDiscountLine, Requested: 1, ApprovalPossible: true,
			},
		},

		{
			"quantity at the limit", me, ActionSell,
			Args{Quantity: 10_000, Amount: 1},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: ActionSell, User: anna},
		},
		{
			"quantity 1 milli over", me, ActionSell,
			Args{Quantity: 10_001},
			Verdict{
				Reason: ReasonOverLimit, Action: ActionSell, User: anna,
				Limit: LimitLineQuantity, LimitValue: 10_000, Requested: 10_001, ApprovalPossible: true,
			},
		},
		{
			"bill total at the limit", me, ActionSell,
			Args{Quantity: 1000, Amount: 500_000},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: ActionSell, User: anna},
		},
		{
			"bill total 1 kopeck over", me, ActionSell,
			Args{Quantity: 1000, Amount: 500_001},
			Verdict{
				Reason: ReasonOverLimit, Action: ActionSell, User: anna,
				Limit: LimitBillTotal, LimitValue: 500_000, Requested: 500_001, ApprovalPossible: true,
			},
		},
		{
			"both over: the first limit is reported", me, ActionSell,
			Args{Quantity: 20_000, Amount: 900_000},
			Verdict{
				Reason: ReasonOverLimit, Action: ActionSell, User: anna,
				Limit: LimitLineQuantity, LimitValue: 10_000, Requested: 20_000, ApprovalPossible: true,
			},
		},
		{
			"money limit 0 means none",
			Principal{User: vera},
			ActionSell,
			Args{Quantity: 1 << 40, Amount: 1 << 50},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: ActionSell, User: vera},
		},
		{
			"pre-bill prints at the limit", me, ActionPreBillPrint,
			Args{Count: 2},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: ActionPreBillPrint, User: anna},
		},
		{
			"pre-bill print one too many", me, ActionPreBillPrint,
			Args{Count: 3},
			Verdict{
				Reason: ReasonOverLimit, Action: ActionPreBillPrint, User: anna,
				Limit: LimitPreBillPrints, LimitValue: 2, Requested: 3, ApprovalPossible: true,
			},
		},

		{
			"elevated: the approver's limit applies",
			Principal{User: anna, As: vera},
			ActionDiscountLine,
			Args{Percent: 2500},
			Verdict{Allowed: true, Reason: ReasonElevated, Action: ActionDiscountLine, User: vera},
		},
		{
			"elevated: over the approver's limit",
			Principal{User: anna, As: vera},
			ActionDiscountLine,
			Args{Percent: 2501},
			Verdict{
				Reason: ReasonApproverOverLimit, Action: ActionDiscountLine, User: vera,
				Limit: LimitDiscountLine, LimitValue: 2500, Requested: 2501, ApprovalPossible: true,
			},
		},
		{
			"elevated: the approver lacks it too",
			Principal{User: anna, As: trainee},
			ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonApproverNoPermission, Action: ActionDrawerOpen, User: trainee, ApprovalPossible: true},
		},
		{
			"elevated: the approver became inactive",
			Principal{User: anna, As: gleb},
			ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonApproverInactive, Action: ActionDrawerOpen, User: gleb},
		},
		{
			"elevated: the approver was deleted",
			Principal{User: anna, As: nobody},
			ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonApproverUnknown, Action: ActionDrawerOpen, User: nobody},
		},
		{
			"elevated: the cashier became inactive",
			Principal{User: boris, As: vera},
			ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonUserInactive, Action: ActionDrawerOpen, User: boris},
		},
		{
			"elevated as oneself is not elevated",
			Principal{User: anna, As: anna},
			ActionVoidLine,
			Args{},
			Verdict{Allowed: true, Reason: ReasonAllowed, Action: ActionVoidLine, User: anna},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(s, tt.p, tt.a, tt.args)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decide(%+v, %s, %+v) (-want +got):\n%s", tt.p, tt.a, tt.args, diff)
			}
		})
	}
}

func TestDecideNilSnapshot(t *testing.T) {
	got := Decide(nil, Principal{User: anna}, ActionSell, Args{})
	want := Verdict{Reason: ReasonNoSnapshot, Action: ActionSell, User: anna}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if Visible(nil, Principal{User: anna}, ActionSell) {
		t.Error("Visible with no snapshot = true, want false")
	}
	if v := Approve(nil, anna, vera, ActionSell, Args{}); v.Allowed || v.Reason != ReasonNoSnapshot {
		t.Errorf("Approve with no snapshot = %+v", v)
	}
}

func TestZeroVerdictDenies(t *testing.T) {
	var v Verdict
	if v.Allowed || v.Reason != ReasonNone {
		t.Errorf("zero Verdict = %+v, want a denial with ReasonNone", v)
	}
}

func TestDecideSecurityOff(t *testing.T) {
	m := fixtureMatrix()
	m.Settings.SecurityEnabled = false
	s := mustSnapshot(t, m)
	tests := []struct {
		name string
		p    Principal
		a    Action
		args Args
		want Verdict
	}{
		{
			"not held",
			Principal{User: anna},
			ActionDataReset,
			Args{},
			Verdict{Allowed: true, Reason: ReasonSecurityOff, Action: ActionDataReset, User: anna},
		},
		{
			"unknown user",
			Principal{User: nobody},
			ActionDataReset,
			Args{},
			Verdict{Allowed: true, Reason: ReasonSecurityOff, Action: ActionDataReset, User: nobody},
		},
		{
			"over limit",
			Principal{User: anna},
			ActionDiscountLine,
			Args{Percent: 9000},
			Verdict{Allowed: true, Reason: ReasonSecurityOff, Action: ActionDiscountLine, User: anna},
		},
		{
			"unknown action still denied",
			Principal{User: anna},
			"bill.teleport",
			Args{},
			Verdict{Reason: ReasonUnknownAction, Action: "bill.teleport", User: anna},
		},
		{
			"nonsense args still denied",
			Principal{User: anna},
			ActionDiscountLine,
			Args{Percent: 20000},
			Verdict{Reason: ReasonInvalidArgs, Action: ActionDiscountLine, User: anna, Limit: LimitDiscountLine, Requested: 20000},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Decide(s, tt.p, tt.a, tt.args)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if v := Approve(s, anna, anna, ActionDataReset, Args{}); !v.Allowed || v.Reason != ReasonSecurityOff {
		t.Errorf("Approve with security off = %+v, want allowed security_off", v)
	}
}

func TestApprove(t *testing.T) {
	s := mustSnapshot(t, fixtureMatrix())
	tests := []struct {
		name              string
		cashier, approver UserID
		a                 Action
		args              Args
		want              Verdict
	}{
		{
			"granted", anna, vera, ActionDiscountLine,
			Args{Percent: 2500},
			Verdict{Allowed: true, Reason: ReasonApproved, Action: ActionDiscountLine, User: vera},
		},
		{
			"self approval", anna, anna, ActionDiscountLine,
			Args{Percent: 500},
			Verdict{Reason: ReasonSelfApproval, Action: ActionDiscountLine, User: anna},
		},
		{
			"approver unknown", anna, nobody, ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonApproverUnknown, Action: ActionDrawerOpen, User: nobody},
		},
		{
			"approver inactive", anna, gleb, ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonApproverInactive, Action: ActionDrawerOpen, User: gleb},
		},
		{
			"approver lacks the right", anna, trainee, ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonApproverNoPermission, Action: ActionDrawerOpen, User: trainee, ApprovalPossible: true},
		},
		{
			"approver over their own limit", anna, vera, ActionDiscountLine,
			Args{Percent: 3000},
			Verdict{
				Reason: ReasonApproverOverLimit, Action: ActionDiscountLine, User: vera,
				Limit: LimitDiscountLine, LimitValue: 2500, Requested: 3000, ApprovalPossible: true,
			},
		},
		{
			"approver over their limit, nobody else could", anna, admin, ActionDiscountLine,
			Args{Percent: 6000},
			Verdict{
				Reason: ReasonApproverOverLimit, Action: ActionDiscountLine, User: admin,
				Limit: LimitDiscountLine, LimitValue: 5000, Requested: 6000,
			},
		},
		{
			"cashier inactive", boris, vera, ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonUserInactive, Action: ActionDrawerOpen, User: boris},
		},
		{
			"cashier unknown", nobody, vera, ActionDrawerOpen,
			Args{},
			Verdict{Reason: ReasonUnknownUser, Action: ActionDrawerOpen, User: nobody},
		},
		{
			"unknown action", anna, vera, "drawer.explode",
			Args{},
			Verdict{Reason: ReasonUnknownAction, Action: "drawer.explode", User: anna},
		},
		{
			"sticky elevation needs the approver to hold impersonate", anna, vera, ActionImpersonate,
			Args{},
			Verdict{Allowed: true, Reason: ReasonApproved, Action: ActionImpersonate, User: vera},
		},
		{
			"a trainee cannot lend rights", anna, trainee, ActionImpersonate,
			Args{},
			Verdict{Reason: ReasonApproverNoPermission, Action: ActionImpersonate, User: trainee, ApprovalPossible: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Approve(s, tt.cashier, tt.approver, tt.a, tt.args)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Approve(%d, %d, %s, %+v) (-want +got):\n%s", tt.cashier, tt.approver, tt.a, tt.args, diff)
			}
		})
	}
}

// TestApprovalPossibleExcludesPeople checks that the cashier and an
// approver already refused never count as "someone who could approve", and
// that inactive holders do not either.
func TestApprovalPossibleExcludesPeople(t *testing.T) {
	m := Matrix{
		Version:  1,
		Settings: Settings{SecurityEnabled: true},
		Groups: []Group{
			{
				ID: 1, Name: "Solo", Actions: map[Action]bool{ActionDrawerOpen: true, ActionDiscountLine: true},
				Limits: map[Limit]int64{LimitDiscountLine: 2000},
			},
			{ID: 2, Name: "Plain"},
			{ID: 3, Name: "Ghosts", Actions: map[Action]bool{ActionCashOut: true}},
		},
		Users: []User{
			{ID: 1, Login: "solo", Group: 1, Active: true},
			{ID: 2, Login: "plain", Group: 2, Active: true},
			{ID: 3, Login: "plain2", Group: 2, Active: true},
			{ID: 4, Login: "ghost", Group: 3, Active: false},
		},
	}
	s := mustSnapshot(t, m)
	tests := []struct {
		name string
		v    Verdict
		want bool
	}{
		{"another user holds it", Decide(s, Principal{User: 2}, ActionDrawerOpen, Args{}), true},
		{"only an inactive user holds it", Decide(s, Principal{User: 2}, ActionCashOut, Args{}), false},
		{"only the cashier holds it", Decide(s, Principal{User: 1}, ActionDiscountLine, Args{Percent: 2001}), false},
		{"only the refused approver holds it", Approve(s, 2, 1, ActionDiscountLine, Args{Percent: 2001}), false},
		{"elevated as the only holder", Decide(s, Principal{User: 2, As: 1}, ActionDiscountLine, Args{Percent: 2001}), false},
		{"the holder is under the request", Decide(s, Principal{User: 2}, ActionDiscountLine, Args{Percent: 2001}), false},
		{"the holder is within the request", Decide(s, Principal{User: 2}, ActionDiscountLine, Args{Percent: 2000}), true},
		{"a refused peer, another peer lacks it too", Approve(s, 2, 3, ActionCashOut, Args{}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.Allowed {
				t.Fatalf("verdict allowed: %+v", tt.v)
			}
			if tt.v.ApprovalPossible != tt.want {
				t.Errorf("ApprovalPossible = %v, want %v (%+v)", tt.v.ApprovalPossible, tt.want, tt.v)
			}
		})
	}
}

func TestVisible(t *testing.T) {
	m := fixtureMatrix()
	for _, tt := range []struct {
		name     string
		security bool
		hide     bool
		p        Principal
		a        Action
		want     bool
	}{
		{"grey out: not held but shown", true, false, Principal{User: anna}, ActionDrawerOpen, true},
		{"hide: not held", true, true, Principal{User: anna}, ActionDrawerOpen, false},
		{"hide: held", true, true, Principal{User: anna}, ActionVoidLine, true},
		{"hide: held with a 0 % limit", true, true, Principal{User: trainee}, ActionDiscountLine, true},
		{"hide: elevation shows the approver's actions", true, true, Principal{User: anna, As: vera}, ActionDrawerOpen, true},
		{"hide: inactive user sees nothing", true, true, Principal{User: boris}, ActionVoidLine, false},
		{"security off shows all", false, true, Principal{User: anna}, ActionDataReset, true},
		{"unknown action is never shown", true, false, Principal{User: anna}, "bill.teleport", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m.Settings = Settings{SecurityEnabled: tt.security, HideDisabled: tt.hide}
			s := mustSnapshot(t, m)
			if got := Visible(s, tt.p, tt.a); got != tt.want {
				t.Errorf("Visible = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	s := mustSnapshot(t, fixtureMatrix())
	calls := []func(){
		func() { Decide(s, Principal{User: anna}, ActionDiscountLine, Args{Percent: 500}) },
		func() { Decide(s, Principal{User: anna}, ActionDiscountLine, Args{Percent: 3000}) },
		func() { Decide(s, Principal{User: anna, As: vera}, ActionDrawerOpen, Args{}) },
		func() { Approve(s, anna, vera, ActionDiscountLine, Args{Percent: 3000}) },
	}
	for i, f := range calls {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("call %d: %v allocs, want 0", i, n)
		}
	}
}
