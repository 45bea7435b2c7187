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

// Auth is a user and password: the in-process clients' (localAuth).
type Auth struct {
	User, Password string
}

// quote makes a string safe inside a NATS configuration file.
func quote(s string) string { return strconv.Quote(s) }

// startServer runs a NATS server from configuration text, embedded in this
// process and never handling signals (the till's own main does).
func startServer(conf string, dontListen bool, seed []byte) (*server.Server, error) {
	o, err := serverOptions(conf, seed)
	if err != nil {
		return nil, err
	}
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

// serverOptions reads configuration text. seed, when given, is the NKey
// the leaf remote signs in with: set here rather than written into the
// text, so the seed is never in a configuration string or file.
func serverOptions(conf string, seed []byte) (*server.Options, error) {
	o := &server.Options{}
	if err := o.ProcessConfigString(conf); err != nil {
		return nil, fmt.Errorf("nats configuration: %w", err)
	}
	o.NoSigs, o.NoLog = true, true
	for _, r := range o.LeafNode.Remotes {
		r.Nkey = string(seed)
	}
	return o, nil
}

// tillConf is the till's server: JetStream in its own domain, no listener,
// one leaf remote to the centre that it keeps dialling while the line is
// down.
func tillConf(id TillID, dir string, centre string, local Auth) (string, error) {
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
		fmt.Fprintf(&b, "leafnodes { reconnect: \"250ms\", remotes [ { url: %s, account: %s } ] }\n", quote(u.String()), account)
	}
	return b.String(), nil
}

// centreConf is the centre's server: JetStream in the centre's domain, a
// client port for operators and tools, and the leaf port the tills dial.
//
// Who may sign in (docs/chain.md, "Joining"):
//   - account POS: the centre's own in-process client (local, a password
//     new at every start) and each joined, unrevoked till's NKey, allowed
//     only as a leaf connection;
//   - account JOIN: the public user join/join, allowed only on the client
//     port, which may publish nothing but JoinSubject and receive nothing
//     but its reply (_INBOX.>). POS exports JoinSubject as a service and
//     JOIN imports it, so a joining till reaches the centre's join handler
//     and nothing else of the chain;
//   - $SYS: the local process only.
func centreConf(dir, clientAddr, leafAddr string, tillKeys []string, local Auth) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: centre\nlisten: %s\n", quote(clientAddr))
	fmt.Fprintf(&b, "jetstream { store_dir: %s, domain: %s }\n", quote(filepath.Join(dir, "jetstream")), quote(CentreDomain))
	fmt.Fprintf(&b, "accounts {\n %s {\n  users = [\n   {user: %s, password: %s}\n", account, quote(local.User), quote(local.Password))
	for _, k := range tillKeys {
		fmt.Fprintf(&b, "   {nkey: %s, allowed_connection_types: [\"LEAFNODE\"]}\n", quote(k))
	}
	fmt.Fprintf(&b, "  ]\n  jetstream: enabled\n  exports = [ {service: %s} ]\n }\n", quote(JoinSubject))
	fmt.Fprintf(&b, " %s {\n  users = [ {user: %s, password: %s, allowed_connection_types: [\"STANDARD\"], permissions: {publish: {allow: [%s]}, subscribe: {allow: [\"_INBOX.>\"]}}} ]\n",
		joinAccount, quote(JoinUser), quote(JoinPassword), quote(JoinSubject))
	fmt.Fprintf(&b, "  imports = [ {service: {account: %s, subject: %s}} ]\n }\n", account, quote(JoinSubject))
	fmt.Fprintf(&b, " $SYS { users = [ {user: %s, password: %s} ] }\n}\n", quote("sys"), quote(local.Password+"-sys"))
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
