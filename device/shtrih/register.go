package shtrih

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/link"
	"github.com/tillpos/till/device/shtrih/proto"
)

// Config is the Register's configuration. Zero fields take defaults.
type Config struct {
	// Password is the cashier's operator password, used for receipts and
	// cash moves; it also picks who the register records. Default 30.
	Password uint32
	// AdminPassword runs X/Z reports and cancels documents another
	// operator opened. Default 30.
	AdminPassword uint32
	// Operator is the table-2 row whose name is the cashier (§3 notes),
	// written when CashierInTable is set. Default 30.
	Operator byte
	// CashierInTable writes the cashier's name to table 2 (1Eh) instead of
	// sending tag 1021 with FF0Ch. Use it on firmware where FF0Ch 1021
	// duplicates the table name (cashcore, fr_drv_ng#30).
	CashierInTable bool
	// NameWidth is the size of table 2 field 2: 21 on old models, 64 on
	// newer ones. 0 (default): as the register reports it (2Eh), 21 when
	// it cannot say. Longer names are cut.
	NameWidth int
	// TaxSystem is the FF45h tax system bit. Default 1 (general regime).
	TaxSystem byte
	// ClassicTaxGroups maps VAT slots to table-6 groups for the 80h/85h
	// fallback. Default 20 % -> 1, 10 % -> 2, 0 % -> 3, no VAT -> 4.
	ClassicTaxGroups map[device.TaxSlot]byte
	// BusyWait bounds waiting for the printer after error 50h or before a
	// document while submode is 4/5. Default 30 s.
	BusyWait time.Duration
	// PollEvery is the status polling period while busy. Default 300 ms.
	PollEvery time.Duration
	// Patience bounds waiting for a register that does not answer, answers
	// garbled or keeps refusing frames, before an operation gives up on it
	// (Settle, NAK storms). Default device.DefaultPatience (minutes).
	Patience time.Duration
	// SettleEvery is the pause between two attempts while waiting for the
	// register. Default 500 ms.
	SettleEvery time.Duration
	// Packets uses the alternative link level (numbered packets, §1.4)
	// from the start; NegotiatePackets switches to it when the device
	// offers it. Default: the standard level.
	Packets bool
	Link    link.Config
	// Logf receives diagnostics (held replies, fallbacks). May be nil.
	Logf func(format string, args ...any)
}

func (c Config) withDefaults() Config {
	if c.Password == 0 {
		c.Password = DefaultPassword
	}
	if c.AdminPassword == 0 {
		c.AdminPassword = DefaultPassword
	}
	if c.Operator == 0 {
		c.Operator = 30
	}
	if c.TaxSystem == 0 {
		c.TaxSystem = 1
	}
	if c.ClassicTaxGroups == nil {
		c.ClassicTaxGroups = map[device.TaxSlot]byte{device.Tax20: 1, device.Tax10: 2, device.Tax0: 3, device.TaxNone: 4}
	}
	if c.BusyWait <= 0 {
		c.BusyWait = 30 * time.Second
	}
	if c.PollEvery <= 0 {
		c.PollEvery = 300 * time.Millisecond
	}
	if c.Patience <= 0 {
		c.Patience = device.DefaultPatience
	}
	if c.SettleEvery <= 0 {
		c.SettleEvery = 500 * time.Millisecond
	}
	return c
}

// Reply budgets per command (§3 "t/o", lengthened where issue trackers
// show real devices taking longer). The link probes with ENQ every second
// inside the budget, so a long budget costs nothing when the device is fast
// and a dead device is still noticed within seconds.
var timeouts = map[proto.Command]time.Duration{
	proto.CmdShortStatus: 3 * time.Second, proto.CmdFullStatus: 3 * time.Second,
	proto.CmdBeep: 3 * time.Second, proto.CmdPrintLine: 10 * time.Second,
	proto.CmdWriteTable: 5 * time.Second, proto.CmdCut: 10 * time.Second,
	proto.CmdFeed: 10 * time.Second, proto.CmdRepeatDoc: 30 * time.Second,
	proto.CmdReadTable: 5 * time.Second, proto.CmdTableInfo: 5 * time.Second, proto.CmdFieldInfo: 5 * time.Second,
	proto.CmdOpenDrawer: 3 * time.Second, proto.CmdContinuePrint: 10 * time.Second,
	proto.CmdCashIn: 30 * time.Second, proto.CmdCashOut: 30 * time.Second,
	proto.CmdXReport: 60 * time.Second, proto.CmdZReport: 120 * time.Second,
	proto.CmdOpenShift: 120 * time.Second, proto.CmdOpenReceipt: 10 * time.Second,
	proto.CmdSale: 10 * time.Second, proto.CmdSaleReturn: 10 * time.Second,
	proto.CmdOperationV2: 10 * time.Second, proto.CmdCloseReceipt: 30 * time.Second,
	proto.CmdCloseV2: 30 * time.Second, proto.CmdCancelReceipt: 10 * time.Second,
	proto.CmdSubtotal: 3 * time.Second, proto.CmdFNWriteTLV: 5 * time.Second,
	proto.CmdFNStatus: 3 * time.Second, proto.CmdFNFindDoc: 5 * time.Second,
	proto.CmdFNShiftParams: 3 * time.Second, proto.CmdFNBeginOpen: 5 * time.Second,
	proto.CmdFNOpenShift: 120 * time.Second, proto.CmdFNBeginClose: 5 * time.Second,
	proto.CmdFNCloseShift: 60 * time.Second, proto.CmdFNCancelDoc: 5 * time.Second,
	proto.CmdErrorText: 3 * time.Second, proto.CmdDeviceType: 3 * time.Second,
	proto.CmdFNBeginCorr: 5 * time.Second, proto.CmdFNCorrection: 30 * time.Second, proto.CmdFNCorrV2: 30 * time.Second,
}

// queries are read-only: repeating one whose outcome is unknown is safe.
var queries = map[proto.Command]bool{
	proto.CmdShortStatus: true, proto.CmdFullStatus: true, proto.CmdSubtotal: true,
	proto.CmdFNStatus: true, proto.CmdFNFindDoc: true, proto.CmdFNShiftParams: true,
	proto.CmdErrorText: true, proto.CmdDeviceType: true, proto.CmdReadTable: true,
	proto.CmdTableInfo: true, proto.CmdFieldInfo: true, proto.CmdFontInfo: true,
}

// Errors of the Register's own checks, made before anything is sent.
var (
	ErrReceiptOpen    = errors.New("shtrih: a receipt is open on the register")
	ErrShiftOpen      = errors.New("shtrih: the shift is already open")
	ErrTaxUnsupported = errors.New("shtrih: VAT slot has no FF46h tax bit")
)

// ReceiptError is a receipt the driver refuses before talking to the
// register: nothing was sent.
type ReceiptError struct{ Why string }

