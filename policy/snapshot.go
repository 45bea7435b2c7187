package policy

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Errors NewSnapshot wraps; callers (the store, the bundle importer) branch
// on them with errors.Is to tell an admin what is wrong with a matrix.
var (
	ErrInvalidID      = errors.New("id must be positive")
	ErrDuplicateGroup = errors.New("duplicate group id")
	ErrDuplicateUser  = errors.New("duplicate user id")
	ErrDuplicateLogin = errors.New("duplicate login")
	ErrUnknownGroup   = errors.New("user's group does not exist")
	ErrInvalidAction  = errors.New("invalid action id")
	ErrUnknownLimit   = errors.New("unknown limit")
	ErrInvalidLimit   = errors.New("invalid limit value")
)

// maxMatrixErrors caps how many problems one NewSnapshot error lists: enough
// to fix a hand-edited matrix in one go, not a wall of text.
const maxMatrixErrors = 20

// Snapshot is an immutable, validated and densely indexed copy of a Matrix.
// Every Decide reads one Snapshot; a new matrix version means a new Snapshot
// swapped in through a Holder, never a change to this one.
type Snapshot struct {
	version  int64
	settings Settings

	actionIdx map[Action]int32
	actions   []actionEntry

	userIdx map[UserID]int32
	users   []userEntry

	groups []groupEntry
	// words is the row width of perm in uint64 words; bit i of a group's row
	// says whether the group holds action i.
	words int
	perm  []uint64
	// limits has numLimits columns per group, in limitTable order.
	limits []int64
	// cands holds, per action, the groups that hold it and have at least one
	// active user, most generous first by the action's first limit: the
	// ApprovalPossible scan usually stops at its first entry.
	cands []int32
}

type actionEntry struct {
	id Action
	// limits are indexes into limitTable, -1 when unused.
	limits               [maxActionLimits]int8
	candStart, candEnd   int32
	cat                  Category
	nameKey, nameEnglish string
}

type userEntry struct {
	User
	group int32
}

type groupEntry struct {
	id     GroupID
	active int32 // active users in this group
}

