package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// An existing NATS system (docs/chain.md, "An existing NATS cluster").
//
// A chain whose IT already runs NATS can put the centre on it instead of
// the centre's own server: the centre connects as a client and sets up on
// it what it would set up at home (the stream POS, the ingester's consumer,
// the HWM responder, the config bucket). The cluster's servers, its leaf
// port and the accounts and credentials of the tills are its operator's:
// the centre cannot add a user to a system it does not run.

// Cluster is how the centre reaches an existing NATS system: the URLs of
// its servers and one way of signing in, as its operator hands them over.
// Each is a file, never a secret on a command line, and a file other users
// can read is refused.
type Cluster struct {
	URLs []string // nats://host:port (or tls://) of one or more of its servers

	Creds    string // a .creds file: the user's JWT and NKey seed (operator mode)
	NKeySeed string // a file with a user NKey seed (SU...)
	AuthFile string // a file with the lines "user NAME" and "password SECRET"

	// CA is a PEM file of the authority that signed the cluster's TLS
	// certificates, when it is the chain's own and not one the system
	// trusts; it makes the connection TLS.
	CA string

	// Replicas is how many of the cluster's servers keep the centre's
	// stream and config bucket (the ingester's consumer follows the
	// stream): 1 (the default) up to 5, as its operator decides. The
	// centre sets it at every update of the stream, so it is said here
	// and not changed on the cluster behind the centre's back.
	Replicas int
}

// ErrCluster is an existing NATS system the centre cannot use: it is
// unreachable, refuses the centre's credentials, or lacks what the chain
// needs (JetStream for the account, in the domain CentreDomain).
var ErrCluster = errors.New("chain: existing NATS cluster")

// clusterReconnectWait is how long the centre waits between attempts to
// reach the cluster again when the link is down.
const clusterReconnectWait = 500 * time.Millisecond

// options checks the cluster's sign-in files and turns them into the
// client's options.
func (cl Cluster) options() ([]nats.Option, error) {
	if len(cl.URLs) == 0 {
		return nil, fmt.Errorf("%w: no server URL", ErrCluster)
	}
	if cl.Replicas < 0 || cl.Replicas > 5 {
		return nil, fmt.Errorf("%w: %d replicas: NATS keeps a stream on 1 to 5 servers", ErrCluster, cl.Replicas)
	}
	var opts []nats.Option
	if cl.CA != "" {
		o := nats.RootCAs(cl.CA)
		if err := o(&nats.Options{}); err != nil {
			return nil, fmt.Errorf("%w: the cluster's CA file %s: %v", ErrCluster, cl.CA, err)
		}
		opts = append(opts, o)
	}
	given := 0
	for _, f := range []string{cl.Creds, cl.NKeySeed, cl.AuthFile} {
		if f != "" {
			given++
		}
	}
	if given > 1 {
		return nil, fmt.Errorf("%w: give one way of signing in (a .creds file, an NKey seed file or a user and password file), not %d", ErrCluster, given)
	}
	switch {
	case cl.Creds != "":
		if err := secretFile(cl.Creds, "NATS credentials file"); err != nil {
			return nil, err
		}
		return append(opts, nats.UserCredentials(cl.Creds)), nil
	case cl.NKeySeed != "":
		if err := secretFile(cl.NKeySeed, "NKey seed file"); err != nil {
			return nil, err
		}
		o, err := nats.NkeyOptionFromSeed(cl.NKeySeed)
		if err != nil {
			return nil, fmt.Errorf("NKey seed file %s: %w", cl.NKeySeed, err)
		}
		return append(opts, o), nil
	case cl.AuthFile != "":
		a, err := readUserFile(cl.AuthFile)
		if err != nil {
			return nil, fmt.Errorf("NATS user and password: %w", err)
		}
		return append(opts, nats.UserInfo(a.User, a.Password)), nil
	}
	// A cluster that lets anyone in (a test bench): allowed, the server
	// decides.
	return opts, nil
}

// secretFile refuses a credentials file that is missing, not a file, or
// readable by other users (openSecret); the NATS client reads it itself.
func secretFile(path, what string) error {
	f, err := openSecret(path, what)
	if err != nil {
		return err
	}
	return f.Close()
}

// maxUserFile bounds a user and password file: two short lines.
const maxUserFile = 4096

