package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

// DemoUser is a login of the demo database, for the login screen's hint
// and the README. These passwords are public: a demo database must never
// become a shop's database.
type DemoUser struct {
	Login       string
	Password    string
	FullName    string
	Group       string
	ReceiptName string
	INN         string // 12 digits, checksum-valid
	// Badge is the canonical badge ID enrolled for the user ("" if none):
	// what device/scan makes of BadgePrint read by a DemoBadgeForm reader.
	Badge string
	// BadgePrint is what the demo's badge reader types for that badge: the
	// 10-digit decimal an EM-Marine desktop reader sends as keystrokes, also
	// printed on the card. Typed quickly and ended with Enter (a keyboard
	// wedge), it signs in or approves in `make run` without hardware.
	BadgePrint string
	MustChange bool
}

// DemoBadgeForm is the print form of the demo's keyboard badge reader
// (scan.EMDecimal10), the most common form of EM-Marine desktop readers.
const DemoBadgeForm = "em-dec10"

// Demo group names.
const (
	DemoGroupCashier    = "Cashier"
	DemoGroupSupervisor = "Supervisor"
	DemoGroupAdmin      = "Administrator"
)

// DemoUsers are the demo logins. newbie shows the forced password change.
var DemoUsers = []DemoUser{
	{
		Login: "admin", Password: "admin123", FullName: "Ольга Петровна Смирнова", Group: DemoGroupAdmin,
		ReceiptName: "Администратор Смирнова О.П.", INN: "770712345633", Badge: "EM:070,11245", BadgePrint: "0004598765",
	},
	{
		Login: "supervisor", Password: "super123", FullName: "Игорь Николаевич Волков", Group: DemoGroupSupervisor,
		ReceiptName: "Ст. кассир Волков И.Н.", INN: "770723456751", Badge: "EM:068,55897", BadgePrint: "0004512345",
	},
	{
		Login: "cashier", Password: "cashier1", FullName: "Анна Сергеевна Иванова", Group: DemoGroupCashier,
		ReceiptName: "Кассир Иванова А.С.", INN: "770734567870",
	},
	{
		Login: "newbie", Password: "newbie123", FullName: "Павел Андреевич Козлов", Group: DemoGroupCashier,
		ReceiptName: "Кассир Козлов П.А.", INN: "770745678998", MustChange: true,
	},
}

const demoSeededKey = "demo.seeded"

// DemoMatrix is the demo permission matrix (group IDs 0: SeedDemo creates
// them). Cashier: sells with line discounts up to 5 %; no total discount, no
// void at all (stricter than "no void after pre-bill": a supervisor approves
// every void in the demo), the drawer on a cash payment but not outside a
// sale, no X or Z. Supervisor:
// up to 30 %, voids (also after a pre-bill), cancel, returns, X report,
// approvals. Administrator: everything.
func DemoMatrix() policy.Matrix {
	set := func(as ...policy.Action) map[policy.Action]bool {
		m := map[policy.Action]bool{}
		for _, a := range as {
			m[a] = true
		}
		return m
	}
	cashier := []policy.Action{
		policy.ActionSell, policy.ActionGenericItem, policy.ActionDiscountLine, policy.ActionParkBill,
		policy.ActionPreBillPrint, policy.ActionShiftOpen, policy.ActionCashIn, policy.ActionDrawerPayment,
	}
	supervisor := append(append([]policy.Action{}, cashier...),
		policy.ActionDiscountTotal, policy.ActionDiscountPromo, policy.ActionDiscountQuick, policy.ActionManualPrice,
		policy.ActionVoidLine, policy.ActionVoidAfterPreBill, policy.ActionCancelBill, policy.ActionReprintBill,
		policy.ActionReturn, policy.ActionReturnPrice, policy.ActionReportX, policy.ActionDrawerOpen,
		policy.ActionCashOut, policy.ActionViewAllBills, policy.ActionImpersonate,
	)
	var all []policy.Action
	for _, a := range policy.Catalogue() {
		all = append(all, a.ID)
	}
	return policy.Matrix{
		Settings: policy.Settings{SecurityEnabled: true},
		Groups: []policy.Group{
			{Name: DemoGroupCashier, Actions: set(cashier...), Limits: map[policy.Limit]int64{
				policy.LimitDiscountLine: 500, policy.LimitDiscountTotal: 0,
				policy.LimitManualPrice: 500_000, policy.LimitPreBillPrints: 1, policy.LimitLineQuantity: 100_000,
			}},
			{Name: DemoGroupSupervisor, Actions: set(supervisor...), Limits: map[policy.Limit]int64{
				policy.LimitDiscountLine: 3000, policy.LimitDiscountTotal: 3000, policy.LimitDiscountPromo: 1000,
				policy.LimitManualPrice: 5_000_000, policy.LimitPreBillPrints: 3,
			}},
			{Name: DemoGroupAdmin, Actions: set(all...), Limits: map[policy.Limit]int64{
				policy.LimitDiscountLine: policy.MaxPercent, policy.LimitDiscountTotal: policy.MaxPercent,
				policy.LimitDiscountPromo: policy.MaxPercent,
			}},
		},
	}
}

