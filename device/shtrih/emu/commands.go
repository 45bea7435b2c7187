package emu

import (
	"math/bits"
	"strings"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// Error codes the emulator answers with (fiscal-shtrih-m.md §5).
const (
	errOK          byte = 0x00
	errFNState     byte = 0x02
	errFNNoData    byte = 0x08
	errTLVTooLarge byte = 0x10
	errFNShift24h  byte = 0x16
	errBadParams   byte = 0x33
	errUnsupported byte = 0x37
	errShiftOpen   byte = 0x3C
	errShiftClosed byte = 0x3D
	errPayments    byte = 0x45
	errNoCash      byte = 0x46
	errReceiptOpen byte = 0x4A
	errShift24h    byte = 0x4E
	errPassword    byte = 0x4F
	errReceiptShut byte = 0x55
	errNoRepeat    byte = 0x56
	errPrinting    byte = 0x50
	errWaitB0      byte = 0x58
	errOtherOp     byte = 0x59
	errWrongOp     byte = 0x5E
	errNoPaper     byte = 0x6B
	errPrinter     byte = 0x77
	errZeroTotal   byte = 0x8E
)

// errorTexts are what 6Bh answers, in the device's own language.
var errorTexts = map[byte]string{
	errOK:          "Ошибок нет",
	0x01:           "ФН: неизвестная команда или неверный формат",
	errFNState:     "ФН: неверное состояние ФН",
	errFNNoData:    "ФН: нет запрошенных данных",
	0x09:           "ФН: некорректное значение параметров команды",
	errTLVTooLarge: "ФН: превышение размеров TLV данных",
	errFNShift24h:  "ФН: продолжительность смены более 24 часов",
	errBadParams:   "Некорректные параметры в команде",
	errUnsupported: "Команда не поддерживается в данной реализации ККТ",
	errShiftOpen:   "Смена открыта, операция невозможна",
	errShiftClosed: "Смена не открыта, операция невозможна",
	errPayments:    "Cумма всех видов оплаты меньше итога чека",
	errNoCash:      "Не хватает наличности в кассе",
	errReceiptOpen: "Открыт чек - операция невозможна",
	errShift24h:    "Смена превысила 24 часа",
	errPassword:    "Неверный пароль",
	errPrinting:    "Идет печать результатов выполнения предыдущей команды",
	errReceiptShut: "Чек закрыт - операция невозможна",
	errNoRepeat:    "Нет документа для повтора",
	errWaitB0:      "Ожидание команды продолжения печати",
	errOtherOp:     "Документ открыт другим оператором",
	errWrongOp:     "Неверная операция",
	errNoPaper:     "Нет чековой ленты",
	errPrinter:     "Принтер: нет сигнала с датчиков",
	errZeroTotal:   "Нулевой итог чека",
}

// req reads a request's DATA front to back; a short read marks it bad
// instead of panicking, because these bytes come from outside.
type req struct {
	b   []byte
	bad bool
}

func (r *req) take(n int) []byte {
	if r.bad || len(r.b) < n {
		r.bad = true
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *req) u(width int) uint64 {
	v, _ := proto.Uint(r.take(width), width)
	return v
}

func (r *req) rest() []byte {
	v := r.b
	r.b = nil
	return v
}

// call is one command being executed: who sent it and what it cost.
type call struct {
	cmd    proto.Command
	op     byte // operator number from the password
	lines  int  // lines printed
	fn     bool // a fiscal document was written
	extra  time.Duration
	dirty  bool // fiscal memory changed: save the state file
	failed byte // paper ran out while printing this command
}

type handler struct {
	run func(e *Emulator, r *req, c *call) ([]byte, byte)
	// noPwd: the command has no password (6Bh, FCh).
	noPwd bool
	// prints: refused up front when the printer cannot print.
	prints bool
	// admin: only operators 29 and 30; sysadmin: only 30.
	admin, sysadmin bool
	// v2: FF45h/FF46h, absent from firmware that Config.Classic models.
	v2 bool
}

var handlers = map[proto.Command]handler{
	proto.CmdShortStatus:   {run: (*Emulator).cmdShortStatus},
	proto.CmdFullStatus:    {run: (*Emulator).cmdFullStatus},
	proto.CmdBeep:          {run: opOnly},
	proto.CmdPrintLine:     {run: (*Emulator).cmdPrintLine, prints: true},
	proto.CmdWriteTable:    {run: (*Emulator).cmdWriteTable, sysadmin: true},
	proto.CmdReadTable:     {run: (*Emulator).cmdReadTable, sysadmin: true},
	proto.CmdTableInfo:     {run: (*Emulator).cmdTableInfo, sysadmin: true},
	proto.CmdFieldInfo:     {run: (*Emulator).cmdFieldInfo, sysadmin: true},
	proto.CmdCut:           {run: (*Emulator).cmdCut, prints: true},
	proto.CmdFeed:          {run: (*Emulator).cmdFeed, prints: true},
	proto.CmdFontInfo:      {run: (*Emulator).cmdFontInfo, sysadmin: true},
	proto.CmdBarcode:       {run: (*Emulator).cmdBarcode, prints: true},
	proto.CmdRepeatDoc:     {run: (*Emulator).cmdRepeat, prints: true},
	proto.CmdOpenDrawer:    {run: (*Emulator).cmdDrawer},
	proto.CmdContinuePrint: {run: (*Emulator).cmdContinue},
	proto.CmdCashIn:        {run: (*Emulator).cmdCash, prints: true},
	proto.CmdCashOut:       {run: (*Emulator).cmdCash, prints: true},
	proto.CmdXReport:       {run: (*Emulator).cmdX, prints: true, admin: true},
	proto.CmdZReport:       {run: (*Emulator).cmdZ, prints: true, admin: true},
	proto.CmdOpenShift:     {run: (*Emulator).cmdOpenShift, prints: true},
	proto.CmdOpenReceipt:   {run: (*Emulator).cmdOpenReceipt, prints: true},
	proto.CmdOperationV2:   {run: (*Emulator).cmdOperation, prints: true, v2: true},
	proto.CmdCloseV2:       {run: (*Emulator).cmdClose, prints: true, v2: true},
	proto.CmdSale:          {run: (*Emulator).cmdClassicSale, prints: true},
	proto.CmdSaleReturn:    {run: (*Emulator).cmdClassicSale, prints: true},
	proto.CmdCloseReceipt:  {run: (*Emulator).cmdClassicClose, prints: true},
	proto.CmdCancelReceipt: {run: (*Emulator).cmdCancel, prints: true},
	proto.CmdSubtotal:      {run: (*Emulator).cmdSubtotal},
	proto.CmdFNWriteTLV:    {run: (*Emulator).cmdWriteTLV},
	proto.CmdFNStatus:      {run: (*Emulator).cmdFNStatus},
	proto.CmdFNFindDoc:     {run: (*Emulator).cmdFindDoc},
	proto.CmdFNShiftParams: {run: (*Emulator).cmdShiftParams},
	proto.CmdFNBeginOpen:   {run: (*Emulator).cmdBeginOpen},
	proto.CmdFNOpenShift:   {run: (*Emulator).cmdFNOpenShift, prints: true},
	proto.CmdFNBeginClose:  {run: (*Emulator).cmdBeginClose},
	proto.CmdFNCloseShift:  {run: (*Emulator).cmdFNCloseShift, prints: true},
	proto.CmdFNCancelDoc:   {run: (*Emulator).cmdFNCancel},
	proto.CmdFNBeginCorr:   {run: (*Emulator).cmdBeginCorrection, sysadmin: true},
	proto.CmdFNCorrection:  {run: (*Emulator).cmdCorrectionV1, prints: true, sysadmin: true},
	proto.CmdFNCorrV2:      {run: (*Emulator).cmdCorrectionV2, prints: true, sysadmin: true},
	proto.CmdErrorText:     {run: (*Emulator).cmdErrorText, noPwd: true},
	proto.CmdDeviceType:    {run: (*Emulator).cmdDeviceType, noPwd: true},
}

// execute runs one request body (CMD+DATA) and returns the reply body
// (CMD echo, ERR, data) and how long the device is busy with it. It never
// panics on any input: malformed requests get an error code.
func (e *Emulator) execute(body []byte) (reply []byte, busy time.Duration, cmd proto.Command) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cmd, data, err := proto.SplitCommand(body)
	if err != nil {
		// A lone FFh: nothing to echo but the prefix.
		return []byte{0xFF, 0x00, errUnsupported}, positive(e.cfg.CommandTime), 0xFF00
	}
	c := &call{cmd: cmd}
	out, code := e.dispatch(cmd, &req{b: data}, c)
	reply = cmd.Append(make([]byte, 0, 3+len(out)))
	reply = append(reply, code)
	if code == errOK {
		reply = append(reply, out...)
	}
	busy = positive(e.cfg.CommandTime) + positive(c.extra)
	if c.fn {
		busy += positive(e.cfg.FNWrite)
	}
	if d := e.cfg.lineTime(c.lines); d > 0 {
		// Printing starts when the command is done (the FN signs before
		// the receipt prints) and runs on after the reply.
		start := time.Now().Add(busy)
		if e.printUntil.After(start) {
			start = e.printUntil
		}
		e.printUntil = start.Add(d)
		e.printLong = c.lines >= reportLines
	}
	if c.dirty {
		e.persistLocked()
	}
	return reply, busy, cmd
}

func (e *Emulator) dispatch(cmd proto.Command, r *req, c *call) ([]byte, byte) {
	h, ok := handlers[cmd]
	if !ok || (h.v2 && e.cfg.Classic) || e.missing[uint16(cmd)] {
		return nil, errUnsupported
	}
	if !h.noPwd {
		pwd := uint32(r.u(4))
		if r.bad {
			return nil, errBadParams
		}
		c.op = e.operator(pwd)
		if c.op == 0 {
			return nil, errPassword
		}
		if (h.admin && c.op < 29) || (h.sysadmin && c.op != 30) {
			return nil, errPassword
		}
	}
	if h.prints {
		if e.paperOn != 0 && e.paperOn == uint16(cmd) {
			// The roll ends as this command starts printing: not
			// executed, mid-document paper out.
			e.paperOn, e.paper, e.paperLeft, e.lastPrint = 0, paperOutPrint, 0, 1
			return nil, errNoPaper
		}
		if code := e.printerReady(); code != errOK {
			return nil, code
		}
	}
	out, code := h.run(e, r, c)
	if code == errOK && h.prints && e.paperAfterOn != 0 && e.paperAfterOn == uint16(cmd) {
		// The command did its work (fiscal memory written), then the roll
		// ended while it printed.
		e.paperAfterOn, e.paper, e.paperLeft, e.lastPrint = 0, paperOutPrint, 0, 1
		c.failed = errNoPaper
	}
	if code == errOK && c.failed != errOK {
		// The roll ended while this command printed; what it wrote to the
		// FN stays written.
		return nil, c.failed
	}
	return out, code
}

// operator finds the operator whose table 2 password this is (0 = none).
func (e *Emulator) operator(pwd uint32) byte {
	for op := 30; op >= 1; op-- {
		if e.mem.Passwords[op] == pwd {
			return byte(op)
		}
	}
	return 0
}

// printBuffer is how many lines may wait for the head before print
// commands are refused with 50h: enough for a receipt, not for a report.
const (
	printBuffer = 20
	reportLines = 30
)

func (e *Emulator) printerReady() byte {
	switch {
	case e.cover:
		return errPrinter
	case e.paper == paperOut || e.paper == paperOutPrint:
		return errNoPaper
	case e.paper == paperWaitB0:
		return errWaitB0
	}
	if backlog := time.Until(e.printUntil); backlog > 0 && (e.printLong || backlog > e.cfg.lineTime(printBuffer)) {
		return errPrinting
	}
	return errOK
}

// print prints n lines and reports whether the roll lasted. When it ends
// mid-document the register goes to submode 2 ("ДОКУМЕНТ НЕДЕЙСТВИТЕЛЕН").
func (e *Emulator) print(c *call, n int) bool {
	if e.paperLeft >= 0 && n > e.paperLeft {
		c.lines += e.paperLeft
		e.paperLeft = 0
		e.paper = paperOutPrint
		e.lastPrint = 1
		c.failed = errNoPaper
		return false
	}
	if e.paperLeft >= 0 {
		e.paperLeft -= n
	}
	c.lines += n
	e.lastPrint = 0
	return true
}

func opOnly(e *Emulator, r *req, c *call) ([]byte, byte) { return []byte{c.op}, errOK }

func (e *Emulator) now() time.Time { return e.cfg.Clock() }

// dateTime is the 5-byte DATE_TIME of FN commands: YY MM DD HH MM.
func dateTime(t time.Time) []byte {
	return []byte{byte(t.Year() - 2000), byte(t.Month()), byte(t.Day()), byte(t.Hour()), byte(t.Minute())}
}

func (e *Emulator) flags() uint16 {
	f := uint16(0x0292) // rolls present, optical sensor sees paper, lever down
	if e.paper == paperOut || e.paper == paperOutPrint || e.paperLeft == 0 {
		f &^= 0x0082
	}
	if e.cover {
		f |= 1 << 10
	}
	if time.Now().Before(e.drawerUntil) {
		f |= 1 << 11
	}
	return f
}

func (e *Emulator) cmdShortStatus(r *req, c *call) ([]byte, byte) {
	ops := 0
	if e.mem.Receipt != nil {
		ops = len(e.mem.Receipt.Lines)
	}
	out := []byte{c.op}
	out = proto.PutUint(out, uint64(e.flags()), 2)
	out = append(out, e.mode(), e.submode(), byte(ops))
	// Battery, voltage and the legacy FM/EJ bytes hold what a real FN-era
	// register reports there (GO docs/out.txt), so the frame is byte-exact.
	out = append(out, 0x9F, 0xE5, 0x18, 0x01)
	out = append(out, byte(ops>>8), 0x92, 0x08, 0x00)
	if e.cfg.Status17 {
		out = append(out, e.lastPrint)
	}
	return out, errOK
}

func (e *Emulator) cmdFullStatus(r *req, c *call) ([]byte, byte) {
	now := e.now()
	m := &e.mem
	out := []byte{c.op, 'C', '1'}      // firmware version, two characters as real devices send
	out = proto.PutUint(out, 26410, 2) // firmware build
	out = append(out, 21, 7, 24)       // firmware date
	out = append(out, 1)               // hall number
	out = proto.PutUint(out, uint64(m.DocNo), 2)
	out = proto.PutUint(out, uint64(e.flags()), 2)
	out = append(out, e.mode(), e.submode(), 1) // port
	// Legacy fiscal-memory fields: FN models report placeholders.
	out = append(out, 'N', 'A', 0, 0, 1, 1, 16)
	out = append(out, byte(now.Day()), byte(now.Month()), byte(now.Year()%100))
	out = append(out, byte(now.Hour()), byte(now.Minute()), byte(now.Second()))
	out = append(out, 0) // FM flags
	out = proto.PutUint(out, uint64(e.cfg.KKTSerial), 4)
	last := m.Shift
	if m.ShiftOpen && last > 0 {
		last--
	}
	out = proto.PutUint(out, uint64(last), 2)
	out = proto.PutUint(out, 0x0FFF, 2) // free records
	out = append(out, 1, 3)             // (re)fiscalisations done, left
	out = proto.PutUint(out, e.cfg.INN, 6)
	return out, errOK
}

func (e *Emulator) cmdPrintLine(r *req, c *call) ([]byte, byte) {
	r.take(1) // flags: journal / receipt / wrap — one tape here
	if r.bad {
		return nil, errBadParams
	}
	text := strings.TrimRight(decode1251(r.rest()), "\x00")
	e.print(c, 1)
	e.tapeLocked(text)
	return []byte{c.op}, errOK
}

// tapeLocked keeps a printed line for Tape.
func (e *Emulator) tapeLocked(text string) {
	e.tape = append(e.tape, text)
	if len(e.tape) > tapeKeep {
		e.tape = append(e.tape[:0], e.tape[len(e.tape)-tapeKeep:]...)
	}
}

// tapeKeep is how many printed text lines Tape keeps.
const tapeKeep = 1000

// Tape returns the text lines printed with 17h, oldest first.
func (e *Emulator) Tape() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.tape...)
}

