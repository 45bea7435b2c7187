package policy

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewSnapshotRejects(t *testing.T) {
	base := func() Matrix {
		return Matrix{
			Version: 3,
			Groups:  []Group{{ID: 1, Name: "Cashiers"}, {ID: 2, Name: "Supervisors"}},
			Users: []User{
				{ID: 1, Login: "anna", Group: 1, Active: true},
				{ID: 2, Login: "vera", Group: 2, Active: true},
			},
		}
	}
	tests := []struct {
		name   string
		change func(*Matrix)
		want   []error
	}{
		{
			"duplicate group id", func(m *Matrix) { m.Groups = append(m.Groups, Group{ID: 1, Name: "Again"}) },
			[]error{ErrDuplicateGroup},
		},
		{
			"group id 0", func(m *Matrix) { m.Groups = append(m.Groups, Group{ID: 0}) },
			[]error{ErrInvalidID},
		},
		{
			"duplicate user id", func(m *Matrix) { m.Users = append(m.Users, User{ID: 2, Login: "other", Group: 1}) },
			[]error{ErrDuplicateUser},
		},
		{
			"user id 0 would read as 'not elevated'", func(m *Matrix) { m.Users = append(m.Users, User{ID: 0, Login: "zero", Group: 1}) },
			[]error{ErrInvalidID},
		},
		{
			"duplicate login, other case", func(m *Matrix) { m.Users = append(m.Users, User{ID: 3, Login: "Anna", Group: 1}) },
			[]error{ErrDuplicateLogin},
		},
		{
			"unknown group of a user", func(m *Matrix) { m.Users = append(m.Users, User{ID: 3, Login: "lost", Group: 9}) },
			[]error{ErrUnknownGroup},
		},
		{
			"malformed action id", func(m *Matrix) { m.Groups[0].Actions = map[Action]bool{"Bill..Cancel": true} },
			[]error{ErrInvalidAction},
		},
		{
			"unknown limit", func(m *Matrix) { m.Groups[0].Limits = map[Limit]int64{"limit.discount.lnie": 10} },
			[]error{ErrUnknownLimit},
		},
		{
			"negative limit", func(m *Matrix) { m.Groups[0].Limits = map[Limit]int64{LimitBillTotal: -1} },
			[]error{ErrInvalidLimit},
		},
		{
			"percent limit over 100 %", func(m *Matrix) { m.Groups[0].Limits = map[Limit]int64{LimitDiscountLine: 10001} },
			[]error{ErrInvalidLimit},
		},
		{"every problem is reported", func(m *Matrix) {
			m.Groups = append(m.Groups, Group{ID: 2})
			m.Users = append(m.Users, User{ID: 1, Login: "x", Group: 1}, User{ID: 5, Login: "y", Group: 7})
		}, []error{ErrDuplicateGroup, ErrDuplicateUser, ErrUnknownGroup}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base()
			tt.change(&m)
			s, err := NewSnapshot(m)
			if err == nil {
				t.Fatalf("NewSnapshot = %v, nil; want an error", s)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("error %q does not wrap %q", err, w)
				}
			}
		})
	}
	if _, err := NewSnapshot(base()); err != nil {
		t.Fatalf("the base matrix is valid, got %v", err)
	}
}

func TestSnapshotIndexesExtraActions(t *testing.T) {
	many := map[Action]bool{}
	for i := range 200 {
		many[Action("ext.a"+string(rune('a'+i%26))+"."+string(rune('a'+i/26)))] = true
	}
	s := mustSnapshot(t, Matrix{
		Version:  1,
		Settings: Settings{SecurityEnabled: true},
		Groups:   []Group{{ID: 1, Actions: many}},
		Users:    []User{{ID: 1, Group: 1, Active: true}},
	})
	infos := s.Actions()
	if got, want := len(infos), len(catalogueTable)+200; got != want {
		t.Fatalf("indexed %d actions, want %d", got, want)
	}
	// The catalogue keeps its place at the front, whatever the matrix holds.
	for i := range catalogueTable {
		if infos[i].ID != catalogueTable[i].id {
			t.Fatalf("action %d = %s, want %s", i, infos[i].ID, catalogueTable[i].id)
		}
	}
	for a := range many {
		if v := Decide(s, Principal{User: 1}, a, Args{}); !v.Allowed {
			t.Errorf("Decide(%s) = %+v, want allowed", a, v)
		}
	}
	if got := infos[len(infos)-1].Category; got != CategoryOther {
		t.Errorf("extra action category = %s, want %s", got, CategoryOther)
	}
}

