package chain_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
)

// testCluster is "an existing NATS cluster" as a chain's IT would run it,
// started by the test on loopback: a server with JetStream, a client port
// for the centre and a leaf port for the tills. It restarts on the same
// ports and files.
type testCluster struct {
	t          testing.TB
	conf       string
	clientAddr string
	leafAddr   string
	srv        *server.Server
}

// Sign-ins the plain cluster's account POS knows: the centre's, the
// tills' (at the leaf port) and an NKey user for the centre.
var (
	clusterCentre = chain.Auth{User: "centre", Password: "centre-secret"}
	// The NKey the cluster's operator issued the tills (one for all of
	// them here; an operator may issue one a till).
	clusterTillSeed, clusterTillPub = func() ([]byte, string) {
		kp, err := nkeys.CreateUser()
		if err != nil {
			panic(err)
		}
		seed, _ := kp.Seed()
		pub, _ := kp.PublicKey()
		return seed, pub
	}()
)

// clusterOpts says how the cluster differs from what the chain needs.
type clusterOpts struct {
	jetstream   bool   // JetStream on the server
	domain      string // its JetStream domain
	accountJS   bool   // JetStream enabled for the account POS
	nkeyUserPub string // a user NKey in POS, if any
}

func newTestCluster(t testing.TB, o clusterOpts) *testCluster {
	c := &testCluster{t: t, clientAddr: freeAddr(t), leafAddr: freeAddr(t)}
	var b strings.Builder
	fmt.Fprintf(&b, "server_name: cluster\nlisten: %q\n", c.clientAddr)
	if o.jetstream {
		fmt.Fprintf(&b, "jetstream { store_dir: %q", filepath.Join(t.TempDir(), "js"))
		if o.domain != "" {
			fmt.Fprintf(&b, ", domain: %q", o.domain)
		}
		b.WriteString(" }\n")
	}
	users := fmt.Sprintf("{user: %q, password: %q}, {nkey: %q}",
		clusterCentre.User, clusterCentre.Password, clusterTillPub)
	if o.nkeyUserPub != "" {
		users += fmt.Sprintf(", {nkey: %q}", o.nkeyUserPub)
	}
	js := ""
	if o.accountJS {
		js = ", jetstream: enabled"
	}
	fmt.Fprintf(&b, "accounts { POS { users = [ %s ]%s }, $SYS { users = [ {user: sys, password: sys} ] } }\n", users, js)
	fmt.Fprintf(&b, "leafnodes { listen: %q }\n", c.leafAddr)
	c.conf = b.String()
	c.start()
	t.Cleanup(c.stop)
	return c
}

func (c *testCluster) start() {
	c.srv = startConf(c.t, c.conf)
}

func startConf(t testing.TB, conf string) *server.Server {
	o := &server.Options{}
	if err := o.ProcessConfigString(conf); err != nil {
		t.Fatalf("cluster configuration: %v\n%s", err, conf)
	}
	o.NoSigs, o.NoLog = true, true
	s, err := server.NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		t.Fatal("the cluster's server did not start")
	}
	return s
}

func (c *testCluster) stop() {
	if c.srv != nil {
		c.srv.Shutdown()
		c.srv.WaitForShutdown()
		c.srv = nil
	}
}

func (c *testCluster) url() []string { return []string{"nats://" + c.clientAddr} }

// writeSecret writes a credentials file as an operator hands it over.
func writeSecret(t testing.TB, name, text string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// syncBuffer is a log both the centre's callbacks and the test use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newClusterRig is newRig with the centre on an existing cluster: the
// tills leaf into the cluster's leaf port with the tills' user, the
// centre connects to its client port.
func newClusterRig(t *testing.T, cl *testCluster, ext chain.Cluster, log *slog.Logger, tills int) *rig {
	r := &rig{t: t, dir: t.TempDir(), leafAddr: cl.leafAddr}
	r.addTills(tills, nil)
	startOnCluster(r, ext, log)
	for _, tl := range r.tills {
		// The operator's key, where the rig looks for the till's own.
		if err := os.MkdirAll(filepath.Join(r.dir, tl.id.Till), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.dir, tl.id.Till, chain.TillKeyFile), append(clusterTillSeed, '\n'), 0o600); err != nil {
			t.Fatal(err)
		}
		r.openTill(tl)
		r.startTill(tl)
	}
	t.Cleanup(r.closeAll)
	return r
}

