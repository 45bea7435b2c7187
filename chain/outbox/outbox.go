// Package outbox declares what the chain's publisher needs of a till's
// store: its events in order and the two marks. Package store implements
// it; package chain uses it. It imports nothing of ours and nothing of
// NATS, so the store does not depend on the transport.
package outbox

import (
	"context"
	"encoding/json"
	"time"
)

// Event is one fact the head office must see, in the till's order: seq is
// the till's own sequence, with no gaps between committed events.
type Event struct {
	Seq  int64
	Kind string // receipt, shift.open, shift.close, audit
	At   time.Time
	Body json.RawMessage
}

// Marks is where publishing stands: Last is the newest event, Sent the
// newest the till's own stream acknowledged, Centre the newest below which
// the head office said it has every event.
type Marks struct {
	Last, Sent, Centre int64
}

// Waiting is how many events the head office has not confirmed.
func (m Marks) Waiting() int64 { return m.Last - m.Centre }

// Store is the till's outbox. Marks only move forward. EnableOutbox
// switches the writing on (the publisher does it at start): a till that is
// not in a chain keeps no outbox.
type Store interface {
	EnableOutbox(ctx context.Context) error
	OutboxAfter(ctx context.Context, after int64, limit int) ([]Event, error)
	OutboxMarks(ctx context.Context) (Marks, error)
	MarkOutboxSent(ctx context.Context, seq int64) error
	MarkOutboxCentre(ctx context.Context, seq int64) error
}

// Notifier is a Store that says when a commit wrote an event, so the
// publisher sends it at once rather than at its next poll. f runs on the
// committing goroutine after the commit and must not block; nil removes it.
type Notifier interface {
	OnOutboxEvent(f func())
}
