package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/exchange"
	"github.com/tillpos/till/sale"
)

func init() {
	register("register", "talk to a Shtrih-M register: status | x-report | test-receipt | cancel | continue | correction --port PATH[@BAUD]",
		func(ctx context.Context, args []string) error { return runRegister(ctx, os.Stdout, args) })
}

const registerUsage = "register status|x-report|test-receipt|cancel|continue|correction --port PATH[@BAUD] [--password N] [--admin-password N] [--cashier NAME] [--inn INN] [--open-shift] [--packets]" +
	" (correction: --cash N --card N --type sale|return --reason TEXT --doc-number NO --doc-date YYYY-MM-DD [--by-order])"

func runRegister(ctx context.Context, out io.Writer, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: %s", errUsage, registerUsage)
	}
	action := args[0]
	fs := flag.NewFlagSet("register "+action, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	port := fs.String("port", "", "serial port, PATH or PATH@BAUD (baud detected when omitted)")
	pwd := fs.Uint("password", uint(shtrih.DefaultPassword), "operator password (table 2)")
	admin := fs.Uint("admin-password", uint(shtrih.DefaultPassword), "system administrator password: cancels a receipt another operator opened")
	cashier := fs.String("cashier", "Test", "cashier name for shift open and receipts")
	inn := fs.String("inn", "", "cashier INN (10 or 12 digits), optional")
	openShift := fs.Bool("open-shift", false, "test-receipt: open the shift first when it is closed")
	packets := fs.Bool("packets", false, "use the alternative link level (numbered packets) when the register offers it")
	var corr correctionFlags
	fs.StringVar(&corr.cash, "cash", "0", "correction: amount taken (or paid out) in cash, e.g. 150.00")
	fs.StringVar(&corr.card, "card", "0", "correction: amount taken (or paid out) by card")
	fs.StringVar(&corr.kind, "type", "", "correction: sale (money received) or return (money paid out)")
	fs.StringVar(&corr.reason, "reason", "", "correction: what happened (tag 1177)")
	fs.StringVar(&corr.docNumber, "doc-number", "", "correction: number of the basis document (tag 1179)")
	fs.StringVar(&corr.docDate, "doc-date", "", "correction: date of the basis document, YYYY-MM-DD (tag 1178)")
	fs.BoolVar(&corr.byOrder, "by-order", false, "correction: made by order of the tax authority (tag 1173 = 1)")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w: %v; %s", errUsage, err, registerUsage)
	}
	if *port == "" {
		return fmt.Errorf("%w: --port is required; %s", errUsage, registerUsage)
	}
	switch action {
	case "status", "x-report", "test-receipt", "cancel", "continue":
	case "correction":
		// Checked before the port is opened: nothing is sent for a
		// correction the register would refuse.
		if err := corr.parse(); err != nil {
			return fmt.Errorf("%w: %v; %s", errUsage, err, registerUsage)
		}
		// A legal document names the person responsible: no "Test".
		named := false
		fs.Visit(func(f *flag.Flag) { named = named || f.Name == "cashier" && strings.TrimSpace(f.Value.String()) != "" })
		if !named {
			return fmt.Errorf("%w: --cashier is required for a correction receipt; %s", errUsage, registerUsage)
		}
	default:
		return fmt.Errorf("%w: unknown register action %q; %s", errUsage, action, registerUsage)
	}
	r, err := shtrih.Open(*port, shtrih.Config{Password: uint32(*pwd), AdminPassword: uint32(*admin)})
	if err != nil {
		return registerFailure("open "+*port, err)
	}
	defer r.Close()
	if *packets {
		level := "standard (the register does not answer numbered packets)"
		if r.NegotiatePackets(ctx) {
			level = "numbered packets"
		}
		fmt.Fprintf(out, "link:       %s\n", level)
	}
	c := device.Cashier{Name: *cashier, INN: *inn}
	switch action {
	case "status":
		return registerStatus(ctx, out, r)
	case "cancel":
		return registerCancel(ctx, out, r)
	case "continue":
		return registerContinue(ctx, out, r)
	case "correction":
		corr.c.Cashier = c
		return registerCorrection(ctx, out, r, corr.c)
	case "x-report":
		if err := r.XReport(ctx, c); err != nil {
			return registerFailure("X report", err)
		}
		fmt.Fprintln(out, "X report printed")
		return nil
	default:
		return testReceipt(ctx, out, r, c, *openShift)
	}
}

// registerFailure puts the cashier's words first and the detail after.
func registerFailure(what string, err error) error {
	return fmt.Errorf("%s: %s (%w)", what, shtrih.MessageOf(err), err)
}

