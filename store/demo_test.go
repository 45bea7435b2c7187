package store

import (
	"context"
	"errors"
	"testing"

	"github.com/tillpos/till/device/scan"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
)

func validEAN13(s string) bool {
	return len(s) == 13 && EAN13(s[:12]) == s
}

func TestEAN13(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"460123456789", "4601234567893"},
		{"400638133393", "4006381333931"},
		{"590123412345", "5901234123457"},
	} {
		if got := EAN13(tc.in); got != tc.want {
			t.Errorf("EAN13(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestDemoData(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	v1, _ := db.MatrixVersion(ctx)
	// Idempotent: a second run changes nothing.
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if v2, _ := db.MatrixVersion(ctx); v2 != v1 {
		t.Fatalf("second seed bumped the matrix version %d -> %d", v1, v2)
	}

	for _, du := range DemoUsers {
		if !sale.ValidINN(du.INN) {
			t.Errorf("%s: INN %s is not checksum-valid", du.Login, du.INN)
		}
		u, err := db.Authenticate(ctx, du.Login, du.Password)
		if err != nil {
			t.Fatalf("%s: %v", du.Login, err)
		}
		if u.MustChange != du.MustChange || u.INN != du.INN || u.ReceiptName != du.ReceiptName {
			t.Errorf("%s = %+v", du.Login, u)
		}
		if du.Badge != "" {
			bu, err := db.UserByBadge(ctx, du.Badge)
			if err != nil || bu.ID != u.ID {
				t.Errorf("%s badge: %+v, %v", du.Login, bu, err)
			}
		}
	}

	items := DemoItems()
	var piece, weighed, generic int
	names := map[string]bool{}
	for _, it := range items {
		switch {
		case it.Barcode == "":
			generic++
		case it.Weighed:
			weighed++
		default:
			piece++
		}
		if it.Barcode != "" && !validEAN13(it.Barcode) {
			t.Errorf("%s: EAN %s has a wrong check digit", it.Name, it.Barcode)
		}
		if it.VAT != "20" && it.VAT != "10" && it.VAT != "0" {
			t.Errorf("%s: VAT %q", it.Name, it.VAT)
		}
		if names[it.Name] {
			t.Errorf("duplicate name %q", it.Name)
		}
		names[it.Name] = true
	}
	if piece != 200 || weighed < 3 || generic != 1 {
		t.Errorf("catalogue: %d piece, %d weighed, %d generic", piece, weighed, generic)
	}
	if _, err := db.ItemByBarcode(ctx, items[17].Barcode); err != nil {
		t.Errorf("demo item not found by barcode: %v", err)
	}
	if g, err := db.GenericItem(ctx); err != nil || g.Barcode != "" {
		t.Errorf("generic item = %+v, %v", g, err)
	}

	// The demo matrix decides as described.
	m, err := db.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := policy.NewSnapshot(m)
	if err != nil {
		t.Fatal(err)
	}
	cashier, _ := db.UserByLogin(ctx, "cashier")
	super, _ := db.UserByLogin(ctx, "supervisor")
	admin, _ := db.UserByLogin(ctx, "admin")
	for _, tc := range []struct {
		who     User
		action  policy.Action
		args    policy.Args
		allowed bool
	}{
		{cashier, policy.ActionDiscountLine, policy.Args{Percent: 500}, true},
		{cashier, policy.ActionDiscountLine, policy.Args{Percent: 600}, false},
		{cashier, policy.ActionDiscountTotal, policy.Args{Percent: 100}, false},
		{cashier, policy.ActionDrawerOpen, policy.Args{}, false},
		{cashier, policy.ActionDrawerPayment, policy.Args{}, true},
		{cashier, policy.ActionReportZWrite, policy.Args{}, false},
		{cashier, policy.ActionVoidLine, policy.Args{}, false},
		{super, policy.ActionDiscountLine, policy.Args{Percent: 3000}, true},
		{super, policy.ActionDiscountLine, policy.Args{Percent: 3100}, false},
		{super, policy.ActionVoidLine, policy.Args{}, true},
		{super, policy.ActionReturn, policy.Args{}, true},
		{super, policy.ActionReportX, policy.Args{}, true},
		{super, policy.ActionReportZWrite, policy.Args{}, false},
		{admin, policy.ActionReportZWrite, policy.Args{}, true},
		{admin, policy.ActionDiscountTotal, policy.Args{Percent: 10000}, true},
	} {
		v := policy.Decide(snap, policy.Principal{User: tc.who.ID}, tc.action, tc.args)
		if v.Allowed != tc.allowed {
			t.Errorf("%s %s %+v: allowed = %v (%v), want %v", tc.who.Login, tc.action, tc.args, v.Allowed, v.Reason, tc.allowed)
		}
	}
}

func TestSeedDemoRefusesARealDatabase(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	g := mustGroup(t, db, "Shop")
	if _, _, err := db.CreateUser(ctx, NewUser{Login: "owner", Group: g}, Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDemo(ctx); err == nil {
		t.Fatal("demo data seeded into a database with real users")
	}
	if _, err := db.Authenticate(ctx, "admin", "admin123"); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("demo admin exists: %v", err)
	}
}

// The demo badges are enrolled as the canonical IDs a real reader's print
// gives, so a keyboard-wedge reader typing BadgePrint signs in (the raw
// print itself would never match: device/scan normalises every read).
func TestDemoBadgesAreWhatTheirReaderGives(t *testing.T) {
	for _, du := range DemoUsers {
		if du.Badge == "" && du.BadgePrint == "" {
			continue
		}
		got, err := scan.NormaliseBadge(du.BadgePrint, scan.BadgeConfig{Form: scan.BadgeForm(DemoBadgeForm)})
		if err != nil || got != du.Badge {
			t.Errorf("%s: %q read as %q, %v; enrolled %q", du.Login, du.BadgePrint, got, err, du.Badge)
		}
	}
}
