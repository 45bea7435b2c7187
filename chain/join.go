package chain

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// Joining (docs/chain.md, "Joining"). The centre makes a one-time token
// for one store and till; the till sends it with its own NKey's public key
// and a new curve (xkey) public key to JoinSubject over the centre's client
// port, signed in as the public user JoinUser, whose account can do nothing
// else. The centre checks the token, records the till's key in the same
// transaction that spends the token, lets the key in at its leaf port, and
// answers with the chain's name, the till's identity, the leaf address,
// its signing key and the chain's badge key sealed to the till's xkey; the
// whole answer is signed with the centre's signing key, whose fingerprint
// the token carries, so a till takes an answer only from the centre that
// made its token.

const (
	// JoinSubject is the subject a joining till asks on.
	JoinSubject = "chain.join"
	// JoinUser and JoinPassword sign a joining till in at the centre's
	// client port. They are public on purpose: the JOIN account they open
	// may only ask on JoinSubject and read the answer; the token is the
	// secret.
	JoinUser     = "join"
	JoinPassword = "join"
	joinAccount  = "JOIN"

	tokenPrefix = "tilljoin1"
	replyMagic  = "till-join-reply v1\n"
)

// Why the centre refuses a join. The centre audits each; the till prints
// the reason the centre sent.
var (
	ErrTokenUnknown   = errors.New("unknown join token")
	ErrTokenUsed      = errors.New("join token already used")
	ErrTokenExpired   = errors.New("join token expired")
	ErrTokenOtherTill = errors.New("join token made for another store or till")
	ErrTokenMalformed = errors.New("not a join token")
	// ErrJoinRefused wraps the centre's reason on the till's side.
	ErrJoinRefused = errors.New("the centre refused to join this till")
	// ErrJoinForged: an answer not signed by the centre the token names.
	ErrJoinForged = errors.New("the answer is not from the centre that made the token")
)

// Token is a join token's parts. Its text form, which an operator carries
// from the centre to the till, is tilljoin1:STORE:TILL:SECRET:KEYID.
type Token struct {
	Till   TillID
	Secret string // 160 random bits, base32
	KeyID  string // bundle.KeyID of the centre's signing key
}

// NewToken makes a token for id with a new secret.
func NewToken(id TillID, keyID string) (Token, error) {
	if err := id.Valid(); err != nil {
		return Token{}, err
	}
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Token{}, err
	}
	return Token{Till: id, Secret: strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])), KeyID: keyID}, nil
}

func (t Token) String() string {
	return strings.Join([]string{tokenPrefix, t.Till.Store, t.Till.Till, t.Secret, t.KeyID}, ":")
}

// Hash is what the centre keeps of the token: SHA-256 of its secret.
func (t Token) Hash() []byte {
	h := sha256.Sum256([]byte(t.Secret))
	return h[:]
}

// ParseToken reads a token's text form.
func ParseToken(s string) (Token, error) {
	p := strings.Split(strings.TrimSpace(s), ":")
	if len(p) != 5 || p[0] != tokenPrefix || len(p[3]) < 26 || p[4] == "" {
		return Token{}, ErrTokenMalformed
	}
	t := Token{Till: TillID{Store: p[1], Till: p[2]}, Secret: p[3], KeyID: p[4]}
	if t.Till.Valid() != nil {
		return Token{}, ErrTokenMalformed
	}
	return t, nil
}

// JoinRequest is what a joining till sends.
type JoinRequest struct {
	Token string `json:"token"`
	NKey  string `json:"nkey"` // the till's NKey user public key
	XKey  string `json:"xkey"` // a curve public key made for this join only
}

// Grant is the signed part of the centre's answer.
type Grant struct {
	Refused    string `json:"refused,omitempty"` // why not; the rest is empty then
	NKey       string `json:"nkey"`              // the requester's, so an answer cannot be replayed to another till
	Chain      string `json:"chain,omitempty"`
	Store      string `json:"store,omitempty"`
	Till       string `json:"till,omitempty"`
	LeafURL    string `json:"leaf_url,omitempty"`
	SigningKey []byte `json:"signing_key"`         // ed25519 public key
	BadgeKey   []byte `json:"badge_key,omitempty"` // sealed to the request's xkey
	XKey       string `json:"xkey,omitempty"`      // the centre's curve key that sealed it
}