// SeedDemo fills an empty database with the demo groups, users, badges and
// catalogue, once: a database already seeded is left as it is (so changes
// made while playing with the demo survive a restart). It refuses a
// database that already has users but was not seeded as a demo.
func (d *DB) SeedDemo(ctx context.Context) error {
	if done, err := d.SettingBool(ctx, demoSeededKey, false); err != nil || done {
		return err
	}
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("seed demo: the database already has %d users and is not a demo database", n)
	}
	// Hashes and the key before the transaction: argon2 is slow on purpose
	// and must not hold the write lock.
	hashes := make([]string, len(DemoUsers))
	for i, u := range DemoUsers {
		h, err := HashPassword(u.Password, DefaultArgon2)
		if err != nil {
			return err
		}
		hashes[i] = h
	}
	key, err := d.loadKey(ctx)
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		if _, err := saveMatrix(ctx, tx, DemoMatrix(), "demo", Actor{Terminal: "demo"}); err != nil {
			return err
		}
		now := us(time.Now())
		for i, u := range DemoUsers {
			var gid int64
			if err := tx.QueryRowContext(ctx, `SELECT id FROM groups WHERE name = ?`, u.Group).Scan(&gid); err != nil {
				return fmt.Errorf("group %s: %w", u.Group, err)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO users(login, full_name, group_id, receipt_name, inn, journal_days, active, password_hash, must_change, created, updated)
				VALUES(?,?,?,?,?,?,1,?,?,?,?)`, u.Login, u.FullName, gid, u.ReceiptName, u.INN, 7, hashes[i], u.MustChange, now, now)
			if err != nil {
				return fmt.Errorf("user %s: %w", u.Login, err)
			}
			uid, _ := res.LastInsertId()
			if u.Badge != "" {
				if _, err := tx.ExecContext(ctx, `INSERT INTO badges(hash, last4, user_id, created) VALUES(?,?,?,?)`,
					keyed(key, purposeBadge, u.Badge), demoHint(u), uid, now); err != nil {
					return fmt.Errorf("badge of %s: %w", u.Login, err)
				}
			}
		}
		for _, it := range DemoItems() {
			if _, err := putItem(ctx, tx, it, it.Barcode == ""); err != nil {
				return fmt.Errorf("item %s: %w", it.Name, err)
			}
		}
		if err := setSetting(ctx, tx, demoSeededKey, "true"); err != nil {
			return err
		}
		_, err := appendAudit(ctx, tx, Actor{Terminal: "demo"}.entry("data.demo.seed", map[string]any{"users": len(DemoUsers)}, OutcomeOK, ""))
		return err
	})
	if err != nil {
		return fmt.Errorf("seed demo: %w", err)
	}
	return nil
}

// EAN13 returns the 12 digits followed by their EAN-13 check digit.
func EAN13(twelve string) string {
	sum := 0
	for i := range 12 {
		v := int(twelve[i] - '0')
		if i%2 == 1 {
			v *= 3
		}
		sum += v
	}
	return twelve + strconv.Itoa((10-sum%10)%10)
}

var demoGoods = []struct {
	name  string
	price int64 // kopecks
	vat   sale.VATCode
}{
	{"Хлеб пшеничный", 4990, "10"},
	{"Батон нарезной", 5490, "10"},
	{"Хлеб бородинский", 6290, "10"},
	{"Молоко 3,2%", 8990, "10"},
	{"Кефир 2,5%", 7990, "10"},
	{"Сметана 20%", 11990, "10"},
	{"Творог 9%", 15990, "10"},
	{"Масло сливочное 82,5%", 22990, "10"},
	{"Сыр российский", 49990, "10"},
	{"Яйца куриные С1, 10 шт", 11990, "10"},
	{"Гречка ядрица", 9990, "10"},
	{"Рис круглозёрный", 8990, "10"},
	{"Макароны спагетти", 7990, "10"},
	{"Мука пшеничная", 6990, "10"},
	{"Сахар песок", 8490, "10"},
	{"Соль поваренная", 2490, "10"},
	{"Масло подсолнечное", 13990, "10"},
	{"Чай чёрный", 18990, "20"},
	{"Кофе молотый", 45990, "20"},
	{"Шоколад молочный", 9990, "20"},
	{"Печенье овсяное", 6990, "20"},
	{"Конфеты ассорти", 29990, "20"},
	{"Сок яблочный", 11990, "20"},
	{"Вода минеральная", 4990, "20"},
	{"Лимонад", 8990, "20"},
	{"Кетчуп томатный", 10990, "20"},
	{"Майонез", 9990, "20"},
	{"Горошек зелёный", 8990, "20"},
	{"Кукуруза сладкая", 9490, "20"},
	{"Тушёнка говяжья", 24990, "20"},
	{"Зубная паста", 15990, "20"},
	{"Шампунь", 29990, "20"},
	{"Мыло туалетное", 5990, "20"},
	{"Стиральный порошок", 49990, "20"},
	{"Бумага туалетная", 19990, "20"},
	{"Салфетки бумажные", 7990, "20"},
	{"Детское питание", 6990, "10"},
	{"Подгузники", 99990, "10"},
	{"Газета", 3000, "0"},
	{"Книга", 45000, "0"},
}

var demoVariants = []string{"", " (акция)", " эконом", " премиум", " большая упаковка"}

var demoWeighed = []struct {
	name  string
	price int64 // kopecks per kg
}{
	{"Яблоки Гренни Смит, кг", 16990},
	{"Бананы, кг", 12990},
	{"Картофель, кг", 4990},
	{"Морковь, кг", 5990},
	{"Огурцы, кг", 19990},
	{"Помидоры, кг", 24990},
	{"Колбаса докторская, кг", 69990},
	{"Сыр весовой, кг", 89990},
}

// DemoItems is the demo catalogue: 200 piece items with valid EAN-13 codes
// (GS1 Russia prefix 460), the weighed goods, and one generic item without a
// barcode. Weighed items carry the in-store label code (prefix 22, 5-digit
// PLU, weight field zeroed) under which the scanner's label parser looks
// them up.
func DemoItems() []sale.Item {
	var out []sale.Item
	for i := 0; len(out) < 200; i++ {
		g := demoGoods[i%len(demoGoods)]
		v := demoVariants[(i/len(demoGoods))%len(demoVariants)]
		price := g.price + int64(i/len(demoGoods))*1000
		out = append(out, sale.Item{
			Barcode: EAN13(fmt.Sprintf("460%09d", 1000+i)),
			Name:    g.name + v,
			Price:   price,
			VAT:     g.vat,
			Dept:    1,
		})
	}
	for i, w := range demoWeighed {
		out = append(out, sale.Item{
			Barcode: EAN13(fmt.Sprintf("22%05d00000", 101+i)),
			Name:    w.name, Price: w.price, VAT: "10", Weighed: true, Dept: 2,
		})
	}
	out = append(out, sale.Item{Name: "Свободная цена (товар без карточки)", VAT: "20", Dept: 1})
	return out
}

// demoHint is the hint of a demo badge: the end of the number printed on it.
func demoHint(u DemoUser) string {
	if h := BadgeHint(u.BadgePrint); h != "" && BadgeHint(u.Badge) != "" {
		return h
	}
	return BadgeHint(u.Badge)
}
