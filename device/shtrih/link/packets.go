package link

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/proto"
)

// The alternative link level (fiscal-shtrih-m.md §1.4, proto/packet.go):
// no ENQ/ACK; each command goes as a numbered packet and the reply echoes
// the number. A packet repeated with the same number is answered from the
// device's memory, never executed twice, so the link simply sends it again
// every ProbeEvery until the reply comes or the command's budget runs out.

// SetPackets switches the link to numbered packets (true) or back to the
// standard level.
func (l *Link) SetPackets(on bool) { l.packets = on }

// Packets reports whether the link uses numbered packets.
func (l *Link) Packets() bool { return l.packets }

// ProbePackets sends one numbered 10h (short status, password pwd) and
// reports whether a valid numbered reply came within wait: the device
// offers the alternative level. Garbage or silence: it does not.
func (l *Link) ProbePackets(ctx context.Context, pwd uint32, wait time.Duration) bool {
	body := proto.PutUint([]byte{byte(proto.CmdShortStatus)}, uint64(pwd), 4)
	l.num++
	pkt, err := proto.AppendPacket(l.frame[:0], l.num, body)
	if err != nil {
		return false
	}
	l.frame = pkt
	l.flush()
	if err := l.writeFrame(); err != nil {
		return false
	}
	reply, ok, _ := l.readPacket(ctx, wait, l.num)
	l.drain()
	return ok && len(reply) > 0 && reply[0] == byte(proto.CmdShortStatus)
}

func (l *Link) exchangePackets(ctx context.Context, body []byte, timeout time.Duration, progress func(time.Duration)) ([]byte, error) {
	l.num++
	pkt, err := proto.AppendPacket(l.frame[:0], l.num, body)
	if err != nil {
		return nil, fmt.Errorf("packet: %w", err)
	}
	l.frame = pkt
	start := time.Now()
	for sent := 0; ; sent++ {
		if err := ctx.Err(); err != nil {
			if sent == 0 {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
		}
		l.flush()
		if err := l.writeFrame(); err != nil {
			if sent == 0 {
				return nil, fmt.Errorf("%w: write packet: %w", device.ErrNoLink, err)
			}
			return nil, fmt.Errorf("%w: write packet: %w", device.ErrOutcomeUnknown, err)
		}
		wait := min(l.cfg.ProbeEvery, timeout-time.Since(start))
		reply, ok, err := l.readPacket(ctx, wait, l.num)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, err)
		}
		if ok {
			return reply, nil
		}
		if time.Since(start) >= timeout {
			return nil, fmt.Errorf("%w: %w: no reply to packet %d in %v", device.ErrOutcomeUnknown, ErrTimeout, l.num, timeout)
		}
		if progress != nil {
			progress(time.Since(start))
		}
		// Sent again with the same number: answered, not executed again.
	}
}

// readPacket waits up to wait for the reply packet numbered num. Packets
// with another number (late answers to earlier sends) and damaged ones are
// dropped: the next send brings the answer again.
func (l *Link) readPacket(ctx context.Context, wait time.Duration, num uint16) ([]byte, bool, error) {
	deadline := time.Now().Add(wait)
	var r proto.PacketReader
	in := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		d := time.Until(deadline)
		if in {
			d = max(d, l.cfg.ByteTimeout) // a packet under way may finish
		}
		if d <= 0 {
			return nil, false, nil
		}
		b, ok, err := l.readByte(min(d, maxSlice))
		if err != nil {
			return nil, false, err
		}
		if !ok {
			if in && !time.Now().Before(deadline) {
				return nil, false, nil
			}
			continue
		}
		if !in {
			if b == proto.PacketStart {
				in = true
				r.Reset()
			}
			continue
		}
		got, body, done, err := r.Feed(b)
		if !done {
			continue
		}
		in = false
		switch {
		case errors.Is(err, proto.ErrPacketCRC), err != nil:
			continue
		case got != num:
			continue
		}
		return body, true, nil
	}
}
