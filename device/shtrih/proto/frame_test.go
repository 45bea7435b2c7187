package proto

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Golden frames from fiscal-shtrih-m.md §7 (R = real device logs).
func TestFrameGolden(t *testing.T) {
	for _, tc := range []struct{ name, frame, body string }{
		{"10h pwd 30", "02 05 10 1E 00 00 00 0B", "10 1E 00 00 00"},
		{"88h reply", "02 03 88 00 1E 95", "88 00 1E"},
		{"FF0Ch error 33h", "02 03 FF 0C 33 C3", "FF 0C 33"},
		{"E0h open shift", "02 05 E0 1E 00 00 00 FB", "E0 1E 00 00 00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame, body := unhex(t, tc.frame), unhex(t, tc.body)
			got, err := AppendFrame(nil, body)
			if err != nil || !bytes.Equal(got, frame) {
				t.Fatalf("AppendFrame = % X, %v; want % X", got, err, frame)
			}
			dec, err := DecodeFrame(frame)
			if err != nil || !bytes.Equal(dec, body) {
				t.Fatalf("DecodeFrame = % X, %v; want % X", dec, err, body)
			}
		})
	}
}

func TestDecodeFrameRejects(t *testing.T) {
	for _, tc := range []struct{ name, frame string }{
		{"no stx", "03 05 10 1E 00 00 00 0B"},
		{"short", "02 05 10 1E 00"},
		{"bad lrc", "02 05 10 1E 00 00 00 0C"},
		{"trailing", "02 05 10 1E 00 00 00 0B 00"},
		{"empty", "02 00 00"},
	} {
		if _, err := DecodeFrame(unhex(t, tc.frame)); err == nil {
			t.Errorf("%s: DecodeFrame accepted % s", tc.name, tc.frame)
		}
	}
}

func TestCommandSplit(t *testing.T) {
	c, rest, err := SplitCommand([]byte{0xFF, 0x46, 1, 2})
	if err != nil || c != CmdOperationV2 || len(rest) != 2 {
		t.Fatalf("SplitCommand = %v %v %v", c, rest, err)
	}
	if got := CmdOperationV2.Append(nil); !bytes.Equal(got, []byte{0xFF, 0x46}) {
		t.Fatalf("Append = % X", got)
	}
}

func FuzzDecodeFrame(f *testing.F) {
	f.Add([]byte{0x02, 0x05, 0x10, 0x1E, 0, 0, 0, 0x0B})
	f.Add([]byte{0x02, 0x03, 0xFF, 0x0C, 0x33, 0xC3})
	f.Fuzz(func(t *testing.T, b []byte) {
		body, err := DecodeFrame(b)
		if err != nil {
			return
		}
		again, err := AppendFrame(nil, body)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("round trip: % X -> % X (%v)", b, again, err)
		}
	})
}
