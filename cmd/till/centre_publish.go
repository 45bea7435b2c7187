package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
	"github.com/tillpos/till/store"
)

// Publishing down (docs/chain.md, "Publishing down"): the centre's back
// office is master.db; a publisher in the centre process builds from it
// the matrix bundle (users with their keyed hashes, groups, matrix,
// limits, badges, security settings) and the catalogue bundle, signs them
// with the centre's signing key and puts them in the config bucket under
// every store the centre knows. No display here: centre.go starts it.

// settingPublishVersion is master.db's last bundle version published (any
// kind, any store): the next is above it, so versions only ever grow, even
// across restarts and a wiped bucket.
const settingPublishVersion = "chain.publish.version"

// publisherTerminal is the terminal of the publisher's own audit rows in
// master.db (the version it keeps), which are no change to publish.
const publisherTerminal = "centre:publisher"

// bundleBucket is what the publisher needs of the centre's NATS side
// (chain.Centre).
type bundleBucket interface {
	PublishBundle(ctx context.Context, kind, store string, file []byte) (uint64, error)
	PublishedBundle(ctx context.Context, kind, store string) ([]byte, error)
}

// publishKinds are the bundles published, in order.
var publishKinds = []string{chain.KindMatrix, chain.KindCatalogue}

// centrePublisher publishes master.db's bundles to every store.
type centrePublisher struct {
	master *store.DB
	bucket bundleBucket
	stores func(ctx context.Context) ([]string, error)
	priv   ed25519.PrivateKey
	chain  string
	log    *slog.Logger
	now    func() time.Time

	seen    int64           // the master's audit head last looked at; -1: none yet
	dirty   map[string]bool // kinds whose content may have changed since last built
	built   map[string]*builtBundle
	last    map[string]string // ConfigKey → content hash in the bucket ("" unknown)
	version int64             // the highest version published or found
}

// builtBundle is a kind's content from master.db: its hash (without
// version, store or dates) and how to sign it for a store. nil sign: there
// is nothing to publish (no users yet, no items).
type builtBundle struct {
	hash string
	sign func(storeID string, version int64) ([]byte, error)
}

func newCentrePublisher(master *store.DB, bucket bundleBucket, stores func(context.Context) ([]string, error), priv ed25519.PrivateKey, chainName string, log *slog.Logger) *centrePublisher {
	return &centrePublisher{
		master: master, bucket: bucket, stores: stores, priv: priv, chain: chainName, log: log, now: time.Now,
		seen: -1, dirty: map[string]bool{}, built: map[string]*builtBundle{}, last: map[string]string{},
	}
}

