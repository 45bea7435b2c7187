package policy

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFormatPercent(t *testing.T) {
	for bp, want := range map[int64]string{
		0: "0 %", 1: "0.01 %", 10: "0.1 %", 100: "1 %", 750: "7.5 %", 1234: "12.34 %", 1500: "15 %",
		1001: "10.01 %", 10000: "100 %", -250: "-2.5 %",
	} {
		if got := FormatPercent(bp); got != want {
			t.Errorf("FormatPercent(%d) = %q, want %q", bp, got, want)
		}
	}
}

func TestFormatMoneyAndQuantity(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{FormatMoney(0), "0.00"},
		{FormatMoney(5), "0.05"},
		{FormatMoney(150050), "1500.50"},
		{FormatMoney(-199), "-1.99"},
		{FormatMoney(math.MinInt64), "-92233720368547758.08"},
		{FormatQuantity(1500), "1.5"},
		{FormatQuantity(2000), "2"},
		{FormatQuantity(125), "0.125"},
		{FormatQuantity(0), "0"},
		{FormatValue(UnitCount, 3), "3"},
		{FormatValue(UnitPercent, 2500), "25 %"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestVerdictMessage(t *testing.T) {
	s := mustSnapshot(t, fixtureMatrix())
	tests := []struct {
		name    string
		v       Verdict
		wantKey string
		want    string
	}{
		{
			"own line limit", Decide(s, Principal{User: anna}, ActionDiscountLine, Args{Percent: 1500}),
			"policy.over_limit.discount.line", "Line discount 15 % is over your limit of 10 %.",
		},
		{
			"approver's own limit names them", Approve(s, anna, vera, ActionDiscountLine, Args{Percent: 3000}),
			"policy.approver_over_limit.discount.line", "Supervisor Vera Petrova also may not give line discounts over 25 %.",
		},
		{
			"quantity in units", Decide(s, Principal{User: anna}, ActionSell, Args{Quantity: 12_500}),
			"policy.over_limit.line.quantity", "Quantity 12.5 is over your limit of 10 per line.",
		},
		{
			"money with kopecks", Decide(s, Principal{User: anna}, ActionSell, Args{Quantity: 1000, Amount: 500_001}),
			"policy.over_limit.bill.total", "Bill total 5000.01 is over your limit of 5000.00.",
		},
		{
			"no permission names the action", Decide(s, Principal{User: anna}, ActionDrawerOpen, Args{}),
			"policy.deny.drawer.open", "You may not open the cash drawer without a sale.",
		},
		{
			"approver without a name uses the login", Approve(s, anna, admin, ActionDiscountLine, Args{Percent: 6000}),
			"policy.approver_over_limit.discount.line", "Supervisor admin also may not give line discounts over 50 %.",
		},
		{
			"unknown user by id", Decide(s, Principal{User: nobody}, ActionSell, Args{}),
			"policy.reason.unknown_user", "User #99 is not known.",
		},
		{
			"approved", Approve(s, anna, vera, ActionDrawerOpen, Args{}),
			"policy.reason.approved", "Approved by Vera Petrova.",
		},
		{
			"invalid args", Decide(s, Principal{User: anna}, ActionDiscountLine, Args{Percent: 12000}),
			"policy.reason.invalid_args", "The value 120 % is not valid for this action.",
		},
		{"zero verdict", Verdict{}, "policy.reason.none", "No decision was made: the action is refused."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.v.Message(s)
			if m.Key != tt.wantKey {
				t.Errorf("key = %q, want %q", m.Key, tt.wantKey)
			}
			if got := m.English(); got != tt.want {
				t.Errorf("English = %q, want %q", got, tt.want)
			}
		})
	}
	if got := (Verdict{Reason: ReasonUnknownUser, User: 5}).Message(nil).English(); got != "User #5 is not known." {
		t.Errorf("message without a snapshot = %q", got)
	}
}

func TestLockoutMessage(t *testing.T) {
	l := CheckLockout([]time.Time{t0, t0, t0, t0, t0}, t0, DefaultLockout())
	if got := l.Message("Vera").English(); got != "Vera is locked out until 10:05 after too many failed attempts. Wait, or ask an administrator to lift the lock." {
		t.Errorf("locked message = %q", got)
	}
	l = CheckLockout([]time.Time{t0, t0}, t0, DefaultLockout())
	if got := l.Message("Vera").English(); got != "Wrong credentials. Attempts left: 3." {
		t.Errorf("attempts message = %q", got)
	}
}

func TestReasonCodesStable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Reasons() {
		c := r.String()
		if c == "" || c == "invalid" || seen[c] {
			t.Errorf("reason %d has code %q", r, c)
		}
		seen[c] = true
	}
	if got := Reason(200).String(); got != "invalid" {
		t.Errorf("Reason(200) = %q", got)
	}
}

