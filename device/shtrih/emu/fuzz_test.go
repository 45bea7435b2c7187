package emu

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// Seeds: the §7 requests and the requests the tests build.
func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		"10 1E 00 00 00", "11 1E 00 00 00", "13 1E 00 00 00", "17 1E 00 00 00 02 C8 F2 EE E3 EE",
		"25 1E 00 00 00 00", "28 1E 00 00 00 00", "B0 1E 00 00 00", "50 01 00 00 00 10 27 00 00 00",
		"E0 1E 00 00 00", "8D 1E 00 00 00 00", "88 1E 00 00 00", "41 1E 00 00 00", "40 1E 00 00 00",
		"FF 46 1E 00 00 00 01 40 42 0F 00 00 00 10 27 00 00 00 10 27 00 00 00 FF FF FF FF FF 08 00 00 00 CA EE",
		"FF 0C 1E 00 00 00 B3 04 0C 00 37 37 36 36 38 38 38 33 32 31 20 20",
		"FF 0C 1E 00 00 00 FD 03 0B 00 88 A2 A0 AD AE A2 20 88 2E 88 2E",
		"FF 01 1E 00 00 00", "FF 0A 1E 00 00 00 A3 00 00 00", "FF 40 1E 00 00 00", "FF 41 1E 00 00 00",
		"FF 42 1E 00 00 00", "FF 43 1E 00 00 00", "FF 08 1E 00 00 00", "6B 4E", "FC", "FF", "1E 1E 00 00 00 02 01 00 02 41",
	} {
		f.Add(unhex(f, s))
	}
	f.Add(closeCash(15000))
	f.Add(classicSale(proto.CmdSale, 1000, 100, "x"))
	f.Add(classicClose(100, -500))
	f.Add(saleLine(100))
}

// Whatever the request, execute answers with a well-formed reply that
// echoes the command, and never panics.
func FuzzExecute(f *testing.F) {
	fuzzSeeds(f)
	cfg := fastCfg(newClock())
	cfg.StartShiftOpen = true
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) == 0 || len(body) > proto.MaxBody {
			return
		}
		e := New(cfg)
		// Twice: the second request meets whatever state the first left.
		for range 2 {
			reply, busy, _ := e.execute(body)
			if _, err := proto.AppendFrame(nil, reply); err != nil {
				t.Fatalf("% X -> unframable reply % X: %v", body, reply, err)
			}
			cmd, _, err := proto.SplitCommand(body)
			if err == nil {
				n := cmd.Len()
				if len(reply) < n+1 || string(reply[:n]) != string(body[:n]) {
					t.Fatalf("% X -> reply % X does not echo the command", body, reply)
				}
				if reply[n] != 0 && len(reply) != n+1 {
					t.Fatalf("% X -> error reply % X carries data", body, reply)
				}
			}
			if busy < 0 || busy > time.Minute {
				t.Fatalf("busy %v", busy)
			}
		}
	})
}

// sliceSource feeds a fixed byte stream to the link, then ends it.
type sliceSource struct{ b []byte }

func (s *sliceSource) recv(context.Context, time.Time, bool) (byte, time.Time, bool, error) {
	if len(s.b) == 0 {
		return 0, time.Time{}, false, io.EOF
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c, time.Now(), true, nil
}

// Garbage on the line never panics the device side of the link.
func FuzzLink(f *testing.F) {
	f.Add([]byte{proto.ENQ, 0x02, 0x05, 0x10, 0x1E, 0, 0, 0, 0x0B, proto.ACK, proto.ENQ})
	f.Add([]byte{0x02, 0x05, 0x10, 0x1E, 0, 0, 0, 0x0C, proto.NAK, proto.ENQ, 0xFF})
	f.Add([]byte{0x02, 0xFF, 0x02, 0x00, proto.ENQ})
	cfg := fastCfg(newClock())
	f.Fuzz(func(t *testing.T, stream []byte) {
		e := New(cfg)
		err := e.serve(context.Background(), &sliceSource{stream}, io.Discard, false)
		if err != io.EOF {
			t.Fatalf("serve ended with %v, want io.EOF at the end of input", err)
		}
	})
}
