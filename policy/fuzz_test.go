package policy

import (
	"slices"
	"testing"
)

// FuzzDecide builds matrices from fuzz bytes (duplicate IDs, bad limits,
// unknown groups and all) and checks NewSnapshot and Decide against a
// reference written straight from the rules over the Matrix itself: the
// dense indexes, bitsets and candidate lists must never change an answer.
// Matrices come from the store and from signed bundles, which are outside
// bytes once an admin edits them by hand.
func FuzzDecide(f *testing.F) {
	for i, seed := range fuzzSeeds {
		f.Add(seed, int32(i*500), int64(i*2500), int64(i*700), int32(i))
	}
	f.Add(fuzzSeeds[0], int32(10001), int64(-1), int64(1<<40), int32(-3))
	f.Fuzz(func(t *testing.T, data []byte, percent int32, amount, qty int64, count int32) {
		m := fuzzMatrix(data)
		s, err := NewSnapshot(m)
		if err != nil {
			return
		}
		args := Args{Percent: percent, Amount: amount, Quantity: qty, Count: count}
		for _, a := range append(fuzzActions[:len(fuzzActions):len(fuzzActions)], "not.indexed") {
			for u := UserID(0); u <= 10; u++ {
				for as := UserID(0); as <= 10; as++ {
					p := Principal{User: u, As: as}
					got := Decide(s, p, a, args)
					want := referenceDecide(m, p, a, args)
					if got.Allowed != want.Allowed || got.Reason != want.Reason || got.ApprovalPossible != want.ApprovalPossible {
						t.Fatalf("Decide(%+v, %s, %+v) = %+v\nreference %+v\nmatrix %+v", p, a, args, got, want, m)
					}
				}
			}
		}
	})
}

// fuzzSeeds are matrices in fuzzMatrix's byte layout: security, hide,
// groups-1, then per group (id, action bits, a byte per set bit, per limit
// a flag byte and a value byte when the flag is even), then the user count
// and per user (id, group, active).
var fuzzSeeds = [][]byte{
	{
		1, 1, 1,
		1, 0x3f, 1, 1, 1, 1, 1, 1, 0, 20, 0, 20, 1, 0, 100, 0, 20, 1, 0, 2,
		2, 0xff, 1, 1, 1, 1, 1, 1, 1, 1, 0, 50, 0, 50, 0, 50, 1, 1, 1, 1,
		4, 1, 1, 1, 2, 2, 1, 3, 2, 1, 4, 1, 0,
	},
	{0, 0, 0, 1, 0x01, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
	{
		2, 0, 2,
		1, 0xc0, 1, 0, 1, 1, 1, 1, 1, 1, 1,
		2, 0x21, 1, 1, 0, 10, 1, 1, 1, 1, 1, 1,
		3, 0x02, 1, 0, 40, 1, 1, 1, 1, 1, 1,
		3, 1, 1, 1, 2, 2, 1, 5, 3, 1,
	},
}

func TestFuzzSeedsAreValid(t *testing.T) {
	for i, seed := range fuzzSeeds {
		if _, err := NewSnapshot(fuzzMatrix(seed)); err != nil {
			t.Errorf("seed %d: %v", i, err)
		}
	}
}

var fuzzActions = [...]Action{
	ActionSell, ActionDiscountLine, ActionDiscountTotal, ActionManualPrice, ActionPreBillPrint,
	ActionDrawerOpen, "ext.one", "ext.two",
}

type byteReader struct{ b []byte }

func (r *byteReader) next() int {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return int(c)
}

func fuzzMatrix(data []byte) Matrix {
	r := &byteReader{data}
	m := Matrix{Version: 1}
	m.Settings.SecurityEnabled = r.next()%4 != 0
	m.Settings.HideDisabled = r.next()%2 == 0
	for range 1 + r.next()%5 {
		g := Group{ID: GroupID(r.next() % 7), Actions: map[Action]bool{}, Limits: map[Limit]int64{}}
		bits := r.next()
		for i, a := range fuzzActions {
			if bits&(1<<i) != 0 {
				g.Actions[a] = r.next()%4 != 0 // a false entry still indexes the action
			}
		}
		for _, l := range limitTable {
			if r.next()%2 == 0 {
				g.Limits[l.ID] = int64(r.next()) * 50
			}
		}
		m.Groups = append(m.Groups, g)
	}
	for range r.next() % 9 {
		m.Users = append(m.Users, User{
			ID: UserID(r.next() % 11), Group: GroupID(r.next() % 7), Active: r.next()%3 != 0,
		})
	}
	return m
}

// referenceDecide is Decide written the obvious way over the Matrix: no
// indexes, no precomputation, a loop over every user for ApprovalPossible.
func referenceDecide(m Matrix, p Principal, a Action, args Args) Verdict {
	v := Verdict{Action: a}
	info, known := LookupAction(a)
	if !known && !slices.ContainsFunc(m.Groups, func(g Group) bool { _, ok := g.Actions[a]; return ok }) {
		v.Reason = ReasonUnknownAction
		return v
	}
	for _, l := range info.Limits {
		li, _ := LookupLimit(l)
		if r := args.requested(li.Unit); r < 0 || (li.Unit == UnitPercent && r > MaxPercent) {
			v.Reason = ReasonInvalidArgs
			return v
		}
	}
	if !m.Settings.SecurityEnabled {
		v.Allowed, v.Reason = true, ReasonSecurityOff
		return v
	}
	user := func(id UserID) (User, bool) {
		i := slices.IndexFunc(m.Users, func(u User) bool { return u.ID == id })
		if i < 0 {
			return User{}, false
		}
		return m.Users[i], true
	}
	group := func(id GroupID) Group {
		return m.Groups[slices.IndexFunc(m.Groups, func(g Group) bool { return g.ID == id })]
	}
	may := func(u User) (bool, bool) { // holds, within
		g := group(u.Group)
		if !g.Actions[a] {
			return false, false
		}
		for _, l := range info.Limits {
			li, _ := LookupLimit(l)
			lim := g.Limits[l]
			if !(li.ZeroMeansNone && lim == 0) && args.requested(li.Unit) > lim {
				return true, false
			}
		}
		return true, true
	}
	cashier, ok := user(p.User)
	if !ok {
		v.Reason = ReasonUnknownUser
		return v
	}
	if !cashier.Active {
		v.Reason = ReasonUserInactive
		return v
	}
	eff := cashier
	elevated := p.As != 0 && p.As != p.User
	if elevated {
		if eff, ok = user(p.As); !ok {
			v.Reason = ReasonApproverUnknown
			return v
		}
		if !eff.Active {
			v.Reason = ReasonApproverInactive
			return v
		}
	}
	holds, within := may(eff)
	switch {
	case holds && within && elevated:
		v.Allowed, v.Reason = true, ReasonElevated
		return v
	case holds && within:
		v.Allowed, v.Reason = true, ReasonAllowed
		return v
	case !holds && elevated:
		v.Reason = ReasonApproverNoPermission
	case !holds:
		v.Reason = ReasonNoPermission
	case elevated:
		v.Reason = ReasonApproverOverLimit
	default:
		v.Reason = ReasonOverLimit
	}
	for _, u := range m.Users {
		if u.Active && u.ID != cashier.ID && u.ID != eff.ID {
			if h, w := may(u); h && w {
				v.ApprovalPossible = true
			}
		}
	}
	return v
}
