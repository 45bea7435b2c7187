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
)

// Received is an event as the centre got it.
type Received struct {
	Till TillID
	Event
}

// Sink is the centre's database. Store must keep each (till, seq) once,
// whatever it is given twice, and commit the batch before it returns; HWM
// is the till's high-water mark: the highest seq with every seq up to it
// stored.
type Sink interface {
	Store(ctx context.Context, batch []Received) error
	HWM(ctx context.Context, id TillID) (int64, error)
	Tills(ctx context.Context) ([]TillID, error)
}

// CentreConfig is what the head office's node needs.
type CentreConfig struct {
	Dir        string // JetStream files in Dir/jetstream
	ClientAddr string // host:port for operators' clients (default 127.0.0.1:-1, any free port)
	LeafAddr   string // host:port the tills dial (default 0.0.0.0:7422)
	// Keys is the book of till keys: only its TillKeys may sign in at the
	// leaf port, read again every KeysEvery (default 2 s) so a till
	// revoked by another process is shut out within seconds.
	Keys      JoinBook
	KeysEvery time.Duration
	// Join, when set, answers joining tills (JoinSubject).
	Join  *JoinConfig
	Batch int // events per ingest batch (default 512)
	Log   *slog.Logger

	// Cluster, when set, is an existing NATS system the centre uses
	// instead of starting its own server: ClientAddr, LeafAddr and
	// the tills' keys are then the cluster operator's affair, and Dir holds no
	// JetStream files.
	Cluster *Cluster

	noIngest bool // see export_test.go
}

// Centre is a running head-office node.
type Centre struct {
	cfg  CentreConfig
	srv  *server.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	sink Sink
	stop context.CancelFunc
	done chan struct{}

	mu    sync.Mutex
	tills map[TillID]bool

	local    Auth
	keysMu   sync.Mutex
	keys     []string             // sorted: the till keys the server lets in
	refused  map[string]time.Time // leaf sign-ins refused, by key: audited once in a while
	keysStop chan struct{}
	keysDone chan struct{}
}

// StartCentre starts the server (or connects to the existing cluster of
// cfg.Cluster), the stream that sources every known till
// and the ingester.
func StartCentre(ctx context.Context, cfg CentreConfig, sink Sink) (*Centre, error) {
	if cfg.ClientAddr == "" {
		cfg.ClientAddr = "127.0.0.1:-1"
	}
	if cfg.LeafAddr == "" {
		cfg.LeafAddr = "0.0.0.0:7422"
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 512
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.KeysEvery <= 0 {
		cfg.KeysEvery = 2 * time.Second
	}
	var keys []string
	if cfg.Cluster == nil {
		if cfg.Keys == nil {
			return nil, errors.New("centre: no book of till keys")
		}
		got, err := cfg.Keys.TillKeys(ctx)
		if err != nil {
			return nil, fmt.Errorf("till keys: %w", err)
		}
		keys = sortedKeys(got)
	} else if cfg.Join != nil {
		// The tills' identities on a cluster are its operator's: the centre
		// cannot let a new key in at a leaf port it does not run.
		return nil, fmt.Errorf("%w: tills join the centre's own server only; on an existing cluster its operator issues the tills' sign-ins", ErrCluster)
	}
	srv, nc, js, local, err := connectCentre(ctx, cfg, keys)
	if err != nil {
		return nil, err
	}
	c := &Centre{
		cfg: cfg, srv: srv, nc: nc, js: js, sink: sink, done: make(chan struct{}), tills: map[TillID]bool{},
		local: local, keys: keys, refused: map[string]time.Time{},
	}
	known, err := sink.Tills(ctx)
	if err != nil {
		c.shutdown()
		return nil, fmt.Errorf("tills the centre knows: %w", err)
	}
	for _, id := range known {
		c.tills[id] = true
	}
	if err := c.ensureStream(ctx); err != nil {
		c.shutdown()
		return nil, err
	}
	if _, err := nc.Subscribe(hwmSubject+">", c.answerHWM); err != nil {
		c.shutdown()
		return nil, err
	}
	if cfg.Join != nil {
		if _, err := nc.QueueSubscribe(JoinSubject, "join", c.answerJoin); err != nil {
			c.shutdown()
			return nil, err
		}
	}
	if c.srv != nil {
		if err := c.watchKeys(); err != nil {
			c.shutdown()
			return nil, err
		}
	}
	if !cfg.noIngest {
		c.StartIngest()
	}
	return c, nil
}

// connectCentre yields the centre's connection: to its own server, which
// it starts (the default), or to the existing cluster of cfg.Cluster, with
// no server of its own (srv nil).
func connectCentre(ctx context.Context, cfg CentreConfig, keys []string) (*server.Server, *nats.Conn, jetstream.JetStream, Auth, error) {
	if cfg.Cluster != nil {
		nc, js, err := dialCluster(ctx, *cfg.Cluster, cfg.Log)
		return nil, nc, js, Auth{}, err
	}
	return startEmbedded(cfg, keys)
}

// startEmbedded starts the centre's own server and connects to it
// in-process.
func startEmbedded(cfg CentreConfig, keys []string) (*server.Server, *nats.Conn, jetstream.JetStream, Auth, error) {
	local, err := localAuth()
	if err != nil {
		return nil, nil, nil, Auth{}, err
	}
	srv, err := startServer(centreConf(cfg.Dir, cfg.ClientAddr, cfg.LeafAddr, keys, local), false, nil)
	if err != nil {
		return nil, nil, nil, Auth{}, err
	}
	nc, err := connectLocal(srv, local, "centre")
	if err != nil {
		srv.Shutdown()
		return nil, nil, nil, Auth{}, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		srv.Shutdown()
		return nil, nil, nil, Auth{}, err
	}
	return srv, nc, js, local, nil
}

// StartIngest starts the ingester (StartCentre does, unless a benchmark
// wants the stream filled first).
func (c *Centre) StartIngest() {
	rctx, cancel := context.WithCancel(context.Background())
	c.stop = cancel
	go c.ingest(rctx)
}

// ensureStream makes the centre's stream source the OUTBOX stream of every
// known till across its domain, and take re-sent events on resend.>.
func (c *Centre) ensureStream(ctx context.Context) error {
	c.mu.Lock()
	var srcs []*jetstream.StreamSource
	for id := range c.tills {
		srcs = append(srcs, &jetstream.StreamSource{
			Name:     TillStream,
			External: &jetstream.ExternalStream{APIPrefix: "$JS." + id.Domain() + ".API"},
		})
	}
	c.mu.Unlock()
	_, err := c.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       CentreStream,
		Subjects:   []string{"resend.>"},
		Sources:    srcs,
		Storage:    jetstream.FileStorage,
		Replicas:   c.replicas(),
		Duplicates: 2 * time.Minute,
		// The database is the archive; the stream only carries.
		MaxAge: 30 * 24 * time.Hour,
	})
	if err != nil {
		return fmt.Errorf("centre stream: %w", err)
	}
	return nil
}