func (e *ReceiptError) Error() string { return "shtrih: bad receipt: " + e.Why }

// Register drives one Shtrih-M register. It implements device.Register;
// methods are serialised because the protocol carries one command at a time.
type Register struct {
	mu        sync.Mutex
	link      *link.Link
	cfg       Config
	classic   bool      // FF46h/FF45h answered 37h: use 80h/82h/85h
	noTLV     bool      // FF0Ch answered 37h: cashier by table 2, no INN tag
	noTable   bool      // 1Eh answered 37h: the register prints its own operator name
	identity  *Identity // FCh and 11h, read once (Identify)
	nameWidth int       // table 2 field 2 size from 2Eh; 0 = not asked yet
	// pending: a document is in fiscal memory but its printing was cut
	// short by paper out; cleared once the register prints again (B0h, or
	// a status without paper trouble).
	// Atomic: the window asks from its own thread and must never wait
	// behind a long register call.
	pending atomic.Bool
	serial  string // cached from FF01h
	held    [][]byte
}

var (
	_ device.Register         = (*Register)(nil)
	_ device.DocumentRepeater = (*Register)(nil)
)

// New drives a register on port (an opened serial port, the emulator's
// pipe). The Register owns port and closes it in Close.
func New(port proto.Port, cfg Config) *Register {
	r := &Register{}
	cfg = cfg.withDefaults()
	lc := cfg.Link
	user := lc.OnHeldReply
	lc.OnHeldReply = func(b []byte) {
		r.held = append(r.held, append([]byte(nil), b...))
		if cfg.Logf != nil {
			cfg.Logf("shtrih: collected a held reply % X", b)
		}
		if user != nil {
			user(b)
		}
	}
	r.cfg = cfg
	r.link = link.New(port, lc)
	r.link.SetPackets(cfg.Packets)
	return r
}

// NegotiatePackets asks the device, with one numbered status packet,
// whether it speaks the alternative link level, and uses it if so: a
// repeated packet is answered from memory, so a lost reply is never an
// unknown outcome there. Silence or garbage keeps the standard level.
func (r *Register) NegotiatePackets(ctx context.Context) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.link.Packets() {
		return true
	}
	ok := r.link.ProbePackets(ctx, r.cfg.Password, r.link.Config().CtlTimeout)
	r.link.SetPackets(ok)
	if ok {
		r.logf("shtrih: the register speaks numbered packets: using them")
	}
	return ok
}

// UsesPackets reports whether the register is driven on the alternative
// link level (numbered packets).
func (r *Register) UsesPackets() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.link.Packets()
}

// HeldReplies returns replies to earlier commands the device was still
// holding when a later exchange began (see link.Config.OnHeldReply), oldest
// first, and forgets them. Recovery reads them after an unknown outcome.
func (r *Register) HeldReplies() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.held
	r.held = nil
	return h
}

func (r *Register) Close() error { return r.link.Close() }

func (r *Register) logf(format string, args ...any) {
	if r.cfg.Logf != nil {
		r.cfg.Logf(format, args...)
	}
}

// do runs one command. A ERR reply is a *Error (not executed); a malformed
// reply to a state-changing command is an unknown outcome.
func (r *Register) do(ctx context.Context, body []byte, progress func(time.Duration)) ([]byte, error) {
	cmd, _, err := proto.SplitCommand(body)
	if err != nil {
		return nil, err
	}
	t, ok := timeouts[cmd]
	if !ok {
		t = 30 * time.Second
	}
	tries := 1
	if queries[cmd] {
		tries = 2
	}
	var storm time.Time // first NAK storm on this command
	for i := 0; ; i++ {
		reply, err := r.link.Exchange(ctx, body, t, progress)
		if err != nil && errors.Is(err, link.ErrRejected) && ctx.Err() == nil {
			// The register kept NAKing the frame: it did not take it, so
			// sending it again is safe. Keep at it, patiently.
			if storm.IsZero() {
				storm = time.Now()
			}
			if waited := time.Since(storm); waited < r.cfg.Patience {
				r.logf("shtrih: %v rejected (NAK) for %v, trying again", cmd, waited.Round(time.Millisecond))
				device.ProgressOf(ctx)(device.Progress{Stage: device.StageWaitRejected, Elapsed: waited, Patience: r.cfg.Patience})
				if sleepCtx(ctx, r.cfg.SettleEvery) == nil {
					i--
					continue
				}
			}
		}
		if err != nil {
			if i+1 < tries && errors.Is(err, device.ErrOutcomeUnknown) && ctx.Err() == nil {
				continue
			}
			if queries[cmd] && errors.Is(err, device.ErrOutcomeUnknown) {
				// A query changes nothing, so no outcome is unknown: the
				// line failed. Callers must not start a reconciliation.
				// What the line did (garbled replies) is kept for the
				// cashier's message.
				if errors.Is(err, link.ErrGarbled) {
					return nil, fmt.Errorf("%v: %w: %w (%v)", cmd, device.ErrNoLink, link.ErrGarbled, err)
				}
				return nil, fmt.Errorf("%v: %w (%v)", cmd, device.ErrNoLink, err)
			}
			return nil, fmt.Errorf("%v: %w", cmd, err)
		}
		data, err := Reply(cmd, reply)
		if errors.Is(err, ErrProtocol) {
			if i+1 < tries {
				continue
			}
			if !queries[cmd] {
				return nil, fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
			}
		}
		return data, err
	}
}

// exec is do plus the waits the protocol allows: error 50h (busy printing,
// not executed) waits for the printer and resends; 58h (waiting for B0h)
// sends B0h and resends. Unknown codes get the device's own text.
func (r *Register) exec(ctx context.Context, body []byte, progress func(time.Duration)) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		data, err := r.do(ctx, body, progress)
		var e *Error
		if !errors.As(err, &e) {
			return data, err
		}
		if attempt < 3 {
			switch e.Code {
			case 0x50:
				if werr := r.waitPrinter(ctx); werr != nil {
					return nil, werr
				}
				continue
			case 0x58:
				if _, cerr := r.do(ctx, Simple(proto.CmdContinuePrint, r.cfg.Password), nil); cerr == nil {
					continue
				}
			}
		}
		if _, known := errorInfo[e.Code]; !known && e.Code != 0x6B {
			if d, terr := r.do(ctx, ErrorTextCmd(e.Code), nil); terr == nil {
				e.Text = DecodeErrorText(d)
			}
		}
		return nil, err
	}
}

func (r *Register) shortStatus(ctx context.Context) (ShortStatus, error) {
	d, err := r.do(ctx, Simple(proto.CmdShortStatus, r.cfg.Password), nil)
	if err != nil {
		return ShortStatus{}, fmt.Errorf("status: %w", err)
	}
	s, err := DecodeShortStatus(d)
	if err == nil && s.Submode != 1 && s.Submode != 2 && s.Submode != 3 {
		r.pending.Store(false) // the interrupted document was printed (B0h)
	}
	return s, err
}

