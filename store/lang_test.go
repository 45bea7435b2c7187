package store

import (
	"encoding/json"
	"regexp"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/assets"
)

// Every message the store produces has a translation in every language,
// with the same placeholders as the English fallback, and no file carries
// keys the code no longer uses.
func TestTranslationsComplete(t *testing.T) {
	want := map[string]string{MessageInternal: "The database reported an error."}
	for _, m := range messages {
		want[m.key] = m.fallback
	}
	for _, m := range setupMessages {
		want[m.Key] = m.Fallback
	}
	ph := regexp.MustCompile(`\{\{\.\w+\}\}`)
	placeholders := func(s string) []string {
		p := ph.FindAllString(s, -1)
		sort.Strings(p)
		return p
	}
	for _, language := range assets.Languages {
		raw, err := assets.Translation("store", language)
		if err != nil {
			t.Fatalf("%s: %v", language, err)
		}
		var got map[string]string
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatalf("%s: %v", language, err)
		}
		for k, fb := range want {
			tr, ok := got[k]
			if !ok {
				t.Errorf("%s: missing %s", language, k)
				continue
			}
			if d := cmp.Diff(placeholders(fb), placeholders(tr)); d != "" {
				t.Errorf("%s %s: placeholders differ:\n%s", language, k, d)
			}
			if language == "en" && tr != fb {
				t.Errorf("en %s = %q, fallback in code %q", k, tr, fb)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: unused key %s", language, k)
			}
		}
	}
}
