package chain_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
)

var errKilled = errors.New("killed here")

// restartWith stops a till's node and starts it again with a hook.
func (r *rig) restartWith(tl *till, hook func(stage string, seq int64) error) {
	tl.node.Close()
	tl.hook = hook
	r.startTill(tl)
}

// A till killed between its commit and its stream's ack: the publisher
// hands half a batch to the stream and dies before reading any ack. The
// outbox was not marked, so the next start sends the batch again; what
// reached the stream the first time is dropped as a duplicate.
func TestTillKilledBetweenCommitAndAck(t *testing.T) {
	t.Parallel() // waits mostly: its own ports and files
	r := newRig(t, 1)
	tl := r.tills[0]
	var handed atomic.Int64
	killed := make(chan struct{})
	var once atomic.Bool
	r.restartWith(tl, func(stage string, seq int64) error {
		if stage == "published" && handed.Add(1) == 8 && once.CompareAndSwap(false, true) {
			close(killed)
			return errKilled
		}
		if once.Load() {
			return errKilled // dead: nothing more is published or marked
		}
		return nil
	})
	for i := 0; i < 10; i++ {
		r.sell(tl)
	}
	select {
	case <-killed:
	case <-time.After(30 * time.Second):
		t.Fatal("the publisher never reached the kill point")
	}
	m, _ := tl.db.OutboxMarks(context.Background())
	if m.Sent >= m.Last {
		t.Fatalf("the batch was marked although the till died before its acks: %+v", m)
	}
	r.restartWith(tl, nil)
	r.waitAll(60 * time.Second)
}

