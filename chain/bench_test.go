package chain_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/tillpos/till/chain"
	"github.com/tillpos/till/chain/centredb"
)

// receiptBody is a typical receipt event: five lines, one payment.
var receiptBody = []byte(`{"bill":1,"kind":1,"cashier":3,"cashier_login":"anna","return_of":null,"total":24950,"fd":17,"sign":123456,"time":1796416240304372,"shift":4,` +
	`"lines":[` + line + `,` + line + `,` + line + `,` + line + `,` + line + `],"payments":[{"kind":1,"amount":24950,"at":1796416240303361}]}`)

const line = `{"item":12,"barcode":"4600000000008","name":"Хлеб","qty_milli":1000,"unit_price":4990,"vat":"20","dept":1,"discount_kind":0,"discount_value":0,"manual_price":0,"voided":0}`

// BenchmarkIngest times the centre's ingester taking b.N events of three
// tills from its stream into its database, in batches, with the marks and
// the audit check; the stream is filled before the timer starts, and the
// timer stops when the database holds every event (shutting the server
// down is not ingesting).
func BenchmarkIngest(b *testing.B) {
	dir := b.TempDir()
	ctx := context.Background()
	cdb, err := centredb.Open(ctx, filepath.Join(dir, "centre.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer cdb.Close()
	c, err := chain.StartCentre(ctx, chain.WithoutIngest(chain.CentreConfig{Dir: dir, LeafAddr: freeAddr(b), Keys: cdb}), cdb)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	nc, err := chain.ConnectCentre(c)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	tills := []chain.TillID{{Store: "s1", Till: "t1"}, {Store: "s1", Till: "t2"}, {Store: "s1", Till: "t3"}}
	at := time.Now().UTC().Format(time.RFC3339Nano)
	for i := 0; i < b.N; i++ {
		id := tills[i%3]
		m := nats.NewMsg(id.ResendSubject("receipt"))
		m.Data = receiptBody
		seq := int64(i/3 + 1)
		m.Header.Set(chain.HeaderSeq, strconv.FormatInt(seq, 10))
		m.Header.Set(chain.HeaderAt, at)
		if _, err := js.PublishMsgAsync(m, nats.MsgId(id.MsgID(seq))); err != nil {
			b.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	want := map[chain.TillID]int64{}
	for i := 0; i < b.N; i++ {
		want[tills[i%3]] = int64(i/3 + 1)
	}
	b.ResetTimer()
	c.StartIngest()
	for {
		done := true
		for id, n := range want {
			if h, _ := cdb.HWM(ctx, id); h != n {
				done = false
			}
		}
		if done {
			break
		}
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
}

// BenchmarkIngestBaseline inserts the same rows in batches of the same
// size with INSERT ... ON CONFLICT DO NOTHING, one transaction a batch, on
// the same kind of file: no NATS, no marks.
func BenchmarkIngestBaseline(b *testing.B) {
	path := filepath.Join(b.TempDir(), "base.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE events(store TEXT, till TEXT, seq INTEGER, kind TEXT, at INTEGER, body TEXT, received INTEGER,
		PRIMARY KEY(store, till, seq))`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`CREATE INDEX events_kind_at ON events(kind, at)`); err != nil {
		b.Fatal(err)
	}
	tills := []string{"t1", "t2", "t3"}
	body := string(receiptBody)
	b.ResetTimer()
	const batch = 512
	for i := 0; i < b.N; i += batch {
		tx, err := db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.Prepare(`INSERT INTO events VALUES(?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`)
		if err != nil {
			b.Fatal(err)
		}
		for j := i; j < i+batch && j < b.N; j++ {
			if _, err := st.Exec("s1", tills[j%3], j/3+1, "receipt", 1, body, 2); err != nil {
				b.Fatal(fmt.Errorf("row %d: %w", j, err))
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
