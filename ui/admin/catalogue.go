package admin

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/exchange"
	"github.com/tillpos/till/policy"
)

// Item is a catalogue item as the back office edits it. Price in minor
// units; Barcodes[0] is the one the scanner finds first.
type Item struct {
	ID          int64
	Code        string
	Barcodes    []string
	Name        string
	ReceiptName string
	Price       int64
	VAT         string
	Unit        string
	Weighed     bool
	Marking     bool
	Dept        int
	Group       string
	Active      bool
}

// ImportSummary is what an import did or, in a dry run, would do.
type ImportSummary struct {
	Lines, Items, New, Changed, Unchanged, Deactivated, Rejected int
	// Problems are the first rejected lines, each a sentence with its line.
	Problems []policy.Message
	// Fatal, when set, refused the file as a whole.
	Fatal   *policy.Message
	Applied bool
}

// Catalogue is what the catalogue tab reads and changes; cmd/till adapts
// *store.DB to it. Changes write their own audit rows with the Actor.
type Catalogue interface {
	// FindItems searches by exact code or barcode, then name prefix and,
	// with contains, a part of the name (slower: asked on Enter), up to
	// limit items, inactive ones included.
	FindItems(ctx context.Context, q string, limit int, contains bool) ([]Item, error)
	// SaveItem creates (ID 0) or updates an item.
	SaveItem(ctx context.Context, it Item, by Actor) (int64, error)
	// VATCodes are the store's VAT codes, for the picker.
	VATCodes() []string
	// Import reads path ("atol" or "csv", "" finds it from the file) all or
	// nothing; dry changes nothing. progress gets the lines read so far.
	Import(ctx context.Context, path, format string, dry bool, by Actor, progress func(lines int)) (ImportSummary, error)
	// Export writes the catalogue to path as CSV and returns the count.
	Export(ctx context.Context, path string, by Actor) (int, error)
	// TaxMap is the stored map of an ATOL file's tax groups to the store's
	// VAT codes ("1=20,2=10"); SetTaxMap checks and stores one, audited.
	TaxMap(ctx context.Context) (string, error)
	SetTaxMap(ctx context.Context, m string, by Actor) error
}

// searchLimit is how many items the list shows: a search narrows, nobody
// scrolls 100k items.
const searchLimit = 50

type catalogueTab struct {
	s       *Screen
	content fyne.CanvasObject

	search *widget.Entry
	list   *widget.List
	shown  []Item
	seq    int // the latest search; older answers are dropped

	editing  *Item // nil: a new item
	code     *widget.Entry
	barcodes *widget.Entry
	name     *widget.Entry
	receipt  *widget.Entry
	price    *widget.Entry
	vat      *widget.Select
	unit     *widget.Entry
	weighed  *widget.Check
	marking  *widget.Check
	dept     *widget.Entry
	group    *widget.Entry
	active   *widget.Check
	card     *fyne.Container
	hint     *widget.Label

	importPath *widget.Entry
	taxMap     *widget.Entry
	taxMapWas  string
	exportPath *widget.Entry
	result     *widget.Label
	progress   *widget.ProgressBar
	lastLines  int // lines the dry run read: the progress bar's end
}

