// Package desk is the cashier's working session, without widgets: who is
// signed in, whose rights apply (elevation, one-shot approval), the open
// bill, and every action of the sale screen, each decided by the policy
// before it runs. The sale screen and the impersonate dialog are built on
// top of it; this is their contract.
//
// # Using it
//
//	d, _ := desk.New(desk.Config{Holder: h, Store: deskstore.New(db), Bills: db.Bills(),
//		Sales: sales, Checkout: checkout, Register: reg, Terminal: "till-1"})
//	out, err := d.Start(ctx)      // reconcile stuck receipts before anything else
//	u, err := d.SignIn(ctx, login, password) // or SignInBadge / SignInPIN; restores the open bill
//	lid, err := d.AddByBarcode(ctx, "4600000000017", 1000)
//	err = d.LineDiscount(ctx, lid, sale.Discount{Kind: sale.DiscountPercent, Value: 1500})
//	var den *desk.Denied
//	if errors.As(err, &den) {
//		// show den.Reason (policy.Message: key + fallback + args, in assets/lang/policy);
//		// if den.Verdict.ApprovalPossible offer "Ask supervisor" naming
//		// den.Request.Describe() ("line discount 15 % on Milk"), then:
//		err = d.ApproveOnce(ctx, den.Request, desk.Credential{Mode: d.ApprovalMode(ctx), Badge: badge})
//		// *desk.Refused says why an approval failed (wrong credentials with
//		// attempts left, locked out, self-approval, approver lacks the right).
//	}
//	_, err = d.Pay(ctx, sale.PayCash, 100000)
//	sold, err := d.Checkout(ctx)  // receipt with the cashier's name and INN; drawer if allowed
//	// on a register error: desk.MessageOf(err) says what to do; d.Retry / d.Reconcile.
//
// Sticky elevation (toolbar key button): d.Elevate(ctx, cred), d.Restore(ctx);
// it also ends on SignOut, Lock and the idle timeout (d.ExpireIdle from a
// timer; every action checks it too). d.Status(ctx) feeds the status bar.
//
// Every method returns errors a cashier can read through MessageOf; branch
// with errors.Is on the Err* sentinels and errors.As on *Denied / *Refused.
// The audit rows it writes, the action → policy table and the decisions
// are in docs/desk.md.
//
// # Boundaries
//
// desk imports policy, sale and device (interfaces only). It must never
// import store, ui, Fyne or a concrete device package: it declares the
// narrow store interfaces it needs (deps.go), and desk/deskstore adapts
// *store.DB to them. It uses no floats: money is int64 minor units,
// percentages basis points, quantities milli-units.
package desk
