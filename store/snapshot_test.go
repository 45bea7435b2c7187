package store

import (
	"context"
	"testing"

	"github.com/tillpos/till/policy"
)

func TestRefreshPolicySwapsOnlyOnChange(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	h := policy.NewHolder(nil)
	if ok, err := db.RefreshPolicy(ctx, h); err != nil || !ok {
		t.Fatalf("first refresh = %v, %v", ok, err)
	}
	if ok, err := db.RefreshPolicy(ctx, h); err != nil || ok {
		t.Fatalf("refresh without a change = %v, %v", ok, err)
	}
	cashier, _ := db.UserByLogin(ctx, "cashier")
	p := policy.Principal{User: cashier.ID}
	if h.Decide(p, policy.ActionDrawerOpen, policy.Args{}).Allowed {
		t.Fatal("cashier may open the drawer in the demo matrix")
	}
	m, _ := db.LoadMatrix(ctx)
	for i := range m.Groups {
		if m.Groups[i].Name == DemoGroupCashier {
			m.Groups[i].Actions[policy.ActionDrawerOpen] = true
		}
	}
	if _, err := db.SaveMatrix(ctx, m, "local", Actor{}); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.RefreshPolicy(ctx, h); err != nil || !ok {
		t.Fatalf("refresh after save = %v, %v", ok, err)
	}
	if !h.Decide(p, policy.ActionDrawerOpen, policy.Args{}).Allowed {
		t.Fatal("saved permission not picked up")
	}
}