// PrintPending reports a fiscalised document whose printing the paper cut
// short (device.PrintPender); Settle or the next document continue it
// (B0h) once paper is loaded.
func (r *Register) PrintPending() bool { return r.pending.Load() }

var _ device.PrintPender = (*Register)(nil)

// waitPrinter polls 10h while the register prints (submode 4/5).
func (r *Register) waitPrinter(ctx context.Context) error {
	deadline := time.Now().Add(r.cfg.BusyWait)
	for {
		s, err := r.shortStatus(ctx)
		if err != nil {
			return err
		}
		if s.Submode != 4 && s.Submode != 5 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("printer still busy after %v: %w", r.cfg.BusyWait, device.ErrBusy)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(r.cfg.PollEvery):
		}
	}
}

// ready brings the register to a state where a document can start: waits
// out printing, sends B0h after a paper change, and refuses with a typed
// error when paper is out or the cover is open.
func (r *Register) ready(ctx context.Context) (ShortStatus, error) {
	for range 3 {
		s, err := r.shortStatus(ctx)
		if err != nil {
			return s, err
		}
		switch s.Submode {
		case 1, 2:
			return s, fmt.Errorf("submode %d: %w: %w", s.Submode, device.ErrPaperOut, errLoadPaper)
		case 3:
			// Paper loaded after running out mid-document: the register
			// waits for B0h and then reprints what was interrupted.
			if _, err := r.exec(ctx, Simple(proto.CmdContinuePrint, r.cfg.Password), nil); err != nil {
				return s, fmt.Errorf("continue printing: %w", err)
			}
			continue
		case 4:
			// A long report holds the head; anything printed now is
			// refused, so wait here rather than collect 50h replies.
			if err := r.waitPrinter(ctx); err != nil {
				return s, err
			}
			continue
		}
		// Submode 5 (the previous document still printing) is no reason to
		// wait: the register queues short documents behind it, and a
		// refusal (50h) is not executed and is resent by exec.
		if s.Flags&FlagCoverOpen != 0 {
			return s, device.ErrCoverOpen
		}
		return s, nil
	}
	return ShortStatus{}, fmt.Errorf("register does not settle: %w", device.ErrBusy)
}

// Status reads 10h (and the FN serial once).
func (r *Register) Status(ctx context.Context) (device.Status, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.shortStatus(ctx)
	if err != nil {
		return device.Status{}, err
	}
	if r.serial == "" {
		if d, err := r.do(ctx, Simple(proto.CmdFNStatus, r.cfg.Password), nil); err == nil {
			if fs, err := DecodeFNStatus(d); err == nil {
				r.serial = fs.Serial
			}
		}
	}
	return statusOf(s, r.serial), nil
}

func statusOf(s ShortStatus, serial string) device.Status {
	mode := device.Mode(s.Mode & 0x0F)
	return device.Status{
		Mode:        mode,
		Submode:     s.Submode,
		ShiftOpen:   mode == device.ModeShiftOpen || mode == device.ModeShiftExpired || mode == device.ModeReceiptOpen,
		ShiftOver24: mode == device.ModeShiftExpired,
		ReceiptOpen: mode == device.ModeReceiptOpen,
		PaperOut:    s.Submode == 1 || s.Submode == 2,
		CoverOpen:   s.Flags&FlagCoverOpen != 0,
		DrawerOpen:  s.Flags&FlagDrawerOpen != 0,
		Operator:    s.Operator,
		Serial:      serial,
	}
}

func (r *Register) fnStatus(ctx context.Context) (FNStatus, error) {
	d, err := r.do(ctx, Simple(proto.CmdFNStatus, r.cfg.Password), nil)
	if err != nil {
		return FNStatus{}, fmt.Errorf("FN status: %w", err)
	}
	fs, err := DecodeFNStatus(d)
	if err == nil && r.serial == "" {
		r.serial = fs.Serial
	}
	return fs, err
}

func (r *Register) findDocument(ctx context.Context, fd uint32) (FoundDocument, error) {
	d, err := r.do(ctx, FindDocumentCmd(r.cfg.Password, fd), nil)
	if err != nil {
		return FoundDocument{}, fmt.Errorf("find document %d: %w", fd, err)
	}
	return DecodeFindDocument(d)
}

// LastDocument reads FF01h.
func (r *Register) LastDocument(ctx context.Context) (uint32, byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fs, err := r.fnStatus(ctx)
	if err != nil {
		return 0, 0, err
	}
	return fs.LastFD, fs.CurrentDoc, nil
}

// FindDocument reads FF0Ah.
func (r *Register) FindDocument(ctx context.Context, number uint32) (device.Document, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, err := r.findDocument(ctx, number)
	if err != nil {
		return device.Document{}, err
	}
	return documentOf(f), nil
}

func documentOf(f FoundDocument) device.Document {
	d := device.Document{Number: f.FD, Type: f.Type, Sign: f.Sign, Time: f.Time, Amount: f.Amount}
	switch f.Operation {
	case OpSale:
		d.Operation = device.Sale
	case OpSaleReturn:
		d.Operation = device.SaleReturn
	case CorrExpense:
		if f.Type == DocCorrection {
			// A correction of money paid out: the refund's side.
			d.Operation = device.SaleReturn
		}
	}
	return d
}

// writeCashier records the cashier for the FN document being opened:
// table 2 or tag 1021, then tag 1203 when there is an INN. Without an FN
// document (fnDoc false) only the table can carry the name.
func (r *Register) writeCashier(ctx context.Context, c device.Cashier, fnDoc bool) error {
	if r.cashierInTable() || !fnDoc {
		if err := r.writeTableName(ctx, c.Name); err != nil {
			return err
		}
	} else if err := r.writeTLVName(ctx, c.Name); err != nil {
		if !r.noTLV {
			return err
		}
		// No FF0Ch: the shift document takes the table-2 name.
		if err := r.writeTableName(ctx, c.Name); err != nil {
			return err
		}
	}
	if fnDoc {
		return r.writeINN(ctx, c.INN)
	}
	return nil
}

func (r *Register) writeTableName(ctx context.Context, name string) error {
	if name == "" || r.noTable {
		return nil
	}
	body := WriteTableString(r.cfg.AdminPassword, 2, uint16(r.cfg.Operator), 2, name, r.tableNameWidth(ctx))
	if _, err := r.exec(ctx, body, nil); err != nil {
		if errors.Is(err, ErrUnsupported) {
			// Firmware without 1Eh: the register prints the operator
			// name it has; a document without our name beats none.
			r.logf("shtrih: 1Eh not supported, the register's own operator name is printed")
			r.noTable = true
			return nil
		}
		return fmt.Errorf("cashier name to table 2: %w", err)
	}
	return nil
}

