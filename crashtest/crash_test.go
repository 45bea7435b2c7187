package crashtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
)

// Knobs, all optional: CI runs the defaults.
const (
	envRuns  = "CRASHTEST_RUNS"  // runs per point (default 20, 4 with -short)
	envTable = "CRASH_TABLE"     // write the table as Markdown to this file (relative to crashtest/)
	envBaseS = "CRASHTEST_SEEDS" // base seed of the random bills; default from the clock, logged
	envTrace = "CRASHTEST_TRACE" // "1": print every control byte and frame on the line to stderr
)

// baud of the emulated line: the fastest the driver knows, so each run costs
// little wire time while every byte is still charged.
const baud = 115200

// row is one line of the table.
type row struct {
	runs     int
	reached  int // the child died exactly at the point
	recorded int // reconcile found the receipt and recorded it
	redone   int // reconcile proved no receipt; Retry printed it
	lost     int // a paid bill without its receipt or without its journal record
	doubled  int // a paid bill with more than one receipt
}

// TestCrashInjection is issue 4's crash-injection proof: for each kill point,
// a real till process (this binary, TestCrashChild) checks out a random bill
// through the real driver on a pseudo-terminal and is SIGKILLed there; a new
// till process reconciles and retries; the emulator's fiscal memory must then
// hold exactly one receipt for the bill and the journal must record it.
func TestCrashInjection(t *testing.T) {
	if os.Getenv(envRole) != "" {
		t.Skip("this is a child")
	}
	runs := 20
	if testing.Short() {
		runs = 4
	}
	if s := os.Getenv(envRuns); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", envRuns, s)
		}
		runs = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(envBaseS); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", envBaseS, s, err)
		}
		seed = n
	}
	t.Logf("bills from seed %d (%s=%d replays them)", seed, envBaseS, seed)

	h := newHarness(t)
	table := map[point]*row{}
	for _, p := range points {
		table[p] = &row{}
	}
	start := time.Now()
	// Points interleave, so every point meets the register in the state
	// the previous kind of crash and recovery left behind.
runs:
	for i := range runs {
		for _, p := range points {
			h.run(t, p, seed+uint64(i*len(points))+uint64(p), table[p])
			if t.Failed() {
				// One broken run explains itself; a hundred would
				// repeat it (and each may wait out a timeout).
				break runs
			}
		}
	}
	h.checkAll(t)

	var md strings.Builder
	fmt.Fprintf(&md, "| point | runs | killed there | receipt found, recorded | not printed, redone | lost | doubled |\n")
	fmt.Fprintf(&md, "|---|---:|---:|---:|---:|---:|---:|\n")
	for _, p := range points {
		r := table[p]
		fmt.Fprintf(&md, "| %s | %d | %d | %d | %d | %d | %d |\n", p, r.runs, r.reached, r.recorded, r.redone, r.lost, r.doubled)
	}
	t.Logf("crash injection, %d runs per point, %d receipts in fiscal memory, %s:\n%s",
		runs, len(h.receipts()), time.Since(start).Round(time.Second), md.String())
	if path := os.Getenv(envTable); path != "" && !t.Failed() {
		doc := fmt.Sprintf("<!-- written by `CRASH_TABLE=%s go test ./crashtest -run TestCrashInjection`; do not edit -->\n\n%s", path, md.String())
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Errorf("write table: %v", err)
		}
	}
}

// harness is the world that outlives the tills: the database file, the
// emulated register and the pseudo-terminal between them.
type harness struct {
	dir, db, key string
	e            *emu.Emulator
	tap          *wireTap
	ro           *store.DB // read-only view of the journal, the judge's
	cashier      store.User
	bills        []judged

	mu     sync.Mutex
	tapErr []error
}

// judged is a bill the test has settled, for the final cross-check.
type judged struct {
	id  sale.BillID
	doc uint32
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	h := &harness{dir: dir, db: filepath.Join(dir, "till.db"), key: filepath.Join(dir, "till.key")}

	db, err := store.Open(ctx, h.db, store.Options{KeyPath: h.key})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	// Signing in costs an argon2id hash: once here, not in every child.
	if h.cashier, err = db.Authenticate(ctx, "cashier", "cashier1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if h.ro, err = store.Open(ctx, h.db, store.Options{KeyPath: h.key, ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.ro.Close() })

	// Printing and the FN write are cheap but not free, so the register is
	// still busy now and then when the next command comes.
	h.e = emu.New(emu.Config{Baud: baud, PrintSpeed: 400, FNWrite: 10 * time.Millisecond, ZTime: -1, StartShiftOpen: true})
	if h.tap, err = newWireTap(); err != nil {
		t.Fatal(err)
	}
	h.tap.tracing = os.Getenv(envTrace) != ""
	h.tap.fail = func(err error) {
		h.mu.Lock()
		h.tapErr = append(h.tapErr, err)
		h.mu.Unlock()
	}
	sctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- h.e.Serve(sctx, h.tap) }()
	t.Cleanup(func() {
		cancel()
		h.tap.close() // ends the emulator's blocked read
		if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("emulator: %v", err)
		}
	})
	return h
}