var placeholder = regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestTranslations checks assets/lang/policy: every key the package emits
// is in every language, no stale keys linger, each text is a valid
// template using exactly the English text's placeholders.
func TestTranslations(t *testing.T) {
	want := TranslationKeys()
	for _, lang := range []string{"en", "ru", "it"} {
		t.Run(lang, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "assets", "lang", "policy", lang+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]string
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("parse %s.json: %v", lang, err)
			}
			for k, en := range want {
				tr, ok := got[k]
				if !ok {
					t.Errorf("%s: missing key %q", lang, k)
					continue
				}
				if lang == "en" && tr != en {
					t.Errorf("en: %q = %q, code says %q", k, tr, en)
				}
				if diff := cmp.Diff(placeholders(en), placeholders(tr)); diff != "" {
					t.Errorf("%s: %q placeholders (-en +%s):\n%s", lang, k, lang, diff)
				}
				tmpl, err := template.New(k).Option("missingkey=error").Parse(tr)
				if err != nil {
					t.Errorf("%s: %q: %v", lang, k, err)
					continue
				}
				args := map[string]any{}
				for _, p := range placeholders(en) {
					args[p] = "x"
				}
				var b strings.Builder
				if err := tmpl.Execute(&b, args); err != nil {
					t.Errorf("%s: %q: %v", lang, k, err)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("%s: stale key %q", lang, k)
				}
			}
		})
	}
}

func TestFormatArgs(t *testing.T) {
	for _, tt := range []struct {
		a    Action
		args Args
		want string
	}{
		{ActionDiscountLine, Args{Percent: 1500, Amount: 99}, "15 %"},
		{ActionSell, Args{Quantity: 2500, Amount: 1999}, "2.5, 19.99"},
		{ActionPreBillPrint, Args{Count: 3}, "3"},
		{ActionDrawerOpen, Args{Percent: 1}, ""},
		{"ext.unknown", Args{Percent: 1}, ""},
	} {
		if got := FormatArgs(tt.a, tt.args); got != tt.want {
			t.Errorf("FormatArgs(%s, %+v) = %q, want %q", tt.a, tt.args, got, tt.want)
		}
	}
}

func TestVerdictString(t *testing.T) {
	s := mustSnapshot(t, fixtureMatrix())
	for _, tt := range []struct {
		v    Verdict
		want string
	}{
		{
			Decide(s, Principal{User: anna}, ActionDiscountLine, Args{Percent: 1500}),
			"deny bill.discount.line user=10 reason=over_limit limit.discount.line=1000 requested=1500 approval=possible",
		},
		{Decide(s, Principal{User: anna, As: vera}, ActionDrawerOpen, Args{}), "allow drawer.open user=20 reason=elevated"},
	} {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String = %q, want %q", got, tt.want)
		}
	}
	for _, r := range Reasons() {
		if got, ok := ParseReason(r.String()); !ok || got != r {
			t.Errorf("ParseReason(%q) = %v, %v", r, got, ok)
		}
	}
	if _, ok := ParseReason("bogus"); ok {
		t.Error("ParseReason(bogus) ok")
	}
}

// Every action of the catalogue has its own refusal, and a refusal for
// lack of a right names the action (issue 14): "You may not void a line.",
// never "You do not have the right to do this.".
func TestRefusalNamesTheAction(t *testing.T) {
	for _, ai := range Catalogue() {
		text, ok := denyFallback[ai.ID]
		if !ok || !strings.HasPrefix(text, "You may not ") {
			t.Errorf("%s: refusal %q", ai.ID, text)
		}
		m := Verdict{Reason: ReasonNoPermission, Action: ai.ID}.Message(nil)
		if m.Key != "policy.deny."+string(ai.ID) || m.English() != text {
			t.Errorf("%s: message %q (%s)", ai.ID, m.English(), m.Key)
		}
	}
	if len(denyFallback) != len(Catalogue()) {
		t.Errorf("%d refusals for %d actions", len(denyFallback), len(Catalogue()))
	}
	if got := (Verdict{Reason: ReasonNoPermission, Action: ActionVoidLine}).Message(nil).English(); got != "You may not void a line." {
		t.Errorf("void: %q", got)
	}
	if got := (Verdict{Reason: ReasonApproverNoPermission, Action: ActionVoidLine, User: 7}).Message(nil).English(); got != "#7 may not void a line either." {
		t.Errorf("approver without the right: %q", got)
	}
	if got := (Verdict{Reason: ReasonUnknownAction, Action: "x.y"}).Message(nil).English(); !strings.Contains(got, "x.y") {
		t.Errorf("unknown action: %q", got)
	}
}