func (e *Emulator) cmdCut(r *req, c *call) ([]byte, byte) {
	if t := r.u(1); r.bad || t > 1 {
		return nil, errBadParams
	}
	c.extra = 100 * time.Millisecond
	return []byte{c.op}, errOK
}

// fonts the emulated 57 mm head has: cell width and height in dots on a
// 432-dot line (font 1: 36 characters).
var fonts = [][2]byte{{12, 24}, {9, 17}, {24, 48}, {12, 48}, {24, 24}, {8, 12}, {9, 24}}

// cmdFontInfo is 26h: print width, the font's cell, number of fonts; no
// operator byte.
func (e *Emulator) cmdFontInfo(r *req, c *call) ([]byte, byte) {
	n := r.u(1)
	if r.bad || n < 1 || int(n) > len(fonts) {
		return nil, errBadParams
	}
	f := fonts[n-1]
	return append(proto.PutUint(nil, 432, 2), f[0], f[1], byte(len(fonts))), errOK
}

// cmdBarcode is C2h: an EAN-13 of 12 digits (the check digit is the
// register's), about 6 lines high.
func (e *Emulator) cmdBarcode(r *req, c *call) ([]byte, byte) {
	if code := r.u(5); r.bad || code > 999_999_999_999 {
		return nil, errBadParams
	}
	e.print(c, 6)
	return []byte{c.op}, errOK
}

