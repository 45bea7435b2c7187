package admin

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/policy"
)

// bundleTab exports this till's matrix as a signed bundle and imports one.
// Paths are typed or picked with Fyne's file dialogs; the publisher's
// private key file is only needed to export.
type bundleTab struct {
	s       *Screen
	content fyne.CanvasObject

	exportPath *widget.Entry
	keyPath    *widget.Entry
	importPath *widget.Entry
	result     *widget.Label
}

func newBundleTab(s *Screen) *bundleTab {
	t := &bundleTab{s: s}
	t.exportPath = widget.NewEntry()
	t.exportPath.SetPlaceHolder(lang.X("admin.bundle.export_hint", "file to write, e.g. /media/usb/matrix.bundle"))
	t.keyPath = widget.NewEntry()
	t.keyPath.SetPlaceHolder(lang.X("admin.bundle.key_hint", "publisher key file (.key)"))
	t.importPath = widget.NewEntry()
	t.importPath.SetPlaceHolder(lang.X("admin.bundle.import_hint", "bundle file to import"))
	t.result = widget.NewLabel("")
	t.result.Wrapping = fyne.TextWrapWord

	browseSave := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
		dialog.ShowFileSave(func(w fyne.URIWriteCloser, err error) {
			if err == nil && w != nil {
				t.exportPath.SetText(w.URI().Path())
				w.Close()
			}
		}, s.win)
	})
	browseKey := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() { t.pickFile(t.keyPath) })
	browseOpen := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() { t.pickFile(t.importPath) })
	exportBtn := widget.NewButtonWithIcon(lang.X("admin.bundle.export", "Export bundle"), theme.UploadIcon(), t.export)
	importBtn := widget.NewButtonWithIcon(lang.X("admin.bundle.import", "Import bundle"), theme.DownloadIcon(), t.doImport)
	importBtn.Importance = widget.HighImportance
	note := widget.NewLabel(lang.X("admin.bundle.note",
		"A bundle carries groups, permissions, limits, security settings and users (with password, PIN and badge hashes), signed by a publisher. This till imports only bundles from its trusted publishers, newer than its matrix, in one step: the previous matrix stays if anything fails."))
	note.Wrapping = fyne.TextWrapWord
	row := func(e *widget.Entry, b *widget.Button) fyne.CanvasObject {
		return container.NewBorder(nil, nil, nil, b, e)
	}
	form := widget.NewForm(
		widget.NewFormItem(lang.X("admin.bundle.export_file", "Export to"), row(t.exportPath, browseSave)),
		widget.NewFormItem(lang.X("admin.bundle.key_file", "Publisher key"), row(t.keyPath, browseKey)),
		widget.NewFormItem("", exportBtn),
		widget.NewFormItem(lang.X("admin.bundle.import_file", "Import from"), row(t.importPath, browseOpen)),
		widget.NewFormItem("", importBtn),
	)
	t.content = container.NewVScroll(container.NewVBox(note, form, t.result))
	return t
}

func (t *bundleTab) pickFile(into *widget.Entry) {
	dialog.ShowFileOpen(func(r fyne.URIReadCloser, err error) {
		if err == nil && r != nil {
			into.SetText(r.URI().Path())
			r.Close()
		}
	}, t.s.win)
}

func (t *bundleTab) export() {
	path, key := strings.TrimSpace(t.exportPath.Text), strings.TrimSpace(t.keyPath.Text)
	if path == "" || key == "" {
		t.s.showStatus(true, lang.X("admin.bundle.paths_missing", "Enter the file to write and the publisher key file."))
		return
	}
	if !t.s.allowed(policy.ActionManageSecurity) {
		return
	}
	me := t.s.deps.Policy.Actor()
	var version int64
	t.s.load(func(ctx context.Context) error {
		var err error
		version, err = t.s.deps.Bundles.Export(ctx, path, key, me)
		return err
	}, func(err error) {
		if err != nil {
			t.result.SetText("")
			t.s.fail(err)
			return
		}
		t.result.SetText(lang.X("admin.bundle.exported", "Bundle version {{.Version}} written to {{.Path}}.", map[string]any{"Version": version, "Path": path}))
		t.s.done(t.result.Text)
	})
}

func (t *bundleTab) doImport() {
	path := strings.TrimSpace(t.importPath.Text)
	if path == "" {
		t.s.showStatus(true, lang.X("admin.bundle.path_missing", "Enter the bundle file to import."))
		return
	}
	if !t.s.allowed(policy.ActionManageSecurity) {
		return
	}
	me := t.s.deps.Policy.Actor()
	var version int64
	t.s.run(func(ctx context.Context) error {
		var err error
		version, err = t.s.deps.Bundles.Import(ctx, path, me)
		return err
	}, func(err error) {
		if err != nil {
			t.result.SetText("")
			t.s.fail(err)
			return
		}
		t.result.SetText(lang.X("admin.bundle.imported", "Bundle version {{.Version}} imported: it is in force now.", map[string]any{"Version": version}))
		t.s.done(t.result.Text)
		t.s.Reload()
	})
}

// Sentences for bundle failures; cmd/till picks one by the bundle package's
// error and wraps it in *Error.
var (
	MsgBundleNoTrust = policy.Message{
		Key:      "admin.bundle.err.no_trust",
		Fallback: "This till trusts no publisher yet: add the central admin's public key with till matrix trust.",
	}
	MsgBundleUntrusted = policy.Message{
		Key:      "admin.bundle.err.untrusted",
		Fallback: "The bundle is signed by a publisher this till does not trust.",
	}
	MsgBundleSignature = policy.Message{
		Key:      "admin.bundle.err.signature",
		Fallback: "The bundle's signature does not match: the file was changed after signing.",
	}
	MsgBundleFormat = policy.Message{
		Key:      "admin.bundle.err.format",
		Fallback: "This file is not a matrix bundle, or it is damaged.",
	}
	MsgBundleNotNewer = policy.Message{
		Key:      "admin.bundle.err.not_newer",
		Fallback: "The bundle is not newer than this till's matrix: nothing was imported.",
	}
	MsgBundleKeyMismatch = policy.Message{
		Key:      "admin.bundle.err.key_mismatch",
		Fallback: "The bundle's badges and PINs were made with another badge key than this till's: copy the store's key file first.",
	}
	MsgBundleInvalid = policy.Message{
		Key:      "admin.bundle.err.invalid",
		Fallback: "The bundle's content is not valid for this till (an unknown right, a limit or setting out of range, a version too far ahead): nothing was imported.",
	}
	MsgBundleWrongStore = policy.Message{
		Key:      "admin.bundle.err.wrong_store",
		Fallback: "The bundle was made for another store or chain: nothing was imported. Ask the publisher for this store's bundle.",
	}
	MsgBundleFile = policy.Message{
		Key:      "admin.bundle.err.file",
		Fallback: "The file cannot be read or written: check the path and the permissions.",
	}
	MsgBundleKeyFile = policy.Message{
		Key:      "admin.bundle.err.key_file",
		Fallback: "The publisher key file is missing or is not a publisher key.",
	}
)