// joinReply is the answer on the wire.
type joinReply struct {
	Grant []byte `json:"grant"` // JSON of Grant
	Sig   []byte `json:"sig"`   // ed25519 over replyMagic + Grant
}

// Redemption is a join the centre's book is asked to record: spend the
// token (found by its hash, for id, unused, not expired) and record the
// till's key, in one transaction.
type Redemption struct {
	Till      TillID
	TokenHash []byte
	NKey      string
	From      string // the client's address, for the audit
	At        time.Time
}

// JoinBook is the centre's record of join tokens and till keys (centredb).
// Redeem returns ErrTokenUnknown, ErrTokenUsed, ErrTokenExpired or
// ErrTokenOtherTill (wrapped) when it refuses.
type JoinBook interface {
	Redeem(ctx context.Context, r Redemption) error
	// TillKeys is every joined, unrevoked till's public key.
	TillKeys(ctx context.Context) ([]string, error)
	// AuditJoin records a refusal or an event of joining at the centre.
	AuditJoin(ctx context.Context, e JoinEvent) error
	// KeyOwner names the till a key was given to ("" when none) and says
	// whether it is revoked.
	KeyOwner(ctx context.Context, nkey string) (TillID, bool, error)
}

// JoinEvent is one row of the centre's audit.
type JoinEvent struct {
	At     time.Time
	Action string // "join", "join.refused", "leaf.refused", …
	Till   TillID // when known
	Detail string
}

// JoinConfig is what the centre hands a joining till.
type JoinConfig struct {
	Signer   ed25519.PrivateKey
	Chain    string
	BadgeKey []byte // the chain's badge key file (32 bytes)
	LeafURL  string // what tills dial; default the centre's leaf address (an unspecified host is the join URL's)
}

// answerJoin handles one join request.
func (c *Centre) answerJoin(m *nats.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	jc := c.cfg.Join
	var req JoinRequest
	grant, id, err := func() (Grant, TillID, error) {
		if err := json.Unmarshal(m.Data, &req); err != nil {
			return Grant{}, TillID{}, ErrTokenMalformed
		}
		tok, err := ParseToken(req.Token)
		if err != nil {
			return Grant{}, TillID{}, err
		}
		if !nkeys.IsValidPublicUserKey(req.NKey) || !nkeys.IsValidPublicCurveKey(req.XKey) {
			return Grant{}, tok.Till, errors.New("the request's keys are not an NKey user key and a curve key")
		}
		err = c.cfg.Keys.Redeem(ctx, Redemption{Till: tok.Till, TokenHash: tok.Hash(), NKey: req.NKey, From: m.Header.Get("Till-Host"), At: time.Now()})
		if err != nil {
			return Grant{}, tok.Till, err
		}
		// The key is in the book: let it in at the leaf port now, and
		// source the till's stream.
		if err := c.reloadKeys(ctx); err != nil {
			c.cfg.Log.Warn("chain: till keys after a join", "err", err)
		}
		if err := c.AddTill(ctx, tok.Till); err != nil {
			c.cfg.Log.Warn("chain: add a joined till", "err", err)
		}
		xk, err := nkeys.CreateCurveKeys()
		if err != nil {
			return Grant{}, tok.Till, err
		}
		defer xk.Wipe()
		sealed, err := xk.Seal(jc.BadgeKey, req.XKey)
		if err != nil {
			return Grant{}, tok.Till, err
		}
		xpub, _ := xk.PublicKey()
		leaf := jc.LeafURL
		if leaf == "" {
			leaf = c.LeafURL()
		}
		return Grant{
			Chain: jc.Chain, Store: tok.Till.Store, Till: tok.Till.Till, LeafURL: leaf,
			BadgeKey: sealed, XKey: xpub,
		}, tok.Till, nil
	}()
	if err != nil {
		grant = Grant{Refused: err.Error()}
		if aerr := c.cfg.Keys.AuditJoin(ctx, JoinEvent{At: time.Now(), Action: "join.refused", Till: id, Detail: err.Error()}); aerr != nil {
			c.cfg.Log.Warn("chain: audit a refused join", "err", aerr)
		}
	}
	grant.NKey = req.NKey
	grant.SigningKey = jc.Signer.Public().(ed25519.PublicKey)
	body, err := json.Marshal(grant)
	if err != nil {
		return
	}
	out, err := json.Marshal(joinReply{Grant: body, Sig: ed25519.Sign(jc.Signer, append([]byte(replyMagic), body...))})
	if err != nil {
		return
	}
	_ = m.Respond(out)
}