func (h *harness) receipts() []emu.Document {
	var out []emu.Document
	for _, d := range h.e.Documents() {
		if d.Type == emu.DocReceipt {
			out = append(out, d)
		}
	}
	return out
}

// proc is a finished child: what it said and printed, and how it ended.
type proc struct {
	msgs [][]string
	out  string
	err  error
}

func (p *proc) find(key string) []string {
	for _, m := range p.msgs {
		if m[0] == key {
			return m
		}
	}
	return nil
}

// spawn runs one till process on the line until it exits or is killed.
// onMsg sees each message as it arrives (the kill points 1 and 5 are
// messages: the child has just committed, or is about to commit).
func (h *harness) spawn(t *testing.T, c *child, env []string, onMsg func([]string)) *proc {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(),
		envDB+"="+h.db, envKey+"="+h.key,
		envPort+"="+h.tap.path()+"@"+strconv.Itoa(baud),
		envCashier+"="+strconv.FormatInt(int64(h.cashier.ID), 10),
		envName+"="+h.cashier.ReceiptName, envINN+"="+h.cashier.INN,
	)
	cmd.Env = append(cmd.Env, env...)
	cmd.ExtraFiles = []*os.File{w}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out

	h.tap.attach(c)
	if err := cmd.Start(); err != nil {
		w.Close()
		t.Fatal(err)
	}
	w.Close() // the child holds the only write end: EOF when it dies
	c.mu.Lock()
	c.proc = cmd.Process
	c.mu.Unlock()
	res := &proc{}
	go func() {
		res.err = cmd.Wait()
		c.mu.Lock()
		c.dead = true
		c.mu.Unlock()
		close(c.exited)
	}()

	lines := make(chan []string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) > 0 {
				lines <- f
			}
		}
	}()
	deadline := time.After(60 * time.Second)
	for lines != nil {
		select {
		case m, ok := <-lines:
			if !ok {
				lines = nil
				continue
			}
			res.msgs = append(res.msgs, m)
			onMsg(m)
		case <-deadline:
			_ = c.kill(0)
			t.Errorf("child still running after 60 s; killed")
			for range lines {
			}
			lines = nil
		}
	}
	<-c.exited
	if err := h.tap.detach(); err != nil {
		t.Fatal(err)
	}
	res.out = out.String()
	return res
}