// cmdFeed is 29h: flags (b0 journal, b1 receipt), lines 1..255.
func (e *Emulator) cmdFeed(r *req, c *call) ([]byte, byte) {
	flags, n := r.u(1), r.u(1)
	if r.bad || n == 0 || flags&0x03 == 0 {
		return nil, errBadParams
	}
	e.print(c, int(n))
	return []byte{c.op}, errOK
}

// cmdRepeat is 8Ch: a copy of the last closed receipt, printed again (no
// new fiscal document). 56h when there is none.
func (e *Emulator) cmdRepeat(r *req, c *call) ([]byte, byte) {
	if e.mem.Receipt != nil {
		return nil, errReceiptOpen
	}
	for i := len(e.mem.Docs) - 1; i >= 0; i-- {
		if d := e.mem.Docs[i]; d.Type == DocReceipt {
			if !e.print(c, 12+2*len(d.Lines)) {
				return []byte{c.op}, errOK // c.failed answers 6Bh
			}
			// What the head printed, for the tape: the register's own copy.
			e.tapeLocked("ПОВТОР ДОКУМЕНТА ФД " + itoa(int(d.Number)))
			return []byte{c.op}, errOK
		}
	}
	return nil, errNoRepeat
}

func (e *Emulator) cmdDrawer(r *req, c *call) ([]byte, byte) {
	if d := r.u(1); r.bad || d > 1 {
		return nil, errBadParams
	}
	// The drawer is physical: it stays open for a while in real time,
	// whatever the register's clock says.
	e.drawerUntil = time.Now().Add(2 * time.Second)
	return []byte{c.op}, errOK
}

