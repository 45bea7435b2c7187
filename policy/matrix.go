package policy

// Action is a stable identifier of something a user may do, such as
// "bill.discount.line". IDs are stored in the database and in signed bundles:
// never rename one, add a new one.
type Action string

// Limit names a numeric limit of a group, such as "limit.discount.line".
type Limit string

type (
	GroupID int64
	UserID  int64
)

// Group is a row of the permission matrix: the actions it holds and its
// numeric limits. A limit absent from Limits, or 0, means "no limit" for
// money and quantity limits and "0 %" for percent limits (see LimitInfo).
type Group struct {
	ID      GroupID
	Name    string
	Actions map[Action]bool
	Limits  map[Limit]int64
}

// User is what the policy needs to know about a person.
type User struct {
	ID     UserID
	Login  string
	Name   string
	Group  GroupID
	Active bool
}

// Settings are the till-wide switches of the security module.
type Settings struct {
	SecurityEnabled bool // false: every action is allowed, the UI warns
	HideDisabled    bool // hide denied actions instead of greying them out
}

// Matrix is the stored permission data a Snapshot is built from. The store
// loads it; the policy never does I/O.
type Matrix struct {
	Version  int64
	Settings Settings
	Groups   []Group
	Users    []User
}
