package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"github.com/tillpos/till/assets"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

// appID is the application ID in FyneApp.toml; preferences and storage are
// kept under it.
const appID = "io.github.tillpos.till"

// runWindow opens the till's window: `till [-demo] [-db PATH] [-register
// PORT] [-lang TAG] [-fullscreen]`.
// It is the only place that imports fyne.io/fyne/v2/app, so subcommands run
// without a display.
func runWindow(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("till", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "demo data (created once) and an emulated fiscal register in-process")
	dbPath := fs.String("db", "", "database file (default: the user's config dir, till/till.db)")
	keyPath := fs.String("key", "", "the badge and PIN key file (default: the user's config dir, till/till.key; a till that joined with till join -key uses the same)")
	fullScreen := fs.Bool("fullscreen", false, "fill the screen (a till's own display); default a 1024x768 window")
	regPort := fs.String("register", "", "fiscal register's serial port, PATH or PATH@BAUD (default: the register.port setting; -demo uses the emulator)")
	langTag := fs.String("lang", "", "language of the window: en, ru or it (default: the saved choice, else the system's)")
	var chainOver chainFlags
	chainOver.add(fs)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}

	// Translations first: a database that will not open is explained in
	// the operator's language.
	if err := ui.PrepareLocale(); err != nil {
		return err
	}
	if err := assets.LoadTranslations(); err != nil {
		return err
	}
	if *langTag != "" {
		if err := ui.SetLanguage(*langTag); err != nil {
			return fmt.Errorf("%w: -lang: %v", errUsage, err)
		}
	}

	path := *dbPath
	if path == "" {
		p, err := store.DefaultPath()
		if err != nil {
			return err
		}
		path = p
	}
	db, err := store.Open(ctx, path, store.Options{KeyPath: *keyPath})
	if err != nil {
		return explain(err)
	}
	defer db.Close()
	// Key file problems show now, not at the first badge.
	if err := db.CheckKey(ctx); err != nil {
		return explain(err)
	}
	// Files other users can read: the till runs, the operator is told.
	for _, w := range db.Warnings() {
		fmt.Fprintln(os.Stderr, "till: warning:", w)
	}
	if *demo {
		if err := db.SeedDemo(ctx); err != nil {
			return explain(fmt.Errorf("demo data: %w", err))
		}
	}

	terminal, err := os.Hostname()
	if err != nil || terminal == "" {
		terminal = "till"
	}
	settings := storeSettings{db: db, terminal: terminal}
	if _, err := ui.ApplyLanguage(*langTag, settings); err != nil {
		// A language saved by a newer till: carry on in the system's.
		fyne.LogError("saved language", err)
	}

	deps := ui.Deps{
		Auth:        storeAuth{db: db},
		Badges:      storeAuth{db: db},
		Settings:    settings,
		Items:       db,
		Unprotected: unprotected(db),
	}
	for _, f := range db.LooseFiles() {
		deps.LooseFiles = append(deps.LooseFiles, ui.LooseFile{Path: f.Path, Mode: fmt.Sprintf("%04o", f.Mode.Perm())})
	}
	deps.AuditAnchor = anchorWarning(db) // wire_anchor.go
	// The register the desk drives: the -register flag, else the saved
	// setting (the Devices page's), else none yet. It can be switched
	// while the till runs, so a till without one still starts and an admin
	// sets it up from the back office.
	live := &liveRegister{}
	defer live.Close()
	switch {
	case *demo:
		deps.Demo = demoLogins()
		r, err := startDemoRegister(path)
		if err != nil {
			return err // not the store's: its sentences would blame the database
		}
		live.swap(r, "emulator (-demo)")
	default:
		port := *regPort
		if port == "" {
			port = settings.String(settingRegisterPort, "")
		}
		if port != "" {
			r, err := openWindowRegister(ctx, port, settings)
			switch {
			case err != nil && *regPort != "":
				return registerFailure("open "+port, err)
			case err != nil:
				// The saved port: start, and let the status bar and the
				// Devices page say the register does not answer.
				fyne.LogError("register on "+port+" (setting "+settingRegisterPort+")", err)
			default:
				live.swap(r, port)
			}
		}
	}
	if err := startDrawer(live, settings); err != nil {
		fyne.LogError("cash drawer", err)
	}
	deps.Register = live
	// The cashier's session: sign-in, every sale action through the
	// policy, checkout on the register.
	d, h, country, stop, err := newDesk(ctx, db, live, terminal)
	if err != nil {
		return explain(err)
	}
	defer stop()
	deps.Desk, deps.Country = d, country
	// The head office, when the till is in a chain (till chain set): its
	// bundles refresh the session's policy (h) as they are applied.
	chainStatus, stopChain := wireChain(ctx, db, path, chainOver, os.Stderr, h)
	defer stopChain()
	deps.Chain = chainStatus
	tag, unit := storeLocale(country)
	deps.StoreLanguage, deps.Currency = tag.String(), unit
	auth := deskAuth{d: d, db: db, terminal: terminal}
	deps.Auth, deps.Badges = auth, auth
	desk, holder := d, h
	deps.Setup = storeSetup{db: db, terminal: terminal, printer: live}
	devices := newAdminDevices(db, live, *regPort)
	if deps.Wedge, err = keyboardWedge(settings); err != nil {
		return err
	}
	readers, err := startReaders(ctx, settings)
	if err != nil {
		return err
	}
	if readers != nil {
		defer readers.close()
		deps.Readers = readers.states
		devices.readers = readers.mgr.Status
	}

	a := app.NewWithID(appID)
	a.SetIcon(ui.Icon())
	w := a.NewWindow(lang.X("ui.app.title", "Till"))
	w.Resize(fyne.NewSize(1024, 768))
	w.SetFullScreen(*fullScreen)
	w.SetMaster()
	hookDesk(&deps, w, desk, holder, db, path, terminal, devices)
	till := ui.New(w, deps)
	till.Start()
	if readers != nil {
		go readers.forward(till)
	}

	// SIGINT/SIGTERM close the window like the window manager would.
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	return nil
}

// explain turns a store error into what the operator reads on the
// terminal: the store's translated sentence, then the technical detail for
// whoever fixes it.
func explain(err error) error {
	m := store.Message(err)
	return fmt.Errorf("%s\n  (%w)", lang.X(m.Key, m.Fallback, m.Args), err)
}
