package shtrih_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/proto"
)

const benchBaud = 115200

// benchEmu charges wire time per byte at 115200 baud and nothing else:
// the register's processing of each command, printing and FN writes are
// the register's time, not the driver's, and would drown what the benchmark
// is for — the driver's own overhead on top of the bytes it must move.
func benchEmu() *emu.Emulator {
	return emu.New(emu.Config{
		Baud: benchBaud, CommandTime: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1,
		StartShiftOpen: true,
	})
}

// countingPort counts bytes in both directions.
type countingPort struct {
	proto.Port
	n atomic.Int64
}

func (c *countingPort) Write(b []byte) (int, error) {
	n, err := c.Port.Write(b)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingPort) Read(b []byte) (int, error) {
	n, err := c.Port.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// wireBytes is every byte one 20-line receipt puts on the line, ENQ/ACK/NAK
// included, measured through the driver itself.
func wireBytes(b *testing.B) int64 {
	cp := &countingPort{Port: benchEmu().Pipe()}
	r := shtrih.New(cp, shtrih.Config{})
	defer r.Close()
	if _, err := r.Fiscalise(context.Background(), receipt(device.Sale, 20)); err != nil {
		b.Fatal(err)
	}
	return cp.n.Load()
}

func wireTime(n int64) time.Duration { return time.Duration(n * 10 * int64(time.Second) / benchBaud) }

// BenchmarkReceipt: a 20-line receipt through driver and emulator at
// 115200 baud. Compare with BenchmarkReceiptBaseline; target ≤ 1.25.
func BenchmarkReceipt(b *testing.B) {
	n := wireBytes(b)
	r := shtrih.New(benchEmu().Pipe(), shtrih.Config{})
	defer r.Close()
	rc := receipt(device.Sale, 20)
	ctx := context.Background()
	for b.Loop() {
		if _, err := r.Fiscalise(ctx, rc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "wire-bytes/op")
	perOp := float64(b.Elapsed()) / float64(b.N)
	b.ReportMetric(perOp/float64(wireTime(n)), "x-wire")
}

// BenchmarkReceiptBaseline: the pure wire time of the same bytes.
func BenchmarkReceiptBaseline(b *testing.B) {
	d := wireTime(wireBytes(b))
	for b.Loop() {
		time.Sleep(d)
	}
}

// wireBytesV2 is wireBytes on the alternative link level (numbered
// packets: no ENQ/ACK, a CRC-16 and a number per packet).
func wireBytesV2(b *testing.B) int64 {
	cp := &countingPort{Port: benchEmu().Pipe()}
	r := shtrih.New(cp, shtrih.Config{Packets: true})
	defer r.Close()
	if _, err := r.Fiscalise(context.Background(), receipt(device.Sale, 20)); err != nil {
		b.Fatal(err)
	}
	return cp.n.Load()
}

// BenchmarkReceiptV2: the same receipt on numbered packets, against the
// wire time of its own bytes (BenchmarkReceiptV2Baseline); target ≤ 1.25.
func BenchmarkReceiptV2(b *testing.B) {
	n := wireBytesV2(b)
	r := shtrih.New(benchEmu().Pipe(), shtrih.Config{Packets: true})
	defer r.Close()
	rc := receipt(device.Sale, 20)
	ctx := context.Background()
	for b.Loop() {
		if _, err := r.Fiscalise(ctx, rc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "wire-bytes/op")
	perOp := float64(b.Elapsed()) / float64(b.N)
	b.ReportMetric(perOp/float64(wireTime(n)), "x-wire")
}

// BenchmarkReceiptV2Baseline: the pure wire time of the packets' bytes.
func BenchmarkReceiptV2Baseline(b *testing.B) {
	d := wireTime(wireBytesV2(b))
	for b.Loop() {
		time.Sleep(d)
	}
}
