package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"

	"fyne.io/fyne/v2"

	"github.com/tillpos/till/exchange"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui/admin"
)

// adminCatalogue adapts the store's catalogue and exchange to the back
// office's items tab.
type adminCatalogue struct{ db *store.DB }

var _ admin.Catalogue = adminCatalogue{}

func toAdminItem(it store.CatalogueItem) admin.Item {
	return admin.Item{
		ID: int64(it.ID), Code: it.Code, Barcodes: it.Barcodes, Name: it.Name, ReceiptName: it.ReceiptName, Price: it.Price,
		VAT: string(it.VAT), Unit: it.Unit, Weighed: it.Weighed, Marking: it.Marking, Dept: int(it.Dept), Group: it.Group, Active: it.Active,
	}
}

func (c adminCatalogue) FindItems(ctx context.Context, q string, limit int, contains bool) ([]admin.Item, error) {
	found, err := c.db.FindItems(ctx, q, limit, contains)
	if err != nil {
		return nil, adminErr(err)
	}
	out := make([]admin.Item, len(found))
	for i, it := range found {
		out[i] = toAdminItem(it)
	}
	return out, nil
}

func (c adminCatalogue) SaveItem(ctx context.Context, it admin.Item, by admin.Actor) (int64, error) {
	rules, err := c.db.StoreCatalogueRules(ctx, "csv", "")
	if err != nil {
		return 0, adminErr(err)
	}
	id, err := c.db.SaveCatalogueItem(ctx, store.CatalogueItem{
		ID: sale.ItemID(it.ID), Code: it.Code, Barcodes: it.Barcodes, Name: it.Name, ReceiptName: it.ReceiptName, Price: it.Price,
		VAT: sale.VATCode(it.VAT), Unit: it.Unit, Weighed: it.Weighed, Marking: it.Marking, Dept: byte(it.Dept), Group: it.Group, Active: it.Active,
	}, rules, actor(by))
	var p *exchange.Problem
	if errors.As(err, &p) {
		return 0, &admin.Error{Msg: p.Message(), Err: err} // what is wrong with the value, not "invalid"
	}
	return int64(id), adminErr(err)
}

func (c adminCatalogue) VATCodes() []string {
	country, err := c.db.SettingString(context.Background(), store.SettingStoreCountry, defaultCountry)
	if err != nil {
		fyne.LogError("store country", err)
	}
	vat, err := sale.VATTableFor(country)
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range vat.Codes() {
		out = append(out, string(c))
	}
	return out
}

func (c adminCatalogue) Import(ctx context.Context, path, format string, dry bool, by admin.Actor, progress func(int)) (admin.ImportSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return admin.ImportSummary{}, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	if format == "" {
		format = sniffFormat(br)
	}
	rules, err := c.db.StoreCatalogueRules(ctx, format, "")
	if err != nil {
		return admin.ImportSummary{}, adminErr(err)
	}
	opt := store.ImportOptions{DryRun: dry, Rules: rules, Source: filepath.Base(path), Format: format, Listed: 50}
	if progress != nil {
		opt.Progress = func(_ string, lines int) { progress(lines) }
	}
	res, err := c.db.ImportCatalogue(ctx, newReader(format, br), opt, actor(by))
	sum := admin.ImportSummary{
		Lines: res.Lines, Items: res.Items, New: res.New, Changed: res.Changed, Unchanged: res.Unchanged,
		Deactivated: res.Deactivated, Rejected: res.Rejected, Applied: res.Applied,
	}
	for _, p := range res.Problems {
		sum.Problems = append(sum.Problems, p.Message())
	}
	if res.Fatal != nil {
		m := res.Fatal.Message()
		sum.Fatal = &m
	}
	if err != nil && !errors.Is(err, store.ErrImportRefused) {
		return sum, adminErr(err)
	}
	return sum, nil
}

func (c adminCatalogue) Export(ctx context.Context, path string, by admin.Actor) (int, error) {
	n, err := writeFileAtomic(path, func(w io.Writer) (int, error) { return c.db.WriteCatalogue(ctx, w, "csv", false) })
	if err != nil {
		return 0, err
	}
	args, _ := json.Marshal(map[string]any{"file": filepath.Base(path), "items": n})
	_, err = c.db.Audit(ctx, store.AuditEntry{
		Terminal: by.Terminal, Actor: by.User, Approver: by.Approver, Action: string(policy.ActionItemsExport),
		Args: args, Outcome: store.OutcomeOK,
	})
	return n, adminErr(err)
}

func (c adminCatalogue) TaxMap(ctx context.Context) (string, error) {
	m, err := c.db.SettingString(ctx, store.SettingATOLTaxMap, "")
	return m, adminErr(err)
}

// SetTaxMap checks the map against the store's VAT codes before it is
// stored (config.set in the audit log), so a wrong one is refused at once
// with the codes the store has, not at the import.
func (c adminCatalogue) SetTaxMap(ctx context.Context, m string, by admin.Actor) error {
	country, err := c.db.SettingString(ctx, store.SettingStoreCountry, defaultCountry)
	if err != nil {
		return adminErr(err)
	}
	if _, err := store.CatalogueRules(country, "atol", m); err != nil {
		return adminErr(err)
	}
	return adminErr(c.db.SetSetting(ctx, store.SettingATOLTaxMap, m, actor(by)))
}
