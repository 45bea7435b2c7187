package shtrih

import (
	"testing"

	"github.com/tillpos/till/device/shtrih/proto"
)

// Every decoder of bytes from the register is fuzzed: a register on a bad
// cable or a different firmware must produce errors, never panics. Seeds
// are the golden replies' data.

func seed(f *testing.F, frames ...string) {
	f.Helper()
	for _, s := range frames {
		body, err := proto.DecodeFrame(hx(f, s))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body)
	}
	f.Add([]byte{})
	f.Add([]byte{0xFF})
}

// fuzzReply runs the whole path a reply takes: Reply, then the decoder.
func fuzzReply(f *testing.F, cmd proto.Command, dec func([]byte) error) {
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Reply(cmd, body)
		if err != nil {
			return
		}
		_ = dec(d)
		_ = dec(body) // and raw bytes straight into the decoder
	})
}

func FuzzDecodeShortStatus(f *testing.F) {
	seed(f, "02 10 10 00 1E 92 02 02 00 00 9F E5 18 01 00 92 08 00 75",
		"02 11 10 00 01 90 00 08 00 00 00 00 00 00 00 FF FF FF 00 67")
	fuzzReply(f, proto.CmdShortStatus, func(d []byte) error {
		s, err := DecodeShortStatus(d)
		if err == nil && (s.Mode != d[3] || s.Submode != d[4]) {
			panic("mode not taken from bytes 3 and 4")
		}
		return err
	})
}

func FuzzDecodeFullStatus(f *testing.F) {
	seed(f, "02 30 11 00 1E 43 31 39 0C 18 06 15 01 10 00 92 02 02 00 01 4E 41 00 00 01 01 10 19 0B 1A 0D 05 09 0F 4E 61 BC 00 33 01 FF 07 01 03 81 4F F1 CE 01 00 43")
	fuzzReply(f, proto.CmdFullStatus, func(d []byte) error { _, err := DecodeFullStatus(d); return err })
}

func FuzzDecodeOperator(f *testing.F) {
	seed(f, "02 03 13 00 1E 0E", "02 03 E0 00 1E FD", "02 02 E0 00 E2")
	fuzzReply(f, proto.CmdOpenShift, func(d []byte) error { _, err := Operator(d); return err })
}

func FuzzDecodeCashMove(f *testing.F) {
	seed(f, "02 05 50 00 01 10 00 44")
	fuzzReply(f, proto.CmdCashIn, func(d []byte) error { _, err := DecodeCashMove(d); return err })
}

func FuzzDecodeSubtotal(f *testing.F) {
	seed(f, "02 08 89 00 1E 87 D6 12 00 00 DC")
	fuzzReply(f, proto.CmdSubtotal, func(d []byte) error { _, err := DecodeSubtotal(d); return err })
}

func FuzzDecodeCloseV2(f *testing.F) {
	seed(f, "02 10 FF 45 00 00 00 00 00 00 A5 01 00 00 2B 1C 3F 9A 9C",
		"02 15 FF 45 00 94 11 00 00 00 A6 01 00 00 01 02 03 04 19 0B 19 0D 05 8A",
		"02 03 FF 45 37 8E")
	fuzzReply(f, proto.CmdCloseV2, func(d []byte) error { _, err := DecodeCloseV2(d); return err })
}

func FuzzDecodeClassicClose(f *testing.F) {
	seed(f, "02 08 85 00 1E 97 13 00 00 00 17")
	fuzzReply(f, proto.CmdCloseReceipt, func(d []byte) error { _, err := DecodeClassicClose(d); return err })
}

func FuzzDecodeFNStatus(f *testing.F) {
	seed(f, "02 21 FF 01 00 03 00 00 01 00 15 07 1D 0B 1D 39 32 38 37 34 34 30 33 30 31 31 32 30 39 39 31 A9 01 00 00 68")
	fuzzReply(f, proto.CmdFNStatus, func(d []byte) error { _, err := DecodeFNStatus(d); return err })
}

func FuzzDecodeFindDocument(f *testing.F) {
	seed(f, "02 18 FF 0A 00 03 00 11 03 18 14 35 A3 00 00 00 EB EA 4B 2E 01 20 4E 00 00 00 6D")
	f.Add(append([]byte{0xFF, 0x0A, 0x00, 0x02, 0, 0x11, 3, 0x18, 0x14, 0x35, 1, 0, 0, 0, 2, 0, 0, 0}, 0x34, 0x01))
	f.Add(append([]byte{0xFF, 0x0A, 0x00, 0x01, 0, 0x11, 3, 0x18, 0x14, 0x35, 1, 0, 0, 0, 2, 0, 0, 0}, make([]byte, 34)...))
	fuzzReply(f, proto.CmdFNFindDoc, func(d []byte) error { _, err := DecodeFindDocument(d); return err })
}

func FuzzDecodeShiftParams(f *testing.F) {
	seed(f, "02 08 FF 40 00 01 34 01 05 00 86")
	fuzzReply(f, proto.CmdFNShiftParams, func(d []byte) error { _, err := DecodeShiftParams(d); return err })
}

func FuzzDecodeShiftDoc(f *testing.F) {
	seed(f, "02 0D FF 43 00 35 01 AE 01 00 00 04 03 02 01 2E")
	fuzzReply(f, proto.CmdFNCloseShift, func(d []byte) error { _, err := DecodeShiftDoc(d); return err })
}

func FuzzDecodeDeviceType(f *testing.F) {
	seed(f, "02 13 FC 00 00 00 01 00 13 00 D8 D2 D0 C8 D5 2D CC 2D 30 31 D4 23")
	fuzzReply(f, proto.CmdDeviceType, func(d []byte) error { _, err := DecodeDeviceType(d); return err })
}

func FuzzDecodeErrorText(f *testing.F) {
	seed(f, "02 0C 6B 00 CD E5 F2 20 E1 F3 EC E0 E3 E8 88")
	fuzzReply(f, proto.CmdErrorText, func(d []byte) error { _ = DecodeErrorText(d); return nil })
}