// AddTill makes the centre source a new till's stream. The till is known
// to the Sink from its first event on; until then AddTill is how it is met.
func (c *Centre) AddTill(ctx context.Context, id TillID) error {
	if err := id.Valid(); err != nil {
		return err
	}
	c.mu.Lock()
	had := c.tills[id]
	c.tills[id] = true
	c.mu.Unlock()
	if had {
		return nil
	}
	return c.ensureStream(ctx)
}

func (c *Centre) answerHWM(m *nats.Msg) {
	id, _, err := parseSubject("pos." + m.Subject[len(hwmSubject):] + ".x")
	if err != nil {
		return
	}
	n, err := c.sink.HWM(context.Background(), id)
	if err != nil {
		return
	}
	_ = m.Respond([]byte(strconv.FormatInt(n, 10)))
}

// ingest pulls the centre's stream in batches, stores each batch in the
// Sink in one transaction and only then acknowledges it. A crash between
// the two delivers the batch again; the Sink keeps each (till, seq) once.
func (c *Centre) ingest(ctx context.Context) {
	defer close(c.done)
	for ctx.Err() == nil {
		err := c.ingestLoop(ctx)
		if err != nil && ctx.Err() == nil {
			c.cfg.Log.Warn("chain: ingest", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (c *Centre) ingestLoop(ctx context.Context) error {
	cons, err := c.js.CreateOrUpdateConsumer(ctx, CentreStream, jetstream.ConsumerConfig{
		Durable: ingestName,
		// Each message is acknowledged on its own. With AckAll, a batch
		// fetched after a restart (while an earlier, unacknowledged one
		// waits for its redelivery) acknowledged the earlier messages too,
		// and they were never stored: the soak found it, and the till's
		// re-send was dropped as a duplicate until the window ran out.
		AckPolicy:     jetstream.AckExplicitPolicy,
		MaxAckPending: 4 * c.cfg.Batch,
		// What a restart left unacknowledged comes again after this; the
		// primary key drops what was stored already.
		AckWait: 10 * time.Second,
	})
	if err != nil {
		return err
	}
	// Acks go out from their own goroutine, a batch after its commit, while
	// the next batch is read and stored; they are publishes nobody waits for.
	acks := make(chan []jetstream.Msg, 4)
	acked := make(chan struct{})
	go func() {
		defer close(acked)
		for batch := range acks {
			for _, m := range batch {
				if err := m.Ack(); err != nil {
					// Not acknowledged, it comes again after AckWait and
					// the primary key keeps it once.
					c.cfg.Log.Warn("chain: ack", "err", err)
				}
			}
		}
	}()
	defer func() { close(acks); <-acked }()
	// Consume keeps pull requests of up to two batches going while a batch
	// is committed, so the stream's reads overlap the database's fsync; its
	// callback only hands each message over.
	in := make(chan jetstream.Msg, 2*c.cfg.Batch)
	stopped := make(chan struct{})
	defer close(stopped)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case in <- m:
		case <-stopped:
		}
	}, jetstream.PullMaxMessages(2*c.cfg.Batch), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		c.cfg.Log.Warn("chain: ingest consumer", "err", err)
	}))
	if err != nil {
		return err
	}
	defer cc.Stop()
	for {
		var batch []jetstream.Msg
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-cc.Closed():
			return errors.New("the ingest consumer stopped")
		case m := <-in:
			batch = append(make([]jetstream.Msg, 0, c.cfg.Batch), m)
		}
		// Then what has already arrived, up to a batch: a batch is what
		// the stream had, never a wait for more.
	fill:
		for len(batch) < c.cfg.Batch {
			select {
			case m := <-in:
				batch = append(batch, m)
			default:
				break fill
			}
		}
		if err := c.store(ctx, batch); err != nil {
			return err
		}
		acks <- batch
	}
}