func (e *Emulator) cmdContinue(r *req, c *call) ([]byte, byte) {
	switch {
	case e.cover:
		return nil, errPrinter
	case e.paper == paperOut || e.paper == paperOutPrint:
		return nil, errNoPaper
	case e.paper == paperWaitB0:
		e.paper = paperOK
		e.print(c, 12) // the interrupted document again
	}
	return []byte{c.op}, errOK
}

func (e *Emulator) cmdWriteTable(r *req, c *call) ([]byte, byte) {
	table, row, field := r.u(1), r.u(2), r.u(1)
	val := r.rest()
	if r.bad || len(val) == 0 {
		return nil, errBadParams
	}
	if table == 2 {
		if row < 1 || row > 30 {
			return nil, errBadParams
		}
		switch field {
		case 1:
			pwd, ok := proto.Uint(val, 4)
			if !ok {
				return nil, errBadParams
			}
			e.mem.Passwords[row] = uint32(pwd)
		case 2:
			if len(val) > e.cfg.nameWidth() {
				return nil, errBadParams
			}
			e.mem.Names[row] = decode1251(val)
		}
	}
	e.mem.Tables[itoa(int(table))+"/"+itoa(int(row))+"/"+itoa(int(field))] = append([]byte(nil), val...)
	c.dirty = true
	return []byte{c.op}, errOK
}

// cmdReadTable is 1Fh: what 1Eh wrote, else table 2's operator password
// (field 1, 4 bytes) and name (field 2, 21 bytes cp1251); other fields 33h.
func (e *Emulator) cmdReadTable(r *req, c *call) ([]byte, byte) {
	table, row, field := r.u(1), r.u(2), r.u(1)
	if r.bad {
		return nil, errBadParams
	}
	if v, ok := e.mem.Tables[itoa(int(table))+"/"+itoa(int(row))+"/"+itoa(int(field))]; ok {
		return append([]byte(nil), v...), errOK
	}
	if table != 2 || row < 1 || row > 30 {
		return nil, errBadParams
	}
	switch field {
	case 1:
		return proto.PutUint(nil, uint64(e.mem.Passwords[row]), 4), errOK
	case 2:
		out := make([]byte, e.cfg.nameWidth())
		copy(out, encode1251(e.mem.Names[row]))
		return out, errOK
	}
	return nil, errBadParams
}