func registerStatus(ctx context.Context, out io.Writer, r *shtrih.Register) error {
	s, err := r.Status(ctx)
	if err != nil {
		return registerFailure("status", err)
	}
	last, open, err := r.LastDocument(ctx)
	if err != nil {
		return registerFailure("last document", err)
	}
	paper := "ok"
	switch {
	case s.PaperOut:
		paper = "out"
	case s.Submode == 3:
		paper = "loaded, waiting to continue printing"
	}
	if id, err := r.Identify(ctx); err == nil {
		fmt.Fprintf(out, "device:     %s\n", id)
	}
	fmt.Fprintf(out, "mode:       %d (%s)\n", s.Mode, modeName(s.Mode))
	fmt.Fprintf(out, "submode:    %d (%s)\n", s.Submode, submodeName(s.Submode))
	fmt.Fprintf(out, "shift:      %s\n", shiftState(s))
	fmt.Fprintf(out, "paper:      %s\n", paper)
	fmt.Fprintf(out, "cover:      %s\n", map[bool]string{true: "open", false: "closed"}[s.CoverOpen])
	fmt.Fprintf(out, "last FD:    %d\n", last)
	fmt.Fprintf(out, "open FN doc: %02Xh\n", open)
	fmt.Fprintf(out, "FN serial:  %s\n", s.Serial)
	return nil
}

func shiftState(s device.Status) string {
	switch {
	case s.ShiftOver24:
		return "open, over 24 hours (Z report needed)"
	case s.ShiftOpen:
		return "open"
	}
	return "closed"
}

func modeName(m device.Mode) string {
	switch m {
	case device.ModeShiftOpen:
		return "shift open"
	case device.ModeShiftExpired:
		return "shift over 24 h"
	case device.ModeShiftClosed:
		return "shift closed"
	case device.ModeReceiptOpen:
		return "document open"
	case 0:
		return "printer mode"
	}
	return "busy or service"
}

func submodeName(s byte) string {
	return [...]string{"idle", "paper out", "paper out while printing", "waiting for continue", "printing long report", "printing"}[min(int(s), 5)]
}

func testReceipt(ctx context.Context, out io.Writer, r *shtrih.Register, c device.Cashier, openShift bool) error {
	s, err := r.Status(ctx)
	if err != nil {
		return registerFailure("status", err)
	}
	if !s.ShiftOpen {
		if !openShift {
			return registerFailure("test receipt", fmt.Errorf("%w (pass --open-shift to open it)", device.ErrShiftClosed))
		}
		res, err := r.OpenShift(ctx, c)
		if err != nil {
			return registerFailure("open shift", err)
		}
		fmt.Fprintf(out, "shift %d opened: FD %d, sign %d\n", res.Shift, res.Number, res.Sign)
	}
	rc := device.Receipt{
		Kind:     device.Sale,
		Cashier:  c,
		Lines:    []device.ReceiptLine{{Name: "Test item", QtyMilli: 1000, Price: 100, Amount: 100, Tax: device.TaxNone}},
		Payments: []device.Payment{{Kind: device.PayCash, Amount: 100}},
	}
	res, err := r.Fiscalise(ctx, rc)
	if err != nil {
		if errors.Is(err, device.ErrOutcomeUnknown) {
			last, open, lerr := r.LastDocument(ctx)
			if lerr == nil {
				return registerFailure(fmt.Sprintf("test receipt (now: last FD %d, open FN document %02Xh)", last, open), err)
			}
		}
		return registerFailure("test receipt", err)
	}
	fmt.Fprintf(out, "receipt fiscalised: FD %d, fiscal sign %d, %s\n", res.Number, res.Sign,
		strings.TrimSpace(res.Time.Format("2006-01-02 15:04")))
	return nil
}

// registerCancel is the way out of a receipt left open on the register:
// it shows the register's state, cancels the open receipt (88h, or FF08h
// for an FN receipt document the register lost) and shows the state
// after. A receipt already in fiscal storage cannot be cancelled and is
// not touched: only an open one is. Paper out stops the cancel (the
// register prints "cancelled"): load paper and run it again.
func registerCancel(ctx context.Context, out io.Writer, r *shtrih.Register) error {
	fmt.Fprintln(out, "before:")
	if err := registerStatus(ctx, out, r); err != nil {
		return err
	}
	s, err := r.Status(ctx)
	if err != nil {
		return registerFailure("status", err)
	}
	_, open, err := r.LastDocument(ctx)
	if err != nil {
		return registerFailure("last document", err)
	}
	if !s.ReceiptOpen && open != shtrih.FNDocReceipt {
		fmt.Fprintln(out, "no receipt is open: nothing to cancel")
		return nil
	}
	if err := r.CancelReceipt(ctx); err != nil {
		return registerFailure("cancel receipt", err)
	}
	fmt.Fprintln(out, "receipt cancelled\nafter:")
	return registerStatus(ctx, out, r)
}

