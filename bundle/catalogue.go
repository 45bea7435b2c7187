package bundle

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"strings"
)

// CatalogueMagic is the first line of a catalogue bundle: the same signed
// layout as a matrix bundle (publisher, signature, JSON payload), with its
// own magic line, which the signature covers, so neither kind can pass for
// the other.
const CatalogueMagic = "till-catalogue-bundle v1"

// Catalogue is what a catalogue bundle carries: the items and prices a
// head office publishes to a store, as a catalogue file in one of the
// till's exchange formats (docs/catalogue.md), applied by the till's own
// catalogue import — all or nothing, every price and name change audited.
// Versions order catalogue bundles on their own: a catalogue is published
// far more often than a matrix.
type Catalogue struct {
	Version   int64  `json:"version"`
	Created   string `json:"created"`
	Publisher string `json:"publisher,omitempty"`
	Store     string `json:"store"`
	Chain     string `json:"chain,omitempty"`
	// Format is the exchange format of Data: "csv" or "atol".
	Format string `json:"format"`
	// Data is the catalogue file, UTF-8.
	Data string `json:"data"`
}

// Validate checks what the till's import would not: a version in bounds,
// a store, a known format, some data.
func (c *Catalogue) Validate() error {
	if c.Version <= 0 || c.Version > MaxVersion {
		return fmt.Errorf("%w: version %d", ErrInvalid, c.Version)
	}
	if strings.TrimSpace(c.Store) == "" {
		return fmt.Errorf("%w: the bundle names no store", ErrInvalid)
	}
	if c.Format != "csv" && c.Format != "atol" {
		return fmt.Errorf("%w: catalogue format %q (csv or atol)", ErrInvalid, c.Format)
	}
	if strings.TrimSpace(c.Data) == "" {
		return fmt.Errorf("%w: the catalogue is empty", ErrInvalid)
	}
	return nil
}

// SignCatalogue encodes c and signs it with priv, returning the bundle file.
func SignCatalogue(c Catalogue, priv ed25519.PrivateKey) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("sign catalogue bundle: private key has %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("sign catalogue bundle: %w", err)
	}
	payload, err := json.MarshalIndent(c, "", "\t")
	if err != nil {
		return nil, fmt.Errorf("sign catalogue bundle: %w", err)
	}
	return envelope(CatalogueMagic, append(payload, '\n'), priv), nil
}

// VerifiedCatalogue is a catalogue bundle whose signature checked out.
type VerifiedCatalogue struct {
	Catalogue Catalogue
	Publisher ed25519.PublicKey
}

// PublisherID names the publisher key (see KeyID).
func (v VerifiedCatalogue) PublisherID() string { return KeyID(v.Publisher) }

// OpenCatalogue checks a catalogue bundle as Open checks a matrix bundle.
// Errors wrap ErrFormat, ErrUntrusted, ErrSignature or ErrInvalid.
func OpenCatalogue(file []byte, trusted []ed25519.PublicKey) (VerifiedCatalogue, error) {
	var v VerifiedCatalogue
	pub, payload, err := openEnvelope(file, CatalogueMagic, trusted)
	if err != nil {
		return v, err
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v.Catalogue); err != nil {
		return v, fmt.Errorf("%w: payload: %v", ErrFormat, err)
	}
	if err := v.Catalogue.Validate(); err != nil {
		return v, err
	}
	v.Publisher = pub
	return v, nil
}
