package policy

// The action catalogue: every action the till itself checks. IDs are dotted,
// lower-case, stored in the database and in signed bundles; never rename one,
// add a new one. Actions a matrix carries beyond this list (a newer till's
// bundle, a plug-in) are still indexed by NewSnapshot, so an older till
// keeps their rows instead of dropping them.
const (
	// Selling.
	ActionSell        Action = "sale.sell"         // ring up items; quantity per line and bill total limits
	ActionGenericItem Action = "sale.item.generic" // sell an item without a card, price typed in

	// Prices.
	ActionManualPrice Action = "sale.price.manual" // change a line's price by hand
	ActionZeroPrice   Action = "sale.price.zero"   // sell a line at price 0

	// Discounts.
	ActionDiscountLine  Action = "bill.discount.line"
	ActionDiscountTotal Action = "bill.discount.total"
	ActionDiscountPromo Action = "bill.discount.promo_line" // extra discount on a line already in a promotion
	ActionDiscountQuick Action = "bill.discount.quick"      // preset discount buttons set up by an admin

	// Returns.
	ActionReturn          Action = "return.create"
	ActionReturnPrice     Action = "return.price"      // type the price refunded instead of the sold price
	ActionReturnNoReceipt Action = "return.no_receipt" // return without the original fiscal receipt

	// Bill.
	ActionVoidLine Action = "bill.void_line"
	// ActionVoidAfterPreBill is needed on top of ActionVoidLine once a
	// pre-bill was printed: the customer has seen the total, so a void then
	// is a supervisor's call in most stores.
	ActionVoidAfterPreBill Action = "bill.void_line.after_prebill"
	ActionCancelBill       Action = "bill.cancel" // cancel an open (not yet fiscalised) bill
	ActionParkBill         Action = "bill.park"   // park and recall bills
	ActionPreBillPrint     Action = "bill.prebill.print"
	ActionReprintBill      Action = "bill.reprint" // non-fiscal copy of a closed bill

	// Fiscal register.
	ActionReprintReceipt Action = "fiscal.receipt.reprint"
	ActionCancelReceipt  Action = "fiscal.receipt.cancel"

	// Cash.
	ActionCashIn     Action = "cash.in"
	ActionCashOut    Action = "cash.out"
	ActionDrawerOpen Action = "drawer.open" // open the drawer outside a payment ("no sale")
	// ActionDrawerPayment opens the drawer after a cash payment, to put the
	// cash in and give change. Separate from drawer.open so a cashier can
	// be kept from opening it without a sale yet still take cash.
	ActionDrawerPayment Action = "drawer.open.payment"

	// Reports.
	ActionReportX      Action = "report.x"
	ActionReportZRead  Action = "report.z.read"  // read the Z data without closing the shift
	ActionReportZWrite Action = "report.z.write" // print the Z report: closes the fiscal day

	// Shift.
	ActionShiftOpen  Action = "shift.open"
	ActionShiftClose Action = "shift.close"

	// Journal (bill history).
	ActionViewAllBills  Action = "journal.view_all" // see other cashiers' bills, not only one's own
	ActionChangeCashier Action = "journal.change_cashier"

	// Users and security.
	ActionManageUsers    Action = "users.manage.standard"
	ActionManageAdmins   Action = "users.manage.admin"
	ActionManageBadges   Action = "badges.manage"
	ActionManageSecurity Action = "security.manage" // permission matrix, security switches, bundles
	// ActionImpersonate is held by the approver, not the cashier: it lets a
	// supervisor lend all their rights with the key button (sticky
	// elevation), granted through Approve. One-shot approvals need only the
	// action approved.
	ActionImpersonate Action = "session.impersonate"
	ActionViewAudit   Action = "audit.view"

	// Administration.
	ActionConfigure Action = "config.manage"
	ActionBackup    Action = "data.backup"
	ActionDataReset Action = "data.reset"

	// Devices.
	ActionDeviceSettings Action = "devices.configure"

	// Catalogue (the back office's items and exchange files). Editing,
	// prices and activation are separate rights, as in most tills' seeds:
	// a merchandiser fixes names, only a manager changes prices.
	ActionItemEdit    Action = "catalogue.item.edit"   // create items, edit names, barcodes, VAT, unit, group
	ActionItemPrice   Action = "catalogue.item.price"  // change an item's price
	ActionItemActive  Action = "catalogue.item.active" // deactivate and reactivate items
	ActionItemsImport Action = "catalogue.import"      // load an exchange file (ATOL/Frontol, CSV)
	ActionItemsExport Action = "catalogue.export"      // write the catalogue to a file
)

// Category groups actions in the matrix editor.
type Category string

