package chain

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TillID names a till in the chain: its store and its own name. Both are
// one subject token each (letters, digits, '-' and '_'), so they can be
// used in subjects, stream names and JetStream domains as they are.
type TillID struct {
	Store string
	Till  string
}

var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Valid says whether both names are usable tokens.
func (id TillID) Valid() error {
	if !tokenRE.MatchString(id.Store) {
		return fmt.Errorf("store name %q: use 1-32 letters, digits, '-' or '_'", id.Store)
	}
	if !tokenRE.MatchString(id.Till) {
		return fmt.Errorf("till name %q: use 1-32 letters, digits, '-' or '_'", id.Till)
	}
	return nil
}

func (id TillID) String() string { return id.Store + "." + id.Till }

// Domain is the till's JetStream domain: each till's JetStream is its own,
// and the centre reaches it across the leaf connection as $JS.<domain>.API.
func (id TillID) Domain() string { return "till-" + id.Store + "-" + id.Till }

// Subject is where the till publishes events of a kind.
func (id TillID) Subject(kind string) string { return "pos." + id.Store + "." + id.Till + "." + kind }

// ResendSubject is where a till re-sends events straight to the centre's
// stream when the sourcing has fallen behind.
func (id TillID) ResendSubject(kind string) string {
	return "resend." + id.Store + "." + id.Till + "." + kind
}

// MsgID is the message ID of the till's event seq: JetStream drops a second
// copy inside its duplicate window, the centre's primary key after it.
func (id TillID) MsgID(seq int64) string { return id.String() + ":" + strconv.FormatInt(seq, 10) }

// Headers the till sets on every event.
const (
	HeaderSeq = "Till-Seq" // the outbox seq, decimal
	HeaderAt  = "Till-At"  // when the fact happened, RFC 3339 with µs
)

// Fixed names.
const (
	CentreDomain = "centre"
	TillStream   = "OUTBOX"   // each till's own stream, in its domain
	CentreStream = "POS"      // the centre's stream: every till's events
	ingestName   = "ingester" // the centre's durable consumer (explicit acks; "ingest" was ack-all)
	hwmSubject   = "chain.hwm."
)

// ErrSubject is an event on a subject the centre does not know.
var ErrSubject = errors.New("chain: unknown subject")

// parseSubject splits pos.<store>.<till>.<kind...> or resend.<...>.
func parseSubject(s string) (TillID, string, error) {
	parts := strings.SplitN(s, ".", 4)
	if len(parts) != 4 || (parts[0] != "pos" && parts[0] != "resend") {
		return TillID{}, "", fmt.Errorf("%w: %q", ErrSubject, s)
	}
	id := TillID{Store: parts[1], Till: parts[2]}
	if id.Valid() != nil || parts[3] == "" {
		return TillID{}, "", fmt.Errorf("%w: %q", ErrSubject, s)
	}
	return id, parts[3], nil
}

func formatAt(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z07:00") }
