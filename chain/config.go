package chain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Publishing down (docs/admin.md, "Publishing down").
//
// The centre keeps the chain's configuration in the JetStream KV bucket
// ConfigBucket, in its own domain. Each value is a whole signed bundle file
// (package bundle), under the key ConfigKey(kind, store): one key per kind
// and store, because a bundle names the store it is for and a till refuses
// another store's. Each till's embedded server mirrors its own store's keys
// of the bucket into its own domain across the leaf connection, so the last
// value is on the till's disk and readable while the line is down; a
// ConfigWatch on the till hands every new value to an Applier, which
// verifies the signature against the till's trusted centre key and imports
// it (package store: ApplySignedBundle). NATS only carries bytes: trust is
// the signature, never the bucket.

// ConfigBucket is the KV bucket of published bundles, at the centre and
// mirrored on every till.
const ConfigBucket = "config"

// Kinds of bundle a centre publishes.
const (
	KindMatrix    = "matrix"    // users, groups, matrix, limits, badges, security settings
	KindCatalogue = "catalogue" // items and prices
)

// ConfigHistory is how many values of a key the centre's bucket keeps: the
// tills only need the last, the rest is for an operator looking back.
const ConfigHistory = 10

// MaxBundleValue bounds a published bundle: NATS's default largest message
// (1 MiB). A store's users, groups and badges take a few kilobytes.
const MaxBundleValue = 1 << 20

// ErrConfigValue: a value the centre will not publish (empty, too large).
var ErrConfigValue = errors.New("chain: bundle value refused")

// ConfigKey is the key of a store's bundle of kind: "<kind>.<store>".
func ConfigKey(kind, store string) string { return kind + "." + store }

// configBucket is the centre's bucket (domainPrefix "") or a till's mirror
// of it, which takes only store's keys: a till holds no other store's
// users and hashes.
func configBucket(domainPrefix, store string) jetstream.KeyValueConfig {
	cfg := jetstream.KeyValueConfig{
		Bucket:       ConfigBucket,
		Description:  "signed bundles the centre publishes to its tills",
		History:      ConfigHistory,
		MaxValueSize: MaxBundleValue,
		Storage:      jetstream.FileStorage,
	}
	if domainPrefix != "" {
		cfg.Description = "mirror of the centre's signed bundles"
		cfg.Mirror = &jetstream.StreamSource{
			Name:          ConfigBucket,
			FilterSubject: "$KV." + ConfigBucket + ".*." + store,
			External:      &jetstream.ExternalStream{APIPrefix: domainPrefix},
		}
	}
	return cfg
}

// EnsureConfig creates the centre's bucket when it does not exist yet. Call
// it when the centre starts: a till's mirror set up before the bucket
// exists retries only after a back-off (10 s, then longer, up to 2 min),
// while one that finds the bucket follows it at once. A bucket created
// once stays in the centre's file store.
func (c *Centre) EnsureConfig(ctx context.Context) error {
	cfg := configBucket("", "")
	cfg.Replicas = c.replicas()
	if _, err := c.js.CreateOrUpdateKeyValue(ctx, cfg); err != nil {
		return fmt.Errorf("config bucket: %w", err)
	}
	return nil
}

// PublishBundle puts a signed bundle file as the value of store's key of
// kind and returns the value's revision. The centre does not judge the
// bundle: whoever signed it is responsible, and every till checks the
// signature before it applies anything.
func (c *Centre) PublishBundle(ctx context.Context, kind, store string, file []byte) (uint64, error) {
	if err := (TillID{Store: store, Till: "x"}).Valid(); err != nil {
		return 0, err
	}
	if len(file) == 0 || len(file) > MaxBundleValue {
		return 0, fmt.Errorf("%w: %d bytes (at most %d)", ErrConfigValue, len(file), MaxBundleValue)
	}
	kv, err := c.js.CreateOrUpdateKeyValue(ctx, configBucket("", ""))
	if err != nil {
		return 0, fmt.Errorf("config bucket: %w", err)
	}
	rev, err := kv.Put(ctx, ConfigKey(kind, store), file)
	if err != nil {
		return 0, fmt.Errorf("publish %s bundle for store %s: %w", kind, store, err)
	}
	return rev, nil
}

// PublishedBundle is the value in force of store's key of kind in the
// centre's bucket, nil when nothing was published there yet: the centre's
// publisher reads it at start, so a restarted centre neither publishes
// the same content again nor a version lower than the one the tills hold.
func (c *Centre) PublishedBundle(ctx context.Context, kind, store string) ([]byte, error) {
	kv, err := c.js.KeyValue(ctx, ConfigBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config bucket: %w", err)
	}
	e, err := kv.Get(ctx, ConfigKey(kind, store))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s bundle of store %s: %w", kind, store, err)
	}
	return e.Value(), nil
}

// Applier takes a bundle file a till received: it verifies and applies it,
// or refuses it (and audits the refusal itself), returning the version now
// in force.
type Applier interface {
	ApplyBundle(ctx context.Context, file []byte) (int64, error)
}

// ApplyFunc adapts a function to Applier.
type ApplyFunc func(ctx context.Context, file []byte) (int64, error)

// ApplyBundle calls f.
func (f ApplyFunc) ApplyBundle(ctx context.Context, file []byte) (int64, error) { return f(ctx, file) }

// WatchStatus is what the till knows of the bundles it was sent.
type WatchStatus struct {
	Version    int64     // the version in force after the last value handled
	AppliedAt  time.Time // when a bundle was last applied (or found in force)
	Refused    string    // why the last refused value was refused; "" after a good one
	RefusedAt  time.Time
	Revision   uint64 // the last KV revision handled (the centre's sequence: mirrors keep it)
	LastChange time.Time
	Direct     int // values taken straight from the centre because the mirror had stalled
}