func startOnCluster(r *rig, ext chain.Cluster, log *slog.Logger) {
	c, err := chain.StartCentre(context.Background(), chain.CentreConfig{
		Dir: filepath.Join(r.dir, "centre"), Cluster: &ext, Log: log,
	}, r.cdb)
	if err != nil {
		r.t.Fatal(err)
	}
	r.centre = c
}

func (r *rig) sellAll(n int) {
	for i := 0; i < n; i++ {
		for _, tl := range r.tills {
			r.sell(tl)
		}
	}
}

// The centre on an existing cluster: three tills leaf into the cluster and
// sell; every receipt reaches centre.db once, across a restart of the
// centre (signing in again with an NKey) and a restart of the cluster's
// server while the tills sell.
func TestCentreOnExistingCluster(t *testing.T) {
	t.Parallel() // waits mostly: its own ports and files
	ctx := context.Background()
	ukp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	upub, _ := ukp.PublicKey()
	useed, _ := ukp.Seed()
	cl := newTestCluster(t, clusterOpts{jetstream: true, domain: chain.CentreDomain, accountJS: true, nkeyUserPub: upub})
	authFile := writeSecret(t, "centre.auth", "user "+clusterCentre.User+"\npassword "+clusterCentre.Password+"\n")
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))

	r := newClusterRig(t, cl, chain.Cluster{URLs: cl.url(), AuthFile: authFile}, log, 3)
	if got, want := r.centre.ClientURL(), cl.url()[0]; got != want {
		t.Errorf("ClientURL on the cluster = %q, want %q", got, want)
	}
	if got := r.centre.LeafURL(); got != "" {
		t.Errorf("LeafURL on the cluster = %q: the centre does not know the cluster's leaf port", got)
	}
	// The config bucket goes on the cluster too, in the centre's domain.
	if err := r.centre.EnsureConfig(ctx); err != nil {
		t.Fatal(err)
	}
	r.sellAll(5)
	r.waitAll(30 * time.Second)

	// The centre restarts while the tills sell: the cluster stays up (the
	// centre never stops a server it did not start).
	r.sellAll(5)
	r.stopCentre()
	if !cl.srv.Running() {
		t.Fatal("closing the centre shut the cluster's server down")
	}
	r.sellAll(10)
	seed := writeSecret(t, "centre.nk", string(useed)+"\n")
	startOnCluster(r, chain.Cluster{URLs: cl.url(), NKeySeed: seed}, log)
	r.sellAll(5)
	r.waitAll(60 * time.Second)

	// The cluster's server restarts while the tills sell.
	r.sellAll(5)
	cl.stop()
	r.sellAll(10)
	cl.start()
	r.sellAll(5)
	took := r.waitAll(120 * time.Second)
	t.Logf("%d receipts per till at the centre once each; after the cluster's restart in %v", r.tills[0].sold, took)
	for _, want := range []string{"link to the NATS cluster is down", "link to the NATS cluster is back"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the centre's log has no %q:\n%s", want, logs.String())
		}
	}

	// What the centre made on the cluster, as the cluster's operator sees it.
	nc, err := nats.Connect(cl.url()[0], nats.UserInfo(clusterCentre.User, clusterCentre.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.Stream(ctx, chain.CentreStream); err != nil {
		t.Errorf("stream %s on the cluster: %v", chain.CentreStream, err)
	}
	if _, err := js.KeyValue(ctx, chain.ConfigBucket); err != nil {
		t.Errorf("bucket %s on the cluster: %v", chain.ConfigBucket, err)
	}
}

// A cluster without what the chain needs is refused at start, saying what
// its operator must change; the cluster itself is left running.
func TestClusterWithoutWhatTheChainNeedsIsRefused(t *testing.T) {
	authFile := writeSecret(t, "centre.auth", "user "+clusterCentre.User+"\npassword "+clusterCentre.Password+"\n")
	for _, tc := range []struct {
		name string
		o    clusterOpts
		want string
	}{
		{"no JetStream", clusterOpts{}, "JetStream is not running"},
		{"not for the account", clusterOpts{jetstream: true, domain: chain.CentreDomain}, "not enabled for the account"},
		{"no domain", clusterOpts{jetstream: true, accountJS: true}, "has no domain"},
		{"another domain", clusterOpts{jetstream: true, domain: "hq", accountJS: true}, `domain is "hq"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := newTestCluster(t, tc.o)
			cdb, err := centredb.Open(context.Background(), filepath.Join(t.TempDir(), "centre.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer cdb.Close()
			c, err := chain.StartCentre(context.Background(), chain.CentreConfig{
				Dir: t.TempDir(), Cluster: &chain.Cluster{URLs: cl.url(), AuthFile: authFile},
			}, cdb)
			if err == nil {
				c.Close()
				t.Fatal("the centre started on a cluster it cannot use")
			}
			if !errors.Is(err, chain.ErrCluster) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want ErrCluster saying %q", err, tc.want)
			}
			t.Log(err)
			if !cl.srv.Running() {
				t.Fatal("the refused centre shut the cluster down")
			}
		})
	}
}

// Sign-in files the centre refuses before it dials: missing, readable by
// others, two at once, a wrong password.
func TestClusterSignInRefused(t *testing.T) {
	cl := newTestCluster(t, clusterOpts{jetstream: true, domain: chain.CentreDomain, accountJS: true})
	cdb, err := centredb.Open(context.Background(), filepath.Join(t.TempDir(), "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	good := writeSecret(t, "centre.auth", "user "+clusterCentre.User+"\npassword "+clusterCentre.Password+"\n")
	open := writeSecret(t, "open.creds", "x")
	if err := os.Chmod(open, 0o644); err != nil {
		t.Fatal(err)
	}
	wrong := writeSecret(t, "wrong.auth", "user "+clusterCentre.User+"\npassword nope\n")
	for _, tc := range []struct {
		name string
		cl   chain.Cluster
		want string
	}{
		{"missing creds", chain.Cluster{Creds: filepath.Join(t.TempDir(), "none.creds")}, "no such file"},
		{"open creds", chain.Cluster{Creds: open}, "can be read by other users"},
		{"missing seed", chain.Cluster{NKeySeed: filepath.Join(t.TempDir(), "none.nk")}, "no such file"},
		{"two at once", chain.Cluster{Creds: open, AuthFile: good}, "one way of signing in"},
		{"wrong password", chain.Cluster{AuthFile: wrong}, "Authorization"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cl.URLs = cl.url()
			c, err := chain.StartCentre(context.Background(), chain.CentreConfig{Dir: t.TempDir(), Cluster: &tc.cl}, cdb)
			if err == nil {
				c.Close()
				t.Fatal("the centre started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to say %q", err, tc.want)
			}
		})
	}
}

// An operator-mode cluster (accounts and users as JWTs) and a .creds file
// as its operator issues one: the centre signs in with it, sets up its
// stream and bucket, stores an event and answers a till's HWM question.
// (Tills sign in at the leaf port with a user and password today, which
// operator mode does not allow; the event comes on resend.> directly.)
func TestCentreOnOperatorClusterWithCreds(t *testing.T) {
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	okp, err := nkeys.CreateOperator()
	must(err)
	opub, _ := okp.PublicKey()
	skp, _ := nkeys.CreateAccount()
	spub, _ := skp.PublicKey()
	sjwt, err := jwt.NewAccountClaims(spub).Encode(okp)
	must(err)
	oc := jwt.NewOperatorClaims(opub)
	oc.SystemAccount = spub
	ojwt, err := oc.Encode(okp)
	must(err)
	akp, _ := nkeys.CreateAccount()
	apub, _ := akp.PublicKey()
	ac := jwt.NewAccountClaims(apub)
	ac.Name = "POS"
	ac.Limits.JetStreamLimits = jwt.JetStreamLimits{MemoryStorage: -1, DiskStorage: -1, Streams: -1, Consumer: -1}
	ajwt, err := ac.Encode(okp)
	must(err)
	ukp, _ := nkeys.CreateUser()
	upub, _ := ukp.PublicKey()
	ujwt, err := jwt.NewUserClaims(upub).Encode(akp)
	must(err)
	useed, _ := ukp.Seed()
	creds, err := jwt.FormatUserConfig(ujwt, useed)
	must(err)
	credsFile := writeSecret(t, "centre.creds", string(creds))

	addr := freeAddr(t)
	srv := startConf(t, fmt.Sprintf(`listen: %q
operator: %q
system_account: %q
resolver: MEMORY
resolver_preload: { %s: %q, %s: %q }
jetstream { store_dir: %q, domain: %q }
`, addr, ojwt, spub, spub, sjwt, apub, ajwt, filepath.Join(t.TempDir(), "js"), chain.CentreDomain))
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()

	cdb, err := centredb.Open(ctx, filepath.Join(t.TempDir(), "centre.db"))
	must(err)
	defer cdb.Close()
	c, err := chain.StartCentre(ctx, chain.CentreConfig{
		Dir: t.TempDir(), Cluster: &chain.Cluster{URLs: []string{"nats://" + addr}, Creds: credsFile},
	}, cdb)
	must(err)
	defer c.Close()
	must(c.EnsureConfig(ctx))

	nc, err := nats.Connect("nats://"+addr, nats.UserCredentials(credsFile))
	must(err)
	defer nc.Close()
	id := chain.TillID{Store: "s9", Till: "t1"}
	m := nats.NewMsg(id.ResendSubject("receipt"))
	m.Header.Set(chain.HeaderSeq, "1")
	m.Header.Set(chain.HeaderAt, time.Now().UTC().Format(time.RFC3339Nano))
	m.Header.Set(jetstream.MsgIDHeader, id.MsgID(1))
	m.Data = []byte(`{"bill":1}`)
	js, _ := jetstream.NewWithDomain(nc, chain.CentreDomain)
	if _, err := js.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := nc.Request("chain.hwm."+id.Store+"."+id.Till, nil, time.Second)
		if err == nil && string(resp.Data) == "1" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the centre's mark of %s never reached 1 (last answer %v, %v)", id, resp, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := js.KeyValue(ctx, chain.ConfigBucket); err != nil {
		t.Errorf("bucket %s on the cluster: %v", chain.ConfigBucket, err)
	}
}

// A cluster of three servers: the centre asks for three replicas of its
// stream and bucket, a till leafs into one server and its sales reach the
// centre, which is connected to another.
func TestCentreOnClusterOfThree(t *testing.T) {
	if testing.Short() {
		t.Skip("three JetStream servers electing a leader: not under -short")
	}
	t.Parallel() // waits mostly: its own ports and files
	ctx := context.Background()
	client := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	route := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	leaf := freeAddr(t)
	var srvs []*server.Server
	for i := range 3 {
		var routes []string
		for j, r := range route {
			if j != i {
				routes = append(routes, strconv.Quote("nats-route://"+r))
			}
		}
		conf := fmt.Sprintf(`server_name: n%d
listen: %q
jetstream { store_dir: %q, domain: %q }
cluster { name: hq, listen: %q, routes: [ %s ] }
accounts { POS { users = [ {user: %q, password: %q}, {nkey: %q} ], jetstream: enabled }, $SYS { users = [ {user: sys, password: sys} ] } }
`, i+1, client[i], filepath.Join(t.TempDir(), "js"), chain.CentreDomain, route[i], strings.Join(routes, ", "),
			clusterCentre.User, clusterCentre.Password, clusterTillPub)
		if i == 0 {
			conf += fmt.Sprintf("leafnodes { listen: %q }\n", leaf)
		}
		s := startConf(t, conf)
		srvs = append(srvs, s)
	}
	t.Cleanup(func() {
		for _, s := range srvs {
			s.Shutdown()
			s.WaitForShutdown()
		}
	})
	// The three elect a JetStream leader before anything can be created.
	deadline := time.Now().Add(60 * time.Second)
	for !srvs[0].JetStreamIsCurrent() || !srvs[1].JetStreamIsCurrent() || !srvs[2].JetStreamIsCurrent() {
		if time.Now().After(deadline) {
			t.Fatal("the cluster elected no JetStream leader")
		}
		time.Sleep(100 * time.Millisecond)
	}
	authFile := writeSecret(t, "centre.auth", "user "+clusterCentre.User+"\npassword "+clusterCentre.Password+"\n")
	cl := &testCluster{t: t, clientAddr: client[1], leafAddr: leaf}
	r := newClusterRig(t, cl, chain.Cluster{URLs: []string{"nats://" + client[1], "nats://" + client[2]}, AuthFile: authFile, Replicas: 3}, nil, 1)
	if err := r.centre.EnsureConfig(ctx); err != nil {
		t.Fatal(err)
	}
	r.sellAll(10)
	r.waitAll(60 * time.Second)

	nc, err := nats.Connect("nats://"+client[2], nats.UserInfo(clusterCentre.User, clusterCentre.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	for _, name := range []string{chain.CentreStream, "KV_" + chain.ConfigBucket} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.CachedInfo().Config.Replicas; got != 3 {
			t.Errorf("stream %s has %d replicas, want 3", name, got)
		}
	}
}

// A cluster behind TLS with the chain's own authority: the centre trusts
// it when given its CA file, and refuses the cluster's certificate
// without it.
func TestCentreOnClusterWithOwnCA(t *testing.T) {
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "chain CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "nats1.hq"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(srvKey)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	caFile := write("ca.pem", "CERTIFICATE", caDER)
	certFile := write("server.pem", "CERTIFICATE", srvDER)
	keyFile := write("server.key", "EC PRIVATE KEY", keyDER)

	addr := freeAddr(t)
	srv := startConf(t, fmt.Sprintf(`listen: %q
tls { cert_file: %q, key_file: %q }
jetstream { store_dir: %q, domain: %q }
accounts { POS { users = [ {user: %q, password: %q} ], jetstream: enabled } }
`, addr, certFile, keyFile, filepath.Join(dir, "js"), chain.CentreDomain, clusterCentre.User, clusterCentre.Password))
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	authFile := writeSecret(t, "centre.auth", "user "+clusterCentre.User+"\npassword "+clusterCentre.Password+"\n")
	cdb, err := centredb.Open(context.Background(), filepath.Join(dir, "centre.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cdb.Close()
	start := func(ca string) (*chain.Centre, error) {
		return chain.StartCentre(context.Background(), chain.CentreConfig{
			Dir: dir, Cluster: &chain.Cluster{URLs: []string{"tls://" + addr}, AuthFile: authFile, CA: ca},
		}, cdb)
	}
	if c, err := start(""); err == nil {
		c.Close()
		t.Fatal("the centre trusted a certificate of an authority it was not given")
	} else if !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the CA: %v, want a certificate error", err)
	}
	c, err := start(caFile)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := start(filepath.Join(dir, "none.pem")); err == nil || !strings.Contains(err.Error(), "CA file") {
		t.Fatalf("a missing CA file: %v", err)
	}
}
