package proto

import (
	"bytes"
	"testing"
)

// The real packet of §1.4 (LOG): 6Bh with code 33h, number 15.
func TestPacketGolden(t *testing.T) {
	want := []byte{0x8F, 0x04, 0x00, 0x0F, 0x00, 0x6B, 0x33, 0xBF, 0x0D}
	got, err := AppendPacket(nil, 15, []byte{0x6B, 0x33})
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("% X %v, want % X", got, err, want)
	}
	num, body, err := DecodePacket(want)
	if err != nil || num != 15 || !bytes.Equal(body, []byte{0x6B, 0x33}) {
		t.Fatalf("decode: %d % X %v", num, body, err)
	}
}

// 8F and 9F inside a packet are stuffed, and come back.
func TestPacketStuffing(t *testing.T) {
	body := []byte{0x8F, 0x9F, 0x10, 0x9F, 0x81}
	p, err := AppendPacket(nil, 0x8F9F, body)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.IndexByte(p[1:], PacketStart) >= 0 {
		t.Fatalf("unstuffed 8F in % X", p)
	}
	num, got, err := DecodePacket(p)
	if err != nil || num != 0x8F9F || !bytes.Equal(got, body) {
		t.Fatalf("% X -> %04X % X %v", p, num, got, err)
	}
	p[len(p)-3] ^= 1
	if _, _, err := DecodePacket(p); err == nil {
		t.Error("a damaged packet decoded")
	}
}

func FuzzDecodePacket(f *testing.F) {
	f.Add([]byte{0x8F, 0x04, 0x00, 0x0F, 0x00, 0x6B, 0x33, 0xBF, 0x0D})
	f.Fuzz(func(t *testing.T, b []byte) {
		num, body, err := DecodePacket(b)
		if err != nil {
			return
		}
		again, err := AppendPacket(nil, num, body)
		if err != nil {
			t.Fatal(err)
		}
		if n2, b2, err := DecodePacket(again); err != nil || n2 != num || !bytes.Equal(b2, body) {
			t.Fatalf("round trip % X: %v", b, err)
		}
	})
}
