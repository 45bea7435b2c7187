package emu

import (
	"context"
	"time"

	"github.com/tillpos/till/device/shtrih/proto"
)

// receivePacket reads a numbered packet (the alternative link level,
// fiscal-shtrih-m.md §1.4) after its 8F arrived at start, each byte within
// the inter-byte timeout. A packet with the number of the last one is
// answered from memory and not executed again; a new one is executed and
// its reply, with the same number, goes out when ready. Damaged or stalled
// packets are dropped: the host sends them again. There is no ENQ/ACK.
func (e *Emulator) receivePacket(ctx context.Context, src source, send func([]byte, time.Time) (time.Time, error), start time.Time, busy bool) error {
	last := start
	var r proto.PacketReader
	for {
		c, at, ok, err := src.recv(ctx, last.Add(e.cfg.ByteTimeout), false)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		last = at
		num, body, done, perr := r.Feed(c)
		if !done {
			continue
		}
		if perr != nil {
			return nil
		}
		e.mu.Lock()
		if e.v2Packet != nil && num == e.v2Num {
			pkt, running := append([]byte(nil), e.v2Packet...), e.replyState == replyExecuting
			e.mu.Unlock()
			if running {
				return nil // the answer goes out when the command is done
			}
			_, err := send(pkt, last)
			return err
		}
		refuse := busy
		if !refuse && e.nakLeft > 0 {
			e.nakLeft-- // a refused packet is simply not answered
			refuse = true
		}
		e.mu.Unlock()
		if refuse {
			return nil
		}
		reply, busyFor, cmd := e.execute(body)
		pkt, err := proto.AppendPacket(nil, num, reply)
		if err != nil {
			return err
		}
		e.mu.Lock()
		e.reply, e.replyState, e.readyAt, e.replyCmd, e.replyV2 = pkt, replyExecuting, last.Add(busyFor), uint16(cmd), true
		e.v2Num, e.v2Packet = num, pkt
		if e.discArmed && uint16(cmd) == e.discAfter {
			e.discArmed = false
			e.goDeadLocked()
		}
		e.mu.Unlock()
		return nil
	}
}
