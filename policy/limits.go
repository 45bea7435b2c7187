package policy

// The seven numeric limits a group can carry. Like action IDs, limit names are
// stored in the database and in signed bundles: never rename one.
const (
	LimitDiscountLine  Limit = "limit.discount.line"  // max line discount, bp
	LimitDiscountTotal Limit = "limit.discount.total" // max total (bill) discount, bp
	LimitDiscountPromo Limit = "limit.discount.promo" // max extra discount on a promo line, bp
	LimitBillTotal     Limit = "limit.bill.total"     // max bill total, minor units, 0 = none
	LimitLineQuantity  Limit = "limit.line.quantity"  // max quantity per line, milli-units, 0 = none
	LimitManualPrice   Limit = "limit.price.manual"   // max typed price, minor units, 0 = none
	LimitPreBillPrints Limit = "limit.prebill.prints" // max pre-bill prints per bill, 0 = none
)

// Unit says what a limit's number counts and which field of Args it is
// compared with.
type Unit uint8

const (
	// UnitPercent is basis points (10000 = 100 %), compared with
	// Args.Percent. A percent limit of 0 (or absent) means 0 %: the group may
	// hold the discount action yet give no discount until an admin sets a
	// limit. That is the safe reading of a matrix row nobody filled in.
	UnitPercent Unit = iota + 1
	// UnitMoney is minor units of the store's currency, compared with
	// Args.Amount; 0 means no limit.
	UnitMoney
	// UnitQuantity is milli-units (1000 = 1 piece or 1 kg), compared with
	// Args.Quantity; 0 means no limit.
	UnitQuantity
	// UnitCount is a plain count, compared with Args.Count; 0 means no limit.
	UnitCount
)

// String returns the unit's stable lower-case name, used in docs and logs.
func (u Unit) String() string {
	switch u {
	case UnitPercent:
		return "percent_bp"
	case UnitMoney:
		return "money_minor"
	case UnitQuantity:
		return "quantity_milli"
	case UnitCount:
		return "count"
	}
	return "unknown"
}

// MaxPercent is 100 % in basis points: no percent limit or request may exceed it.
const MaxPercent = 10000

// LimitInfo describes one limit for the matrix editor and for messages.
type LimitInfo struct {
	ID      Limit
	Unit    Unit
	NameKey string // translation key of the limit's display name
	Name    string // English fallback of the display name
	// ZeroMeansNone is true when 0 (or an absent limit) lifts the limit, false
	// when 0 is a real ceiling (percent limits: 0 %).
	ZeroMeansNone bool
}

// limitTable is the dense order of limits inside a Snapshot; the index of a
// limit here is its column in the snapshot's limit table.
var limitTable = [...]LimitInfo{
	{ID: LimitDiscountLine, Unit: UnitPercent, Name: "Max line discount %"},
	{ID: LimitDiscountTotal, Unit: UnitPercent, Name: "Max total discount %"},
	{ID: LimitDiscountPromo, Unit: UnitPercent, Name: "Max promo-line discount %"},
	{ID: LimitBillTotal, Unit: UnitMoney, ZeroMeansNone: true, Name: "Max bill total"},
	{ID: LimitLineQuantity, Unit: UnitQuantity, ZeroMeansNone: true, Name: "Max quantity per line"},
	{ID: LimitManualPrice, Unit: UnitMoney, ZeroMeansNone: true, Name: "Max manual price"},
	{ID: LimitPreBillPrints, Unit: UnitCount, ZeroMeansNone: true, Name: "Max pre-bill prints"},
}

const numLimits = len(limitTable)

func init() {
	for i := range limitTable {
		limitTable[i].NameKey = "policy.limit." + string(limitTable[i].ID[len("limit."):])
	}
}

// Limits returns every limit in the order the matrix editor shows them. The
// slice is a fresh copy: callers may keep or change it.
func Limits() []LimitInfo {
	out := make([]LimitInfo, numLimits)
	copy(out, limitTable[:])
	return out
}

// LookupLimit returns the description of a limit, or false for a name the
// till does not know.
func LookupLimit(l Limit) (LimitInfo, bool) {
	i := limitIndex(l)
	if i < 0 {
		return LimitInfo{}, false
	}
	return limitTable[i], true
}

// limitIndex scans seven entries instead of hashing: it is only used while
// building a snapshot and for lookups outside the hot path.
func limitIndex(l Limit) int {
	for i := range limitTable {
		if limitTable[i].ID == l {
			return i
		}
	}
	return -1
}

// requested picks the Args field a limit of unit u is compared with.
func (a Args) requested(u Unit) int64 {
	switch u {
	case UnitPercent:
		return int64(a.Percent)
	case UnitMoney:
		return a.Amount
	case UnitQuantity:
		return a.Quantity
	case UnitCount:
		return int64(a.Count)
	}
	return 0
}

// within reports whether a request of v is inside a group's limit value.
func within(info *LimitInfo, limit, v int64) bool {
	if info.ZeroMeansNone && limit == 0 {
		return true
	}
	return v <= limit
}
