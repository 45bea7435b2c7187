package desk

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/tillpos/till/assets"
)

// TestTranslations: every key of the desk area exists in en, ru and it; en
// says what the code's fallback says; every language uses the same
// arguments, so no translation drops the amount or the item a cashier needs.
func TestTranslations(t *testing.T) {
	re := regexp.MustCompile(`{{\s*\.(\w+)\s*}}`)
	argsOf := func(s string) []string {
		var out []string
		for _, m := range re.FindAllStringSubmatch(s, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return out
	}
	want := Messages()
	for _, lang := range assets.Languages {
		raw, err := assets.Translation("desk", lang)
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
}

// TestEveryKeyUsedHasText: Text never returns a message without fallback.
func TestEveryKeyUsedHasText(t *testing.T) {
	for k, v := range messages {
		if v == "" || Text(k, nil).Fallback != v {
			t.Errorf("%s: no text", k)
		}
	}
}
