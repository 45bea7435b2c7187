package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/tillpos/till/chain/outbox"
)

// Event is one outbox row as the chain carries it.
type Event = outbox.Event

// TillConfig is what a till needs to be part of a chain.
type TillConfig struct {
	ID     TillID
	Dir    string // the till's JetStream files live in Dir/jetstream
	Centre string // the centre's leaf address, nats-leaf://host:port; "" keeps the till on its own
	Seed   []byte // the till's NKey seed: its sign-in at the centre's leaf port (ReadTillKey)

	// Batch is how many events one round publishes (default 256). Poll is
	// how often the publisher looks for new events when not kicked (default
	// 1 s). GapAfter is how long the centre's mark may stay behind what the
	// till's stream holds before the till re-sends straight to the centre
	// (default 5 s: sourcing resumes 10-40 s after a reconnect, and a
	// re-sent event the centre has is dropped by its key).
	Batch    int
	Poll     time.Duration
	GapAfter time.Duration
	Log      *slog.Logger

	hook func(stage string, seq int64) error // see export_test.go
}

// Till is a running till node: the embedded server, its stream and the
// publisher that drains the outbox into it.
type Till struct {
	cfg   TillConfig
	srv   *server.Server
	nc    *nats.Conn
	js    jetstream.JetStream
	ob    outbox.Store
	kick  chan struct{}
	stop  context.CancelFunc
	done  chan struct{}
	state atomicStatus
}

// Status is what the till's status bar shows of the chain.
type Status struct {
	Online       bool      // the leaf connection to the centre is up
	OfflineSince time.Time // zero while online
	Waiting      int64     // events the centre has not confirmed
	Resent       int64     // events re-sent straight to the centre (gaps)
	LastError    string
}

type atomicStatus struct {
	mu sync.Mutex
	s  Status
}

func (a *atomicStatus) get() Status { a.mu.Lock(); defer a.mu.Unlock(); return a.s }

func (a *atomicStatus) update(f func(*Status)) { a.mu.Lock(); f(&a.s); a.mu.Unlock() }