// run is one crash at point p and the recovery after it.
func (h *harness) run(t *testing.T, p point, seed uint64, r *row) {
	t.Helper()
	ctx := context.Background()
	r.runs++
	_, _, _, before := h.e.State()
	isReturn := seed%5 == 0

	if f, ok := pointFaults[p]; ok {
		h.e.Inject(f)
	}
	c := newChild(p)
	env := []string{envRole + "=sale", envPoint + "=" + strconv.Itoa(int(p)), envSeed + "=" + strconv.FormatUint(seed, 10)}
	if isReturn {
		env = append(env, envReturn+"=1")
	}
	crash := h.spawn(t, c, env, func(m []string) {
		switch {
		case m[0] == "positions" && len(m) == 2:
			if n, err := strconv.Atoi(m[1]); err == nil {
				c.positions <- n
			}
		case m[0] == "at" && p == pointBeforeSend && m[1] == "fiscalising",
			m[0] == "at" && (p == pointReplyIn || p == pointPaperAfter) && m[1] == "fiscalised",
			m[0] == "at" && waitsAt(p) && m[1] == "waiting":
			if err := c.kill(p); err != nil {
				t.Error(err)
			}
		}
	})
	h.mu.Lock()
	tapErr := errors.Join(h.tapErr...)
	h.tapErr = nil
	h.mu.Unlock()
	if tapErr != nil {
		t.Errorf("%s, seed %d: %v", p, seed, tapErr)
	}
	bill := crash.find("bill")
	if bill == nil || len(bill) != 4 {
		t.Errorf("%s, seed %d: the child never rang up its bill: %v\n%s", p, seed, crash.err, crash.out)
		return
	}
	id64, _ := strconv.ParseInt(bill[1], 10, 64)
	kind64, _ := strconv.Atoi(bill[2])
	due, _ := strconv.ParseInt(bill[3], 10, 64)
	id, kind := sale.BillID(id64), sale.BillKind(kind64)
	c.mu.Lock()
	killedAt, sent := c.killedAt, append([]proto.Command(nil), c.sent...)
	c.mu.Unlock()
	if killedAt != p {
		t.Errorf("%s, seed %d: the child was not killed there (exit %v, said %v)\n%s", p, seed, crash.err, crash.msgs, crash.out)
	} else {
		r.reached++
	}
	if p == pointBeforeSend {
		for _, cmd := range sent {
			if cmd == proto.CmdOpenReceipt || cmd == proto.CmdOperationV2 || cmd == proto.CmdCloseV2 {
				t.Errorf("%s, seed %d: %v went on the wire before the kill", p, seed, cmd)
			}
		}
	}
	if b, err := h.ro.Bills().Get(ctx, id); err != nil || b.State != sale.StateFiscalising {
		t.Errorf("%s, seed %d: after the crash bill %d is %v (%v), want fiscalising", p, seed, id, b.State, err)
	}

	// The cashier loads paper, the line is back.
	h.e.Clear()
	// The till comes back: a new process on the same database and line.
	rec := h.spawn(t, newChild(0), []string{envRole + "=recover"}, func([]string) {})
	if rec.err != nil {
		t.Errorf("%s, seed %d: recovery failed: %v\n%s", p, seed, rec.err, rec.out)
	}
	switch m := rec.find("reconciled"); {
	case m == nil || m[1] != bill[1]:
		t.Errorf("%s, seed %d: recovery did not reconcile bill %d: %v", p, seed, id, rec.msgs)
	case m[2] == strconv.Itoa(int(sale.OutcomeFiscalised)):
		r.recorded++
		if !fiscalisedAt(p) {
			t.Errorf("%s, seed %d: reconcile found a receipt the till never closed", p, seed)
		}
	case m[2] == strconv.Itoa(int(sale.OutcomeNotPrinted)):
		r.redone++
		if fiscalisedAt(p) {
			t.Errorf("%s, seed %d: reconcile missed a receipt that was closed", p, seed)
		}
	}

	// The judge: the register's fiscal memory and the journal.
	op := emu.OpSale
	if kind == sale.KindReturn {
		op = emu.OpSaleReturn
	}
	var mine []emu.Document
	for _, d := range h.e.Documents() {
		if d.Number <= before {
			continue
		}
		if d.Type == emu.DocReceipt && d.Operation == op && d.Amount == due {
			mine = append(mine, d)
		} else {
			t.Errorf("%s, seed %d: a document nobody asked for: %+v", p, seed, d)
		}
	}
	b, err := h.ro.Bills().Get(ctx, id)
	if err != nil {
		t.Fatalf("read bill %d: %v", id, err)
	}
	switch {
	case len(mine) == 0 || b.State != sale.StateFiscalised:
		r.lost++
		t.Errorf("%s, seed %d: bill %d lost: %s, %d receipts\n%s", p, seed, id, b.State, len(mine), rec.out)
	case len(mine) > 1:
		r.doubled++
		t.Errorf("%s, seed %d: bill %d has %d receipts", p, seed, id, len(mine))
	case b.Fiscal.Number != mine[0].Number || b.Fiscal.Sign != mine[0].Sign:
		r.lost++
		t.Errorf("%s, seed %d: bill %d records FD %d/%08X, fiscal memory has %d/%08X",
			p, seed, id, b.Fiscal.Number, b.Fiscal.Sign, mine[0].Number, mine[0].Sign)
	default:
		h.bills = append(h.bills, judged{id: id, doc: mine[0].Number})
	}
	if mode, _, _, _ := h.e.State(); mode&0x0F != 2 {
		t.Errorf("%s, seed %d: register left in mode %02Xh", p, seed, mode)
	}
}

// checkAll is the promise over the whole session: every paid bill has its
// own receipt, and fiscal memory holds no receipt that is not a bill's.
func (h *harness) checkAll(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	byNumber := map[uint32]sale.BillID{}
	for _, j := range h.bills {
		b, err := h.ro.Bills().Get(ctx, j.id)
		if err != nil {
			t.Fatal(err)
		}
		if b.State != sale.StateFiscalised || b.Fiscal.Number != j.doc {
			t.Errorf("bill %d changed after it was judged: %s FD %d", j.id, b.State, b.Fiscal.Number)
		}
		if other, dup := byNumber[j.doc]; dup {
			t.Errorf("bills %d and %d both claim FD %d", other, j.id, j.doc)
		}
		byNumber[j.doc] = j.id
	}
	for _, d := range h.receipts() {
		if _, ok := byNumber[d.Number]; !ok && !t.Failed() {
			t.Errorf("receipt FD %d (%d kopecks) belongs to no bill", d.Number, d.Amount)
		}
	}
	if len(h.receipts()) != len(h.bills) && !t.Failed() {
		t.Errorf("%d receipts in fiscal memory for %d bills", len(h.receipts()), len(h.bills))
	}
}
