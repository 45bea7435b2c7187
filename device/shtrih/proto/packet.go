package proto

import (
	"errors"
	"fmt"
)

// The alternative link level (fiscal-shtrih-m.md §1.4): numbered packets
//
//	8F LEN16 NUM16 DATA CRC16
//
// little-endian, LEN counting NUM and DATA, CRC-16/CCITT (polynomial 1021h,
// initial FFFFh, not reflected) over LEN16..DATA, and everything after the
// leading 8F byte-stuffed: 8F → 9F 81, 9F → 9F 83. The reply echoes NUM, and
// a packet repeated with the same NUM is answered from the device's memory,
// not executed again: a retry after a lost reply is safe by construction.
const (
	PacketStart byte = 0x8F
	packetEsc   byte = 0x9F
)

// CRC16 is CRC-16/CCITT-FALSE.
func CRC16(b []byte) uint16 {
	c := uint16(0xFFFF)
	for _, x := range b {
		c ^= uint16(x) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ 0x1021
			} else {
				c <<= 1
			}
		}
	}
	return c
}

// AppendPacket appends the packet carrying body (CMD+DATA) with number num.
func AppendPacket(dst []byte, num uint16, body []byte) ([]byte, error) {
	if len(body) == 0 || len(body)+2 > 0xFFFF {
		return dst, fmt.Errorf("packet body of %d bytes", len(body))
	}
	raw := make([]byte, 0, 6+len(body))
	raw = PutUint(raw, uint64(len(body)+2), 2)
	raw = PutUint(raw, uint64(num), 2)
	raw = append(raw, body...)
	raw = PutUint(raw, uint64(CRC16(raw)), 2)
	dst = append(dst, PacketStart)
	for _, x := range raw {
		switch x {
		case PacketStart:
			dst = append(dst, packetEsc, 0x81)
		case packetEsc:
			dst = append(dst, packetEsc, 0x83)
		default:
			dst = append(dst, x)
		}
	}
	return dst, nil
}

// Errors of a packet that does not decode.
var (
	ErrPacketCRC    = errors.New("packet CRC mismatch")
	ErrPacketEscape = errors.New("packet: bad escape")
)

// PacketReader unstuffs a packet's bytes after the 8F as they arrive.
type PacketReader struct {
	raw []byte
	esc bool
}

// Reset starts a new packet (an 8F was seen).
func (p *PacketReader) Reset() { p.raw, p.esc = p.raw[:0], false }

// Feed takes one byte after the 8F. It reports done with the packet's
// number and body once LEN and CRC are in, or an error for a bad escape or
// CRC (the packet is then dropped: the sender repeats it).
func (p *PacketReader) Feed(x byte) (num uint16, body []byte, done bool, err error) {
	switch {
	case p.esc:
		p.esc = false
		switch x {
		case 0x81:
			x = PacketStart
		case 0x83:
			x = packetEsc
		default:
			return 0, nil, true, ErrPacketEscape
		}
	case x == packetEsc:
		p.esc = true
		return 0, nil, false, nil
	}
	p.raw = append(p.raw, x)
	if len(p.raw) < 2 {
		return 0, nil, false, nil
	}
	n := int(p.raw[0]) | int(p.raw[1])<<8
	if n < 2 {
		return 0, nil, true, fmt.Errorf("packet LEN %d", n)
	}
	if len(p.raw) < 2+n+2 {
		return 0, nil, false, nil
	}
	want := uint16(p.raw[2+n]) | uint16(p.raw[3+n])<<8
	if CRC16(p.raw[:2+n]) != want {
		return 0, nil, true, ErrPacketCRC
	}
	num = uint16(p.raw[2]) | uint16(p.raw[3])<<8
	return num, append([]byte(nil), p.raw[4:2+n]...), true, nil
}

// DecodePacket decodes one whole packet, 8F included.
func DecodePacket(b []byte) (uint16, []byte, error) {
	if len(b) == 0 || b[0] != PacketStart {
		return 0, nil, errors.New("packet does not start with 8F")
	}
	var r PacketReader
	for i, x := range b[1:] {
		num, body, done, err := r.Feed(x)
		if done {
			if err == nil && i != len(b)-2 {
				err = fmt.Errorf("%d bytes after the packet", len(b)-2-i)
			}
			return num, body, err
		}
	}
	return 0, nil, errors.New("packet cut short")
}
