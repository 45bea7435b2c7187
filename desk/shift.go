package desk

import (
	"context"
	"errors"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// The register's day: shift, reports, cash movements, drawer. Each is
// audited whoever does it (money and fiscal days are what audits are for),
// and the register always gets the cashier's name and INN.

// OpenShift opens a shift on the register and records it.
func (d *Desk) OpenShift(ctx context.Context) (device.ShiftResult, error) {
	var out device.ShiftResult
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		u, _ := d.state()
		return &request{
			checks: []check{{action: policy.ActionShiftOpen}},
			desc:   Text("desk.request.shift_open", nil),
			always: true,
			run: func(ctx context.Context) error {
				res, err := d.cfg.Register.OpenShift(ctx, d.registerCashier())
				if err != nil {
					return registerErr("open shift", err)
				}
				out = res
				_, err = d.cfg.Store.OpenShift(ctx, int(res.Shift), u.ID, d.now())
				return err
			},
		}, nil
	})
	return out, err
}

// XReport prints the X report.
func (d *Desk) XReport(ctx context.Context) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		return &request{
			checks: []check{{action: policy.ActionReportX}},
			desc:   Text("desk.request.x_report", nil),
			always: true,
			run: func(ctx context.Context) error {
				if err := d.printAuditHead(ctx); err != nil {
					return err
				}
				if err := d.cfg.Register.XReport(ctx, d.registerCashier()); err != nil {
					return registerErr("X report", err)
				}
				return nil
			},
		}, nil
	})
}

// ZReport prints the Z report and closes the shift; progress (may be nil)
// receives the register's stages for the progress bar (up to about a
// minute). The till's shift record is closed when there is one: a register
// whose shift was opened elsewhere still closes.
func (d *Desk) ZReport(ctx context.Context, progress func(device.Progress)) (device.ShiftResult, error) {
	var out device.ShiftResult
	if progress == nil {
		progress = func(device.Progress) {}
	}
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		u, _ := d.state()
		return &request{
			checks: []check{{action: policy.ActionReportZWrite}},
			desc:   Text("desk.request.z_report", nil),
			always: true,
			run: func(ctx context.Context) error {
				if err := d.printAuditHead(ctx); err != nil {
					return err
				}
				res, err := d.cfg.Register.ZReport(ctx, d.registerCashier(), progress)
				if err != nil {
					return registerErr("Z report", err)
				}
				out = res
				if _, err := d.cfg.Store.CloseShift(ctx, u.ID, d.now()); err != nil && !errors.Is(err, ErrNoShift) {
					return err
				}
				return nil
			},
		}, nil
	})
	return out, err
}

// CashIn puts money into the drawer (float, change); reason is kept in
// the audit log.
func (d *Desk) CashIn(ctx context.Context, amount int64, reason string) (uint32, error) {
	return d.cashMove(ctx, policy.ActionCashIn, "desk.request.cash_in", amount, reason, d.cfg.Register.CashIn)
}

// CashOut takes money out of the drawer (collection, expenses).
func (d *Desk) CashOut(ctx context.Context, amount int64, reason string) (uint32, error) {
	return d.cashMove(ctx, policy.ActionCashOut, "desk.request.cash_out", amount, reason, d.cfg.Register.CashOut)
}

func (d *Desk) cashMove(ctx context.Context, a policy.Action, key string, amount int64, reason string,
	call func(context.Context, device.Cashier, int64) (uint32, error),
) (uint32, error) {
	var doc uint32
	err := d.do(ctx, func(ctx context.Context) (*request, error) {
		if amount <= 0 {
			return nil, newErr(ErrAmount, "desk.error.amount", nil, nil)
		}
		return &request{
			checks: []check{{action: a, args: policy.Args{Amount: amount}}},
			desc:   Text(key, map[string]any{"Amount": d.money(amount)}),
			args:   map[string]any{"amount": amount, "reason": reason},
			always: true,
			run: func(ctx context.Context) error {
				n, err := call(ctx, d.registerCashier(), amount)
				if err != nil {
					return registerErr(string(a), err)
				}
				doc = n
				return nil
			},
		}, nil
	})
	return doc, err
}

// OpenDrawer opens the drawer outside a payment.
func (d *Desk) OpenDrawer(ctx context.Context) error {
	return d.do(ctx, func(ctx context.Context) (*request, error) {
		return &request{
			checks: []check{{action: policy.ActionDrawerOpen}},
			desc:   Text("desk.request.drawer", nil),
			always: true,
			run: func(ctx context.Context) error {
				if err := d.cfg.Register.OpenDrawer(ctx); err != nil {
					return registerErr("open drawer", err)
				}
				return nil
			},
		}, nil
	})
}