// run publishes at start and then within every ever seconds of a change
// in master.db or a new store, until ctx ends.
func (p *centrePublisher) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	said := "" // the last failure logged: a lasting one is said once
	for {
		_, err := p.round(ctx)
		switch {
		case ctx.Err() != nil:
		case err != nil && err.Error() != said:
			said = err.Error()
			p.log.Warn("centre: publish bundles (tried again every round)", "err", err)
		case err == nil && said != "":
			said = ""
			p.log.Warn("centre: publishing bundles again")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// published is one bundle put in the bucket by a round.
type published struct {
	Kind, Store string
	Version     int64
}

// round looks for changes (the master's audit head: every change there
// writes an audit row) and new stores, builds what changed, and publishes
// it to each store whose bundle in the bucket has other content.
func (p *centrePublisher) round(ctx context.Context) ([]published, error) {
	head, _, err := p.master.AuditHead(ctx)
	if err != nil {
		return nil, err
	}
	if head != p.seen {
		if err := p.classify(ctx, head); err != nil {
			return nil, err
		}
	}
	stores, err := p.stores(ctx)
	if err != nil {
		return nil, fmt.Errorf("stores: %w", err)
	}
	var out []published
	for _, kind := range publishKinds {
		if p.dirty[kind] || p.built[kind] == nil {
			b, err := p.build(ctx, kind)
			if err != nil {
				return out, fmt.Errorf("build the %s bundle: %w", kind, err)
			}
			p.built[kind] = b
			p.dirty[kind] = false
		}
		b := p.built[kind]
		if b.sign == nil {
			continue
		}
		var due []string
		for _, s := range stores {
			key := chain.ConfigKey(kind, s)
			if _, known := p.last[key]; !known {
				if err := p.readBucket(ctx, kind, s); err != nil {
					return out, err
				}
			}
			if p.last[key] != b.hash {
				due = append(due, s)
			}
		}
		if len(due) == 0 {
			continue
		}
		v, err := p.nextVersion(ctx)
		if err != nil {
			return out, err
		}
		for _, s := range due {
			file, err := b.sign(s, v)
			if err != nil {
				return out, fmt.Errorf("sign the %s bundle for store %s: %w", kind, s, err)
			}
			if _, err := p.bucket.PublishBundle(ctx, kind, s, file); err != nil {
				return out, err
			}
			p.last[chain.ConfigKey(kind, s)] = b.hash
			out = append(out, published{Kind: kind, Store: s, Version: v})
			p.log.Info("centre: bundle published", "kind", kind, "store", s, "version", v)
		}
	}
	return out, nil
}

// classify marks the kinds the audit rows after the last head touch:
// catalogue.* rows change the catalogue, every other row (users, groups,
// matrix, settings, badges) the matrix bundle. Many rows at once: both.
func (p *centrePublisher) classify(ctx context.Context, head int64) error {
	if p.seen < 0 || head < p.seen {
		p.dirty[chain.KindMatrix], p.dirty[chain.KindCatalogue] = true, true
		p.seen = head
		return nil
	}
	const most = 1000
	es, err := p.master.AuditEntries(ctx, p.seen, most)
	if err != nil {
		return err
	}
	if len(es) == most {
		p.dirty[chain.KindMatrix], p.dirty[chain.KindCatalogue] = true, true
	}
	for _, e := range es {
		switch {
		case e.Terminal == publisherTerminal:
		case strings.HasPrefix(e.Action, "catalogue."):
			p.dirty[chain.KindCatalogue] = true
		default:
			p.dirty[chain.KindMatrix] = true
		}
	}
	p.seen = head
	return nil
}

// build reads kind's content from master.db.
func (p *centrePublisher) build(ctx context.Context, kind string) (*builtBundle, error) {
	switch kind {
	case chain.KindMatrix:
		// A master without users would deactivate every till's users:
		// nothing is published before the master admin exists.
		need, err := p.master.NeedsSetup(ctx)
		if err != nil || need {
			return &builtBundle{}, err
		}
		c, err := p.master.ExportBundle(ctx, 0)
		if err != nil {
			return nil, err
		}
		c.Publisher = "till centre"
		c.Chain = p.chain
		hash, err := matrixHash(c)
		if err != nil {
			return nil, err
		}
		return &builtBundle{hash: hash, sign: func(s string, v int64) ([]byte, error) {
			c := c
			c.Store, c.Version = s, v
			return bundle.Sign(c, p.priv)
		}}, nil
	case chain.KindCatalogue:
		var buf bytes.Buffer
		n, err := p.master.WriteCatalogue(ctx, &buf, "csv", false)
		if err != nil || n == 0 {
			return &builtBundle{}, err
		}
		data := buf.String()
		created := p.now().UTC().Format(time.RFC3339)
		return &builtBundle{hash: catalogueHash("csv", data), sign: func(s string, v int64) ([]byte, error) {
			return bundle.SignCatalogue(bundle.Catalogue{
				Version: v, Created: created, Publisher: "till centre", Store: s, Chain: p.chain, Format: "csv", Data: data,
			}, p.priv)
		}}, nil
	}
	return nil, fmt.Errorf("no bundle kind %q", kind)
}

// matrixHash is the hash of a matrix bundle's content without what differs
// between two publications of the same content: version, store, dates.
func matrixHash(c bundle.Contents) (string, error) {
	c.Version, c.Store, c.Created = 0, "", ""
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

func catalogueHash(format, data string) string {
	sum := sha256.Sum256([]byte(format + "\n" + data))
	return hex.EncodeToString(sum[:])
}

// readBucket learns what store's key of kind holds: its content hash and
// version (a value this centre's key did not sign counts as other content).
func (p *centrePublisher) readBucket(ctx context.Context, kind, s string) error {
	file, err := p.bucket.PublishedBundle(ctx, kind, s)
	if err != nil {
		return err
	}
	key := chain.ConfigKey(kind, s)
	p.last[key] = ""
	if file == nil {
		return nil
	}
	own := []ed25519.PublicKey{p.priv.Public().(ed25519.PublicKey)}
	switch kind {
	case chain.KindMatrix:
		v, err := bundle.Open(file, own)
		if err != nil {
			p.log.Warn("centre: the bucket's bundle is not this centre's", "key", key, "err", err)
			return nil
		}
		p.version = max(p.version, v.Contents.Version)
		if v.Contents.Chain == p.chain {
			if p.last[key], err = matrixHash(v.Contents); err != nil {
				return err
			}
		}
	case chain.KindCatalogue:
		v, err := bundle.OpenCatalogue(file, own)
		if err != nil {
			p.log.Warn("centre: the bucket's bundle is not this centre's", "key", key, "err", err)
			return nil
		}
		p.version = max(p.version, v.Catalogue.Version)
		if v.Catalogue.Chain == p.chain {
			p.last[key] = catalogueHash(v.Catalogue.Format, v.Catalogue.Data)
		}
	}
	return nil
}

// nextVersion is the version of the next publication: above every version
// published before (master.db keeps the last, written before the bundle
// goes out) and at least the clock's Unix seconds, so a chain bundle is
// newer than any till's own matrix version.
func (p *centrePublisher) nextVersion(ctx context.Context) (int64, error) {
	s, err := p.master.SettingString(ctx, settingPublishVersion, "0")
	if err != nil {
		return 0, err
	}
	kept, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("setting %s = %q: %w", settingPublishVersion, s, err)
	}
	v := max(kept, p.version) + 1
	v = max(v, p.now().Unix())
	if err := p.master.SetSetting(ctx, settingPublishVersion, strconv.FormatInt(v, 10), store.Actor{Terminal: publisherTerminal}); err != nil {
		return 0, err
	}
	p.version = v
	return v, nil
}

// centreStores are the stores of the tills centre.db knows, each once.
func centreStores(tills func(context.Context) ([]chain.TillID, error)) func(context.Context) ([]string, error) {
	return func(ctx context.Context) ([]string, error) {
		ids, err := tills(ctx)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, id := range ids {
			if !slices.Contains(out, id.Store) {
				out = append(out, id.Store)
			}
		}
		return out, nil
	}
}

// openChainMaster opens master.db and takes the chain's name (-chain,
// once: it is kept in master.db's store identity). It returns master.db
// and the name, or nil and "" when the chain has no name yet: then the
// centre neither publishes nor lets tills join (it says so), and its
// window cannot start.
func openChainMaster(ctx context.Context, files centreFiles, chainFlag string, window bool, out io.Writer) (*store.DB, string, error) {
	master, err := files.openMaster(ctx)
	if err != nil {
		return nil, "", err
	}
	_, name, err := master.StoreIdentity(ctx)
	if err != nil {
		master.Close()
		return nil, "", operatorError(err)
	}
	chainFlag = strings.TrimSpace(chainFlag)
	switch {
	case chainFlag != "" && name == "":
		if err := (chain.TillID{Store: chainFlag, Till: "x"}).Valid(); err != nil {
			master.Close()
			return nil, "", fmt.Errorf("%w: -chain %q: letters, digits, '-' and '_'", errUsage, chainFlag)
		}
		if err := master.SetStoreIdentity(ctx, "centre", chainFlag, store.Actor{Terminal: publisherTerminal}); err != nil {
			master.Close()
			return nil, "", operatorError(err)
		}
		name = chainFlag
	case chainFlag != "" && chainFlag != name:
		master.Close()
		return nil, "", fmt.Errorf("%w: -chain %q: this centre's chain is %q (set at its first start)", errUsage, chainFlag, name)
	case name == "" && window:
		master.Close()
		return nil, "", fmt.Errorf("%w: the first start of the centre's back office names the chain: till centre -chain NAME -window", errUsage)
	case name == "":
		master.Close()
		fmt.Fprintln(out, "publishing down is off: the chain has no name yet (start the centre once with -chain NAME)")
		return nil, "", nil
	}
	return master, name, nil
}

// startPublishing makes sure the config bucket exists and starts the
// publisher of master.db's bundles (nothing when master is nil: the chain
// has no name). stop ends the publisher; master.db stays the caller's.
func startPublishing(ctx context.Context, c *chain.Centre, cdb *centredb.DB, files centreFiles, master *store.DB, name string,
	out io.Writer, log *slog.Logger,
) (stop func(), err error) {
	if master == nil {
		return func() {}, nil
	}
	if err := c.EnsureConfig(ctx); err != nil {
		return nil, err
	}
	priv, err := files.signer()
	if err != nil {
		return nil, err
	}
	p := newCentrePublisher(master, c, centreStores(cdb.Tills), priv, name, log)
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); p.run(pctx, publishEvery) }()
	fmt.Fprintf(out, "publishing chain %q to every store: users, groups, matrix, limits and the catalogue from %s, signed with %s\n", name, files.masterDB(), files.signingKey())
	if need, err := master.NeedsSetup(ctx); err == nil && need {
		fmt.Fprintln(out, "  master.db has no administrator yet: till centre -window sets one up (nothing is published before)")
	}
	return func() { cancel(); <-done }, nil
}

// publishEvery is how often the publisher looks for a change in master.db
// (one indexed read of the audit head) and for a new store.
const publishEvery = 500 * time.Millisecond