func newCatalogueTab(s *Screen) *catalogueTab {
	t := &catalogueTab{s: s}
	t.search = widget.NewEntry()
	t.search.SetPlaceHolder(lang.X("admin.items.search", "Search by name, code or barcode (Enter: also inside names)"))
	t.search.OnChanged = func(string) { t.find(false) }
	t.search.OnSubmitted = func(string) { t.find(true) }
	t.list = widget.NewList(
		func() int { return len(t.shown) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(t.rowText(t.shown[i])) },
	)
	t.list.OnSelected = func(i widget.ListItemID) {
		if i < len(t.shown) {
			t.edit(t.shown[i])
		}
	}

	t.code, t.barcodes, t.name, t.receipt = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	t.barcodes.SetPlaceHolder(lang.X("admin.items.barcodes_hint", "several separated by commas"))
	t.receipt.SetPlaceHolder(lang.X("admin.items.receipt_hint", "empty: the name"))
	t.price, t.unit, t.dept, t.group = widget.NewEntry(), widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	t.vat = widget.NewSelect(s.deps.Catalogue.VATCodes(), nil)
	t.weighed = widget.NewCheck(lang.X("admin.items.weighed", "Sold by weight"), nil)
	t.marking = widget.NewCheck(lang.X("admin.items.marking", "Marking code required"), nil)
	t.active = widget.NewCheck(lang.X("admin.items.active", "On sale (active)"), nil)
	save := widget.NewButtonWithIcon(lang.X("admin.save", "Save"), theme.DocumentSaveIcon(), t.save)
	save.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(lang.X("admin.items.code", "Code"), t.code),
		widget.NewFormItem(lang.X("admin.items.barcodes", "Barcodes"), t.barcodes),
		widget.NewFormItem(lang.X("admin.items.name", "Name"), t.name),
		widget.NewFormItem(lang.X("admin.items.receipt", "Name on the receipt"), t.receipt),
		widget.NewFormItem(lang.X("admin.items.price", "Price"), t.price),
		widget.NewFormItem(lang.X("admin.items.vat", "VAT"), t.vat),
		widget.NewFormItem(lang.X("admin.items.unit", "Unit"), t.unit),
		widget.NewFormItem(lang.X("admin.items.dept", "Department"), t.dept),
		widget.NewFormItem(lang.X("admin.items.group", "Group"), t.group),
		widget.NewFormItem("", container.NewVBox(t.weighed, t.marking, t.active)),
		widget.NewFormItem("", save),
	)
	t.card = container.NewVBox(form)
	t.card.Hide()
	t.hint = widget.NewLabel(lang.X("admin.items.hint", "Choose an item, or press New item."))
	newBtn := widget.NewButtonWithIcon(lang.X("admin.items.new", "New item"), theme.ContentAddIcon(), func() { t.edit(Item{Active: true, Dept: 1}) })

	t.importPath, t.exportPath = widget.NewEntry(), widget.NewEntry()
	t.importPath.SetPlaceHolder(lang.X("admin.items.import_hint", "ATOL/Frontol or CSV file to load"))
	t.exportPath.SetPlaceHolder(lang.X("admin.items.export_hint", "CSV file to write"))
	browseOpen := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
			if err == nil && r != nil {
				t.importPath.SetText(r.URI().Path())
				r.Close()
			}
		}, s.win)
	})
	browseSave := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFileSave(func(w fyne.URIWriteCloser, err error) {
			if err == nil && w != nil {
				t.exportPath.SetText(w.URI().Path())
				w.Close()
			}
		}, s.win)
	})
	importBtn := widget.NewButtonWithIcon(lang.X("admin.items.check", "Check the file"), theme.DownloadIcon(), t.dryRun)
	exportBtn := widget.NewButtonWithIcon(lang.X("admin.items.export", "Export"), theme.UploadIcon(), t.export)
	t.result = widget.NewLabel("")
	t.result.Wrapping = fyne.TextWrapWord
	t.progress = widget.NewProgressBar()
	t.progress.Hide()
	row := func(e *widget.Entry, b *widget.Button) fyne.CanvasObject {
		return container.NewBorder(nil, nil, nil, b, e)
	}
	// An ATOL file names tax groups set up per Frontol installation, not
	// VAT rates: the shop says once which is which, here, without SQL.
	t.taxMap = widget.NewEntry()
	t.taxMap.SetPlaceHolder(lang.X("admin.items.tax_map_hint", "ATOL tax groups to VAT, e.g. 1=20,2=10"))
	files := widget.NewForm(
		widget.NewFormItem(lang.X("admin.items.import_file", "Import from"), row(t.importPath, browseOpen)),
		widget.NewFormItem(lang.X("admin.items.tax_map", "Tax groups"), t.taxMap),
		widget.NewFormItem("", importBtn),
		widget.NewFormItem(lang.X("admin.items.export_file", "Export to"), row(t.exportPath, browseSave)),
		widget.NewFormItem("", exportBtn),
	)
	left := container.NewBorder(container.NewBorder(nil, nil, nil, newBtn, t.search), nil, nil, nil, t.list)
	right := container.NewVScroll(container.NewVBox(t.hint, t.card, widget.NewSeparator(), files, t.progress, t.result))
	if s.deps.Managed {
		// The head office publishes the catalogue: shown, searched and
		// exported here, changed only at the centre.
		for _, w := range []fyne.Disableable{
			save, newBtn, importBtn, t.taxMap, t.importPath, t.code, t.barcodes, t.name, t.receipt, t.price, t.vat,
			t.unit, t.weighed, t.marking, t.dept, t.group, t.active,
		} {
			w.Disable()
		}
	}
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	t.content = split
	return t
}

func (t *catalogueTab) rowText(it Item) string {
	s := it.Code + "  " + it.Name + "  " + exchange.FormatPrice(it.Price)
	if !it.Active {
		s += "  " + lang.X("admin.items.inactive", "(off sale)")
	}
	return s
}

