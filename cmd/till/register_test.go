package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tillpos/till/device/shtrih/emu"
)

func ptyRegister(t *testing.T, cfg emu.Config) (string, *emu.Emulator) {
	t.Helper()
	e := emu.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	path, err := e.ServePTY(ctx)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	return path, e
}

func TestRegisterCommands(t *testing.T) {
	path, e := ptyRegister(t, emu.Config{PrintSpeed: -1, FNWrite: -1, ZTime: -1})
	ctx := context.Background()
	var out bytes.Buffer

	if err := runRegister(ctx, &out, []string{"status", "--port", path + "@115200"}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mode:       4 (shift closed)", "shift:      closed", "paper:      ok", "last FD:    0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("status output lacks %q:\n%s", want, out.String())
		}
	}

	err := runRegister(ctx, &out, []string{"test-receipt", "--port", path})
	if err == nil || !strings.Contains(err.Error(), "The shift is not open") {
		t.Fatalf("test-receipt on a closed shift: %v", err)
	}

	out.Reset()
	if err := runRegister(ctx, &out, []string{"test-receipt", "--port", path, "--open-shift", "--cashier", "Петров", "--inn", "7766888321"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "receipt fiscalised: FD 2, fiscal sign ") {
		t.Errorf("test-receipt output:\n%s", out.String())
	}
	docs := e.Documents()
	if len(docs) != 2 || docs[1].Type != emu.DocReceipt || docs[1].Amount != 100 || docs[1].Cashier != "Петров" {
		t.Errorf("fiscal memory %+v", docs)
	}

	out.Reset()
	if err := runRegister(ctx, &out, []string{"x-report", "--port", path}); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out.String()) != "X report printed" {
		t.Errorf("x-report output %q", out.String())
	}

	e.Inject(emu.Fault{Kind: emu.PaperOut})
	err = runRegister(ctx, &out, []string{"test-receipt", "--port", path})
	if err == nil || !strings.Contains(err.Error(), "Paper out: load receipt paper") {
		t.Errorf("paper out: %v", err)
	}
}

func TestRegisterUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"status"}, {"launch", "--port", "/dev/null"}, {"status", "--bogus"}} {
		if err := runRegister(context.Background(), &bytes.Buffer{}, args); !errors.Is(err, errUsage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	err := runRegister(context.Background(), &bytes.Buffer{}, []string{"status", "--port", "/nonexistent/tty@9600"})
	if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("missing port: %v", err)
	}
}