// NewSnapshot validates m and builds the indexes Decide needs. It copies
// what it keeps, so the caller may reuse m afterwards. Every problem found
// (up to a bound) is reported, joined, each wrapping one of the Err* values.
func NewSnapshot(m Matrix) (*Snapshot, error) {
	s := &Snapshot{
		version:   m.Version,
		settings:  m.Settings,
		actionIdx: make(map[Action]int32, len(catalogueTable)),
		userIdx:   make(map[UserID]int32, len(m.Users)),
	}
	var errs []error
	fail := func(err error) {
		if len(errs) < maxMatrixErrors {
			errs = append(errs, err)
		}
	}

	// Catalogue actions first, so their indexes are the same in every
	// snapshot of this build; then whatever else the matrix carries, sorted
	// so two equal matrices index alike.
	for i := range catalogueTable {
		e := &catalogueTable[i]
		s.addAction(e.id, e.cat, e.name, e.limits)
	}
	var extra []Action
	seen := map[Action]bool{}
	for _, g := range m.Groups {
		for a := range g.Actions {
			if _, ok := s.actionIdx[a]; ok || seen[a] {
				continue
			}
			seen[a] = true
			if !validActionID(a) {
				fail(fmt.Errorf("policy: group %d %q: action %q: %w", g.ID, g.Name, a, ErrInvalidAction))
				continue
			}
			extra = append(extra, a)
		}
	}
	slices.Sort(extra)
	for _, a := range extra {
		s.addAction(a, CategoryOther, string(a), [maxActionLimits]Limit{})
	}

	s.words = (len(s.actions) + 63) / 64
	s.perm = make([]uint64, s.words*len(m.Groups))
	s.limits = make([]int64, numLimits*len(m.Groups))
	s.groups = make([]groupEntry, 0, len(m.Groups))
	groupIdx := make(map[GroupID]int32, len(m.Groups))
	for _, g := range m.Groups {
		if g.ID <= 0 {
			fail(fmt.Errorf("policy: group %d %q: %w", g.ID, g.Name, ErrInvalidID))
			continue
		}
		if _, dup := groupIdx[g.ID]; dup {
			fail(fmt.Errorf("policy: group %d %q: %w", g.ID, g.Name, ErrDuplicateGroup))
			continue
		}
		gi := int32(len(s.groups))
		groupIdx[g.ID] = gi
		s.groups = append(s.groups, groupEntry{id: g.ID})
		row := s.perm[int(gi)*s.words : int(gi+1)*s.words]
		for a, held := range g.Actions {
			ai, ok := s.actionIdx[a]
			if !held || !ok { // invalid IDs were reported above
				continue
			}
			row[ai/64] |= 1 << (ai % 64)
		}
		for l, v := range g.Limits {
			li := limitIndex(l)
			switch {
			case li < 0:
				fail(fmt.Errorf("policy: group %d %q: %q: %w", g.ID, g.Name, l, ErrUnknownLimit))
			case v < 0 || (limitTable[li].Unit == UnitPercent && v > MaxPercent):
				fail(fmt.Errorf("policy: group %d %q: %s = %d: %w", g.ID, g.Name, l, v, ErrInvalidLimit))
			default:
				s.limits[int(gi)*numLimits+li] = v
			}
		}
	}

	logins := make(map[string]UserID, len(m.Users))
	s.users = make([]userEntry, 0, len(m.Users))
	for _, u := range m.Users {
		if u.ID <= 0 {
			fail(fmt.Errorf("policy: user %d %q: %w", u.ID, u.Login, ErrInvalidID))
			continue
		}
		if _, dup := s.userIdx[u.ID]; dup {
			fail(fmt.Errorf("policy: user %d %q: %w", u.ID, u.Login, ErrDuplicateUser))
			continue
		}
		// Logins are compared without case: the login field of the
		// approval dialog must never match two people.
		if u.Login != "" {
			key := strings.ToLower(u.Login)
			if other, dup := logins[key]; dup {
				fail(fmt.Errorf("policy: user %d %q: same as user %d: %w", u.ID, u.Login, other, ErrDuplicateLogin))
				continue
			}
			logins[key] = u.ID
		}
		gi, ok := groupIdx[u.Group]
		if !ok {
			fail(fmt.Errorf("policy: user %d %q: group %d: %w", u.ID, u.Login, u.Group, ErrUnknownGroup))
			continue
		}
		s.userIdx[u.ID] = int32(len(s.users))
		s.users = append(s.users, userEntry{User: u, group: gi})
		if u.Active {
			s.groups[gi].active++
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("invalid permission matrix version %d: %w", m.Version, errors.Join(errs...))
	}
	s.buildCandidates()
	return s, nil
}

func (s *Snapshot) addAction(a Action, cat Category, name string, limits [maxActionLimits]Limit) {
	e := actionEntry{id: a, cat: cat, nameKey: actionNameKey(a), nameEnglish: name}
	for i, l := range limits {
		e.limits[i] = -1
		if l != "" {
			e.limits[i] = int8(limitIndex(l))
		}
	}
	s.actionIdx[a] = int32(len(s.actions))
	s.actions = append(s.actions, e)
}

// generosity orders groups for the ApprovalPossible scan: a limit of 0 that
// means "none" beats every number.
func (s *Snapshot) generosity(gi int32, li int8) int64 {
	if li < 0 {
		return 0
	}
	v := s.limits[int(gi)*numLimits+int(li)]
	if v == 0 && limitTable[li].ZeroMeansNone {
		return math.MaxInt64
	}
	return v
}

func (s *Snapshot) buildCandidates() {
	for ai := range s.actions {
		e := &s.actions[ai]
		e.candStart = int32(len(s.cands))
		for gi := range s.groups {
			if s.groups[gi].active > 0 && s.holds(int32(gi), int32(ai)) {
				s.cands = append(s.cands, int32(gi))
			}
		}
		e.candEnd = int32(len(s.cands))
		li := e.limits[0]
		slices.SortStableFunc(s.cands[e.candStart:e.candEnd], func(a, b int32) int {
			return cmp.Compare(s.generosity(b, li), s.generosity(a, li))
		})
	}
}

func (s *Snapshot) holds(gi, ai int32) bool {
	return s.perm[int(gi)*s.words+int(ai/64)]&(1<<(ai%64)) != 0
}

// Version is the matrix version the snapshot was built from.
func (s *Snapshot) Version() int64 { return s.version }

// Settings are the security switches of the snapshot's matrix.
func (s *Snapshot) Settings() Settings { return s.settings }

// User returns what the snapshot knows about a user.
func (s *Snapshot) User(id UserID) (User, bool) {
	i, ok := s.userIdx[id]
	if !ok {
		return User{}, false
	}
	return s.users[i].User, true
}

// Actions returns every action the snapshot indexes: the catalogue, then
// the matrix's extra actions. Decide denies anything else.
func (s *Snapshot) Actions() []ActionInfo {
	out := make([]ActionInfo, 0, len(s.actions))
	for i := range s.actions {
		e := &s.actions[i]
		ai := ActionInfo{ID: e.id, Category: e.cat, NameKey: e.nameKey, Name: e.nameEnglish}
		for _, li := range e.limits {
			if li >= 0 {
				ai.Limits = append(ai.Limits, limitTable[li].ID)
			}
		}
		out = append(out, ai)
	}
	return out
}

// displayName is how messages name a user: full name, else login, else id.
func (s *Snapshot) displayName(id UserID) string {
	if s != nil {
		if u, ok := s.User(id); ok {
			if u.Name != "" {
				return u.Name
			}
			if u.Login != "" {
				return u.Login
			}
		}
	}
	return fmt.Sprintf("#%d", id)
}
