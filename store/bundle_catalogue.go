package store

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tillpos/till/bundle"
	"github.com/tillpos/till/exchange"
)

// Settings of the catalogue bundle in force (docs/admin.md, "Publishing
// down"): its version, which the next must exceed, and its file's SHA-256.
const (
	settingCatalogueVersion = "chain.catalogue.version"
	settingCatalogueDigest  = "chain.catalogue.digest"
)

// Audit actions of catalogue bundles.
const (
	auditCatalogueBundle        = "catalogue.bundle.import"
	auditCatalogueBundleRefused = "catalogue.bundle.refused"
)

// CatalogueBundleVersion is the version of the catalogue bundle in force,
// 0 when none was applied.
func (d *DB) CatalogueBundleVersion(ctx context.Context) (int64, error) {
	v, _, err := catalogueBundleInForce(ctx, d.db)
	return v, err
}

func catalogueBundleInForce(ctx context.Context, q queryer) (int64, string, error) {
	s, _, err := rawSetting(ctx, q, settingCatalogueVersion)
	if err != nil {
		return 0, "", err
	}
	var v int64
	if s != "" {
		if v, err = strconv.ParseInt(s, 10, 64); err != nil {
			return 0, "", fmt.Errorf("setting %s = %q: %w", settingCatalogueVersion, s, err)
		}
	}
	digest, _, err := rawSetting(ctx, q, settingCatalogueDigest)
	return v, digest, err
}

// ApplySignedCatalogue takes a catalogue bundle the centre published, as
// ApplySignedBundle takes a matrix bundle: the signature from a trusted
// key, this store and chain, a version strictly higher than the catalogue
// bundle in force. The catalogue file inside goes through the till's own
// catalogue import — checked whole, all or nothing, every price and name
// change audited — and the new version, its file's digest and the
// catalogue.bundle.import row are written in the import's own transaction.
// Every refusal is audited as catalogue.bundle.refused with the reason and
// changes nothing; the same file again (a restart re-reading the mirror)
// is in force and audits nothing.
func (d *DB) ApplySignedCatalogue(ctx context.Context, file []byte, trusted []ed25519.PublicKey, by Actor) (int64, error) {
	refuse := func(version int64, err error) (int64, error) {
		args := map[string]any{"bytes": len(file)}
		if version != 0 {
			args["version"] = version
		}
		if _, aerr := d.Audit(ctx, by.entry(auditCatalogueBundleRefused, args, OutcomeFailed, err.Error())); aerr != nil {
			return 0, errors.Join(err, aerr)
		}
		return 0, err
	}
	if len(trusted) == 0 {
		return refuse(0, fmt.Errorf("%w: this till trusts no centre key (till matrix trust)", bundle.ErrUntrusted))
	}
	v, err := bundle.OpenCatalogue(file, trusted)
	if err != nil {
		return refuse(0, err)
	}
	c := v.Catalogue
	storeID, chain, err := d.StoreIdentity(ctx)
	if err != nil {
		return 0, fmt.Errorf("apply catalogue bundle: %w", err)
	}
	if c.Store != storeID || c.Chain != chain {
		return refuse(c.Version, fmt.Errorf("%w: it is for store %q (chain %q), this till is store %q (chain %q)",
			bundle.ErrWrongStore, c.Store, c.Chain, storeID, chain))
	}
	sum := sha256.Sum256(file)
	digest := hex.EncodeToString(sum[:])
	cur, inForce, err := catalogueBundleInForce(ctx, d.db)
	if err != nil {
		return 0, fmt.Errorf("apply catalogue bundle: %w", err)
	}
	if c.Version == cur && digest == inForce {
		return cur, nil
	}
	if c.Version <= cur {
		return refuse(c.Version, fmt.Errorf("%w: catalogue bundle %d, till %d", bundle.ErrNotNewer, c.Version, cur))
	}
	if top := max(cur, time.Now().Unix()) + MaxVersionLead; c.Version > top {
		return refuse(c.Version, fmt.Errorf("%w: version %d is ahead of this till's clock (at most %d)", bundle.ErrInvalid, c.Version, top))
	}
	rules, err := d.StoreCatalogueRules(ctx, c.Format, "")
	if err != nil {
		return refuse(c.Version, fmt.Errorf("%w: %v", bundle.ErrInvalid, err))
	}
	var r exchange.Reader
	if c.Format == "atol" {
		r = exchange.NewATOLReader(strings.NewReader(c.Data))
	} else {
		r = exchange.NewCSVReader(strings.NewReader(c.Data))
	}
	source := fmt.Sprintf("bundle:%s:%d", v.PublisherID(), c.Version)
	opt := ImportOptions{Rules: rules, Source: source, Format: c.Format, Listed: 3}
	opt.inTx = func(ctx context.Context, tx *sql.Tx) error {
		// Again under the write lock: another bundle may have come first.
		now, _, err := catalogueBundleInForce(ctx, tx)
		if err != nil {
			return err
		}
		if c.Version <= now {
			return fmt.Errorf("%w: catalogue bundle %d, till %d", bundle.ErrNotNewer, c.Version, now)
		}
		if err := setSetting(ctx, tx, settingCatalogueVersion, strconv.FormatInt(c.Version, 10)); err != nil {
			return err
		}
		if err := setSetting(ctx, tx, settingCatalogueDigest, digest); err != nil {
			return err
		}
		_, err = appendAudit(ctx, tx, by.entry(auditCatalogueBundle, map[string]any{
			"version": c.Version, "publisher": v.PublisherID(), "previous": now, "format": c.Format,
		}, OutcomeOK, ""))
		return err
	}
	res, err := d.ImportCatalogue(ctx, r, opt, by)
	if errors.Is(err, ErrImportRefused) {
		return refuse(c.Version, fmt.Errorf("%w: the catalogue was refused: %s", bundle.ErrInvalid, importProblems(res)))
	}
	if err != nil {
		if errors.Is(err, bundle.ErrNotNewer) {
			return refuse(c.Version, err)
		}
		return 0, fmt.Errorf("apply catalogue bundle version %d: %w", c.Version, err)
	}
	return c.Version, nil
}

// importProblems is a refused import's reasons in one line.
func importProblems(res ImportResult) string {
	if res.Fatal != nil {
		return res.Fatal.Error()
	}
	var ps []string
	for _, p := range res.Problems {
		ps = append(ps, p.Error())
	}
	if n := res.Rejected - len(res.Problems); n > 0 {
		ps = append(ps, fmt.Sprintf("and %d more", n))
	}
	return strings.Join(ps, "; ")
}