func (r *Register) writeTLVName(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	body, err := WriteTLV(r.cfg.Password, TLVString(nil, TagCashier, name, CashierNameMax))
	if err != nil {
		return err
	}
	if _, err := r.exec(ctx, body, nil); err != nil {
		if errors.Is(err, ErrUnsupported) {
			r.noTLV = true
		}
		return fmt.Errorf("cashier name (1021): %w", err)
	}
	return nil
}

func (r *Register) writeINN(ctx context.Context, inn string) error {
	if inn == "" || r.noTLV {
		// Without FF0Ch there is no way to send tag 1203.
		return nil
	}
	tlv, err := TLVINN(nil, TagCashierINN, inn)
	if err != nil {
		return err
	}
	body, err := WriteTLV(r.cfg.Password, tlv)
	if err != nil {
		return err
	}
	if _, err := r.exec(ctx, body, nil); err != nil {
		if errors.Is(err, ErrUnsupported) {
			r.logf("shtrih: FF0Ch not supported, the cashier's INN cannot be sent")
			r.noTLV = true
			return nil
		}
		return fmt.Errorf("cashier INN (1203): %w", err)
	}
	return nil
}

func definite(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// shiftResult reads back the shift number and the FN document just made.
func (r *Register) shiftResult(ctx context.Context) (device.ShiftResult, error) {
	d, err := r.do(ctx, Simple(proto.CmdFNShiftParams, r.cfg.Password), nil)
	if err != nil {
		return device.ShiftResult{}, fmt.Errorf("shift parameters: %w", err)
	}
	sp, err := DecodeShiftParams(d)
	if err != nil {
		return device.ShiftResult{}, err
	}
	fs, err := r.fnStatus(ctx)
	if err != nil {
		return device.ShiftResult{Shift: sp.Shift}, err
	}
	res := device.ShiftResult{Shift: sp.Shift, Number: fs.LastFD}
	if f, err := r.findDocument(ctx, fs.LastFD); err == nil {
		res.Sign = f.Sign
	}
	return res, nil
}

// OpenShift opens a shift with the cashier's name and INN: FF01h (no FN
// document may be open) -> FF41h -> cashier -> E0h. A register without
// FF41h opens with E0h and the table-2 name.
//
// When the outcome is unknown it waits for the register (Settle) and lets
// its state decide: shift open → done; shift closed → not done, any FN
// document left open is cancelled and the shift is opened again, once.
func (r *Register) OpenShift(ctx context.Context, c device.Cashier) (device.ShiftResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, err := r.openShift(ctx, c)
	if err == nil || !errors.Is(err, device.ErrOutcomeUnknown) {
		return res, err
	}
	st, serr := r.settle(ctx, 0)
	if serr != nil {
		return res, errors.Join(err, serr)
	}
	if st.ShiftOpen && st.OpenDoc == FNDocNone {
		r.logf("shtrih: shift open (%v) proved done by the register's state", err)
		if res, rerr := r.shiftResult(ctx); rerr == nil {
			return res, nil
		}
		return device.ShiftResult{}, nil
	}
	if st.ShiftOpen {
		return res, err // open but an FN document too: leave it to a person
	}
	r.logf("shtrih: shift open (%v) proved not done: opening again", err)
	return r.openShift(ctx, c)
}

func (r *Register) openShift(ctx context.Context, c device.Cashier) (device.ShiftResult, error) {
	if c.INN != "" {
		if _, err := innField(c.INN); err != nil {
			return device.ShiftResult{}, err
		}
	}
	s, err := r.ready(ctx)
	if err != nil {
		return device.ShiftResult{}, fmt.Errorf("open shift: %w", err)
	}
	switch device.Mode(s.Mode & 0x0F) {
	case device.ModeShiftOpen, device.ModeReceiptOpen:
		return device.ShiftResult{}, fmt.Errorf("open shift: %w", ErrShiftOpen)
	case device.ModeShiftExpired:
		return device.ShiftResult{}, fmt.Errorf("open shift: %w", device.ErrShiftOver24h)
	}
	fs, err := r.fnStatus(ctx)
	if err != nil {
		return device.ShiftResult{}, fmt.Errorf("open shift: %w", err)
	}
	if fs.CurrentDoc != FNDocNone {
		// A shift-open document a lost attempt left behind: nothing was
		// fiscalised yet, so cancelling it is safe.
		r.logf("shtrih: cancelling FN document %02Xh left open", fs.CurrentDoc)
		if _, err := r.exec(ctx, Simple(proto.CmdFNCancelDoc, r.cfg.Password), nil); err != nil {
			return device.ShiftResult{}, fmt.Errorf("open shift: cancel stale FN document: %w", err)
		}
	}
	fnDoc := true
	if _, err := r.exec(ctx, Simple(proto.CmdFNBeginOpen, r.cfg.Password), nil); err != nil {
		if !errors.Is(err, ErrUnsupported) {
			return device.ShiftResult{}, fmt.Errorf("open shift: begin: %w", err)
		}
		fnDoc = false
	}
	abort := func(err error) (device.ShiftResult, error) {
		if fnDoc && definite(err) {
			_, _ = r.do(ctx, Simple(proto.CmdFNCancelDoc, r.cfg.Password), nil)
		}
		return device.ShiftResult{}, fmt.Errorf("open shift: %w", err)
	}
	if err := r.writeCashier(ctx, c, fnDoc); err != nil {
		return abort(err)
	}
	if _, err := r.exec(ctx, Simple(proto.CmdOpenShift, r.cfg.Password), nil); err != nil {
		return abort(err)
	}
	res, err := r.shiftResult(ctx)
	if err != nil {
		return res, fmt.Errorf("open shift: done, but reading it back: %w", err)
	}
	return res, nil
}

// ZReport closes the shift: FF42h -> cashier -> 41h, waiting up to 120 s
// with ENQ probes and reporting progress as time passes.
//
// When the outcome is unknown (a Z longer than its budget, a lost reply) it
// waits for the register (Settle, ENQ probes meanwhile) and lets its state
// decide: shift closed → done; still open → not done, a shift-close FN
// document left open is cancelled and the Z runs again, once.
func (r *Register) ZReport(ctx context.Context, c device.Cashier, progress func(device.Progress)) (device.ShiftResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, err := r.zReport(ctx, c, progress)
	if err == nil || !errors.Is(err, device.ErrOutcomeUnknown) {
		return res, err
	}
	st, serr := r.settle(ctx, 0)
	if serr != nil {
		return res, errors.Join(err, serr)
	}
	if !st.ShiftOpen && st.OpenDoc == FNDocNone {
		r.logf("shtrih: Z report (%v) proved done by the register's state", err)
		if progress != nil {
			progress(device.Progress{Stage: "register.progress.z_done", Percent: 100})
		}
		if res, rerr := r.shiftResult(ctx); rerr == nil {
			return res, nil
		}
		return device.ShiftResult{}, nil
	}
	if st.OpenDoc != FNDocNone {
		if _, cerr := r.exec(ctx, Simple(proto.CmdFNCancelDoc, r.cfg.AdminPassword), nil); cerr != nil {
			return res, errors.Join(err, cerr)
		}
	}
	r.logf("shtrih: Z report (%v) proved not done: running it again", err)
	return r.zReport(ctx, c, progress)
}

func (r *Register) zReport(ctx context.Context, c device.Cashier, progress func(device.Progress)) (device.ShiftResult, error) {
	if c.INN != "" {
		if _, err := innField(c.INN); err != nil {
			return device.ShiftResult{}, err
		}
	}
	report := func(stage string, pct int) {
		if progress != nil {
			progress(device.Progress{Stage: stage, Percent: pct})
		}
	}
	report("register.progress.z_start", 0)
	s, err := r.ready(ctx)
	if err != nil {
		return device.ShiftResult{}, fmt.Errorf("close shift: %w", err)
	}
	switch device.Mode(s.Mode & 0x0F) {
	case device.ModeShiftClosed:
		return device.ShiftResult{}, fmt.Errorf("close shift: %w", device.ErrShiftClosed)
	case device.ModeReceiptOpen:
		return device.ShiftResult{}, fmt.Errorf("close shift: %w", ErrReceiptOpen)
	}
	fnDoc := true
	if _, err := r.exec(ctx, Simple(proto.CmdFNBeginClose, r.cfg.AdminPassword), nil); err != nil {
		if !errors.Is(err, ErrUnsupported) {
			return device.ShiftResult{}, fmt.Errorf("close shift: begin: %w", err)
		}
		fnDoc = false
	}
	if err := r.writeCashier(ctx, c, fnDoc); err != nil {
		if fnDoc && definite(err) {
			_, _ = r.do(ctx, Simple(proto.CmdFNCancelDoc, r.cfg.AdminPassword), nil)
		}
		return device.ShiftResult{}, fmt.Errorf("close shift: %w", err)
	}
	budget := timeouts[proto.CmdZReport]
	tick := func(d time.Duration) {
		// The register tells nothing about its progress: report time spent
		// against a typical minute, never reaching 100 before the reply.
		report("register.progress.z_printing", min(95, int(5+90*d/time.Minute)))
	}
	if _, err := r.exec(ctx, Simple(proto.CmdZReport, r.cfg.AdminPassword), tick); err != nil {
		return device.ShiftResult{}, fmt.Errorf("close shift (budget %v): %w", budget, err)
	}
	report("register.progress.z_done", 100)
	res, err := r.shiftResult(ctx)
	if err != nil {
		return res, fmt.Errorf("close shift: done, but reading it back: %w", err)
	}
	return res, nil
}

// XReport prints 40h. It is not a fiscal document; the cashier is not sent.
func (r *Register) XReport(ctx context.Context, _ device.Cashier) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.ready(ctx); err != nil {
		return fmt.Errorf("x report: %w", err)
	}
	if _, err := r.exec(ctx, Simple(proto.CmdXReport, r.cfg.AdminPassword), nil); err != nil {
		return fmt.Errorf("x report: %w", err)
	}
	return nil
}

