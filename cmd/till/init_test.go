package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device/shtrih/emu"
	"github.com/tillpos/till/device/shtrih/shtrihtest"
	"github.com/tillpos/till/policy"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

var initFlags = []string{
	"-name", "Продукты у дома", "-legal-name", "ООО «Ромашка»", "-inn", "7707083893",
	"-address", "Москва, ул. Ленина, 1", "-country", "RU", "-admin", "olga", "-admin-name", "Ольга Смирнова",
}

// initDir gives a test its own config dir, where the key file goes.
func initDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	return dir
}

var printedPassword = regexp.MustCompile(`(?m)^initial password: (\S+)$`)

// `till init` on a fresh path, then the first administrator signs in
// through the real desk with the printed password, is held to the forced
// change, changes it and signs in with the new one.
func TestInitThenFirstSignInThroughDesk(t *testing.T) {
	dir := initDir(t)
	path := filepath.Join(dir, "shop", "till.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out, prompts bytes.Buffer
	if err := runInit(ctx, strings.NewReader(""), &out, &prompts, append([]string{"-db", path}, initFlags...)); err != nil {
		t.Fatalf("init: %v\n%s", err, prompts.String())
	}
	if prompts.Len() != 0 {
		t.Errorf("init with every flag asked: %q", prompts.String())
	}
	m := printedPassword.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no password in the output:\n%s", out.String())
	}
	pw := m[1]

	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CheckKey(ctx); err != nil {
		t.Fatalf("key file after init: %v", err)
	}
	det, err := db.Details(ctx)
	if err != nil || det.TradingName != "Продукты у дома" || det.Country != "RU" || det.Language != "ru" {
		t.Errorf("store details %+v, %v", det, err)
	}
	reg := shtrihtest.Register(t, emu.New(emu.Config{Baud: -1, PrintSpeed: -1, FNWrite: -1, ZTime: -1}))
	d, _, country, stop, err := newDesk(ctx, db, reg, "till-1")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if country != "RU" {
		t.Errorf("desk's country %q", country)
	}
	if _, err := d.Start(ctx); err != nil {
		t.Fatal(err)
	}
	auth := deskAuth{d: d, db: db, terminal: "till-1"}
	if _, err := auth.Authenticate(ctx, "olga", "wrong-one"); !errors.Is(err, ui.ErrWrongPassword) {
		t.Errorf("wrong password: %v", err)
	}
	u, err := auth.Authenticate(ctx, "olga", pw)
	if err != nil {
		t.Fatalf("sign in with the printed password: %v", err)
	}
	if !u.MustChange || u.Group != store.DemoGroupAdmin {
		t.Errorf("first sign-in: %+v, want a forced change in %s", u, store.DemoGroupAdmin)
	}
	if _, err := d.OpenShift(ctx); !errors.Is(err, desk.ErrMustChange) {
		t.Errorf("open a shift before the initial password is changed: %v", err)
	}
	if err := auth.ChangePassword(ctx, u, pw, "Ромашка-2026"); err != nil {
		t.Fatal(err)
	}
	if !d.Allowed(policy.ActionManageUsers) || !d.Allowed(policy.ActionDeviceSettings) {
		t.Error("the administrator may not administer after changing the password")
	}
	if err := d.SignOut(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, "olga", pw); !errors.Is(err, ui.ErrWrongPassword) {
		t.Errorf("the initial password still works: %v", err)
	}
	u, err = auth.Authenticate(ctx, "olga", "Ромашка-2026")
	if err != nil || u.MustChange {
		t.Errorf("sign in with the new password: %+v, %v", u, err)
	}
}