// readUserFile reads a user and password the cluster's operator handed
// over, as two lines, "user NAME" and "password SECRET", from a file only
// its owner can read: a password never goes on a command line, where ps and
// the shell's history would show it.
func readUserFile(path string) (Auth, error) {
	b, err := readSecret(path, "user and password file", maxUserFile)
	if err != nil {
		return Auth{}, err
	}
	var a Auth
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "user":
			a.User = strings.TrimSpace(v)
		case "password":
			a.Password = strings.TrimSpace(v)
		}
	}
	if a.User == "" || a.Password == "" {
		return Auth{}, fmt.Errorf("%s: want the lines \"user NAME\" and \"password SECRET\"", path)
	}
	return a, nil
}

// dialCluster connects the centre to an existing NATS system and checks it
// has what the chain needs. The connection reconnects for ever, logging
// when the link goes down and comes back; what the centre subscribed to
// is subscribed again on the new link.
func dialCluster(ctx context.Context, cl Cluster, log *slog.Logger) (*nats.Conn, jetstream.JetStream, error) {
	opts, err := cl.options()
	if err != nil {
		return nil, nil, err
	}
	urls := strings.Join(cl.URLs, ",")
	opts = append(opts,
		nats.Name("till centre"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(clusterReconnectWait),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			if nc.IsClosed() {
				return // the centre's own Close
			}
			log.Warn("chain: the link to the NATS cluster is down; reconnecting", "urls", urls, "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Warn("chain: the link to the NATS cluster is back", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(nc *nats.Conn, s *nats.Subscription, err error) {
			log.Warn("chain: NATS cluster", "err", err)
		}),
	)
	nc, err := nats.Connect(urls, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: connect to %s: %v", ErrCluster, urls, err)
	}
	js, err := checkCluster(ctx, nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// checkCluster asks the account's JetStream through the centre's domain,
// as the tills do ($JS.centre.API), and when that fails asks the account's
// own JetStream why: not enabled, or in another domain.
func checkCluster(ctx context.Context, nc *nats.Conn) (jetstream.JetStream, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	js, err := jetstream.NewWithDomain(nc, CentreDomain)
	if err != nil {
		return nil, err
	}
	info, err := js.AccountInfo(ctx)
	if err == nil && info.Domain == CentreDomain {
		return js, nil
	}
	if err != nil && !errors.Is(err, jetstream.ErrJetStreamNotEnabled) && !errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
		return nil, fmt.Errorf("%w: JetStream account info of the domain %q: %v", ErrCluster, CentreDomain, err)
	}
	plain, perr := jetstream.New(nc)
	if perr != nil {
		return nil, perr
	}
	own, oerr := plain.AccountInfo(ctx)
	switch {
	case errors.Is(oerr, jetstream.ErrJetStreamNotEnabledForAccount):
		return nil, fmt.Errorf("%w: JetStream is not enabled for the account the centre signs in to: its operator must enable it (jetstream: enabled, or JetStream limits in the account's JWT)", ErrCluster)
	case errors.Is(oerr, jetstream.ErrJetStreamNotEnabled):
		return nil, fmt.Errorf("%w: JetStream is not running for the centre's account on %s: the cluster needs JetStream with the domain %q", ErrCluster, nc.ConnectedUrlRedacted(), CentreDomain)
	case oerr != nil:
		return nil, fmt.Errorf("%w: JetStream account info: %v", ErrCluster, oerr)
	case own.Domain == "":
		return nil, fmt.Errorf("%w: its JetStream has no domain; the tills reach the centre's as %q: set jetstream { domain: %s } on its servers", ErrCluster, CentreDomain, CentreDomain)
	default:
		return nil, fmt.Errorf("%w: its JetStream domain is %q; the tills reach the centre's as %q: set jetstream { domain: %s } on its servers", ErrCluster, own.Domain, CentreDomain, CentreDomain)
	}
}

// clientURL is the cluster's server the centre is connected to now, or the
// URLs it was given while the link is down.
func (cl *Cluster) clientURL(nc *nats.Conn) string {
	if u := nc.ConnectedUrlRedacted(); u != "" {
		return u
	}
	return strings.Join(cl.URLs, ",")
}

// replicas is the number of servers keeping the centre's stream and
// bucket: the cluster's choice, or the server's default (one) at home.
func (c *Centre) replicas() int {
	if c.cfg.Cluster == nil {
		return 0
	}
	return c.cfg.Cluster.Replicas
}