func (r *Register) cashMove(ctx context.Context, cmd proto.Command, what string, amount int64) (uint32, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	body, err := CashMove(cmd, r.cfg.Password, amount)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	if amount <= 0 {
		return 0, fmt.Errorf("%s: %w", what, &ReceiptError{Why: "amount must be positive"})
	}
	if _, err := r.ready(ctx); err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	// The register's document counter (11h) is the evidence should the
	// outcome be unknown: a cash move is not in fiscal storage.
	before, err := r.docNumber(ctx)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", what, err)
	}
	for attempt := 0; ; attempt++ {
		d, err := r.exec(ctx, body, nil)
		if err == nil {
			rep, derr := DecodeCashMove(d)
			if derr == nil {
				return uint32(rep.Doc), nil
			}
			err = fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, derr)
		}
		if !errors.Is(err, device.ErrOutcomeUnknown) || attempt > 0 {
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		st, serr := r.settle(ctx, 0)
		switch {
		case serr != nil:
			return 0, fmt.Errorf("%s: %w", what, errors.Join(err, serr))
		case st.DocNo == before+1:
			r.logf("shtrih: %s (%v) proved done: document %d", what, err, st.DocNo)
			return uint32(st.DocNo), nil
		case st.DocNo != before:
			return 0, fmt.Errorf("%s: document counter %d, expected %d or %d: %w", what, st.DocNo, before, before+1, err)
		}
		r.logf("shtrih: %s (%v) proved not done: sending it again", what, err)
	}
}

// docNumber is the register's document counter (11h).
func (r *Register) docNumber(ctx context.Context) (uint16, error) {
	d, err := r.do(ctx, Simple(proto.CmdFullStatus, r.cfg.Password), nil)
	if err != nil {
		return 0, fmt.Errorf("full status: %w", err)
	}
	f, err := DecodeFullStatus(d)
	if err != nil {
		return 0, err
	}
	return f.DocNumber, nil
}

// CashIn is 50h; the number returned is the register's document number.
func (r *Register) CashIn(ctx context.Context, _ device.Cashier, amount int64) (uint32, error) {
	return r.cashMove(ctx, proto.CmdCashIn, "cash in", amount)
}

// CashOut is 51h.
func (r *Register) CashOut(ctx context.Context, _ device.Cashier, amount int64) (uint32, error) {
	return r.cashMove(ctx, proto.CmdCashOut, "cash out", amount)
}

// OpenDrawer is 28h for drawer 0.
// PrintText prints lines with 17h on the receipt tape, each cut to the
// field, then cuts the paper (25h). It waits for a printing receipt or
// report like any command; a line the register refuses stops the rest.
func (r *Register) PrintText(ctx context.Context, lines []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.ready(ctx); err != nil {
		return fmt.Errorf("print text: %w", err)
	}
	for _, l := range lines {
		if _, err := r.exec(ctx, PrintLine(r.cfg.Password, PrintReceipt, l), nil); err != nil {
			return fmt.Errorf("print text: %w", err)
		}
	}
	if _, err := r.exec(ctx, Cut(r.cfg.Password, true), nil); err != nil {
		return fmt.Errorf("print text: cut: %w", err)
	}
	return nil
}

var _ device.TextPrinter = (*Register)(nil)