// Without flags, init asks on stdin, and asks again for a wrong answer.
func TestInitAsksOnStdin(t *testing.T) {
	dir := initDir(t)
	path := filepath.Join(dir, "till.db")
	answers := strings.Join([]string{
		"Negozio Rossi", "Rossi S.r.l.", "IT", "12345678901", "Via Roma 1, Milano", "", "mario", "Mario Rossi",
		"00743110157", // the partita IVA again, right this time
	}, "\n") + "\n"
	var out, prompts bytes.Buffer
	if err := runInit(context.Background(), strings.NewReader(answers), &out, &prompts, []string{"-db", path}); err != nil {
		t.Fatalf("init: %v\n%s", err, prompts.String())
	}
	if !strings.Contains(prompts.String(), "The partita IVA must be 11 digits with a valid check digit.") {
		t.Errorf("no complaint about the partita IVA:\n%s", prompts.String())
	}
	if strings.Count(prompts.String(), "Organisation INN") != 2 {
		t.Errorf("the tax number was not asked again:\n%s", prompts.String())
	}
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	det, _ := db.Details(context.Background())
	if det.INN != "00743110157" || det.Country != "IT" || det.Language != "it" {
		t.Errorf("details %+v", det)
	}
	if printedPassword.FindString(out.String()) == "" {
		t.Errorf("output:\n%s", out.String())
	}
	// Stdin ends before every answer is in: a usage error, no database.
	other := filepath.Join(dir, "other.db")
	err = runInit(context.Background(), strings.NewReader("Shop\n"), &out, &prompts, []string{"-db", other})
	if !errors.Is(err, errNoAnswer) || !strings.Contains(err.Error(), "for -legal-name") {
		t.Errorf("short stdin: %v", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an unfinished init left a database: %v", err)
	}
}

// init refuses a database that has users, before asking anything, and
// leaves it as it was; a wrong flag is an error and creates nothing.
func TestInitRefusesDatabaseWithUsers(t *testing.T) {
	dir := initDir(t)
	path := filepath.Join(dir, "till.db")
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, _ := db.SearchAudit(context.Background(), store.AuditQuery{})
	db.Close()
	fileBefore, _ := os.ReadFile(path)

	var out, prompts bytes.Buffer
	err = runInit(context.Background(), strings.NewReader("x\n"), &out, &prompts, append([]string{"-db", path}, initFlags...))
	if !errors.Is(err, store.ErrAlreadySetUp) || !strings.Contains(err.Error(), "already set up") {
		t.Fatalf("init on a database with users: %v", err)
	}
	if prompts.Len() != 0 || out.Len() != 0 {
		t.Errorf("a refused init printed %q / %q", out.String(), prompts.String())
	}
	fileAfter, _ := os.ReadFile(path)
	if !bytes.Equal(fileBefore, fileAfter) {
		t.Error("the refused init changed the database file")
	}
	db, err = store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after, _ := db.SearchAudit(context.Background(), store.AuditQuery{})
	if len(after) != len(before) {
		t.Errorf("audit rows %d -> %d", len(before), len(after))
	}
	if _, err := db.UserByLogin(context.Background(), "olga"); err == nil {
		t.Error("the refused init created its administrator")
	}

	fresh := filepath.Join(dir, "fresh.db")
	bad := append([]string{"-db", fresh}, initFlags...)
	bad[7] = "7707083894" // -inn with a wrong check digit
	err = runInit(context.Background(), strings.NewReader(""), &out, &prompts, bad)
	if err == nil || !strings.Contains(err.Error(), "The organisation's INN must be 10 digits") {
		t.Errorf("a wrong -inn: %v", err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused init created the database: %v", err)
	}
}

// The operator commands on a path with no database say to run till init,
// and create nothing.
func TestOperatorCommandsOnMissingDatabase(t *testing.T) {
	dir := initDir(t)
	missing := filepath.Join(dir, "new.db")
	ctx := context.Background()
	for name, run := range map[string]func() error{
		"users":  func() error { return runUsers(ctx, []string{"reset-password", "-db", missing, "admin"}) },
		"audit":  func() error { return runAudit(ctx, io.Discard, []string{"verify", "-db", missing}) },
		"matrix": func() error { return subcommands["matrix"].run(ctx, []string{"import", "-db", missing, "x.bundle"}) },
	} {
		err := run()
		if err == nil || !strings.Contains(err.Error(), "no database here") || !strings.Contains(err.Error(), "till init") {
			t.Errorf("%s on a missing database: %v", name, err)
		}
		if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s created the database", name)
		}
	}
}