const (
	CategorySelling   Category = "selling"
	CategoryPrices    Category = "prices"
	CategoryDiscounts Category = "discounts"
	CategoryReturns   Category = "returns"
	CategoryBill      Category = "bill"
	CategoryFiscal    Category = "fiscal"
	CategoryCash      Category = "cash"
	CategoryReports   Category = "reports"
	CategoryShift     Category = "shift"
	CategoryJournal   Category = "journal"
	CategorySecurity  Category = "security"
	CategoryAdmin     Category = "admin"
	CategoryDevices   Category = "devices"
	CategoryCatalogue Category = "catalogue"
	// CategoryOther holds actions a matrix carries that this till does not
	// know: the editor still shows them so their rows survive an edit.
	CategoryOther Category = "other"
)

// CategoryInfo describes a category for the matrix editor.
type CategoryInfo struct {
	ID      Category
	NameKey string
	Name    string // English fallback
}

var categoryTable = [...]CategoryInfo{
	{ID: CategorySelling, Name: "Selling"},
	{ID: CategoryPrices, Name: "Prices"},
	{ID: CategoryDiscounts, Name: "Discounts"},
	{ID: CategoryReturns, Name: "Returns"},
	{ID: CategoryBill, Name: "Bill"},
	{ID: CategoryFiscal, Name: "Fiscal register"},
	{ID: CategoryCash, Name: "Cash"},
	{ID: CategoryReports, Name: "Reports"},
	{ID: CategoryShift, Name: "Shift"},
	{ID: CategoryJournal, Name: "Journal"},
	{ID: CategorySecurity, Name: "Users and security"},
	{ID: CategoryAdmin, Name: "Administration"},
	{ID: CategoryDevices, Name: "Devices"},
	{ID: CategoryCatalogue, Name: "Catalogue"},
	{ID: CategoryOther, Name: "Other"},
}

func categoryNameKey(c Category) string { return "policy.category." + string(c) }

func init() {
	for i := range categoryTable {
		categoryTable[i].NameKey = categoryNameKey(categoryTable[i].ID)
	}
}

// Categories returns the categories in the order the matrix editor shows them.
func Categories() []CategoryInfo {
	out := make([]CategoryInfo, len(categoryTable))
	copy(out, categoryTable[:])
	return out
}

// ActionInfo describes one action of the catalogue.
type ActionInfo struct {
	ID       Action
	Category Category
	NameKey  string // translation key of the display name: "policy.action." + ID
	Name     string // English fallback of the display name
	// Limits are the limits Decide checks for this action, in order; the
	// first one exceeded is reported. Most actions have none; selling has two
	// (quantity per line and bill total), so this is a slice, not one field.
	Limits []Limit
}

// Limit returns the action's first (main) limit, or "" if it has none: the
// one the matrix editor shows next to the action.
func (ai ActionInfo) Limit() Limit {
	if len(ai.Limits) == 0 {
		return ""
	}
	return ai.Limits[0]
}

// maxActionLimits bounds how many limits one action may carry, so the
// snapshot can keep them in a fixed array and Decide never allocates.
const maxActionLimits = 2

type catalogueEntry struct {
	id     Action
	cat    Category
	name   string
	limits [maxActionLimits]Limit
}

