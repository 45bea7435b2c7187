// Package chain connects a till to its chain's head office over NATS
// JetStream (docs/chain.md). A till runs an embedded NATS server as a leaf
// node of the centre, with JetStream in a domain of its own, so it keeps a
// durable stream of its events while the line is down; the centre runs a
// server that accepts the tills' leaf connections, a stream that sources
// every till's stream, and an ingester that stores each event once.
//
// What the package owns: the servers' configuration, the subjects and
// headers, the till's publisher (outbox -> its own stream, marked after the
// ack) and gap re-send, and the centre's ingester (stream -> Sink, acked
// after the Sink committed). It knows no SQL: the till's outbox and the
// centre's database come in through the Outbox and Sink interfaces, which
// cmd/till wires to package store and package chain/centredb.
//
// Exactly once is the centre's primary key (till, seq), not NATS's
// duplicate window: a till that was offline for days re-sends what it is
// not sure of, and the Sink drops what it already has.
package chain
