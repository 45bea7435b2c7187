package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/store"
)

// `till centre -nats URL[,URL] -nats-creds FILE`: the centre on an existing
// NATS cluster instead of its own server (docs/chain.md, "An existing NATS
// cluster"). The cluster's leaf port and the tills' sign-ins are its
// operator's; the centre only needs its own.

// natsFlags are the flags of the centre on an existing cluster.
type natsFlags struct {
	urls, creds, nkey, auth, ca string
	replicas                    int
}

func (n *natsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&n.urls, "nats", "", "URL[,URL]: an existing NATS cluster to run on instead of the centre's own server")
	fs.StringVar(&n.creds, "nats-creds", "", "with -nats: the centre's .creds file from the cluster's operator (mode 0600)")
	fs.StringVar(&n.nkey, "nats-nkey", "", "with -nats: a file with the centre's user NKey seed (mode 0600)")
	fs.StringVar(&n.ca, "nats-ca", "", "with -nats: a PEM file of the authority that signed the cluster's TLS certificates, if the system does not trust it")
	fs.IntVar(&n.replicas, "nats-replicas", 1, "with -nats: how many of the cluster's servers keep the centre's stream and bucket (1-5)")
	fs.StringVar(&n.auth, "nats-auth", "", "with -nats: a file with the lines \"user NAME\" and \"password SECRET\" (mode 0600)")
}

// cluster is the existing cluster the flags name, or nil for the centre's
// own server. The embedded server's flags make no sense with -nats, and
// the sign-in flags none without it: either is refused, not ignored.
func (n *natsFlags) cluster(fs *flag.FlagSet) (*chain.Cluster, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if n.urls == "" {
		for _, f := range []string{"nats-creds", "nats-nkey", "nats-auth", "nats-ca", "nats-replicas"} {
			if set[f] {
				return nil, fmt.Errorf("%w: -%s is for an existing cluster: give its URL with -nats\n%s", errUsage, f, centreUsage)
			}
		}
		return nil, nil
	}
	for _, f := range []string{"leaf", "listen"} {
		if set[f] {
			return nil, fmt.Errorf("%w: -%s is the centre's own server's: with -nats the cluster's operator runs its ports and the tills' sign-ins\n%s", errUsage, f, centreUsage)
		}
	}
	cl := &chain.Cluster{Creds: n.creds, NKeySeed: n.nkey, AuthFile: n.auth, CA: n.ca, Replicas: n.replicas}
	for _, u := range strings.Split(n.urls, ",") {
		if u = strings.TrimSpace(u); u != "" {
			cl.URLs = append(cl.URLs, u)
		}
	}
	if len(cl.URLs) == 0 {
		return nil, fmt.Errorf("%w: -nats wants the cluster's URL, nats://HOST:PORT\n%s", errUsage, centreUsage)
	}
	if n.creds == "" && n.nkey == "" && n.auth == "" {
		return nil, fmt.Errorf("%w: -nats wants the centre's sign-in from the cluster's operator: -nats-creds FILE, -nats-nkey FILE or -nats-auth FILE\n%s", errUsage, centreUsage)
	}
	return cl, nil
}

// runCentreOnCluster is `till centre -nats`: no server of its own, no leaf
// password file; the same database, stream, ingester and tills.
func runCentreOnCluster(ctx context.Context, out io.Writer, files centreFiles, add []chain.TillID, cl *chain.Cluster,
	master *store.DB, name string, window bool,
) error {
	dir := files.dir
	cdb, err := openCentreDB(ctx, files, add)
	if err != nil {
		return err
	}
	defer cdb.Close()
	log := centreLog()
	c, err := chain.StartCentre(ctx, chain.CentreConfig{Dir: dir, Cluster: cl, Log: log}, cdb)
	if err != nil {
		return fmt.Errorf("centre: %w", err)
	}
	defer c.Close()
	fmt.Fprintf(out, "centre running on the NATS cluster at %s (JetStream domain %s): data in %s\n", c.ClientURL(), chain.CentreDomain, dir)
	fmt.Fprintln(out, "  tills dial the cluster's leaf port with their own NKey, which the cluster's operator lets into the centre's account;")
	fmt.Fprintln(out, "  on each till: till chain key (prints the key for the operator), then")
	fmt.Fprintln(out, "    till chain set -store STORE -till TILL -centre nats-leaf://CLUSTER-HOST:LEAF-PORT")
	fmt.Fprintf(out, "  and here: till centre add-till -dir %s STORE TILL\n", dir)
	if name != "" {
		// What a join would hand the till, by hand: the chain's badge key
		// and the key its bundles are signed with.
		fmt.Fprintf(out, "  each till keeps a copy of %s as its key file and trusts the bundles' key:\n", files.masterKey())
		fmt.Fprintf(out, "    till matrix trust -store STORE -chain %s %s\n", name, files.signingPub())
	}
	fmt.Fprintln(out, "Ctrl-C stops it.")
	return serveCentre(ctx, out, c, cdb, files, master, name, window, log)
}
