package chain

// WithoutIngest lets a benchmark fill the centre's stream before the
// ingester runs, so only the ingest is timed.
func WithoutIngest(c CentreConfig) CentreConfig { c.noIngest = true; return c }