// tableNameWidth is the size of table 2 field 2 as the register reports it
// (2Eh: 21 on old models, 64 on newer ones), asked once; Config.NameWidth
// when the register cannot say.
func (r *Register) tableNameWidth(ctx context.Context) int {
	if r.cfg.NameWidth > 0 {
		return r.cfg.NameWidth
	}
	if r.nameWidth == 0 {
		r.nameWidth = 21
		if d, err := r.do(ctx, FieldInfoCmd(r.cfg.AdminPassword, 2, 2), nil); err == nil {
			if f, err := DecodeFieldInfo(d); err == nil && f.Text && f.Size > 0 {
				r.nameWidth = int(f.Size)
			}
		}
	}
	return r.nameWidth
}

// TableInfo is 2Dh: a table's name, rows and fields.
func (r *Register) TableInfo(ctx context.Context, table byte) (TableInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.exec(ctx, TableInfoCmd(r.cfg.AdminPassword, table), nil)
	if err != nil {
		return TableInfo{}, fmt.Errorf("table %d structure: %w", table, err)
	}
	return DecodeTableInfo(d)
}

// FieldInfo is 2Eh: a field's name, type, size and range.
func (r *Register) FieldInfo(ctx context.Context, table, field byte) (FieldInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.exec(ctx, FieldInfoCmd(r.cfg.AdminPassword, table, field), nil)
	if err != nil {
		return FieldInfo{}, fmt.Errorf("table %d field %d structure: %w", table, field, err)
	}
	return DecodeFieldInfo(d)
}

// FontInfo is 26h: print width and a font's cell, so text can be laid
// out to the register's real line (font 1 is the receipt font).
func (r *Register) FontInfo(ctx context.Context, font byte) (FontInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.exec(ctx, FontInfoCmd(r.cfg.AdminPassword, font), nil)
	if err != nil {
		return FontInfo{}, fmt.Errorf("font %d: %w", font, err)
	}
	return DecodeFontInfo(d)
}

// PrintBarcode prints an EAN-13 barcode (C2h) of 12 digits.
func (r *Register) PrintBarcode(ctx context.Context, code uint64) error {
	body, err := BarcodeCmd(r.cfg.Password, code)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.ready(ctx); err != nil {
		return fmt.Errorf("barcode: %w", err)
	}
	if _, err := r.exec(ctx, body, nil); err != nil {
		return fmt.Errorf("barcode: %w", err)
	}
	return nil
}

// ReadTable reads one field of a register table (1Fh) with the system
// administrator's password: table 2 row N field 2 is operator N's name.
func (r *Register) ReadTable(ctx context.Context, table byte, row uint16, field byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	d, err := r.exec(ctx, ReadTableCmd(r.cfg.AdminPassword, table, row, field), nil)
	if err != nil {
		return nil, fmt.Errorf("read table %d row %d field %d: %w", table, row, field, err)
	}
	return d, nil
}

// RepeatDocument prints a copy of the last closed receipt (8Ch): the
// register's own copy, not text the till composed. 56h: nothing to repeat.
func (r *Register) RepeatDocument(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.ready(ctx); err != nil {
		return fmt.Errorf("repeat document: %w", err)
	}
	if _, err := r.exec(ctx, Simple(proto.CmdRepeatDoc, r.cfg.Password), nil); err != nil {
		var e *Error
		if errors.Is(err, ErrUnsupported) || errors.As(err, &e) && e.Code == 0x56 {
			return fmt.Errorf("repeat document: %w: %w", device.ErrCannotRepeat, err)
		}
		return fmt.Errorf("repeat document: %w", err)
	}
	return nil
}