// Table 2's structure as the emulator models it (2Dh/2Eh): 30 operators,
// field 1 password (binary, 4 bytes), field 2 name (string, NameWidth).
const (
	table2Name = "Кассиры и администраторы"
	nameField  = "Имя оператора"
	pwdField   = "Пароль"
)

func text40(s string) []byte {
	out := make([]byte, 40)
	copy(out, encode1251(s))
	return out
}

// cmdTableInfo is 2Dh: the reply has no operator byte.
func (e *Emulator) cmdTableInfo(r *req, c *call) ([]byte, byte) {
	if t := r.u(1); r.bad || t != 2 {
		return nil, errBadParams
	}
	return append(proto.PutUint(text40(table2Name), 30, 2), 2), errOK
}

// cmdFieldInfo is 2Eh: name, type (0 binary, 1 string), size, and for a
// binary field its minimum and maximum.
func (e *Emulator) cmdFieldInfo(r *req, c *call) ([]byte, byte) {
	table, field := r.u(1), r.u(1)
	if r.bad || table != 2 {
		return nil, errBadParams
	}
	switch field {
	case 1:
		out := append(text40(pwdField), 0, 4)
		out = proto.PutUint(out, 0, 4)
		return proto.PutUint(out, 99999999, 4), errOK
	case 2:
		return append(text40(nameField), 1, byte(e.cfg.nameWidth())), errOK
	}
	return nil, errBadParams
}

func (e *Emulator) cmdCash(r *req, c *call) ([]byte, byte) {
	sum := int64(r.u(5))
	switch {
	case r.bad || sum == 0:
		return nil, errBadParams
	case e.mem.Receipt != nil:
		return nil, errReceiptOpen
	case !e.mem.ShiftOpen:
		return nil, errShiftClosed
	case e.over24hLocked():
		return nil, errShift24h
	case c.cmd == proto.CmdCashOut && sum > e.mem.Cash:
		return nil, errNoCash
	}
	if !e.print(c, 6) {
		return nil, errNoPaper
	}
	if c.cmd == proto.CmdCashOut {
		sum = -sum
	}
	e.mem.Cash += sum
	e.mem.DocNo++
	c.dirty = true
	return proto.PutUint([]byte{c.op}, uint64(e.mem.DocNo), 2), errOK
}

func (e *Emulator) cmdX(r *req, c *call) ([]byte, byte) {
	if e.mem.Receipt != nil {
		return nil, errReceiptOpen
	}
	if !e.print(c, 30) {
		return nil, errNoPaper
	}
	e.mem.DocNo++
	c.dirty = true
	return []byte{c.op}, errOK
}

// cashierLocked is who the FN records for a document: tag 1021 written into
// it, else the table 2 name of the operator whose password was used.
func (e *Emulator) cashierLocked(op byte) (name, inn string) {
	name = e.mem.Names[op]
	if e.mem.DocCashierSet {
		name = e.mem.DocCashier
	}
	return name, e.mem.DocINN
}

// addDoc signs and stores a fiscal document. Only the FN numbers documents.
// The operator is the one whose password made the document, except for a
// receipt: that belongs to whoever opened it.
func (e *Emulator) addDoc(c *call, d Document) Document {
	e.mem.LastFD++
	d.Number = e.mem.LastFD
	d.Time = e.now()
	if d.Operator == 0 {
		d.Operator = c.op
	}
	d.Cashier, d.CashierINN = e.cashierLocked(d.Operator)
	d.Tags = append(d.Tags, e.mem.DocTags...)
	d.Sign = e.sign(d)
	e.mem.Docs = append(e.mem.Docs, d)
	e.mem.clearDocTags()
	e.mem.DocNo++
	c.fn, c.dirty = true, true
	return d
}

func (e *Emulator) openShiftLocked(c *call) (Document, byte) {
	switch {
	case e.mem.ShiftOpen:
		return Document{}, errShiftOpen
	case e.mem.FNDoc != fnNone && e.mem.FNDoc != fnShiftOpen:
		return Document{}, errFNState
	}
	e.mem.Shift++
	e.mem.ShiftOpen = true
	e.mem.ShiftOpened = e.now()
	e.mem.ShiftReceipts = 0
	d := e.addDoc(c, Document{Type: DocShiftOpen, Shift: e.mem.Shift})
	e.print(c, 10)
	return d, errOK
}

func (e *Emulator) closeShiftLocked(c *call) (Document, byte) {
	switch {
	case e.mem.Receipt != nil:
		return Document{}, errReceiptOpen
	case !e.mem.ShiftOpen:
		return Document{}, errShiftClosed
	case e.mem.FNDoc != fnNone && e.mem.FNDoc != fnShiftEnd:
		return Document{}, errFNState
	}
	e.mem.ShiftOpen = false
	d := e.addDoc(c, Document{Type: DocShiftClose, Shift: e.mem.Shift})
	c.extra = e.cfg.ZTime
	if e.slowZ > 0 {
		c.extra = e.slowZ
	}
	e.print(c, 40) // ≥ reportLines: submode 4 while it prints
	return d, errOK
}

func (e *Emulator) cmdOpenShift(r *req, c *call) ([]byte, byte) {
	if _, code := e.openShiftLocked(c); code != errOK {
		return nil, code
	}
	return []byte{c.op}, errOK
}

func (e *Emulator) cmdZ(r *req, c *call) ([]byte, byte) {
	if _, code := e.closeShiftLocked(c); code != errOK {
		return nil, code
	}
	return []byte{c.op}, errOK
}

