package chain

import (
	"context"
	"errors"
	"sort"

	"github.com/nats-io/nats.go/jetstream"
)

// MirrorKeys lists the keys the till's mirror of the config bucket holds.
func (t *Till) MirrorKeys(ctx context.Context) ([]string, error) {
	kv, err := t.js.KeyValue(ctx, ConfigBucket)
	if err != nil {
		return nil, err
	}
	keys, err := kv.Keys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	sort.Strings(keys)
	return keys, err
}