// Feed advances the receipt tape by lines (29h), e.g. before tearing off.
func (r *Register) Feed(ctx context.Context, lines int) error {
	if lines < 1 || lines > 255 {
		return &ReceiptError{Why: fmt.Sprintf("feed %d lines: 1 to 255", lines)}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.exec(ctx, FeedCmd(r.cfg.Password, PrintReceipt, byte(lines)), nil); err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	return nil
}

func (r *Register) OpenDrawer(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.exec(ctx, OpenDrawerCmd(r.cfg.Password, 0), nil); err != nil {
		return fmt.Errorf("open drawer: %w", err)
	}
	return nil
}

// CancelReceipt cancels the open receipt (88h). With no receipt open it
// also clears a receipt document the FN holds but the register lost (FF08h,
// §6 step 3) and then succeeds: afterwards nothing is open either way.
func (r *Register) CancelReceipt(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cancelReceipt(ctx)
}

func (r *Register) cancelReceipt(ctx context.Context) error {
	_, err := r.exec(ctx, Simple(proto.CmdCancelReceipt, r.cfg.Password), nil)
	var e *Error
	if errors.As(err, &e) && e.Code == 0x59 && r.cfg.AdminPassword != r.cfg.Password {
		// Opened by another operator: the system administrator may cancel.
		_, err = r.exec(ctx, Simple(proto.CmdCancelReceipt, r.cfg.AdminPassword), nil)
	}
	if errors.As(err, &e) && e.Code == 0x55 {
		fs, ferr := r.fnStatus(ctx)
		if ferr != nil {
			return fmt.Errorf("cancel receipt: %w", ferr)
		}
		if fs.CurrentDoc == FNDocReceipt {
			if _, err := r.exec(ctx, Simple(proto.CmdFNCancelDoc, r.cfg.AdminPassword), nil); err != nil {
				return fmt.Errorf("cancel FN receipt document: %w", err)
			}
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("cancel receipt: %w", err)
	}
	return nil
}

// TaxBit maps a VAT slot to the FF46h tax mask. The 5 % and 7 % simplified
// rates have no bit in the protocol sheet this driver follows.
func TaxBit(t device.TaxSlot) (byte, error) {
	switch t {
	case device.Tax20:
		return TaxBit20, nil
	case device.Tax10:
		return TaxBit10, nil
	case device.Tax0:
		return TaxBit0, nil
	case device.TaxNone:
		return TaxBitNone, nil
	case device.Tax20of120:
		return TaxBit20of120, nil
	case device.Tax10of110:
		return TaxBit10of110, nil
	}
	return 0, fmt.Errorf("%w: slot %d", ErrTaxUnsupported, t)
}

// lineAmount is round-half-up(price × qty / 1000), or false on overflow.
func lineAmount(price, qtyMilli int64) (int64, bool) {
	hi, lo := bits.Mul64(uint64(price), uint64(qtyMilli))
	if hi != 0 || lo > 1<<62 {
		return 0, false
	}
	return int64((lo + 500) / 1000), true
}

// checkReceipt refuses, before anything is sent, what the register would
// refuse midway (leaving a receipt open) or what it would silently round.
func (r *Register) checkReceipt(rc device.Receipt) (total int64, err error) {
	bad := func(format string, args ...any) (int64, error) {
		return 0, &ReceiptError{Why: fmt.Sprintf(format, args...)}
	}
	if rc.Kind != device.Sale && rc.Kind != device.SaleReturn {
		return bad("unknown receipt kind %d", rc.Kind)
	}
	if len(rc.Lines) == 0 {
		return bad("no lines")
	}
	if rc.Cashier.INN != "" {
		if _, err := innField(rc.Cashier.INN); err != nil {
			return 0, err
		}
	}
	for i, l := range rc.Lines {
		if l.QtyMilli <= 0 || l.Price < 0 || l.Amount < 0 {
			return bad("line %d: quantity must be positive, price and amount not negative", i+1)
		}
		if l.Marking != "" {
			return bad("line %d: marking codes are not supported by this driver yet", i+1)
		}
		if _, err := TaxBit(l.Tax); err != nil {
			return 0, fmt.Errorf("line %d: %w", i+1, err)
		}
		want, ok := lineAmount(l.Price, l.QtyMilli)
		if !ok || uint64(l.Amount) > proto.MaxUint(moneyWidth) {
			return bad("line %d: amount too large", i+1)
		}
		if d := want - l.Amount; d > 1 || d < -1 {
			return bad("line %d: amount %d is not price × quantity (%d)", i+1, l.Amount, want)
		}
		total += l.Amount
	}
	var paid, nonCash int64
	for _, p := range rc.Payments {
		if p.Kind < 1 || p.Kind > 16 || p.Amount < 0 {
			return bad("payment kind %d amount %d", p.Kind, p.Amount)
		}
		paid += p.Amount
		if p.Kind != device.PayCash {
			nonCash += p.Amount
		}
	}
	if paid < total {
		return bad("payments %d are less than the total %d", paid, total)
	}
	if nonCash > total {
		return bad("non-cash payments %d exceed the total %d: change comes only from cash", nonCash, total)
	}
	return total, nil
}

// Fiscalise prints and fiscalises one receipt: 8Dh, cashier tags, FF46h per
// line, FF45h (or 80h/82h and 85h on registers without them). Any
// definite refusal before the close cancels the receipt so it can be redone;
// an unknown outcome leaves everything as is for the caller to reconcile.
func (r *Register) Fiscalise(ctx context.Context, rc device.Receipt) (device.FiscalResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	noTLV := r.noTLV
	res, err := r.fiscalise(ctx, rc)
	if err != nil && !noTLV && r.noTLV && errors.Is(err, ErrUnsupported) {
		// Firmware without FF0Ch: the receipt it refused was cancelled;
		// do it again with the cashier in table 2 (it is written before
		// the receipt opens, so it cannot be patched into this one).
		r.logf("shtrih: FF0Ch not supported, cashier by table 2 from now on")
		return r.fiscalise(ctx, rc)
	}
	return res, err
}

func (r *Register) cashierInTable() bool { return r.cfg.CashierInTable || r.noTLV }

func (r *Register) fiscalise(ctx context.Context, rc device.Receipt) (device.FiscalResult, error) {
	total, err := r.checkReceipt(rc)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("fiscalise: %w", err)
	}
	s, err := r.ready(ctx)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("fiscalise: %w", err)
	}
	switch device.Mode(s.Mode & 0x0F) {
	case device.ModeReceiptOpen:
		return device.FiscalResult{}, fmt.Errorf("fiscalise: %w", ErrReceiptOpen)
	case device.ModeShiftExpired:
		return device.FiscalResult{}, fmt.Errorf("fiscalise: %w", device.ErrShiftOver24h)
	case device.ModeShiftClosed:
		return device.FiscalResult{}, fmt.Errorf("fiscalise: %w", device.ErrShiftClosed)
	}
	before, err := r.fnStatus(ctx)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("fiscalise: %w", err)
	}
	if before.CurrentDoc != FNDocNone {
		return device.FiscalResult{}, fmt.Errorf("fiscalise: FN document %02Xh open: %w", before.CurrentDoc, ErrReceiptOpen)
	}

	typ, op, classicCmd := ReceiptSale, OpSale, proto.CmdSale
	if rc.Kind == device.SaleReturn {
		typ, op, classicCmd = ReceiptSaleReturn, OpSaleReturn, proto.CmdSaleReturn
	}
	if r.cashierInTable() {
		// The table is written outside any document; the receipt takes
		// the name from it when it opens.
		if err := r.writeTableName(ctx, rc.Cashier.Name); err != nil {
			return device.FiscalResult{}, fmt.Errorf("fiscalise: %w", err)
		}
	}
	if _, err := r.exec(ctx, OpenReceipt(r.cfg.Password, typ), nil); err != nil {
		return device.FiscalResult{}, fmt.Errorf("fiscalise: open receipt: %w", err)
	}
	abort := func(err error) (device.FiscalResult, error) {
		if definite(err) {
			if cerr := r.cancelReceipt(ctx); cerr != nil {
				return device.FiscalResult{}, fmt.Errorf("fiscalise: %w (and cancelling failed: %v)", err, cerr)
			}
		}
		return device.FiscalResult{}, fmt.Errorf("fiscalise: %w", err)
	}
	if !r.cashierInTable() {
		if err := r.writeTLVName(ctx, rc.Cashier.Name); err != nil {
			return abort(err)
		}
	}
	if err := r.writeINN(ctx, rc.Cashier.INN); err != nil {
		return abort(err)
	}
	for i, l := range rc.Lines {
		if err := r.sellLine(ctx, op, classicCmd, l); err != nil {
			return abort(fmt.Errorf("line %d: %w", i+1, err))
		}
	}
	res, err := r.closeReceipt(ctx, rc, total)
	if err == nil {
		return res, nil
	}
	if !definite(err) {
		return device.FiscalResult{}, fmt.Errorf("fiscalise: close: %w", err)
	}
	// A refused close may still have reached the FN when the printer
	// failed after the FN write (§6): look before cancelling.
	if got, ok := r.verifyFiscalised(ctx, before.LastFD, op, total); ok {
		r.logf("shtrih: close refused (%v) but FD %d is in the FN", err, got.Number)
		if errors.Is(err, device.ErrPaperOut) {
			r.pending.Store(true)
		}
		got.Change = paidTotal(rc) - total
		return got, nil
	}
	return abort(fmt.Errorf("close: %w", err))
}

