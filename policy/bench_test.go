package policy

import (
	"fmt"
	"testing"
)

// benchMatrix is 20 groups × (catalogue + extra) ≥ 150 actions, 100 users,
// every group holding about half the actions with limits set, so Decide
// sees a realistic mix of allowed, denied and over-limit answers.
const (
	benchGroups  = 20
	benchActions = 160
	benchUsers   = 100
)

type benchKey struct {
	group  GroupID
	action Action
}

type benchCase struct {
	user  UserID
	group GroupID
	a     Action
	args  Args
}

func benchSetup(b testing.TB) (*Snapshot, []benchCase, map[benchKey]bool) {
	b.Helper()
	var actions []Action
	for _, ai := range Catalogue() {
		actions = append(actions, ai.ID)
	}
	for i := len(actions); i < benchActions; i++ {
		actions = append(actions, Action(fmt.Sprintf("ext.bench.action_%03d", i)))
	}
	m := Matrix{Version: 1, Settings: Settings{SecurityEnabled: true}}
	base := map[benchKey]bool{}
	for g := 1; g <= benchGroups; g++ {
		grp := Group{
			ID: GroupID(g), Name: fmt.Sprintf("group %d", g), Actions: map[Action]bool{},
			Limits: map[Limit]int64{LimitDiscountLine: int64(g) * 200, LimitLineQuantity: int64(g) * 1000},
		}
		for i, a := range actions {
			if (i+g)%2 == 0 {
				grp.Actions[a] = true
				base[benchKey{GroupID(g), a}] = true
			}
		}
		m.Groups = append(m.Groups, grp)
	}
	for u := 1; u <= benchUsers; u++ {
		m.Users = append(m.Users, User{ID: UserID(u), Login: fmt.Sprintf("u%d", u), Group: GroupID(1 + u%benchGroups), Active: u%10 != 0})
	}
	s := mustSnapshot(b, m)
	// A fixed, shuffled walk over users and actions; the Action strings are
	// fresh copies, as they would be when read from a button's data.
	cases := make([]benchCase, 1024)
	for i := range cases {
		u := 1 + (i*37)%benchUsers
		a := Action(string([]byte(actions[(i*53)%len(actions)])))
		cases[i] = benchCase{
			user: UserID(u), group: GroupID(1 + u%benchGroups), a: a,
			args: Args{Percent: int32((i * 97) % 3000), Quantity: int64((i * 131) % 20000)},
		}
	}
	return s, cases, base
}

func BenchmarkDecide(b *testing.B) {
	s, cases, _ := benchSetup(b)
	allowed := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := &cases[i&(len(cases)-1)]
		if Decide(s, Principal{User: c.user}, c.a, c.args).Allowed {
			allowed++
		}
	}
	sinkInt = allowed
}

// BenchmarkDecideBaseline is the floor Decide is measured against: the bare
// map lookup a naive implementation would do for the same (group, action).
func BenchmarkDecideBaseline(b *testing.B) {
	_, cases, base := benchSetup(b)
	allowed := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c := &cases[i&(len(cases)-1)]
		if base[benchKey{c.group, c.a}] {
			allowed++
		}
	}
	sinkInt = allowed
}

var sinkInt int

func TestBenchMatrixShape(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the benchmark matrix")
	}
	s, cases, base := benchSetup(t)
	if n := len(s.Actions()); n < 150 {
		t.Errorf("benchmark matrix has %d actions, want >= 150", n)
	}
	var allowed, denied, over int
	for _, c := range cases {
		v := Decide(s, Principal{User: c.user}, c.a, c.args)
		switch {
		case v.Allowed:
			allowed++
		case v.Reason == ReasonOverLimit:
			over++
		default:
			denied++
		}
		// The baseline answers the permission half of the same question.
		if v.Reason == ReasonNoPermission && base[benchKey{c.group, c.a}] {
			t.Fatalf("Decide and the baseline disagree on %+v", c)
		}
	}
	if allowed == 0 || denied == 0 || over == 0 {
		t.Errorf("benchmark mix allowed %d, denied %d, over limit %d: want some of each", allowed, denied, over)
	}
}
