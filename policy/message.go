package policy

import (
	"strconv"
	"strings"
)

// Message is text a cashier sees, in a form any translation layer can use:
// a stable key (looked up in assets/lang/policy/*.json), the English
// fallback as a go-i18n template, and the template's arguments, already
// formatted as strings — or Messages, which the UI translates first. The policy package does not import Fyne; the UI
// passes these to lang.LocalizeKey(Key, Fallback, Args).
type Message struct {
	Key      string
	Fallback string
	Args     map[string]any
}

// English renders the fallback with its arguments, for logs and tests. It
// understands only the {{.Name}} placeholders these messages use.
func (m Message) English() string {
	if !strings.Contains(m.Fallback, "{{") {
		return m.Fallback
	}
	var b strings.Builder
	rest := m.Fallback
	for {
		i := strings.Index(rest, "{{.")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(rest[:i])
		name := rest[i+3 : i+j]
		if v, ok := m.Args[name]; ok {
			if s, ok := v.(string); ok {
				b.WriteString(s)
			} else if inner, ok := v.(Message); ok {
				// A message inside a message (the register's state in a
				// request): rendered in its own words.
				b.WriteString(inner.English())
			} else {
				b.WriteString(rest[i : i+j+2])
			}
		} else {
			b.WriteString(rest[i : i+j+2])
		}
		rest = rest[i+j+2:]
	}
	b.WriteString(rest)
	return b.String()
}

// reasonFallback is the English text of each reason that does not depend on
// a limit. Placeholders: Name (the user the verdict is about), Requested.
var reasonFallback = [numReasons]string{
	ReasonNone:                 "No decision was made: the action is refused.",
	ReasonAllowed:              "Allowed.",
	ReasonElevated:             "Allowed with the rights of {{.Name}}.",
	ReasonApproved:             "Approved by {{.Name}}.",
	ReasonSecurityOff:          "Allowed: the security module is off, this terminal is not protected.",
	ReasonNoSnapshot:           "Permissions are not loaded yet: the action is refused.",
	ReasonUnknownAction:        "This action is not in the permission matrix: it is refused.",
	ReasonInvalidArgs:          "The value {{.Requested}} is not valid for this action.",
	ReasonUnknownUser:          "User {{.Name}} is not known.",
	ReasonUserInactive:         "User {{.Name}} is not active.",
	ReasonNoPermission:         "You do not have the right to do this.",
	ReasonOverLimit:            "{{.Requested}} is over your limit of {{.Limit}}.",
	ReasonSelfApproval:         "You cannot approve your own request: another user must do it.",
	ReasonApproverUnknown:      "No such user: check the login, password or card.",
	ReasonApproverInactive:     "{{.Name}} is not active and cannot approve.",
	ReasonApproverNoPermission: "{{.Name}} does not have this right either.",
	ReasonApproverOverLimit:    "{{.Name}} also may not go over {{.Limit}}.",
}

// overLimitFallback is the English text per limit, for the cashier's own
// limit and for an approver's. Placeholders: Name, Requested, Limit.
var overLimitFallback = [numLimits][2]string{
	{"Line discount {{.Requested}} is over your limit of {{.Limit}}.", "Supervisor {{.Name}} also may not give line discounts over {{.Limit}}."},
	{"Total discount {{.Requested}} is over your limit of {{.Limit}}.", "Supervisor {{.Name}} also may not give total discounts over {{.Limit}}."},
	{"Promo-line discount {{.Requested}} is over your limit of {{.Limit}}.", "Supervisor {{.Name}} also may not give promo-line discounts over {{.Limit}}."},
	{"Bill total {{.Requested}} is over your limit of {{.Limit}}.", "Supervisor {{.Name}} also may not accept bills over {{.Limit}}."},
	{"Quantity {{.Requested}} is over your limit of {{.Limit}} per line.", "Supervisor {{.Name}} also may not sell more than {{.Limit}} per line."},
	{"Price {{.Requested}} is over your limit of {{.Limit}}.", "Supervisor {{.Name}} also may not type prices over {{.Limit}}."},
	{"Pre-bill print {{.Requested}} is over your limit of {{.Limit}} prints.", "Supervisor {{.Name}} also may not print more than {{.Limit}} pre-bills."},
}