func TestSnapshotCopiesTheMatrix(t *testing.T) {
	m := fixtureMatrix()
	s := mustSnapshot(t, m)
	m.Groups[0].Actions[ActionDataReset] = true
	m.Groups[0].Limits[LimitDiscountLine] = 10000
	m.Users[0].Active = false
	if v := Decide(s, Principal{User: anna}, ActionDataReset, Args{}); v.Allowed {
		t.Errorf("changing the matrix after NewSnapshot changed a decision: %+v", v)
	}
	if v := Decide(s, Principal{User: anna}, ActionDiscountLine, Args{Percent: 1001}); v.Allowed {
		t.Errorf("changing a limit after NewSnapshot changed a decision: %+v", v)
	}
}

func TestSnapshotUser(t *testing.T) {
	s := mustSnapshot(t, fixtureMatrix())
	u, ok := s.User(vera)
	if !ok || u.Name != "Vera Petrova" || u.Group != 2 {
		t.Errorf("User(vera) = %+v, %v", u, ok)
	}
	if _, ok := s.User(nobody); ok {
		t.Error("User(nobody) found")
	}
	if s.Version() != 7 || !s.Settings().SecurityEnabled {
		t.Errorf("Version/Settings = %d/%+v", s.Version(), s.Settings())
	}
}

// TestApprovalPossibleMatchesBruteForce compares the precomputed candidate
// scan with the plain definition (some active user other than the cashier
// and the evaluated user holds the action within the limits) on random
// matrices.
func TestApprovalPossibleMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	actions := []Action{ActionSell, ActionDiscountLine, ActionDrawerOpen, ActionPreBillPrint}
	for round := range 300 {
		var m Matrix
		m.Settings.SecurityEnabled = true
		for g := range 1 + rng.IntN(6) {
			grp := Group{ID: GroupID(g + 1), Actions: map[Action]bool{}, Limits: map[Limit]int64{}}
			for _, a := range actions {
				grp.Actions[a] = rng.IntN(2) == 0
			}
			grp.Limits[LimitDiscountLine] = int64(rng.IntN(4)) * 1000
			grp.Limits[LimitLineQuantity] = int64(rng.IntN(3)) * 1000
			grp.Limits[LimitBillTotal] = int64(rng.IntN(3)) * 1000
			grp.Limits[LimitPreBillPrints] = int64(rng.IntN(3))
			m.Groups = append(m.Groups, grp)
		}
		for u := range 1 + rng.IntN(8) {
			m.Users = append(m.Users, User{ID: UserID(u + 1), Group: GroupID(1 + rng.IntN(len(m.Groups))), Active: rng.IntN(3) > 0})
		}
		s := mustSnapshot(t, m)
		for range 20 {
			a := actions[rng.IntN(len(actions))]
			args := Args{Percent: int32(rng.IntN(4000)), Quantity: int64(rng.IntN(3000)), Amount: int64(rng.IntN(3000)), Count: int32(rng.IntN(4))}
			p := Principal{User: UserID(1 + rng.IntN(len(m.Users))), As: UserID(rng.IntN(len(m.Users) + 1))}
			v := Decide(s, p, a, args)
			if v.Allowed || (v.Reason != ReasonNoPermission && v.Reason != ReasonOverLimit &&
				v.Reason != ReasonApproverNoPermission && v.Reason != ReasonApproverOverLimit) {
				continue
			}
			want := false
			for _, u := range m.Users {
				if !u.Active || u.ID == p.User || u.ID == p.Effective() {
					continue
				}
				if Decide(s, Principal{User: u.ID}, a, args).Allowed {
					want = true
				}
			}
			if v.ApprovalPossible != want {
				t.Fatalf("round %d: %+v: ApprovalPossible = %v, brute force says %v\nmatrix %+v", round, v, v.ApprovalPossible, want, m)
			}
		}
	}
}