func shiftReply(d Document, ext bool) []byte {
	out := proto.PutUint(nil, uint64(d.Shift), 2)
	out = proto.PutUint(out, uint64(d.Number), 4)
	out = proto.PutUint(out, uint64(d.Sign), 4)
	if ext {
		out = append(out, dateTime(d.Time)...)
	}
	return out
}

func (e *Emulator) cmdFNOpenShift(r *req, c *call) ([]byte, byte) {
	d, code := e.openShiftLocked(c)
	if code != errOK {
		return nil, code
	}
	return shiftReply(d, false), errOK
}

func (e *Emulator) cmdFNCloseShift(r *req, c *call) ([]byte, byte) {
	d, code := e.closeShiftLocked(c)
	if code != errOK {
		return nil, code
	}
	return shiftReply(d, e.cfg.ExtendedClose), errOK
}

func (e *Emulator) cmdBeginOpen(r *req, c *call) ([]byte, byte) {
	switch {
	case e.mem.ShiftOpen:
		return nil, errShiftOpen
	case e.mem.FNDoc != fnNone:
		return nil, errFNState
	}
	e.mem.clearDocTags()
	e.mem.FNDoc = fnShiftOpen
	c.dirty = true
	return nil, errOK
}

func (e *Emulator) cmdBeginClose(r *req, c *call) ([]byte, byte) {
	switch {
	case e.mem.Receipt != nil:
		return nil, errReceiptOpen
	case !e.mem.ShiftOpen:
		return nil, errShiftClosed
	case e.mem.FNDoc != fnNone:
		return nil, errFNState
	}
	e.mem.clearDocTags()
	e.mem.FNDoc = fnShiftEnd
	c.dirty = true
	return nil, errOK
}

func (e *Emulator) cmdFNCancel(r *req, c *call) ([]byte, byte) {
	if e.mem.FNDoc == fnNone {
		return nil, errFNState
	}
	if e.mem.Receipt != nil {
		e.mem.Receipt = nil
		e.mem.DocNo++
	}
	e.mem.clearDocTags()
	c.dirty = true
	return nil, errOK
}

// receiptAllowed is the common gate of commands that open or add to a
// receipt.
func (e *Emulator) receiptAllowed() byte {
	switch {
	case !e.mem.ShiftOpen:
		return errShiftClosed
	case e.over24hLocked():
		if e.mem.Receipt != nil {
			return errFNShift24h
		}
		return errShift24h
	}
	return errOK
}

func (e *Emulator) openReceiptLocked(c *call, typ byte) byte {
	if code := e.receiptAllowed(); code != errOK {
		return code
	}
	if e.mem.Receipt != nil {
		return errReceiptOpen
	}
	if e.mem.FNDoc != fnNone {
		return errFNState
	}
	if !e.print(c, 4) { // header
		return errNoPaper
	}
	e.mem.clearDocTags()
	e.mem.Receipt = &openReceipt{Type: typ, Operator: c.op, Opened: e.now()}
	e.mem.FNDoc = fnReceipt
	c.dirty = true
	return errOK
}

func (e *Emulator) cmdOpenReceipt(r *req, c *call) ([]byte, byte) {
	typ := byte(r.u(1))
	if r.bad || typ > 3 {
		return nil, errBadParams
	}
	if code := e.openReceiptLocked(c, typ); code != errOK {
		return nil, code
	}
	return []byte{c.op}, errOK
}

// lineAmount is round-half-up(price × qty / 10⁶) without overflow, and
// whether it fits the 5-byte money field.
func lineAmount(price, qtyMicro uint64) (uint64, bool) {
	hi, lo := bits.Mul64(price, qtyMicro)
	lo, carry := bits.Add64(lo, 500000, 0)
	hi += carry
	if hi >= 1000000 {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, 1000000)
	return q, q <= proto.MaxUint(5)
}

func (e *Emulator) cmdOperation(r *req, c *call) ([]byte, byte) {
	op := byte(r.u(1))
	qty := r.u(6)
	price := r.u(5)
	amount := r.u(5)
	r.u(5) // tax amount: the FN recomputes it
	taxBits := byte(r.u(1))
	dept := byte(r.u(1))
	method := byte(r.u(1))
	subject := byte(r.u(1))
	name := r.rest()
	if r.bad || len(name) > 128 || qty == 0 || bits.OnesCount8(taxBits) != 1 || taxBits > 0x20 {
		return nil, errBadParams
	}
	typ, ok := receiptTypeOf(op)
	if !ok {
		return nil, errBadParams
	}
	want, ok := lineAmount(price, qty)
	if !ok {
		return nil, errBadParams
	}
	if amount == proto.MaxUint(5) {
		amount = want
	} else if amount+1 < want || amount > want+1 {
		return nil, errBadParams
	}
	ln := Line{
		Operation: op, QtyMicro: qty, Price: int64(price), Amount: int64(amount),
		TaxBits: taxBits, Dept: dept, PayMethod: method, Subject: subject, Name: decode1251(name),
	}
	if code := e.addLineLocked(c, typ, ln); code != errOK {
		return nil, code
	}
	return nil, errOK
}