// StartTill starts the till's server, makes sure its stream exists and
// starts publishing the outbox. Selling never waits for it: the outbox is
// written by the sale's own transaction, and this only reads it.
func StartTill(ctx context.Context, cfg TillConfig, ob outbox.Store) (*Till, error) {
	if err := cfg.ID.Valid(); err != nil {
		return nil, err
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 256
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.GapAfter <= 0 {
		cfg.GapAfter = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	// From now on every receipt, shift and audit row goes to the outbox
	// too; before this the till kept none (it was not in a chain).
	if err := ob.EnableOutbox(ctx); err != nil {
		return nil, err
	}
	local, err := localAuth()
	if err != nil {
		return nil, err
	}
	if cfg.Centre != "" && len(cfg.Seed) == 0 {
		return nil, errors.New("no till key: the till has not joined the chain (till join)")
	}
	conf, err := tillConf(cfg.ID, cfg.Dir, cfg.Centre, local)
	if err != nil {
		return nil, err
	}
	srv, err := startServer(conf, true, cfg.Seed)
	if err != nil {
		return nil, err
	}
	nc, err := connectLocal(srv, local, "till "+cfg.ID.String())
	if err != nil {
		srv.Shutdown()
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		srv.Shutdown()
		return nil, err
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       TillStream,
		Subjects:   []string{cfg.ID.Subject(">")},
		Storage:    jetstream.FileStorage,
		Duplicates: 2 * time.Minute,
		// The stream is a buffer, not the archive: the outbox keeps what
		// the centre has not confirmed, and the centre keeps the rest.
		MaxAge: 60 * 24 * time.Hour,
	})
	if err != nil {
		nc.Close()
		srv.Shutdown()
		return nil, fmt.Errorf("till stream: %w", err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	t := &Till{cfg: cfg, srv: srv, nc: nc, js: js, ob: ob, kick: make(chan struct{}, 1), stop: cancel, done: make(chan struct{})}
	t.state.update(func(s *Status) { s.OfflineSince = time.Now() })
	// A store that says when a commit wrote an event has it sent at once:
	// the centre sees a sale within milliseconds, not at the next poll.
	// Kick never blocks, so the sale does not wait for it.
	if n, ok := ob.(outbox.Notifier); ok {
		n.OnOutboxEvent(t.Kick)
	}
	go t.run(rctx)
	return t, nil
}

// Kick tells the publisher there is something new (after a commit), so an
// event goes out at once instead of at the next poll. StartTill has the
// store call it after each commit that writes an event (outbox.Notifier).
func (t *Till) Kick() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// Status reports the link and the backlog.
func (t *Till) Status() Status { return t.state.get() }

// Close stops publishing and shuts the server down; what was not sent stays
// in the outbox and goes at the next start.
func (t *Till) Close() {
	if n, ok := t.ob.(outbox.Notifier); ok {
		n.OnOutboxEvent(nil)
	}
	t.stop()
	<-t.done
	t.nc.Close()
	t.srv.Shutdown()
	t.srv.WaitForShutdown()
}

// Server is the embedded server, for tests that cut the line.
func (t *Till) Server() *server.Server { return t.srv }

func (t *Till) run(ctx context.Context) {
	defer close(t.done)
	tick := time.NewTicker(t.cfg.Poll)
	defer tick.Stop()
	var behindSince time.Time
	var lastCentre int64 = -1
	for {
		if err := t.publish(ctx); err != nil && ctx.Err() == nil {
			t.cfg.Log.Warn("chain: publish", "err", err)
			t.state.update(func(s *Status) { s.LastError = err.Error() })
		}
		centre, online := t.askCentre(ctx)
		now := time.Now()
		m, err := t.ob.OutboxMarks(ctx)
		last, sent, known := m.Last, m.Sent, m.Centre
		if err == nil {
			if online && centre > known {
				if err := t.ob.MarkOutboxCentre(ctx, centre); err == nil {
					known = centre
				}
			}
			// The gap check that does not trust sourcing: the centre has
			// stayed behind what our stream acknowledged for GapAfter, so
			// send the difference straight to it.
			switch {
			case !online || known >= sent:
				behindSince = time.Time{}
			case centre != lastCentre || behindSince.IsZero():
				behindSince = now
			case now.Sub(behindSince) >= t.cfg.GapAfter:
				n, err := t.resend(ctx, known, sent)
				if err != nil && ctx.Err() == nil {
					t.cfg.Log.Warn("chain: resend", "err", err)
				}
				t.state.update(func(s *Status) { s.Resent += n })
				behindSince = now
			}
			lastCentre = centre
			t.state.update(func(s *Status) {
				s.Waiting = last - known
				if online {
					s.Online, s.OfflineSince = true, time.Time{}
				} else if s.Online || s.OfflineSince.IsZero() {
					s.Online, s.OfflineSince = false, now
				}
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.kick:
		case <-tick.C:
		}
	}
}

// publish drains the outbox into the till's own stream, in order, marking
// each batch sent only after every message in it was acknowledged. A crash
// between the ack and the mark sends the batch again: inside the duplicate
// window JetStream drops it, after it the centre's primary key does.
func (t *Till) publish(ctx context.Context) error {
	for {
		m, err := t.ob.OutboxMarks(ctx)
		if err != nil {
			return err
		}
		evs, err := t.ob.OutboxAfter(ctx, m.Sent, t.cfg.Batch)
		if err != nil || len(evs) == 0 {
			return err
		}
		futs := make([]jetstream.PubAckFuture, 0, len(evs))
		for _, e := range evs {
			f, err := t.js.PublishMsgAsync(t.msg(t.cfg.ID.Subject(e.Kind), e), jetstream.WithMsgID(t.cfg.ID.MsgID(e.Seq)))
			if err != nil {
				return fmt.Errorf("publish event %d: %w", e.Seq, err)
			}
			futs = append(futs, f)
			if err := t.at("published", e.Seq); err != nil {
				return err
			}
		}
		for i, f := range futs {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				return fmt.Errorf("event %d not stored: %w", evs[i].Seq, err)
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return fmt.Errorf("event %d: no acknowledgement from the till's own stream in 10 s", evs[i].Seq)
			}
		}
		if err := t.at("acked", evs[len(evs)-1].Seq); err != nil {
			return err
		}
		if err := t.ob.MarkOutboxSent(ctx, evs[len(evs)-1].Seq); err != nil {
			return err
		}
	}
}

// at lets a test stop the publisher at a point of publishing, as a kill
// would: an error ends the round there.
func (t *Till) at(stage string, seq int64) error {
	if t.cfg.hook == nil {
		return nil
	}
	return t.cfg.hook(stage, seq)
}

func (t *Till) msg(subject string, e Event) *nats.Msg {
	m := nats.NewMsg(subject)
	m.Data = e.Body
	m.Header.Set(HeaderSeq, strconv.FormatInt(e.Seq, 10))
	m.Header.Set(HeaderAt, formatAt(e.At))
	return m
}

// askCentre asks the centre for its high-water mark of this till: the
// highest seq below which it has every event. No answer means offline.
func (t *Till) askCentre(ctx context.Context) (int64, bool) {
	if t.cfg.Centre == "" {
		return 0, false
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	reply, err := t.nc.RequestWithContext(rctx, hwmSubject+t.cfg.ID.String(), nil)
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseInt(string(reply.Data), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// resend publishes events after..upto straight to the centre's stream, which
// acknowledges each: the way round a source that has stalled.
func (t *Till) resend(ctx context.Context, after, upto int64) (int64, error) {
	var n int64
	for after < upto {
		evs, err := t.ob.OutboxAfter(ctx, after, t.cfg.Batch)
		if err != nil {
			return n, err
		}
		if len(evs) == 0 {
			return n, errors.New("the outbox no longer holds events the centre lacks")
		}
		for _, e := range evs {
			if e.Seq > upto {
				return n, nil
			}
			pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := t.js.PublishMsg(pctx, t.msg(t.cfg.ID.ResendSubject(e.Kind), e), jetstream.WithMsgID(t.cfg.ID.MsgID(e.Seq)))
			cancel()
			if err != nil {
				return n, fmt.Errorf("resend event %d: %w", e.Seq, err)
			}
			n++
			after = e.Seq
		}
	}
	return n, nil
}