// Joined is what a till got from the centre.
type Joined struct {
	Chain      string
	Till       TillID
	LeafURL    string
	SigningKey ed25519.PublicKey
	BadgeKey   []byte
}

// Join asks the centre at clientURL (nats://host:port, its client port) to
// let the till with NKey public key nkey in with token. keyID tells whether
// the answer's signing key is the one the token names (bundle.KeyID; the
// chain package does not import bundle). Errors wrap ErrJoinRefused (with
// the centre's reason) or ErrJoinForged.
func Join(ctx context.Context, clientURL string, tok Token, nkey string, keyID func(ed25519.PublicKey) string) (Joined, error) {
	xk, err := nkeys.CreateCurveKeys()
	if err != nil {
		return Joined{}, err
	}
	defer xk.Wipe()
	xpub, _ := xk.PublicKey()
	nc, err := nats.Connect(clientURL, nats.UserInfo(JoinUser, JoinPassword), nats.Name("till join "+tok.Till.String()),
		nats.Timeout(10*time.Second), nats.NoReconnect())
	if err != nil {
		return Joined{}, fmt.Errorf("reach the centre at %s: %w", clientURL, err)
	}
	defer nc.Close()
	body, _ := json.Marshal(JoinRequest{Token: tok.String(), NKey: nkey, XKey: xpub})
	msg := nats.NewMsg(JoinSubject)
	msg.Data = body
	if h, err := os.Hostname(); err == nil {
		msg.Header.Set("Till-Host", h)
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	m, err := nc.RequestMsgWithContext(rctx, msg)
	if err != nil {
		return Joined{}, fmt.Errorf("ask the centre at %s: %w", clientURL, err)
	}
	var rep joinReply
	if err := json.Unmarshal(m.Data, &rep); err != nil {
		return Joined{}, fmt.Errorf("%w: unreadable answer", ErrJoinForged)
	}
	var g Grant
	if err := json.Unmarshal(rep.Grant, &g); err != nil || len(g.SigningKey) != ed25519.PublicKeySize {
		return Joined{}, fmt.Errorf("%w: unreadable answer", ErrJoinForged)
	}
	pub := ed25519.PublicKey(g.SigningKey)
	if keyID(pub) != tok.KeyID {
		return Joined{}, fmt.Errorf("%w: signed by key %s, the token names %s", ErrJoinForged, keyID(pub), tok.KeyID)
	}
	if !ed25519.Verify(pub, append([]byte(replyMagic), rep.Grant...), rep.Sig) {
		return Joined{}, fmt.Errorf("%w: the signature does not hold", ErrJoinForged)
	}
	if g.NKey != nkey {
		return Joined{}, fmt.Errorf("%w: the answer is for another till's key", ErrJoinForged)
	}
	if g.Refused != "" {
		return Joined{}, fmt.Errorf("%w: %s", ErrJoinRefused, g.Refused)
	}
	if g.Store != tok.Till.Store || g.Till != tok.Till.Till {
		return Joined{}, fmt.Errorf("%w: the answer names till %s.%s, the token %s", ErrJoinForged, g.Store, g.Till, tok.Till)
	}
	badge, err := xk.Open(g.BadgeKey, g.XKey)
	if err != nil {
		return Joined{}, fmt.Errorf("%w: the badge key does not open (%v)", ErrJoinForged, err)
	}
	return Joined{Chain: g.Chain, Till: tok.Till, LeafURL: leafFor(g.LeafURL, clientURL), SigningKey: pub, BadgeKey: badge}, nil
}

// leafFor puts the join URL's host in a leaf address that listens on every
// interface (0.0.0.0:7422 is where the centre listens, not where to dial).
func leafFor(leaf, clientURL string) string {
	u, err := url.Parse(leaf)
	if err != nil {
		return leaf
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return leaf
	}
	if ip := net.ParseIP(host); host != "" && (ip == nil || !ip.IsUnspecified()) {
		return leaf
	}
	cu, err := url.Parse(clientURL)
	if err != nil || cu.Hostname() == "" {
		return leaf
	}
	u.Host = net.JoinHostPort(cu.Hostname(), port)
	return u.String()
}
