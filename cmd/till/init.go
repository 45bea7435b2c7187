package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih"
	"github.com/tillpos/till/sale"
	"github.com/tillpos/till/store"
	"github.com/tillpos/till/ui"
)

func init() {
	register("init", "set up a new store: init -db PATH [-name ... -admin LOGIN ...]; asks on stdin for what the flags leave out",
		func(ctx context.Context, args []string) error {
			return runInit(ctx, os.Stdin, os.Stdout, os.Stderr, args)
		})
}

const initUsage = "init [-db PATH] [-name TRADING_NAME] [-legal-name NAME] [-inn INN] [-address TEXT] [-country RU|IT] [-language en|ru|it] [-admin LOGIN] [-admin-name FULL_NAME]"

// errNoAnswer: stdin ended before every question was answered.
var errNoAnswer = errors.New("init: stdin ended without an answer")

// initField is one question of the setup: its flag, the prompt, and where
// the answer goes.
type initField struct {
	flag, prompt, field string
	dst                 func(*store.Setup) *string
}

var initFields = []initField{
	{"name", "Trading name of the store", store.FieldTradingName, func(s *store.Setup) *string { return &s.Store.TradingName }},
	{"legal-name", "Legal name of the organisation", store.FieldLegalName, func(s *store.Setup) *string { return &s.Store.LegalName }},
	{"country", "Country (RU or IT)", store.FieldCountry, func(s *store.Setup) *string { return &s.Store.Country }},
	{"inn", "Organisation INN (RU: 10 or 12 digits) or partita IVA (IT: 11 digits)", store.FieldINN, func(s *store.Setup) *string { return &s.Store.INN }},
	{"address", "Address of the store", store.FieldAddress, func(s *store.Setup) *string { return &s.Store.Address }},
	{"language", "Default language of the window (en, ru, it; empty: the country's)", store.FieldLanguage, func(s *store.Setup) *string { return &s.Store.Language }},
	{"admin", "Login of the first administrator", store.FieldAdminLogin, func(s *store.Setup) *string { return &s.AdminLogin }},
	{"admin-name", "Full name of the first administrator", store.FieldAdminFullName, func(s *store.Setup) *string { return &s.AdminFullName }},
}

// runInit creates and sets up a database: `till init -db PATH` with the
// store's details and the first administrator from flags, and the ones the
// flags leave out asked on stdin (a wrong answer is asked again; a wrong
// flag is an error). A database that already has users is refused before
// any question and left untouched. The generated initial password is
// printed once on out.
func runInit(ctx context.Context, in io.Reader, out, prompts io.Writer, args []string) error {
	fset := flag.NewFlagSet("init", flag.ContinueOnError)
	fset.SetOutput(io.Discard)
	dbPath := fset.String("db", "", "database file (default: the user's config dir, till/till.db)")
	given := map[string]*string{}
	for _, f := range initFields {
		given[f.flag] = fset.String(f.flag, "", f.prompt)
	}
	if err := fset.Parse(args); err != nil {
		return fmt.Errorf("%w: %v; %s", errUsage, err, initUsage)
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q; %s", errUsage, fset.Arg(0), initUsage)
	}
	path := *dbPath
	if path == "" {
		p, err := store.DefaultPath()
		if err != nil {
			return err
		}
		path = p
	}
	// Look before writing anything: a database with users is not touched,
	// not even migrated.
	if _, err := os.Stat(path); err == nil {
		ro, err := store.Open(ctx, path, store.Options{ReadOnly: true})
		if err != nil {
			return operatorError(err)
		}
		need, err := ro.NeedsSetup(ctx)
		ro.Close()
		if err != nil {
			return operatorError(err)
		}
		if !need {
			return fmt.Errorf("%s is already set up: it has users; nothing was changed (%w)", path, store.ErrAlreadySetUp)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}

	var s store.Setup
	fromFlag := map[string]bool{}
	for _, f := range initFields {
		if v := *given[f.flag]; v != "" {
			*f.dst(&s) = v
			fromFlag[f.field] = true
		}
	}
	lines := bufio.NewScanner(in)
	ask := func(f initField) error {
		fmt.Fprintf(prompts, "%s: ", f.prompt)
		if !lines.Scan() {
			fmt.Fprintln(prompts)
			if err := lines.Err(); err != nil {
				return err
			}
			return fmt.Errorf("%w for -%s: give it as a flag or run init in a terminal; nothing was created", errNoAnswer, f.flag)
		}
		*f.dst(&s) = strings.TrimSpace(lines.Text())
		return nil
	}
	for _, f := range initFields {
		if !fromFlag[f.field] && (f.field != store.FieldLanguage || len(fromFlag) < len(initFields)-1) {
			if err := ask(f); err != nil {
				return err
			}
		}
	}
	// Ask again for what was typed wrong; a wrong flag is the caller's to fix.
	for {
		err := s.Normalise().Validate()
		var se *store.SetupError
		if !errors.As(err, &se) {
			break
		}
		if fromFlag[se.Field] {
			return fmt.Errorf("%s (%w)", se.Msg.English(), err)
		}
		fmt.Fprintln(prompts, se.Msg.English())
		for _, f := range initFields {
			if f.field == se.Field {
				if err := ask(f); err != nil {
					return err
				}
			}
		}
	}

	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return operatorError(err)
	}
	defer db.Close()
	// The key file badges and PINs are hashed with: made now, so the
	// window's start-up check finds it.
	if err := db.CheckKey(ctx); err != nil {
		return operatorError(err)
	}
	host, _ := os.Hostname()
	u, pw, err := db.Initialise(ctx, s, store.Actor{Terminal: "cli:" + host})
	if err != nil {
		return operatorError(err)
	}
	d := s.Normalise().Store
	fmt.Fprintf(out, "store %q set up in %s (country %s, window language %s)\n", d.TradingName, path, d.Country, d.Language)
	fmt.Fprintf(out, "first administrator: %s (%s)\n", u.Login, u.FullName)
	fmt.Fprintf(out, "initial password: %s\n", pw)
	fmt.Fprintln(out, "Write the password down now: it is shown only this once and must be changed at the first sign-in.")
	return nil
}