// denyFallback is the English refusal of each action a user lacks: every
// refusal names what was refused ("You may not void a line."), never
// "You do not have the right to do this.". A test keeps it complete.
var denyFallback = map[Action]string{
	ActionSell:             "You may not sell items.",
	ActionGenericItem:      "You may not sell generic items.",
	ActionManualPrice:      "You may not change prices by hand.",
	ActionZeroPrice:        "You may not sell at a zero price.",
	ActionDiscountLine:     "You may not give line discounts.",
	ActionDiscountTotal:    "You may not give a discount on the whole bill.",
	ActionDiscountPromo:    "You may not add discounts to promotion lines.",
	ActionDiscountQuick:    "You may not use the quick discounts.",
	ActionReturn:           "You may not take goods back (returns).",
	ActionReturnPrice:      "You may not type the price of a return.",
	ActionReturnNoReceipt:  "You may not take goods back without a receipt.",
	ActionVoidLine:         "You may not void a line.",
	ActionVoidAfterPreBill: "You may not void a line after a pre-bill.",
	ActionCancelBill:       "You may not cancel a bill.",
	ActionParkBill:         "You may not park or recall bills.",
	ActionPreBillPrint:     "You may not print pre-bills.",
	ActionReprintBill:      "You may not reprint bills.",
	ActionReprintReceipt:   "You may not reprint a fiscal receipt.",
	ActionCancelReceipt:    "You may not cancel a fiscal receipt.",
	ActionCashIn:           "You may not put cash in.",
	ActionCashOut:          "You may not take cash out.",
	ActionDrawerOpen:       "You may not open the cash drawer without a sale.",
	ActionDrawerPayment:    "You may not open the cash drawer for a payment.",
	ActionReportX:          "You may not print the X report.",
	ActionReportZRead:      "You may not read the Z report.",
	ActionReportZWrite:     "You may not print the Z report (close the shift).",
	ActionShiftOpen:        "You may not open the shift.",
	ActionShiftClose:       "You may not close the shift.",
	ActionViewAllBills:     "You may not see other cashiers' bills.",
	ActionChangeCashier:    "You may not change the cashier of a closed bill.",
	ActionManageUsers:      "You may not manage users.",
	ActionManageAdmins:     "You may not manage administrators.",
	ActionManageBadges:     "You may not enrol badges.",
	ActionManageSecurity:   "You may not change permissions and security.",
	ActionImpersonate:      "You may not lend your rights.",
	ActionViewAudit:        "You may not see the audit log.",
	ActionConfigure:        "You may not change the configuration.",
	ActionBackup:           "You may not make backups.",
	ActionDataReset:        "You may not reset the data.",
	ActionDeviceSettings:   "You may not change device settings.",
	ActionItemEdit:         "You may not edit items.",
	ActionItemPrice:        "You may not change prices.",
	ActionItemActive:       "You may not deactivate or reactivate items.",
	ActionItemsImport:      "You may not import items from a file.",
	ActionItemsExport:      "You may not export the catalogue.",
}

// denyKey is the translation key of action a's refusal.
func denyKey(a Action) string { return "policy.deny." + string(a) }

// approverDenyKey is the key of the refusal of an approver who lacks a too.
func approverDenyKey(a Action) string { return "policy.approver_deny." + string(a) }

// approverDeny is the English refusal of an approver who lacks action a
// too, made from the cashier's: "{{.Name}} may not void a line either.".
func approverDeny(a Action) (string, bool) {
	text, ok := denyFallback[a]
	if !ok || !strings.HasPrefix(text, "You may not ") {
		return "", false
	}
	return "{{.Name}} may not " + strings.TrimSuffix(strings.TrimPrefix(text, "You may not "), ".") + " either.", true
}

// keyUnknownActionNamed names the action the matrix does not hold.
const keyUnknownActionNamed = "policy.reason.unknown_action_named"

const unknownActionNamedFallback = "“{{.Action}}” is not in the permission matrix: it is refused."

// ReasonKey is the translation key of a reason's generic text.
func ReasonKey(r Reason) string { return "policy.reason." + r.String() }

// overLimitKey is the translation key of an over-limit text for limit li.
func overLimitKey(li int, approver bool) string {
	suffix := string(limitTable[li].ID[len("limit."):])
	if approver {
		return "policy.approver_over_limit." + suffix
	}
	return "policy.over_limit." + suffix
}