// registerContinue waits for the register to settle (printing, a reply it
// holds) and continues printing after paper was loaded (B0h), then shows
// its state.
func registerContinue(ctx context.Context, out io.Writer, r *shtrih.Register) error {
	if _, err := r.Settle(ctx, 0); err != nil {
		return registerFailure("continue", err)
	}
	return registerStatus(ctx, out, r)
}

// correctionFlags are the command line of `till register correction`.
type correctionFlags struct {
	cash, card, kind, reason, docNumber, docDate string
	byOrder                                      bool
	c                                            device.Correction
}

func (f *correctionFlags) parse() error {
	var err error
	if f.c.Cash, err = sale.ParseMoneyText(f.cash); err != nil {
		return fmt.Errorf("--cash %q: %v", f.cash, err)
	}
	if f.c.Electronic, err = sale.ParseMoneyText(f.card); err != nil {
		return fmt.Errorf("--card %q: %v", f.card, err)
	}
	switch f.kind {
	case "sale":
		f.c.Kind = device.Sale
	case "return":
		f.c.Kind = device.SaleReturn
	default:
		return fmt.Errorf("--type must be sale or return, not %q", f.kind)
	}
	if f.c.Cash+f.c.Electronic <= 0 {
		return errors.New("--cash and --card add up to nothing")
	}
	if strings.TrimSpace(f.reason) == "" || strings.TrimSpace(f.docNumber) == "" {
		return errors.New("--reason and --doc-number are required (the basis of the correction)")
	}
	f.c.Reason, f.c.DocNumber, f.c.ByOrder = strings.TrimSpace(f.reason), strings.TrimSpace(f.docNumber), f.byOrder
	// The basis document's date is a calendar day; the register stores it
	// as UnixTime, midnight UTC of that day.
	if f.c.DocDate, err = time.Parse(time.DateOnly, f.docDate); err != nil {
		return fmt.Errorf("--doc-date %q: want YYYY-MM-DD", f.docDate)
	}
	return nil
}

// registerCorrection makes a correction receipt: a sale (or a refund) made
// while the register was down, with the document that is its basis.
func registerCorrection(ctx context.Context, out io.Writer, r *shtrih.Register, c device.Correction) error {
	res, err := r.Correction(ctx, c)
	if err != nil {
		return registerFailure("correction receipt", err)
	}
	what := "money received"
	if c.Kind == device.SaleReturn {
		what = "money paid out"
	}
	fmt.Fprintf(out, "correction receipt fiscalised (%s, %s): FD %d, fiscal sign %d, %s\n", what, exchange.FormatPrice(c.Total()), res.Number, res.Sign,
		strings.TrimSpace(res.Time.Format("2006-01-02 15:04")))
	if r.PrintPending() {
		fmt.Fprintln(out, "the paper ran out while it printed: load receipt paper, then run `till register continue`")
	}
	return nil
}

// settingRegisterPackets asks the window's register for the alternative
// link level (numbered packets, docs/shtrih.md): "on" negotiates it when the
// register is opened — one numbered status packet; a register that does not
// answer it stays on the standard level — "off" (default) keeps the
// standard level. `till register --packets` is the same for one command.
const settingRegisterPackets = "register.packets"

type settingReader interface {
	String(key, fallback string) string
}

// negotiateLink applies settingRegisterPackets to a register just opened:
// whether it now speaks numbered packets, and an error to log when the
// setting asked for them and the register does not offer them (or the
// setting is neither on nor off).
func negotiateLink(ctx context.Context, r *shtrih.Register, s settingReader) (bool, error) {
	switch v := strings.TrimSpace(s.String(settingRegisterPackets, "off")); v {
	case "", "off":
		return false, nil
	case "on":
		if r.NegotiatePackets(ctx) {
			return true, nil
		}
		return false, errors.New("the register does not answer numbered packets: the standard link level is used")
	default:
		return false, fmt.Errorf("setting %s = %q: want on or off; the standard link level is used", settingRegisterPackets, v)
	}
}

// openWindowRegister opens the window's register on spec with the link
// level the settings ask for.
func openWindowRegister(ctx context.Context, spec string, s settingReader) (*shtrih.Register, error) {
	r, err := shtrih.Open(spec, shtrih.Config{})
	if err != nil {
		return nil, err
	}
	if _, err := negotiateLink(ctx, r, s); err != nil {
		fyne.LogError("register on "+spec, err)
	}
	return r, nil
}