// noDatabase says what to do about a database path where there is none,
// instead of the system's "no such file".
func noDatabase(path string) error {
	return fmt.Errorf("no database here (%s): run till init -db %s to create one", path, path)
}

// storeSetup is the window's first start (ui.Setup) on the store.
type storeSetup struct {
	db       *store.DB
	terminal string
	printer  device.TextPrinter // the register's tape; nil: none
}

var _ ui.Setup = storeSetup{}

func (s storeSetup) Needed(ctx context.Context) (bool, error) { return s.db.NeedsSetup(ctx) }

func (s storeSetup) Countries() []ui.SetupCountry {
	var out []ui.SetupCountry
	for _, c := range store.Countries {
		var codes []string
		if t, err := sale.VATTableFor(c.Code); err == nil {
			for _, code := range t.Codes() {
				codes = append(codes, string(code))
			}
		}
		out = append(out, ui.SetupCountry{Code: c.Code, Currency: c.Currency, VAT: strings.Join(codes, ", "), Language: c.Language})
	}
	return out
}

func (s storeSetup) Initialise(ctx context.Context, f ui.SetupForm) (string, error) {
	if err := s.db.CheckKey(ctx); err != nil {
		return "", uiError(err)
	}
	_, pw, err := s.db.Initialise(ctx, store.Setup{
		Store: store.StoreDetails{
			TradingName: f.TradingName, LegalName: f.LegalName, INN: f.INN, Address: f.Address,
			Country: f.Country, Language: f.Language,
		},
		AdminLogin: f.AdminLogin, AdminFullName: f.AdminFullName,
	}, store.Actor{Terminal: s.terminal})
	var se *store.SetupError
	if errors.As(err, &se) {
		return "", &ui.SetupFieldError{Field: se.Field, Msg: se.Msg, Err: err}
	}
	if err != nil {
		return "", uiError(err)
	}
	return pw, nil
}

// PrintPassword prints the slip the back office prints for a new user, in
// the store's language.
func (s storeSetup) PrintPassword(ctx context.Context, login, fullName, password string) error {
	if s.printer == nil {
		m := shtrih.MessageOf(device.ErrNoLink)
		return &ui.MessageError{Msg: ui.Message{Key: m.Key, Fallback: m.Fallback, Args: m.Args}, Err: device.ErrNoLink}
	}
	country, err := s.db.SettingString(ctx, store.SettingStoreCountry, defaultCountry)
	if err != nil {
		return uiError(err)
	}
	tag, unit := storeLocale(country)
	tape := sale.NewTape(tag, sale.NewFormatter(tag, unit))
	if err := s.printer.PrintText(ctx, tape.Password(login, fullName, password)); err != nil {
		m := shtrih.MessageOf(err)
		return &ui.MessageError{Msg: ui.Message{Key: m.Key, Fallback: m.Fallback, Args: m.Args}, Err: err}
	}
	return nil
}