// addLineLocked registers one sale line (FF46h, 80h, 82h), opening the
// receipt when none is open.
func (e *Emulator) addLineLocked(c *call, typ byte, ln Line) byte {
	if code := e.receiptAllowed(); code != errOK {
		return code
	}
	if rc := e.mem.Receipt; rc == nil {
		// FF46h/80h open the receipt themselves when none is open (JP, GO
		// never send 8Dh). Header and line print as one: if the roll
		// cannot take both, nothing is opened.
		if e.paperLeft >= 0 && e.paperLeft < 4+2 {
			e.print(c, 4+2)
			return errNoPaper
		}
		if code := e.openReceiptLocked(c, typ); code != errOK {
			return code
		}
	} else if rc.Type != typ {
		return errWrongOp
	} else if c.op != rc.Operator && c.op != 30 {
		return errOtherOp
	}
	if !e.print(c, 2) {
		return errNoPaper
	}
	e.mem.Receipt.Lines = append(e.mem.Receipt.Lines, ln)
	e.mem.DocData = true
	c.dirty = true
	return errOK
}

// cmdClassicSale is 80h (sale) / 82h (sale return): quantity ×1000, price,
// department, four tax groups (table 6), text 40. The device computes the
// amount; there is no amount field.
func (e *Emulator) cmdClassicSale(r *req, c *call) ([]byte, byte) {
	qty := r.u(5)
	price := r.u(5)
	dept := byte(r.u(1))
	groups := r.take(4)
	text := r.rest()
	if r.bad || qty == 0 || qty > proto.MaxUint(5) || dept > 16 {
		return nil, errBadParams
	}
	for _, g := range groups {
		if g > 4 {
			return nil, errBadParams
		}
	}
	amount, ok := lineAmount(price, qty*1000)
	if !ok {
		return nil, errBadParams
	}
	op, typ := OpSale, byte(0)
	if c.cmd == proto.CmdSaleReturn {
		op, typ = OpSaleReturn, 2
	}
	ln := Line{
		Operation: op, QtyMicro: qty * 1000, Price: int64(price), Amount: int64(amount),
		TaxGroup: groups[0], Dept: dept, Name: decode1251(text),
	}
	if code := e.addLineLocked(c, typ, ln); code != errOK {
		return nil, code
	}
	return []byte{c.op}, errOK
}

func (e *Emulator) cmdSubtotal(r *req, c *call) ([]byte, byte) {
	if e.mem.Receipt == nil {
		return nil, errReceiptShut
	}
	return proto.PutUint([]byte{c.op}, uint64(e.mem.Receipt.total()), 5), errOK
}

func (e *Emulator) cmdCancel(r *req, c *call) ([]byte, byte) {
	rc := e.mem.Receipt
	switch {
	case rc == nil:
		return nil, errReceiptShut
	case c.op != rc.Operator && c.op != 30:
		return nil, errOtherOp
	}
	if !e.print(c, 3) {
		return nil, errNoPaper
	}
	e.mem.Receipt = nil
	e.mem.clearDocTags()
	e.mem.DocNo++
	c.dirty = true
	return []byte{c.op}, errOK
}

func (e *Emulator) cmdClose(r *req, c *call) ([]byte, byte) {
	pays := make([]int64, 16)
	for i := range pays {
		pays[i] = int64(r.u(5))
	}
	rounding := int64(r.u(1))
	taxes := make([]int64, 6)
	for i := range taxes {
		taxes[i] = int64(r.u(5))
	}
	taxSystem := byte(r.u(1))
	text := r.rest()
	if r.bad || rounding > 99 || len(text) > 64 || bits.OnesCount8(taxSystem) != 1 || taxSystem > 0x20 {
		return nil, errBadParams
	}
	d, code := e.closeLocked(c, Document{
		Payments: pays, Rounding: rounding, Taxes: taxes, TaxSystem: taxSystem, Text: decode1251(text),
	}, 0)
	if code != errOK {
		return nil, code
	}
	out := proto.PutUint(nil, uint64(d.Change), 5)
	out = proto.PutUint(out, uint64(d.Number), 4)
	out = proto.PutUint(out, uint64(d.Sign), 4)
	if e.cfg.ExtendedClose {
		out = append(out, dateTime(d.Time)...)
	}
	return out, errOK
}

// cmdClassicClose is 85h: four payments, discount in hundredths of a
// percent (negative = surcharge), tax groups, text 40. The tax system is
// the registration's (ОСН here).
func (e *Emulator) cmdClassicClose(r *req, c *call) ([]byte, byte) {
	pays := make([]int64, 16)
	for i := range 4 {
		pays[i] = int64(r.u(5))
	}
	discount := int64(int16(r.u(2)))
	r.take(4) // tax groups of the discount
	text := r.rest()
	if r.bad || discount < -9999 || discount > 9999 {
		return nil, errBadParams
	}
	d, code := e.closeLocked(c, Document{
		Payments: pays, Taxes: make([]int64, 6), TaxSystem: 1, Text: decode1251(text),
	}, discount)
	if code != errOK {
		return nil, code
	}
	return proto.PutUint([]byte{c.op}, uint64(d.Change), 5), errOK
}

