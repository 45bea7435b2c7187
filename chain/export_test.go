package chain

import "github.com/nats-io/nats.go"

// WithoutIngest lets a benchmark fill the centre's stream before the
// ingester runs, so only the ingest is timed.
func WithoutIngest(c CentreConfig) CentreConfig { c.noIngest = true; return c }

// WithHook calls f at each point of publishing: "published" after each
// event is handed to the till's stream (its ack not yet read), "acked"
// after a batch's acks and before its sent mark. An error from f ends the
// round there, as a kill at that point would.
func WithHook(c TillConfig, f func(stage string, seq int64) error) TillConfig {
	c.hook = f
	return c
}

// ConnectCentre is a client of the centre's account POS, as the centre's
// own in-process client is: what a test publishes with as if it were the
// chain itself.
func ConnectCentre(c *Centre) (*nats.Conn, error) { return connectLocal(c.srv, c.local, "test") }
