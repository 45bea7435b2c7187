package chain

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// The centre's leaf port lets in the keys of joined, unrevoked tills
// (docs/chain.md, "Joining"). The book is read again every KeysEvery and
// after each join; when the keys change, the server's authorisation is
// reloaded in place (Server.ReloadOptions), and when a key was taken away
// every leaf connection is dropped: the server checks a client's rights
// again on a reload but not a leaf connection's, so the tills redial (in
// 250 ms) and each is checked against the new keys, and a revoked one is
// refused.

// refusedEvery is how often the centre audits the same key being refused
// at its leaf port: a revoked till redials four times a second.
const refusedEvery = 10 * time.Minute

func sortedKeys(k []string) []string {
	k = slices.Clone(k)
	slices.Sort(k)
	return slices.Compact(k)
}

// watchKeys reloads the keys from the book every KeysEvery, and audits
// sign-ins refused at the leaf port (the server's $SYS auth-error events).
func (c *Centre) watchKeys() error {
	sys, err := connectLocal(c.srv, Auth{User: "sys", Password: c.local.Password + "-sys"}, "centre sys")
	if err != nil {
		return err
	}
	if _, err := sys.Subscribe("$SYS.SERVER.*.CLIENT.AUTH.ERR", c.authError); err != nil {
		sys.Close()
		return err
	}
	c.keysStop, c.keysDone = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(c.keysDone)
		defer sys.Close()
		tick := time.NewTicker(c.cfg.KeysEvery)
		defer tick.Stop()
		for {
			select {
			case <-c.keysStop:
				return
			case <-tick.C:
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				if err := c.reloadKeys(ctx); err != nil {
					c.cfg.Log.Warn("chain: till keys", "err", err)
				}
				cancel()
			}
		}
	}()
	return nil
}

// reloadKeys reads the book and, when the keys changed, reloads the
// server's authorisation.
func (c *Centre) reloadKeys(ctx context.Context) error {
	keys, err := c.cfg.Keys.TillKeys(ctx)
	if err != nil {
		return err
	}
	keys = sortedKeys(keys)
	c.keysMu.Lock()
	defer c.keysMu.Unlock()
	if slices.Equal(keys, c.keys) {
		return nil
	}
	o, err := serverOptions(centreConf(c.cfg.Dir, c.cfg.ClientAddr, c.cfg.LeafAddr, keys, c.local), nil)
	if err != nil {
		return err
	}
	if err := c.srv.ReloadOptions(o); err != nil {
		return fmt.Errorf("reload the leaf port's keys: %w", err)
	}
	removed := false
	for _, k := range c.keys {
		if _, found := slices.BinarySearch(keys, k); !found {
			removed = true
		}
	}
	c.keys = keys
	if removed {
		lz, err := c.srv.Leafz(nil)
		if err != nil {
			return err
		}
		for _, l := range lz.Leafs {
			_ = c.srv.DisconnectClientByID(l.ID)
		}
	}
	return nil
}

// authError audits a leaf connection refused for its key: a revoked
// till's, or one the centre never gave. At most once per key in
// refusedEvery.
func (c *Centre) authError(m *nats.Msg) {
	var ev struct {
		Client struct {
			User string `json:"user"`
			Host string `json:"host"`
			Kind string `json:"kind"`
		} `json:"client"`
		Reason string `json:"reason"`
	}
	if json.Unmarshal(m.Data, &ev) != nil || ev.Client.Kind != "Leafnode" {
		return
	}
	key := ev.Client.User
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e := JoinEvent{At: time.Now(), Action: "leaf.refused"}
	switch id, revoked, err := c.cfg.Keys.KeyOwner(ctx, key); {
	case err != nil:
		e.Detail = fmt.Sprintf("key %s from %s: %v", key, ev.Client.Host, err)
	case id.Store == "":
		e.Detail = fmt.Sprintf("a key the centre never gave (%q) from %s", key, ev.Client.Host)
	case revoked:
		e.Till, e.Detail = id, fmt.Sprintf("revoked key %s from %s", key, ev.Client.Host)
	default:
		e.Till, e.Detail = id, fmt.Sprintf("key %s from %s: %s", key, ev.Client.Host, ev.Reason)
	}
	// Once per key and kind of refusal in refusedEvery.
	once := key + "\x00" + strings.SplitN(e.Detail, " ", 2)[0]
	c.keysMu.Lock()
	last, seen := c.refused[once]
	if seen && time.Since(last) < refusedEvery {
		c.keysMu.Unlock()
		return
	}
	c.refused[once] = time.Now()
	c.keysMu.Unlock()
	if err := c.cfg.Keys.AuditJoin(ctx, e); err != nil {
		c.cfg.Log.Warn("chain: audit a refused leaf", "err", err)
	}
}
