package store

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tillpos/till/assets"
	"github.com/tillpos/till/policy"
)

func goodSetup() Setup {
	return Setup{
		Store: StoreDetails{
			TradingName: " Продукты у дома ", LegalName: "ООО «Ромашка»", INN: "7707083893",
			Address: "Москва, ул. Ленина, 1", Country: "ru",
		},
		AdminLogin: "olga", AdminFullName: "Ольга Смирнова",
	}
}

func TestInitialiseSetsUpAnEmptyDatabaseOnce(t *testing.T) {
	d := openTest(t)
	ctx := context.Background()
	if need, err := d.NeedsSetup(ctx); err != nil || !need {
		t.Fatalf("fresh database: needs setup %v, %v", need, err)
	}
	u, pw, err := d.Initialise(ctx, goodSetup(), Actor{Terminal: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pw) != InitialPasswordLen || !u.MustChange || u.Login != "olga" || !u.Active {
		t.Errorf("admin %+v, password %q", u, pw)
	}
	if need, _ := d.NeedsSetup(ctx); need {
		t.Error("still needs setup after Initialise")
	}
	det, err := d.Details(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := StoreDetails{TradingName: "Продукты у дома", LegalName: "ООО «Ромашка»", INN: "7707083893", Address: "Москва, ул. Ленина, 1", Country: "RU", Language: "ru"}
	if det != want {
		t.Errorf("details %+v, want %+v", det, want)
	}
	m, err := d.LoadMatrix(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var admin policy.Group
	for _, g := range m.Groups {
		if g.ID == u.Group {
			admin = g
		}
	}
	if admin.Name != DemoGroupAdmin || len(m.Groups) != 3 || !m.Settings.SecurityEnabled {
		t.Errorf("groups %+v, admin's %q", m.Groups, admin.Name)
	}
	for _, a := range []policy.Action{policy.ActionManageAdmins, policy.ActionManageSecurity, policy.ActionDeviceSettings} {
		if !admin.Actions[a] {
			t.Errorf("the first admin's group lacks %s", a)
		}
	}
	if _, err := d.Authenticate(ctx, "olga", pw); err != nil {
		t.Errorf("sign in with the initial password: %v", err)
	}
	entries, err := d.SearchAudit(ctx, AuditQuery{Action: "data.setup"})
	if err != nil || len(entries) != 1 || entries[0].Terminal != "t1" {
		t.Errorf("audit of setup: %+v, %v", entries, err)
	}

	again := goodSetup()
	again.AdminLogin = "intruder"
	if _, _, err := d.Initialise(ctx, again, Actor{}); !errors.Is(err, ErrAlreadySetUp) {
		t.Fatalf("second setup: %v, want ErrAlreadySetUp", err)
	}
	if _, err := d.UserByLogin(ctx, "intruder"); !errors.Is(err, ErrUnknownUser) && !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused setup created its admin: %v", err)
	}
	if m := Message(ErrAlreadySetUp); m.Key != "store.error.already_set_up" {
		t.Errorf("message of ErrAlreadySetUp: %+v", m)
	}
}

func TestSetupValidation(t *testing.T) {
	for _, c := range []struct {
		field string
		edit  func(*Setup)
	}{
		{FieldTradingName, func(s *Setup) { s.Store.TradingName = "  " }},
		{FieldLegalName, func(s *Setup) { s.Store.LegalName = "a\x00b" }},
		{FieldCountry, func(s *Setup) { s.Store.Country = "FR" }},
		{FieldINN, func(s *Setup) { s.Store.INN = "7707083894" }},                    // check digit off by one
		{FieldINN, func(s *Setup) { s.Store.INN = "770708389" }},                     // 9 digits
		{FieldINN, func(s *Setup) { s.Store.INN = "500100732258" }},                  // 12 digits, bad checksum
		{FieldINN, func(s *Setup) { s.Store.Country = "IT" }},                        // a Russian INN is no partita IVA
		{FieldAddress, func(s *Setup) { s.Store.Address = "" }},                      // required
		{FieldLanguage, func(s *Setup) { s.Store.Language = "de" }},                  // not shipped
		{FieldAdminLogin, func(s *Setup) { s.AdminLogin = "ольга" }},                 // Latin only
		{FieldAdminLogin, func(s *Setup) { s.AdminLogin = "a b" }},                   // no spaces
		{FieldAdminFullName, func(s *Setup) { s.AdminFullName = "" }},                // required
		{"", func(s *Setup) { s.Store.INN = "500100732259" }},                        // an entrepreneur's valid INN
		{"", func(s *Setup) { s.Store.Country = "IT"; s.Store.INN = "00743110157" }}, // a valid partita IVA
	} {
		s := goodSetup()
		c.edit(&s)
		err := s.Normalise().Validate()
		var se *SetupError
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%+v: refused: %v", s, err)
		case c.field != "" && (!errors.As(err, &se) || se.Field != c.field):
			t.Errorf("%+v: %v, want a SetupError on %s", s, err, c.field)
		case c.field != "" && Message(err).Key != se.Msg.Key:
			t.Errorf("Message(%v) = %+v", err, Message(err))
		}
	}
	it := goodSetup()
	it.Store.Country, it.Store.INN = "IT", "00743110157"
	if got := it.Normalise().Store.Language; got != "it" {
		t.Errorf("Italy's default language %q", got)
	}
}

func TestSetupLanguagesAreTheShippedOnes(t *testing.T) {
	if !slices.Equal(setupLanguages, assets.Languages) {
		t.Errorf("setup languages %v, assets ship %v", setupLanguages, assets.Languages)
	}
}