// A till killed between the ack and the sent mark, at every batch for a
// while: each round publishes the same events again and never marks them.
// The centre still keeps each once.
func TestTillKilledBetweenAckAndMark(t *testing.T) {
	t.Parallel() // waits mostly: its own ports and files
	r := newRig(t, 1)
	tl := r.tills[0]
	var rounds atomic.Int64
	r.restartWith(tl, func(stage string, seq int64) error {
		if stage == "acked" {
			rounds.Add(1)
			return errKilled
		}
		return nil
	})
	for i := 0; i < 20; i++ {
		r.sell(tl)
	}
	deadline := time.Now().Add(30 * time.Second)
	for rounds.Load() < 5 {
		if time.Now().After(deadline) {
			t.Fatal("the publisher did not run five rounds")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m, _ := tl.db.OutboxMarks(context.Background()); m.Sent != 0 {
		t.Fatalf("marked although every round died before the mark: %+v", m)
	}
	r.restartWith(tl, nil)
	r.waitAll(60 * time.Second)
}

// killingSink commits a batch and then fails as a centre killed before its
// ack would: the stream delivers the batch again, the primary key keeps it
// once. slow makes every batch take a while, so a restart lands mid-ingest.
type killingSink struct {
	*centredb.DB
	kills atomic.Int64 // batches still to fail after their commit
	slow  time.Duration
	seen  atomic.Int64
}

func (k *killingSink) Store(ctx context.Context, batch []chain.Received) error {
	if err := k.DB.Store(ctx, batch); err != nil {
		return err
	}
	k.seen.Add(int64(len(batch)))
	time.Sleep(k.slow)
	if k.kills.Add(-1) >= 0 {
		return errKilled
	}
	return nil
}

// The centre is stopped in the middle of ingesting a backlog, and its
// ingester fails after commits before acks; every event still lands once.
func TestCentreRestartMidIngest(t *testing.T) {
	t.Parallel() // waits mostly: its own ports and files
	r := newRig(t, 3)
	sink := &killingSink{DB: r.cdb, slow: 20 * time.Millisecond}
	sink.kills.Store(3)
	r.sink, r.batch = sink, 16
	r.stopCentre()
	for i := 0; i < 60; i++ {
		for _, tl := range r.tills {
			r.sell(tl)
		}
	}
	// Let the tills' streams take the backlog first.
	for _, tl := range r.tills {
		deadline := time.Now().Add(30 * time.Second)
		for {
			m, _ := tl.db.OutboxMarks(context.Background())
			if m.Sent == m.Last {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not publish to its own stream: %+v", tl.id, m)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	r.startCentre()
	deadline := time.Now().Add(60 * time.Second)
	for sink.seen.Load() < 100 {
		if time.Now().After(deadline) {
			t.Fatal("the centre ingested nothing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.stopCentre()
	t.Logf("stopped after %d events had been stored", sink.seen.Load())
	r.startCentre()
	r.waitAll(90 * time.Second)
}

// An event of 10 MB and events on subjects the centre does not know are
// refused (the server refuses the first; the ingester drops the others)
// and the ingester goes on with the next good event.
func TestIngesterRefusesBadMessagesAndGoesOn(t *testing.T) {
	t.Parallel() // waits mostly: its own ports and files
	r := newRig(t, 1)
	tl := r.tills[0]
	r.sell(tl)
	r.waitAll(30 * time.Second)
	nc, err := chain.ConnectCentre(r.centre)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	big := nats.NewMsg(tl.id.ResendSubject("receipt"))
	big.Data = make([]byte, 10<<20)
	big.Header.Set(chain.HeaderSeq, "999")
	big.Header.Set(chain.HeaderAt, time.Now().Format(time.RFC3339Nano))
	if _, err := js.PublishMsg(big); err == nil {
		t.Error("a 10 MB event was taken")
	} else {
		t.Logf("10 MB: %v", err)
	}
	for _, subj := range []string{"resend.x", "resend.s1.bad token.receipt", "resend.s1.t1"} {
		m := nats.NewMsg(subj)
		m.Data = []byte(`{}`)
		m.Header.Set(chain.HeaderSeq, "1000")
		m.Header.Set(chain.HeaderAt, time.Now().Format(time.RFC3339Nano))
		if _, err := js.PublishMsg(m); err != nil && !strings.Contains(err.Error(), "no responders") {
			t.Logf("%s: %v", subj, err)
		}
	}
	noSeq := nats.NewMsg(tl.id.ResendSubject("receipt"))
	noSeq.Data = []byte(`{}`)
	if _, err := js.PublishMsg(noSeq); err != nil {
		t.Fatal(err)
	}
	// Good events after the bad ones still arrive.
	for i := 0; i < 5; i++ {
		r.sell(tl)
	}
	r.waitAll(30 * time.Second)
	var n int
	if hwm, _ := r.cdb.HWM(context.Background(), tl.id); hwm > 900 {
		t.Errorf("a refused event moved the mark to %d", hwm)
	}
	rows, err := r.cdb.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range rows {
		n++
		if s.Store != "s1" || s.Till != "t1" {
			t.Errorf("a bad subject made a till: %+v", s)
		}
	}
	if n != 1 {
		t.Errorf("%d tills at the centre, want 1", n)
	}
}

// A till whose clock is an hour ahead and one an hour behind: order,
// marks and exactly-once are by seq, not by time, so nothing changes; the
// report puts their sales at their own clocks' time.
func TestTillClockAnHourOff(t *testing.T) {
	t.Parallel() // waits mostly: its own ports and files
	r := newRig(t, 3)
	r.tills[1].clock = time.Hour
	r.tills[2].clock = -time.Hour
	for i := 0; i < 10; i++ {
		for _, tl := range r.tills {
			r.sell(tl)
		}
	}
	r.stopCentre()
	for _, tl := range r.tills {
		r.sell(tl)
	}
	r.startCentre()
	r.waitAll(60 * time.Second)
	rep, err := r.cdb.Report(context.Background(), time.Now().Add(-3*time.Hour), time.Now().Add(3*time.Hour), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, s := range rep.Sales {
		got[s.Till] += s.Sales
	}
	for _, tl := range r.tills {
		if got[tl.id.Till] != tl.sold {
			t.Errorf("%s: report has %d sales, sold %d", tl.id, got[tl.id.Till], tl.sold)
		}
	}
}

// failingSink fails its first batch before storing anything, as a centre
// whose database write failed (or that died before its commit) does.
type failingSink struct {
	*centredb.DB
	fails atomic.Int64
}

func (f *failingSink) Store(ctx context.Context, batch []chain.Received) error {
	if f.fails.Add(-1) >= 0 {
		return errKilled
	}
	return f.DB.Store(ctx, batch)
}

// A batch the ingester failed to store is delivered again, even when the
// batches after it were stored and acknowledged first: with ack-all, their
// acks took the failed batch with them and it came only when the till's
// re-send got past the duplicate window (two minutes), which the soak found.
func TestFailedBatchIsIngestedAgain(t *testing.T) {
	t.Parallel() // waits mostly: its own ports and files
	r := newRig(t, 1)
	tl := r.tills[0]
	r.waitMarks(30 * time.Second)
	f := &failingSink{DB: r.cdb}
	f.fails.Store(1)
	r.sink, r.batch = f, 4
	r.stopCentre()
	for i := 0; i < 40; i++ {
		r.sell(tl)
	}
	r.startCentre()
	took := r.waitAll(60 * time.Second)
	if took > 45*time.Second {
		t.Errorf("caught up in %v: the failed batch waited for the duplicate window", took)
	}
	t.Logf("caught up in %v after a failed batch", took)
}