var catalogueTable = [...]catalogueEntry{
	{ActionSell, CategorySelling, "Sell items", [2]Limit{LimitLineQuantity, LimitBillTotal}},
	{ActionGenericItem, CategorySelling, "Sell generic items", [2]Limit{LimitManualPrice}},

	{ActionManualPrice, CategoryPrices, "Manual price", [2]Limit{LimitManualPrice}},
	{ActionZeroPrice, CategoryPrices, "Sell at zero price", [2]Limit{}},

	{ActionDiscountLine, CategoryDiscounts, "Line discount", [2]Limit{LimitDiscountLine}},
	{ActionDiscountTotal, CategoryDiscounts, "Total discount", [2]Limit{LimitDiscountTotal}},
	{ActionDiscountPromo, CategoryDiscounts, "Promo-line discount", [2]Limit{LimitDiscountPromo}},
	{ActionDiscountQuick, CategoryDiscounts, "Quick discounts", [2]Limit{}},

	{ActionReturn, CategoryReturns, "Returns", [2]Limit{}},
	{ActionReturnPrice, CategoryReturns, "Return price", [2]Limit{LimitManualPrice}},
	{ActionReturnNoReceipt, CategoryReturns, "Return without receipt", [2]Limit{}},

	{ActionVoidLine, CategoryBill, "Void line", [2]Limit{}},
	{ActionVoidAfterPreBill, CategoryBill, "Void line after pre-bill", [2]Limit{}},
	{ActionCancelBill, CategoryBill, "Cancel open bill", [2]Limit{}},
	{ActionParkBill, CategoryBill, "Park and recall bills", [2]Limit{}},
	{ActionPreBillPrint, CategoryBill, "Print pre-bill", [2]Limit{LimitPreBillPrints}},
	{ActionReprintBill, CategoryBill, "Reprint bill", [2]Limit{}},

	{ActionReprintReceipt, CategoryFiscal, "Reprint fiscal receipt", [2]Limit{}},
	{ActionCancelReceipt, CategoryFiscal, "Cancel fiscal receipt", [2]Limit{}},

	{ActionCashIn, CategoryCash, "Cash in", [2]Limit{}},
	{ActionCashOut, CategoryCash, "Cash out", [2]Limit{}},
	{ActionDrawerOpen, CategoryCash, "Open cash drawer", [2]Limit{}},
	{ActionDrawerPayment, CategoryCash, "Open cash drawer on a cash payment", [2]Limit{}},

	{ActionReportX, CategoryReports, "X report", [2]Limit{}},
	{ActionReportZRead, CategoryReports, "Read Z report", [2]Limit{}},
	{ActionReportZWrite, CategoryReports, "Z report (close shift)", [2]Limit{}},

	{ActionShiftOpen, CategoryShift, "Open shift", [2]Limit{}},
	{ActionShiftClose, CategoryShift, "Close shift", [2]Limit{}},

	{ActionViewAllBills, CategoryJournal, "View all bills", [2]Limit{}},
	{ActionChangeCashier, CategoryJournal, "Change cashier of a closed bill", [2]Limit{}},

	{ActionManageUsers, CategorySecurity, "Standard users", [2]Limit{}},
	{ActionManageAdmins, CategorySecurity, "Administrator users", [2]Limit{}},
	{ActionManageBadges, CategorySecurity, "Enrol badges", [2]Limit{}},
	{ActionManageSecurity, CategorySecurity, "Permissions and security", [2]Limit{}},
	{ActionImpersonate, CategorySecurity, "Lend own rights (impersonate)", [2]Limit{}},
	{ActionViewAudit, CategorySecurity, "Audit log", [2]Limit{}},

	{ActionConfigure, CategoryAdmin, "Configuration", [2]Limit{}},
	{ActionBackup, CategoryAdmin, "Backup", [2]Limit{}},
	{ActionDataReset, CategoryAdmin, "Data reset", [2]Limit{}},

	{ActionDeviceSettings, CategoryDevices, "Device settings", [2]Limit{}},

	{ActionItemEdit, CategoryCatalogue, "Items (edit)", [2]Limit{}},
	{ActionItemPrice, CategoryCatalogue, "Items (change prices)", [2]Limit{}},
	{ActionItemActive, CategoryCatalogue, "Items (activate and deactivate)", [2]Limit{}},
	{ActionItemsImport, CategoryCatalogue, "Import items from a file", [2]Limit{}},
	{ActionItemsExport, CategoryCatalogue, "Export items to a file", [2]Limit{}},
}

// actionNameKey is the translation key of an action's display name.
func actionNameKey(a Action) string { return "policy.action." + string(a) }

func (e *catalogueEntry) info() ActionInfo {
	ai := ActionInfo{ID: e.id, Category: e.cat, NameKey: actionNameKey(e.id), Name: e.name}
	for _, l := range e.limits {
		if l != "" {
			ai.Limits = append(ai.Limits, l)
		}
	}
	return ai
}

// Catalogue returns every action the till knows, grouped by category in
// editor order. The slice is built fresh on each call.
func Catalogue() []ActionInfo {
	out := make([]ActionInfo, 0, len(catalogueTable))
	for i := range catalogueTable {
		out = append(out, catalogueTable[i].info())
	}
	return out
}

// LookupAction returns the catalogue entry of an action, or false when the
// till does not know it.
func LookupAction(a Action) (ActionInfo, bool) {
	for i := range catalogueTable {
		if catalogueTable[i].id == a {
			return catalogueTable[i].info(), true
		}
	}
	return ActionInfo{}, false
}

// validActionID accepts dotted lower-case IDs: letters, digits and '_' in
// segments separated by single dots. Anything else in a matrix is a
// corrupted or hand-edited row, refused rather than silently indexed.
func validActionID(a Action) bool {
	if len(a) == 0 || len(a) > 128 {
		return false
	}
	prevDot := true // no leading dot
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c == '.':
			if prevDot {
				return false
			}
			prevDot = true
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '_':
			prevDot = false
		default:
			return false
		}
	}
	return !prevDot
}