func TestCatalogue(t *testing.T) {
	cat := Catalogue()
	seen := map[Action]bool{}
	cats := map[Category]bool{}
	for _, c := range Categories() {
		cats[c.ID] = true
	}
	for _, ai := range cat {
		if seen[ai.ID] {
			t.Errorf("duplicate action %s", ai.ID)
		}
		seen[ai.ID] = true
		if !validActionID(ai.ID) {
			t.Errorf("action %q is not a valid id", ai.ID)
		}
		if !cats[ai.Category] {
			t.Errorf("action %s: unknown category %q", ai.ID, ai.Category)
		}
		if ai.NameKey != "policy.action."+string(ai.ID) || ai.Name == "" {
			t.Errorf("action %s: name key %q, name %q", ai.ID, ai.NameKey, ai.Name)
		}
		for _, l := range ai.Limits {
			if _, ok := LookupLimit(l); !ok {
				t.Errorf("action %s: unknown limit %s", ai.ID, l)
			}
		}
		got, ok := LookupAction(ai.ID)
		if !ok || !cmp.Equal(got, ai) {
			t.Errorf("LookupAction(%s) = %+v, %v", ai.ID, got, ok)
		}
	}
	// Every limit is checked by at least one action, or it is dead weight.
	for _, l := range Limits() {
		if !slices.ContainsFunc(cat, func(ai ActionInfo) bool { return slices.Contains(ai.Limits, l.ID) }) {
			t.Errorf("limit %s applies to no action", l.ID)
		}
	}
	want := map[Action]Limit{
		ActionDiscountLine: LimitDiscountLine, ActionDiscountTotal: LimitDiscountTotal,
		ActionDiscountPromo: LimitDiscountPromo, ActionManualPrice: LimitManualPrice,
		ActionPreBillPrint: LimitPreBillPrints, ActionSell: LimitLineQuantity, ActionDrawerOpen: "",
	}
	for a, l := range want {
		if ai, _ := LookupAction(a); ai.Limit() != l {
			t.Errorf("%s main limit = %q, want %q", a, ai.Limit(), l)
		}
	}
	// Callers may change what they get without changing the catalogue.
	cat[0].Limits[0] = "changed"
	if again := Catalogue(); again[0].Limits[0] == "changed" {
		t.Error("Catalogue shares its slices with callers")
	}
}

func TestValidActionID(t *testing.T) {
	for id, want := range map[Action]bool{
		"bill.discount.line": true, "report.z.write": true, "a": true, "x2.y_z": true,
		"": false, ".a": false, "a.": false, "a..b": false, "A.b": false, "a-b": false, "a b": false, "ä": false,
	} {
		if got := validActionID(id); got != want {
			t.Errorf("validActionID(%q) = %v, want %v", id, got, want)
		}
	}
}

// TestDocsListEverything keeps docs/policy.md in step with the code: every
// action, limit and reason code must appear in its tables.
func TestDocsListEverything(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "docs", "policy.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, ai := range Catalogue() {
		if !strings.Contains(doc, "| `"+string(ai.ID)+"` | "+string(ai.Category)+" |") {
			t.Errorf("docs/policy.md does not list action %s in category %s", ai.ID, ai.Category)
		}
	}
	for _, l := range Limits() {
		if !strings.Contains(doc, "| `"+string(l.ID)+"` |") {
			t.Errorf("docs/policy.md does not list limit %s", l.ID)
		}
	}
	for _, r := range Reasons() {
		if !strings.Contains(doc, "| `"+r.String()+"` |") {
			t.Errorf("docs/policy.md does not list reason %s", r)
		}
	}
}