// closeLocked closes the open receipt into a fiscal document: the FN write
// happens before printing, so a roll that ends here leaves the receipt
// fiscalised (reply 6Bh all the same).
func (e *Emulator) closeLocked(c *call, d Document, discountBP int64) (Document, byte) {
	rc := e.mem.Receipt
	switch {
	case rc == nil:
		return Document{}, errReceiptShut
	case c.op != rc.Operator && c.op != 30:
		return Document{}, errOtherOp
	case e.over24hLocked():
		return Document{}, errFNShift24h
	}
	sum := rc.total()
	// Round half away from zero, so a surcharge rounds like a discount.
	adj := sum * discountBP
	if adj >= 0 {
		adj = (adj + 5000) / 10000
	} else {
		adj = (adj - 5000) / 10000
	}
	total := sum - adj - d.Rounding
	var paid, nonCash int64
	for i, p := range d.Payments {
		paid += p
		if i > 0 {
			nonCash += p
		}
	}
	switch {
	case total < 0:
		return Document{}, errBadParams
	case total == 0:
		return Document{}, errZeroTotal
	case paid < total:
		return Document{}, errPayments
	case nonCash > total:
		return Document{}, errBadParams
	}
	d.Change = paid - total
	cash := d.Payments[0] - d.Change
	op := receiptOp[rc.Type]
	if op == OpSaleReturn || op == OpPurchase {
		if cash > e.mem.Cash {
			return Document{}, errNoCash
		}
		cash = -cash
	}
	e.mem.Cash += cash
	e.mem.Receipt = nil
	e.mem.ShiftReceipts++
	d.Type, d.Operation, d.Amount, d.Shift, d.Operator, d.Lines = DocReceipt, op, total, e.mem.Shift, rc.Operator, rc.Lines
	d = e.addDoc(c, d)
	e.print(c, 8)
	return d, errOK
}

// Tags the FN interprets; other tags are kept as they came.
const (
	tagCashier    = 1021
	tagCashierINN = 1203
	maxTLVData    = 250
)

func (e *Emulator) cmdWriteTLV(r *req, c *call) ([]byte, byte) {
	data := r.rest()
	switch {
	case len(data) == 0:
		return nil, errBadParams
	case len(data) > maxTLVData:
		return nil, errTLVTooLarge
	case e.mem.FNDoc == fnNone:
		return nil, errBadParams
	}
	// Validate all TLVs before applying any, so a bad one changes nothing.
	type tlv struct {
		tag uint16
		val []byte
	}
	var tlvs []tlv
	for len(data) > 0 {
		if len(data) < 4 {
			return nil, errBadParams
		}
		tag, _ := proto.Uint(data, 2)
		n, _ := proto.Uint(data[2:], 2)
		if uint64(len(data)-4) < n {
			return nil, errBadParams
		}
		tlvs = append(tlvs, tlv{uint16(tag), data[4 : 4+n]})
		data = data[4+n:]
	}
	innSet := e.mem.DocINNSet
	for _, t := range tlvs {
		switch t.tag {
		case tagCashierINN:
			if innSet || len(t.val) != 12 {
				return nil, errBadParams
			}
			innSet = true
		case tagCashier:
			if len(t.val) == 0 || len(t.val) > 64 {
				return nil, errBadParams
			}
		default:
			if e.mem.FNDoc != fnReceipt && e.mem.FNDoc != fnCorrection {
				return nil, errBadParams
			}
		}
	}
	for _, t := range tlvs {
		switch t.tag {
		case tagCashierINN:
			e.mem.DocINN, e.mem.DocINNSet = decode866(t.val), true
		case tagCashier:
			e.mem.DocCashier, e.mem.DocCashierSet = decode866(t.val), true
		default:
			e.mem.DocTags = append(e.mem.DocTags, TLV{Tag: t.tag, Value: append([]byte(nil), t.val...)})
		}
	}
	e.mem.DocData = true
	c.dirty = true
	return nil, errOK
}

func (e *Emulator) cmdFNStatus(r *req, c *call) ([]byte, byte) {
	out := []byte{0x03, e.mem.FNDoc, b2u(e.mem.DocData), b2u(e.mem.ShiftOpen), 0}
	out = append(out, dateTime(e.now())...)
	serial := make([]byte, 16)
	copy(serial, e.cfg.Serial)
	out = append(out, serial...)
	return proto.PutUint(out, uint64(e.mem.LastFD), 4), errOK
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

func (e *Emulator) cmdFindDoc(r *req, c *call) ([]byte, byte) {
	fd := uint32(r.u(4))
	if r.bad {
		return nil, errBadParams
	}
	d, ok := e.mem.find(fd)
	if !ok {
		return nil, errFNNoData
	}
	out := []byte{d.Type, 0}
	out = append(out, dateTime(d.Time)...)
	out = proto.PutUint(out, uint64(d.Number), 4)
	out = proto.PutUint(out, uint64(d.Sign), 4)
	switch d.Type {
	case DocReceipt, DocCorrection:
		out = append(out, d.Operation)
		out = proto.PutUint(out, uint64(d.Amount), 5)
	case DocShiftOpen, DocShiftClose:
		out = proto.PutUint(out, uint64(d.Shift), 2)
	}
	return out, errOK
}

func (e *Emulator) cmdShiftParams(r *req, c *call) ([]byte, byte) {
	out := []byte{b2u(e.mem.ShiftOpen)}
	out = proto.PutUint(out, uint64(e.mem.Shift), 2)
	return proto.PutUint(out, uint64(e.mem.ShiftReceipts), 2), errOK
}

func (e *Emulator) cmdErrorText(r *req, c *call) ([]byte, byte) {
	code := byte(r.u(1))
	if r.bad {
		return nil, errBadParams
	}
	text, ok := errorTexts[code]
	if !ok {
		text = "Неизвестная ошибка"
	}
	return encode1251(text), errOK
}

func (e *Emulator) cmdDeviceType(r *req, c *call) ([]byte, byte) {
	// KKT type 0, subtype 0, protocol 1.106, model 19, language 0 (Russian).
	out := []byte{0, 0, 1, 106, 19, 0}
	return append(out, encode1251("ШТРИХ-М-01Ф (эмулятор)")...), errOK
}