func (r *Register) sellLine(ctx context.Context, op byte, classicCmd proto.Command, l device.ReceiptLine) error {
	if !r.classic {
		tax, err := TaxBit(l.Tax)
		if err != nil {
			return err
		}
		body, err := OperationV2(r.cfg.Password, Operation{
			Type: op, QtyMicro: uint64(l.QtyMilli) * 1000, Price: l.Price, Amount: uint64(l.Amount),
			TaxAmount: NotGiven, Tax: tax, Dept: l.Dept, Method: 4, Subject: 1, Name: l.Name,
		})
		if err != nil {
			return err
		}
		_, err = r.exec(ctx, body, nil)
		if !errors.Is(err, ErrUnsupported) {
			return err
		}
		r.logf("shtrih: FF46h not supported, using 80h/82h/85h")
		r.classic = true
	}
	group, ok := r.cfg.ClassicTaxGroups[l.Tax]
	if !ok {
		return fmt.Errorf("%w: slot %d has no table-6 group", ErrTaxUnsupported, l.Tax)
	}
	// 80h has no amount field: it computes price × quantity itself, which
	// checkReceipt made sure agrees with ours to the kopeck.
	body, err := ClassicSale(classicCmd, r.cfg.Password, l.QtyMilli, l.Price, l.Dept, [4]byte{group}, l.Name)
	if err != nil {
		return err
	}
	_, err = r.exec(ctx, body, nil)
	return err
}

func (r *Register) closeReceipt(ctx context.Context, rc device.Receipt, total int64) (device.FiscalResult, error) {
	if !r.classic {
		c := Close{TaxSystem: r.cfg.TaxSystem, Text: rc.Text}
		for _, p := range rc.Payments {
			c.Payments[p.Kind-1] += p.Amount
		}
		body, err := CloseV2(r.cfg.Password, c)
		if err != nil {
			return device.FiscalResult{}, err
		}
		d, err := r.exec(ctx, body, nil)
		if err == nil {
			rep, derr := DecodeCloseV2(d)
			if derr != nil {
				return device.FiscalResult{}, fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, derr)
			}
			res := device.FiscalResult{Number: rep.FD, Sign: rep.Sign, Change: rep.Change, Time: rep.Time}
			if !rep.HasTime {
				if f, err := r.findDocument(ctx, rep.FD); err == nil {
					res.Time = f.Time
				}
			}
			return res, nil
		}
		if !errors.Is(err, ErrUnsupported) {
			return device.FiscalResult{}, err
		}
		r.logf("shtrih: FF45h not supported, closing with 85h")
		r.classic = true
	}
	var pays [4]int64
	for _, p := range rc.Payments {
		if p.Kind == device.PayCash {
			pays[0] += p.Amount
		} else {
			pays[1] += p.Amount // classic firmware has 4 slots; all electronic go to 2
		}
	}
	body, err := ClassicClose(r.cfg.Password, pays, 0, [4]byte{}, rc.Text)
	if err != nil {
		return device.FiscalResult{}, err
	}
	d, err := r.exec(ctx, body, nil)
	if err != nil {
		return device.FiscalResult{}, err
	}
	rep, err := DecodeClassicClose(d)
	if err != nil {
		return device.FiscalResult{}, fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
	}
	// 85h reports no FD or sign: read them from the FN.
	fs, err := r.fnStatus(ctx)
	if err != nil {
		return device.FiscalResult{Change: rep.Change}, fmt.Errorf("closed, reading FD back: %w", err)
	}
	f, err := r.findDocument(ctx, fs.LastFD)
	if err != nil {
		return device.FiscalResult{Number: fs.LastFD, Change: rep.Change}, fmt.Errorf("closed, reading FD back: %w", err)
	}
	return device.FiscalResult{Number: f.FD, Sign: f.Sign, Change: rep.Change, Time: f.Time}, nil
}

// verifyFiscalised checks whether the document after lastFD is our receipt.
func (r *Register) verifyFiscalised(ctx context.Context, lastFD uint32, op byte, total int64) (device.FiscalResult, bool) {
	fs, err := r.fnStatus(ctx)
	if err != nil || fs.LastFD != lastFD+1 || fs.CurrentDoc != FNDocNone {
		return device.FiscalResult{}, false
	}
	f, err := r.findDocument(ctx, fs.LastFD)
	if err != nil || f.Type != 3 || f.Operation != op || f.Amount != total {
		return device.FiscalResult{}, false
	}
	return device.FiscalResult{Number: f.FD, Sign: f.Sign, Time: f.Time}, true
}

func paidTotal(rc device.Receipt) int64 {
	var n int64
	for _, p := range rc.Payments {
		n += p.Amount
	}
	return n
}

// ErrForeignDocument means the fiscal storage moved on by a document that is
// not the receipt being recovered: a person must look (§6 "escalate").
var ErrForeignDocument = errors.New("shtrih: fiscal storage holds a document the till did not expect")

// Recover settles a receipt whose Fiscalise ended in an unknown outcome
// (or any error), following fiscal-shtrih-m.md §6. before is the last FD
// the till stored before it started the receipt (LastDocument). It collects
// a held reply, waits out printing, continues after a paper change, then
// compares the fiscal storage with before:
//   - before+1 is this receipt (type, operation and total match): it is
//     fiscalised, the result says so and it must not be redone;
//   - before unchanged: any receipt still open is cancelled, and the caller
//     may redo the sale;
//   - anything else: ErrForeignDocument.
//
// Paper out returns ErrPaperOut: load paper and call Recover again.
func (r *Register) Recover(ctx context.Context, before uint32, kind device.ReceiptKind, total int64) (device.FiscalResult, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	op := OpSale
	if kind == device.SaleReturn {
		op = OpSaleReturn
	}
	s, err := r.ready(ctx)
	if err != nil && !errors.Is(err, device.ErrCoverOpen) {
		// A cover open does not stop reading the FN; paper out does stop
		// the cancel that may follow, so say so first.
		return device.FiscalResult{}, false, fmt.Errorf("recover: %w", err)
	}
	fs, err := r.fnStatus(ctx)
	if err != nil {
		return device.FiscalResult{}, false, fmt.Errorf("recover: %w", err)
	}
	switch {
	case fs.LastFD == before+1 && fs.CurrentDoc == FNDocNone:
		f, err := r.findDocument(ctx, fs.LastFD)
		if err != nil {
			return device.FiscalResult{}, false, fmt.Errorf("recover: %w", err)
		}
		if f.Type != 3 || f.Operation != op || f.Amount != total {
			return device.FiscalResult{}, false, fmt.Errorf("recover: FD %d is type %d operation %d amount %d, expected a receipt %d of %d: %w",
				f.FD, f.Type, f.Operation, f.Amount, op, total, ErrForeignDocument)
		}
		return device.FiscalResult{Number: f.FD, Sign: f.Sign, Time: f.Time}, true, nil
	case fs.LastFD == before:
		if device.Mode(s.Mode&0x0F) == device.ModeReceiptOpen || fs.CurrentDoc == FNDocReceipt {
			if err := r.cancelReceipt(ctx); err != nil {
				return device.FiscalResult{}, false, fmt.Errorf("recover: %w", err)
			}
		}
		return device.FiscalResult{}, false, nil
	}
	return device.FiscalResult{}, false, fmt.Errorf("recover: last FD %d, expected %d or %d: %w", fs.LastFD, before, before+1, ErrForeignDocument)
}