// Message explains the verdict in words. s names the user the verdict is
// about (full name, else login); it may be nil, then users are "#id".
func (v Verdict) Message(s *Snapshot) Message {
	r := v.Reason
	if r >= numReasons {
		r = ReasonNone
	}
	m := Message{
		Key:      ReasonKey(r),
		Fallback: reasonFallback[r],
		Args:     map[string]any{"Name": s.displayName(v.User)},
	}
	li := limitIndex(v.Limit)
	if li >= 0 {
		u := limitTable[li].Unit
		m.Args["Limit"] = FormatValue(u, v.LimitValue)
		m.Args["Requested"] = FormatValue(u, v.Requested)
	} else {
		m.Args["Limit"] = ""
		m.Args["Requested"] = ""
	}
	m.Args["Action"] = string(v.Action)
	switch r {
	case ReasonNoPermission:
		if text, ok := denyFallback[v.Action]; ok {
			m.Key, m.Fallback = denyKey(v.Action), text
		}
	case ReasonApproverNoPermission:
		if text, ok := approverDeny(v.Action); ok {
			m.Key, m.Fallback = approverDenyKey(v.Action), text
		}
	case ReasonUnknownAction:
		if v.Action != "" {
			m.Key, m.Fallback = keyUnknownActionNamed, unknownActionNamedFallback
		}
	}
	if li >= 0 && (r == ReasonOverLimit || r == ReasonApproverOverLimit) {
		approver := r == ReasonApproverOverLimit
		m.Key = overLimitKey(li, approver)
		m.Fallback = overLimitFallback[li][0]
		if approver {
			m.Fallback = overLimitFallback[li][1]
		}
	}
	return m
}

// FormatValue formats a limit's number in its unit, the way messages show it.
func FormatValue(u Unit, v int64) string {
	switch u {
	case UnitPercent:
		return FormatPercent(v)
	case UnitMoney:
		return FormatMoney(v)
	case UnitQuantity:
		return FormatQuantity(v)
	}
	return strconv.FormatInt(v, 10)
}

// FormatPercent formats basis points as a percentage with up to two
// decimals, trailing zeros trimmed: 1500 -> "15 %", 750 -> "7.5 %",
// 1234 -> "12.34 %". Integer arithmetic only.
func FormatPercent(bp int64) string {
	return fixed(bp, 2, true) + " %"
}

// FormatMoney formats minor units with two decimals (kopecks, cents):
// 150050 -> "1500.50". The policy does not know the store's currency; the
// UI may format Verdict.LimitValue itself with the currency's rules.
func FormatMoney(minor int64) string {
	return fixed(minor, 2, false)
}

// FormatQuantity formats milli-units with trailing zeros trimmed:
// 1500 -> "1.5", 2000 -> "2", 125 -> "0.125".
func FormatQuantity(milli int64) string {
	return fixed(milli, 3, true)
}

// fixed writes v / 10^decimals in decimal, optionally trimming trailing
// fraction zeros. It works on the magnitude as uint64 so math.MinInt64 does
// not overflow.
func fixed(v int64, decimals int, trim bool) string {
	neg := v < 0
	mag := uint64(v)
	if neg {
		mag = -mag
	}
	scale := uint64(1)
	for range decimals {
		scale *= 10
	}
	intPart := strconv.FormatUint(mag/scale, 10)
	frac := strconv.FormatUint(mag%scale, 10)
	frac = strings.Repeat("0", decimals-len(frac)) + frac
	if trim {
		frac = strings.TrimRight(frac, "0")
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// FormatArgs formats the numbers of args that action a's limits look at, in
// their units and in the limits' order, for the "Ask supervisor" dialog
// that names the request ("Line discount: 15 %"). It is "" for an action
// without limits or one the catalogue does not know.
func FormatArgs(a Action, args Args) string {
	var parts []string
	for i := range catalogueTable {
		if catalogueTable[i].id != a {
			continue
		}
		for _, l := range catalogueTable[i].limits {
			if li := limitIndex(l); li >= 0 {
				u := limitTable[li].Unit
				parts = append(parts, FormatValue(u, args.requested(u)))
			}
		}
	}
	return strings.Join(parts, ", ")
}
