package sale

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/assets"
)

// TestTranslations: every key the sale area uses exists in en, ru and it;
// en says what the code's fallback says; every language uses the same
// template arguments, so a translation cannot drop the amount a cashier needs.
func TestTranslations(t *testing.T) {
	args := regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)
	argsOf := func(s string) []string {
		var out []string
		for _, m := range args.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	want := Messages()
	for _, lang := range assets.Languages {
		raw, err := assets.Translation("sale", lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		var got map[string]string
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		for k, en := range want {
			tr, ok := got[k]
			switch {
			case !ok:
				t.Errorf("%s: missing %s", lang, k)
			case lang == "en" && tr != en:
				t.Errorf("en %s: %q, code says %q", k, tr, en)
			case !cmp.Equal(argsOf(tr), argsOf(en)):
				t.Errorf("%s %s: arguments %v, want %v", lang, k, argsOf(tr), argsOf(en))
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: %s is not used by the code", lang, k)
			}
		}
	}
	for _, k := range []string{StateConflict.Key(), KindReturn.Key(), PayCard.Key(), OutcomeNotPrinted.Key()} {
		if Fallback(k) == "" {
			t.Errorf("label key %s has no text", k)
		}
	}
}

func TestErrorRendersArgs(t *testing.T) {
	err := CheckPaid(&Totals{Lines: []LineTotal{{}}, Due: 12345, Remaining: 345, Paid: 12000}, nil)
	if err == nil || err.Error() != "3.45 still to pay" {
		t.Fatalf("got %v", err)
	}
}