// find runs the search for what the entry holds now. Each keystroke asks
// again (code, barcode, name prefix: index lookups); Enter also looks
// inside names. An answer to an older keystroke that arrives late is
// dropped.
func (t *catalogueTab) find(contains bool) {
	t.seq++
	seq, q := t.seq, t.search.Text
	var items []Item
	t.s.load(func(ctx context.Context) error {
		var err error
		items, err = t.s.deps.Catalogue.FindItems(ctx, q, searchLimit, contains)
		return err
	}, func(err error) {
		if seq != t.seq {
			return
		}
		if err != nil {
			t.s.fail(err)
			return
		}
		t.shown = items
		t.list.UnselectAll()
		t.list.Refresh()
	})
}

func (t *catalogueTab) reload() {
	t.find(false)
	var m string
	t.s.load(func(ctx context.Context) (err error) {
		m, err = t.s.deps.Catalogue.TaxMap(ctx)
		return err
	}, func(err error) {
		if err == nil {
			t.taxMap.SetText(m)
			t.taxMapWas = m
		}
	})
}

func (t *catalogueTab) edit(it Item) {
	t.editing = &it
	t.code.SetText(it.Code)
	t.barcodes.SetText(strings.Join(it.Barcodes, ", "))
	t.name.SetText(it.Name)
	t.receipt.SetText(it.ReceiptName)
	if it.ID == 0 && it.Price == 0 {
		t.price.SetText("")
	} else {
		t.price.SetText(exchange.FormatPrice(it.Price))
	}
	t.vat.SetSelected(it.VAT)
	t.unit.SetText(it.Unit)
	t.dept.SetText(strconv.Itoa(max(it.Dept, 1)))
	t.group.SetText(it.Group)
	t.weighed.SetChecked(it.Weighed)
	t.marking.SetChecked(it.Marking)
	t.active.SetChecked(it.Active)
	t.hint.Hide()
	t.card.Show()
}

// save asks the policy for each kind of change it makes — a new item or
// other fields (catalogue.item.edit), the price (catalogue.item.price),
// on or off sale (catalogue.item.active) — so a refusal names the right
// that is missing and is audited, and nothing is saved.
func (t *catalogueTab) save() {
	if t.editing == nil || t.s.managed() {
		return
	}
	old := *t.editing
	it := old
	it.Code = strings.TrimSpace(t.code.Text)
	it.Barcodes = strings.FieldsFunc(t.barcodes.Text, func(r rune) bool { return r == ',' || r == ' ' || r == ';' })
	it.Name, it.ReceiptName = strings.TrimSpace(t.name.Text), strings.TrimSpace(t.receipt.Text)
	price, ok := exchange.ParsePrice(t.price.Text)
	if !ok {
		t.s.showStatus(true, lang.X("admin.items.bad_price", "Enter the price as a number, e.g. 89.90."))
		return
	}
	it.Price = price
	it.VAT = t.vat.Selected
	it.Unit = strings.TrimSpace(t.unit.Text)
	d, err := strconv.Atoi(strings.TrimSpace(t.dept.Text))
	if err != nil || d < 1 || d > 16 {
		t.s.showStatus(true, lang.X("admin.items.bad_dept", "The department is a number from 1 to 16."))
		return
	}
	it.Dept = d
	it.Group = strings.TrimSpace(t.group.Text)
	it.Weighed, it.Marking, it.Active = t.weighed.Checked, t.marking.Checked, t.active.Checked

	var need []policy.Action
	if old.ID == 0 {
		need = append(need, policy.ActionItemEdit, policy.ActionItemPrice)
	} else {
		other := old
		other.Price, other.Active = it.Price, it.Active
		if fmt.Sprint(other) != fmt.Sprint(it) {
			need = append(need, policy.ActionItemEdit)
		}
		if old.Price != it.Price {
			need = append(need, policy.ActionItemPrice)
		}
		if old.Active != it.Active {
			need = append(need, policy.ActionItemActive)
		}
	}
	if len(need) == 0 {
		t.s.done(lang.X("admin.items.unchanged", "Nothing to save: the item is as it was."))
		return
	}
	for _, a := range need {
		if !t.s.allowed(a) {
			return
		}
	}
	me := t.s.deps.Policy.Actor()
	t.s.run(func(ctx context.Context) error {
		id, err := t.s.deps.Catalogue.SaveItem(ctx, it, me)
		it.ID = id
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.editing = &it
		t.s.done(lang.X("admin.items.saved", "Item {{.Code}} saved.", map[string]any{"Code": it.Code}))
		t.find(false)
	})
}

