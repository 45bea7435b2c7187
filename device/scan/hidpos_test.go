package scan

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readDump reads a report dump: one report per line in hex, # comments.
func readDump(t testing.TB, name string) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "hidpos", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, b)
	}
	return out
}

func TestPOSDumps(t *testing.T) {
	tests := []struct {
		dump     string
		wantAIM  string
		wantData string
		wantKind Kind
		err      error
	}{
		{"honeywell-ean13.hex", "]E0", "4006381333931", KindItem, nil},
		{"honeywell-datamatrix-2reports.hex", "]d2", "0104601234567893215Ab<CdE!fgH'i\x1d91EE06\x1d92" + strings.Repeat("Qw3+/", 8) + "XyZ=", KindMarking, nil},
		{"honeywell-status-then-scan.hex", "]E4", "96385074", KindItem, nil},
		{"honeywell-bad-length.hex", "", "", "", ErrMalformedReport},
	}
	for _, tt := range tests {
		t.Run(tt.dump, func(t *testing.T) {
			a := POSAssembler{Layout: LayoutFor(VIDPID{0x0c2e, 0x0b61})}
			var gotAIM string
			var gotData []byte
			var err error
			done := false
			for _, r := range readDump(t, tt.dump) {
				var aim string
				var data []byte
				var ok bool
				aim, data, ok, err = a.Feed(r)
				if err != nil {
					break
				}
				if ok {
					gotAIM, gotData, done = aim, data, true
				}
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if tt.err != nil {
				return
			}
			if !done || gotAIM != tt.wantAIM || string(gotData) != tt.wantData {
				t.Fatalf("done %v aim %q data %q", done, gotAIM, gotData)
			}
			res, err := ParseScan(gotAIM, string(gotData), ScanConfig{})
			if err != nil || res.Kind != tt.wantKind {
				t.Fatalf("ParseScan: %v %v", res.Kind, err)
			}
		})
	}
}

func TestPOSHalfRead(t *testing.T) {
	reports := readDump(t, "honeywell-datamatrix-2reports.hex")
	a := POSAssembler{Layout: HoneywellPOS}
	if _, _, done, err := a.Feed(reports[0]); done || err != nil {
		t.Fatalf("first report: done %v err %v", done, err)
	}
	if !a.Pending() {
		t.Fatal("not pending after a 'more' report")
	}
	err := a.Abandon()
	if !errors.Is(err, ErrIncomplete) || AsError(err).Key != "input.scan.incomplete" {
		t.Fatalf("Abandon: %v", err)
	}
	if a.Pending() || a.Abandon() != nil {
		t.Fatal("still pending after Abandon")
	}
	// A short report is damaged, not a panic.
	if _, _, _, err := a.Feed([]byte{2, 5, ']'}); !errors.Is(err, ErrMalformedReport) {
		t.Fatalf("short report: %v", err)
	}
}

func TestPOSRunaway(t *testing.T) {
	a := POSAssembler{Layout: HoneywellPOS}
	r := make([]byte, 64)
	r[0], r[1], r[63] = 2, 56, 1
	var err error
	for i := 0; i < MaxPOSData/56+2 && err == nil; i++ {
		_, _, _, err = a.Feed(r)
	}
	if !errors.Is(err, ErrMalformedReport) {
		t.Fatalf("endless 'more' not stopped: %v", err)
	}
}
