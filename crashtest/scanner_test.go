package crashtest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/device/shtrih/proto"
)

func frame(t testing.TB, body ...byte) []byte {
	t.Helper()
	f, err := proto.AppendFrame(nil, body)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// seen is an event as the tests compare it (errors by presence).
type seen struct {
	Ctl   byte
	Frame bool
	Cmd   proto.Command
	Code  byte
	Bad   bool
}

func scanAll(s *scanner, chunks ...[]byte) []seen {
	var out []seen
	for _, c := range chunks {
		s.feed(c, func(ev event) {
			out = append(out, seen{Ctl: ev.ctl, Frame: ev.frame, Cmd: ev.cmd, Code: ev.code, Bad: ev.err != nil})
		})
	}
	return out
}

// The kill decisions rest on the scanner naming the command of every reply,
// however reads and writes cut the stream.
func TestScanner(t *testing.T) {
	closeReply := frame(t, 0xFF, 0x45, 0x00, 0x01, 0x02)
	openReply := frame(t, 0x8D, 0x00, 0x1E)
	refused := frame(t, 0xFF, 0x46, 0x6B)
	corrupt := frame(t, 0x10, 0x00)
	corrupt[len(corrupt)-1] ^= 1

	tests := []struct {
		name   string
		chunks [][]byte
		want   []seen
	}{
		{
			name:   "ACK then a two-byte command's reply",
			chunks: [][]byte{{proto.ACK}, closeReply},
			want:   []seen{{Ctl: proto.ACK}, {Frame: true, Cmd: proto.CmdCloseV2}},
		},
		{
			name:   "a reply split in every byte",
			chunks: split(append([]byte{proto.ENQ}, openReply...)),
			want:   []seen{{Ctl: proto.ENQ}, {Frame: true, Cmd: proto.CmdOpenReceipt}},
		},
		{
			name:   "two frames in one write, the second refused",
			chunks: [][]byte{append(append([]byte(nil), openReply...), refused...)},
			want:   []seen{{Frame: true, Cmd: proto.CmdOpenReceipt}, {Frame: true, Cmd: proto.CmdOperationV2, Code: 0x6B}},
		},
		{
			name:   "a corrupt frame is reported, the next one still read",
			chunks: [][]byte{corrupt, {proto.NAK}, openReply},
			want:   []seen{{Frame: true, Bad: true}, {Ctl: proto.NAK}, {Frame: true, Cmd: proto.CmdOpenReceipt}},
		},
		{
			name:   "empty frame",
			chunks: [][]byte{{proto.STX, 0x00, 0x00}},
			want:   []seen{{Frame: true, Bad: true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := scanAll(&scanner{}, tt.chunks...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

// A frame cut off by a kill must not swallow the next till's first frame.
func TestScannerReset(t *testing.T) {
	s := &scanner{}
	half := frame(t, 0xFF, 0x45, 0x00, 0x01)
	scanAll(s, half[:3])
	s.reset()
	got := scanAll(s, frame(t, 0x10, 0x00, 0x1E))
	want := []seen{{Frame: true, Cmd: proto.CmdShortStatus}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after reset (-want +got):\n%s", diff)
	}
}

func split(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

// FuzzScanner: the scanner reads whatever crosses the line (a killed till
// can leave half a frame). It must never panic, and how the bytes are
// chunked must not change what it sees.
func FuzzScanner(f *testing.F) {
	f.Add(frame(f, 0xFF, 0x45, 0x00, 0x01, 0x02), 3)
	f.Add(append([]byte{proto.ENQ, proto.ACK}, frame(f, 0x8D, 0x00, 0x1E)...), 1)
	f.Add([]byte{proto.STX, 0x00, 0x00, proto.STX}, 2)
	f.Add([]byte{proto.STX, 0xFF}, 1)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		whole := scanAll(&scanner{}, b)
		var chunks [][]byte
		if cut <= 0 {
			cut = 1
		}
		for rest := b; len(rest) > 0; {
			n := min(cut, len(rest))
			chunks = append(chunks, rest[:n])
			rest = rest[n:]
		}
		if diff := cmp.Diff(whole, scanAll(&scanner{}, chunks...)); diff != "" {
			t.Errorf("chunks of %d change the events (-whole +chunked):\n%s", cut, diff)
		}
	})
}
