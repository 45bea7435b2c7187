package chain

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// The account every till and the centre share for the chain's traffic;
// $SYS is NATS's own. Local clients (the till's publisher, the centre's
// ingester) connect in-process with a password of the process's own.
const account = "POS"

// Auth is how a till's leaf connection signs in at the centre.
type Auth struct {
	User, Password string
}

// quote makes a string safe inside a NATS configuration file.
func quote(s string) string { return strconv.Quote(s) }

// startServer runs a NATS server from configuration text, embedded in this
// process and never handling signals (the till's own main does).
func startServer(conf string, dontListen bool) (*server.Server, error) {
	o := &server.Options{}
	if err := o.ProcessConfigString(conf); err != nil {
		return nil, fmt.Errorf("nats configuration: %w", err)
	}
	o.NoSigs, o.NoLog = true, true
	o.DontListen = dontListen
	s, err := server.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("nats server did not start within 30 s (store in %s)", o.StoreDir)
	}
	return s, nil
}

// tillConf is the till's server: JetStream in its own domain, no listener,
// one leaf remote to the centre that it keeps dialling while the line is
// down.
func tillConf(id TillID, dir string, centre string, auth Auth, local Auth) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: %s\n", quote("till-"+id.Store+"-"+id.Till))
	fmt.Fprintf(&b, "jetstream { store_dir: %s, domain: %s }\n", quote(filepath.Join(dir, "jetstream")), quote(id.Domain()))
	fmt.Fprintf(&b, "accounts { %s { users = [ {user: %s, password: %s} ], jetstream: enabled }, $SYS { users = [ {user: %s, password: %s} ] } }\n",
		account, quote(local.User), quote(local.Password), quote("sys"), quote(local.Password+"-sys"))
	if centre != "" {
		u, err := url.Parse(centre)
		if err != nil || u.Host == "" {
			return "", fmt.Errorf("centre address %q: want nats-leaf://host:port", centre)
		}
		if auth.User != "" {
			u.User = url.UserPassword(auth.User, auth.Password)
		}
		fmt.Fprintf(&b, "leafnodes { reconnect: \"250ms\", remotes [ { url: %s, account: %s } ] }\n", quote(u.String()), account)
	}
	return b.String(), nil
}

// centreConf is the centre's server: JetStream in the centre's domain, a
// client port for operators and tools, and the leaf port the tills dial.
func centreConf(dir, clientAddr, leafAddr string, tills Auth, local Auth) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: centre\nlisten: %s\n", quote(clientAddr))
	fmt.Fprintf(&b, "jetstream { store_dir: %s, domain: %s }\n", quote(filepath.Join(dir, "jetstream")), quote(CentreDomain))
	fmt.Fprintf(&b, "accounts { %s { users = [ {user: %s, password: %s}, {user: %s, password: %s} ], jetstream: enabled }, $SYS { users = [ {user: %s, password: %s} ] } }\n",
		account, quote(local.User), quote(local.Password), quote(tills.User), quote(tills.Password), quote("sys"), quote(local.Password+"-sys"))
	fmt.Fprintf(&b, "leafnodes { listen: %s }\n", quote(leafAddr))
	return b.String()
}

// localAuth is the in-process client's password: new for every start, never
// written anywhere, so only this process can use its own server.
func localAuth() (Auth, error) {
	var p [16]byte
	if _, err := rand.Read(p[:]); err != nil {
		return Auth{}, err
	}
	return Auth{User: "local", Password: fmt.Sprintf("%x", p)}, nil
}

func connectLocal(s *server.Server, a Auth, name string) (*nats.Conn, error) {
	nc, err := nats.Connect("", nats.InProcessServer(s), nats.UserInfo(a.User, a.Password), nats.Name(name),
		nats.MaxReconnects(-1))
	if err != nil {
		return nil, fmt.Errorf("connect to the embedded server: %w", err)
	}
	return nc, nil
}