func (t *catalogueTab) dryRun() {
	if t.s.managed() {
		return
	}
	path := strings.TrimSpace(t.importPath.Text)
	if path == "" {
		t.s.showStatus(true, lang.X("admin.items.path_missing", "Enter the file to import."))
		return
	}
	if !t.s.allowed(policy.ActionItemsImport) {
		return
	}
	me := t.s.deps.Policy.Actor()
	var sum ImportSummary
	taxMap := strings.TrimSpace(t.taxMap.Text)
	t.s.load(func(ctx context.Context) error {
		if taxMap != t.taxMapWas {
			if err := t.s.deps.Catalogue.SetTaxMap(ctx, taxMap, me); err != nil {
				return err
			}
			t.taxMapWas = taxMap
		}
		var err error
		sum, err = t.s.deps.Catalogue.Import(ctx, path, "", true, me, nil)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.result.SetText(summaryText(sum))
		t.lastLines = sum.Lines
		if sum.Fatal != nil || sum.Rejected > 0 {
			t.s.showStatus(true, lang.X("admin.items.refused", "The file is refused; the catalogue is unchanged. Correct the lines below and check it again."))
			return
		}
		t.s.done(lang.X("admin.items.checked", "The file is fine. Press Apply to load it."))
		t.s.confirmKeyed(lang.X("admin.items.apply_title", "Load the catalogue?"), summaryText(sum), func(ok bool) {
			if ok {
				t.apply(path)
			}
		})
	})
}

// apply imports for real, with the progress bar moving as lines are read
// (the dry run counted them, so the bar knows its end).
func (t *catalogueTab) apply(path string) {
	if t.s.managed() {
		return
	}
	me := t.s.deps.Policy.Actor()
	if !t.s.allowed(policy.ActionItemsImport) {
		return
	}
	t.progress.SetValue(0)
	t.progress.Show()
	var sum ImportSummary
	total := float64(t.lastLines)
	t.s.run(func(ctx context.Context) error {
		var err error
		sum, err = t.s.deps.Catalogue.Import(ctx, path, "", false, me, func(lines int) {
			t.s.deps.Do(func() {
				if total > 0 {
					t.progress.SetValue(min(float64(lines)/total, 1))
				}
			})
		})
		return err
	}, func(err error) {
		t.progress.SetValue(1)
		if err != nil {
			t.progress.Hide()
			t.s.fail(err)
			return
		}
		t.result.SetText(summaryText(sum))
		if !sum.Applied {
			t.s.showStatus(true, lang.X("admin.items.refused", "The file is refused; the catalogue is unchanged. Correct the lines below and check it again."))
			return
		}
		t.s.done(lang.X("admin.items.imported", "Catalogue loaded: {{.New}} new, {{.Changed}} changed.",
			map[string]any{"New": sum.New, "Changed": sum.Changed}))
		t.find(false)
	})
}

func summaryText(s ImportSummary) string {
	if s.Fatal != nil {
		return tr(*s.Fatal)
	}
	var b strings.Builder
	b.WriteString(lang.X("admin.items.summary",
		"{{.Lines}} lines, {{.Items}} items: {{.New}} new, {{.Changed}} changed, {{.Unchanged}} unchanged, {{.Deactivated}} taken off sale, {{.Rejected}} rejected.",
		map[string]any{"Lines": s.Lines, "Items": s.Items, "New": s.New, "Changed": s.Changed, "Unchanged": s.Unchanged, "Deactivated": s.Deactivated, "Rejected": s.Rejected}))
	for _, p := range s.Problems {
		b.WriteString("\n" + lang.X("admin.items.line", "Line {{.Line}}: ", p.Args) + tr(p))
	}
	if more := s.Rejected - len(s.Problems); more > 0 {
		b.WriteString("\n" + lang.X("admin.items.more", "… and {{.Count}} more rejected lines.", map[string]any{"Count": more}))
	}
	return b.String()
}

func (t *catalogueTab) export() {
	path := strings.TrimSpace(t.exportPath.Text)
	if path == "" {
		t.s.showStatus(true, lang.X("admin.items.export_missing", "Enter the file to write."))
		return
	}
	if !t.s.allowed(policy.ActionItemsExport) {
		return
	}
	me := t.s.deps.Policy.Actor()
	var n int
	t.s.load(func(ctx context.Context) error {
		var err error
		n, err = t.s.deps.Catalogue.Export(ctx, path, me)
		return err
	}, func(err error) {
		if err != nil {
			t.s.fail(err)
			return
		}
		t.s.done(lang.X("admin.items.exported", "{{.Count}} items written to {{.Path}}.", map[string]any{"Count": n, "Path": path}))
	})
}