// WatchOptions configure a ConfigWatch.
type WatchOptions struct {
	Kind    string  // KindMatrix
	Applier Applier // verifies and applies a bundle file

	// Check is how often the watch looks at its mirror (default 5 s), and
	// Stalled how long the mirror may go without hearing from the centre
	// before the watch asks the centre itself (default 10 s). NATS retries
	// a mirror that lost its source with a growing back-off (up to 2 min;
	// 40 s measured after a centre restart): asking the centre directly,
	// as the publisher re-sends gaps, does not wait for it.
	Check   time.Duration
	Stalled time.Duration
}

// ConfigWatch applies the till's store's bundles from its mirror as they
// arrive. Stop it before closing the Till.
type ConfigWatch struct {
	t    *Till
	o    WatchOptions
	key  string
	stop context.CancelFunc
	done chan struct{}

	mu sync.Mutex
	st WatchStatus
	ch chan struct{} // closed and replaced on every change
}

// WatchConfig makes sure the till's mirror of the centre's bucket exists
// and starts handing each new value of its store's key of o.Kind to
// o.Applier. The first value handled is the mirror's last one (a till that
// restarts offline sees the bundle already in force, which the applier
// does not count as a change). Deleting a key at the centre changes nothing
// on the tills: they keep the last good bundle.
func (t *Till) WatchConfig(ctx context.Context, o WatchOptions) (*ConfigWatch, error) {
	if o.Applier == nil || o.Kind == "" {
		return nil, errors.New("watch config: no kind or applier")
	}
	if o.Check <= 0 {
		o.Check = 5 * time.Second
	}
	if o.Stalled <= 0 {
		o.Stalled = 10 * time.Second
	}
	kv, err := t.js.CreateOrUpdateKeyValue(ctx, configBucket("$JS."+CentreDomain+".API", t.cfg.ID.Store))
	if err != nil {
		return nil, fmt.Errorf("config mirror: %w", err)
	}
	key := ConfigKey(o.Kind, t.cfg.ID.Store)
	rctx, cancel := context.WithCancel(context.Background())
	w, err := kv.Watch(rctx, key, jetstream.IgnoreDeletes())
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watch config: %w", err)
	}
	cw := &ConfigWatch{t: t, o: o, key: key, stop: cancel, done: make(chan struct{}), ch: make(chan struct{})}
	go cw.run(rctx, w)
	return cw, nil
}

func (cw *ConfigWatch) run(ctx context.Context, w jetstream.KeyWatcher) {
	defer close(cw.done)
	defer w.Stop()
	tick := time.NewTicker(cw.o.Check)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil { // the end of the values already there
				continue
			}
			cw.handle(ctx, e, false)
		case <-tick.C:
			if cw.t.cfg.Centre != "" && cw.mirrorStalled(ctx) {
				cw.askCentre(ctx)
			}
		}
	}
}

// handle gives one value to the applier, unless a newer one was handled
// already (the centre's answer can overtake the mirror).
func (cw *ConfigWatch) handle(ctx context.Context, e jetstream.KeyValueEntry, direct bool) {
	cw.mu.Lock()
	seen := cw.st.Revision
	cw.mu.Unlock()
	if e.Revision() <= seen {
		return
	}
	v, err := cw.o.Applier.ApplyBundle(ctx, e.Value())
	if ctx.Err() != nil {
		return
	}
	log := cw.t.cfg.Log
	if err != nil {
		log.Warn("chain: bundle refused", "key", e.Key(), "revision", e.Revision(), "err", err)
	} else {
		log.Info("chain: bundle in force", "key", e.Key(), "revision", e.Revision(), "version", v, "direct", direct)
	}
	now := time.Now()
	cw.mu.Lock()
	defer cw.mu.Unlock()
	cw.st.Revision, cw.st.LastChange = e.Revision(), now
	if direct {
		cw.st.Direct++
	}
	if err != nil {
		cw.st.Refused, cw.st.RefusedAt = err.Error(), now
	} else {
		cw.st.Version, cw.st.AppliedAt, cw.st.Refused = v, now, ""
	}
	close(cw.ch)
	cw.ch = make(chan struct{})
}

// mirrorStalled says whether the till's mirror has not heard from the
// centre for o.Stalled (or reports an error).
func (cw *ConfigWatch) mirrorStalled(ctx context.Context) bool {
	s, err := cw.t.js.Stream(ctx, "KV_"+ConfigBucket)
	if err != nil {
		return true
	}
	m := s.CachedInfo().Mirror
	return m == nil || m.Error != nil || m.Active < 0 || m.Active > cw.o.Stalled
}

// askCentre reads the key straight from the centre's bucket across the
// leaf; no answer (offline) changes nothing.
func (cw *ConfigWatch) askCentre(ctx context.Context) {
	actx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	js, err := jetstream.NewWithDomain(cw.t.nc, CentreDomain)
	if err != nil {
		return
	}
	kv, err := js.KeyValue(actx, ConfigBucket)
	if err != nil {
		return
	}
	e, err := kv.Get(actx, cw.key)
	if err != nil {
		return
	}
	cw.handle(ctx, e, true)
}

// Status reports the last value handled.
func (cw *ConfigWatch) Status() WatchStatus {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	return cw.st
}

// Changed is closed at the next value handled (tests, the status bar).
func (cw *ConfigWatch) Changed() <-chan struct{} {
	cw.mu.Lock()
	defer cw.mu.Unlock()
	return cw.ch
}

// Stop ends the watch and waits for a bundle being applied to finish.
func (cw *ConfigWatch) Stop() {
	cw.stop()
	<-cw.done
}
