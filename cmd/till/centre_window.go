package main

import (
	"context"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/lang"

	"github.com/tillpos/till/assets"
	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
	"github.com/tillpos/till/ui/admin"
)

// The head office's back office (`till centre -window`): the till's own
// window on master.db — the same setup screen at the first start (the
// master administrator and an initial password shown once), the same
// sign-in with the forced password change, the same back-office screens —
// but no sale screen: after sign-in the back office, whose back button
// signs out. It runs inside the centre process, which owns master.db (the
// store's file lock) and publishes what is saved (centre_publish.go).

// runCentreWindow shows the window until it is closed or ctx ends.
func runCentreWindow(ctx context.Context, master *store.DB, masterPath string) error {
	if err := ui.PrepareLocale(); err != nil {
		return err
	}
	if err := assets.LoadTranslations(); err != nil {
		return err
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "centre"
	}
	terminal := "centre:" + host
	if _, err := ui.ApplyLanguage("", storeSettings{db: master, terminal: terminal}); err != nil {
		fyne.LogError("saved language", err)
	}
	a := app.NewWithID(appID)
	a.SetIcon(ui.Icon())
	w := a.NewWindow(lang.X("ui.app.title", "Till"))
	w.Resize(fyne.NewSize(1024, 768))
	w.SetMaster()
	win, stop, err := newCentreWindow(ctx, master, masterPath, terminal, w, nil)
	if err != nil {
		return explain(err)
	}
	defer stop()
	win.Start()
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
	return nil
}

// newCentreWindow wires the window on master.db into w: the desk gives
// the sign-in (lockouts, audit) and the session the back office decides
// with, over master.db's own matrix; there is no register. stop ends the
// desk's policy watcher. inline, when set, runs the window's background
// work and its results on the caller's goroutine (tests); nil in the
// window.
func newCentreWindow(ctx context.Context, master *store.DB, masterPath, terminal string, w fyne.Window, inline func(func())) (*ui.App, func(), error) {
	d, holder, country, stop, err := newDesk(ctx, master, &liveRegister{}, terminal)
	if err != nil {
		return nil, nil, err
	}
	auth := deskAuth{d: d, db: master, terminal: terminal}
	deps := ui.Deps{
		Auth: auth, Badges: auth, Settings: storeSettings{db: master, terminal: terminal}, Items: master,
		Desk: d, Country: country, AdminOnly: true,
		Setup: storeSetup{db: master, terminal: terminal},
	}
	deps.Async, deps.Do = inline, inline
	deps.Admin = centreAdmin(master, masterPath, holder, d, terminal, w, inline)
	return ui.New(w, deps), stop, nil
}

// centreAdmin is the back office on master.db: users, groups and the
// matrix, security settings, the audit log and the catalogue — what the
// centre publishes, so never read-only here. The file bundle and the
// devices tabs are a till's, not the centre's.
func centreAdmin(master *store.DB, masterPath string, holder *policy.Holder, d *desk.Desk, terminal string, w fyne.Window, inline func(func())) func(back func()) ui.AdminScreen {
	deps := adminDeps(master, masterPath, holder, backOfficeSession(d), terminal, nil)
	deps.Bundles = nil
	deps.SignOut = true
	deps.Async, deps.Do = inline, inline
	return func(back func()) ui.AdminScreen { return admin.New(w, deps, back) }
}