// store puts one batch in the Sink in one transaction; only then are its
// messages acknowledged, each on its own (an unreadable one too: it is
// logged and passed, as holding the stream for it would stop every till's
// sales).
func (c *Centre) store(ctx context.Context, batch []jetstream.Msg) error {
	got := make([]Received, 0, len(batch))
	for _, m := range batch {
		r, err := decode(m)
		if err != nil {
			c.cfg.Log.Warn("chain: event dropped", "subject", m.Subject(), "err", err)
			continue
		}
		got = append(got, r)
	}
	if len(got) > 0 {
		if err := c.sink.Store(ctx, got); err != nil {
			return fmt.Errorf("store %d events: %w", len(got), err)
		}
	}
	return nil
}

// maxEvent bounds one event: a receipt of a thousand lines is far below it.
const maxEvent = 1 << 20

func decode(m jetstream.Msg) (Received, error) {
	id, kind, err := parseSubject(m.Subject())
	if err != nil {
		return Received{}, err
	}
	if len(m.Data()) > maxEvent {
		return Received{}, fmt.Errorf("event of %d bytes is over %d", len(m.Data()), maxEvent)
	}
	seq, err := strconv.ParseInt(m.Headers().Get(HeaderSeq), 10, 64)
	if err != nil || seq <= 0 {
		return Received{}, fmt.Errorf("no %s header", HeaderSeq)
	}
	at, err := time.Parse(time.RFC3339Nano, m.Headers().Get(HeaderAt))
	if err != nil {
		return Received{}, fmt.Errorf("no %s header", HeaderAt)
	}
	body := append([]byte(nil), m.Data()...)
	return Received{Till: id, Event: Event{Seq: seq, Kind: kind, At: at, Body: body}}, nil
}

// ClientURL is where operators' tools reach the centre: its own server's
// client port, or the server of the existing cluster it is connected to.
func (c *Centre) ClientURL() string {
	if c.srv == nil {
		return c.cfg.Cluster.clientURL(c.nc)
	}
	return c.srv.ClientURL()
}

// LeafURL is what tills dial: the configured leaf address of the centre's
// own server, or "" on an existing cluster, whose leaf port its operator
// runs and the centre does not know.
func (c *Centre) LeafURL() string {
	if c.srv == nil {
		return ""
	}
	return "nats-leaf://" + c.cfg.LeafAddr
}

// Close stops ingesting and shuts the centre's own server down; on an
// existing cluster it only disconnects.
func (c *Centre) Close() {
	if c.stop != nil {
		c.stop()
		<-c.done
	}
	c.shutdown()
}

func (c *Centre) shutdown() {
	if c.keysStop != nil {
		close(c.keysStop)
		<-c.keysDone
		c.keysStop = nil
	}
	c.nc.Close()
	if c.srv != nil {
		c.srv.Shutdown()
		c.srv.WaitForShutdown()
	}
}
