package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/tillpos/till/store"
)

// till chain off also stops the outbox: a till on its own again keeps no
// second copy of its journal, and what was not sent stays for its rejoining.
func TestChainOffStopsTheOutbox(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path, key := filepath.Join(dir, "till.db"), filepath.Join(dir, "till.key")
	open := func() *store.DB {
		db, err := store.Open(ctx, path, store.Options{KeyPath: key})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	audit := func(db *store.DB) {
		if _, err := db.Audit(ctx, store.AuditEntry{Terminal: "t", Action: "cash.in", Args: json.RawMessage(`{"amount":1}`), Outcome: store.OutcomeOK}); err != nil {
			t.Fatal(err)
		}
	}
	db := open()
	if err := db.EnableOutbox(ctx); err != nil { // as the till's node does when it joins
		t.Fatal(err)
	}
	audit(db)
	before, err := db.OutboxMarks(ctx)
	if err != nil || before.Last == 0 {
		t.Fatalf("the outbox of a till in a chain: %+v, %v", before, err)
	}
	db.Close()

	var out bytes.Buffer
	if err := runChain(ctx, &out, []string{"off", "-db", path, "-key", key}); err != nil {
		t.Fatal(err)
	}
	db = open()
	defer db.Close()
	// The setting's own audit row is the last event: the centre hears the
	// till left when it rejoins.
	off, err := db.OutboxMarks(ctx)
	if err != nil || off.Last != before.Last+1 {
		t.Fatalf("after chain off the outbox is %+v, %v; it was %+v", off, err, before)
	}
	audit(db) // the till on its own: its audit row goes to no outbox
	if after, _ := db.OutboxMarks(ctx); after.Last != off.Last {
		t.Fatalf("a till on its own wrote outbox events: %d, then %d", off.Last, after.Last)
	}
	evs, err := db.OutboxAfter(ctx, off.Sent, 100)
	if err != nil || len(evs) != 2 || evs[0].Seq != before.Last || evs[1].Seq != off.Last {
		t.Fatalf("the events not sent did not stay: %+v, %v", evs, err)
	}
	// Rejoining starts it again, after the events that waited.
	if err := db.EnableOutbox(ctx); err != nil {
		t.Fatal(err)
	}
	audit(db)
	if m, _ := db.OutboxMarks(ctx); m.Last != off.Last+1 {
		t.Fatalf("after rejoining the outbox is at %d, was %d", m.Last, off.Last)
	}
}
