package events

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

// Every message key the input code can produce has a translation in every
// language, with the same placeholders as the English text.
func TestMessageKeysTranslated(t *testing.T) {
	keyRE := regexp.MustCompile(`"(input\.[a-z_]+\.[a-z_.]+|input\.error)"`)
	used := map[string]bool{}
	for _, dir := range []string{"..", ".", "../../hidin"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if filepath.Ext(f) != ".go" || len(f) > 8 && f[len(f)-8:] == "_test.go" {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range keyRE.FindAllSubmatch(b, -1) {
				used[string(m[1])] = true
			}
		}
	}
	if len(used) < 10 {
		t.Fatalf("found only %d keys: the scan is broken", len(used))
	}
	phRE := regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)
	langs := map[string]map[string]string{}
	for _, l := range []string{"en", "ru", "it"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "assets", "lang", "input", l+".json"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", l, err)
		}
		langs[l] = m
	}
	var keys []string
	for k := range used {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		en, ok := langs["en"][k]
		if !ok {
			t.Errorf("%s missing in en.json", k)
			continue
		}
		for _, l := range []string{"ru", "it"} {
			tr, ok := langs[l][k]
			if !ok {
				t.Errorf("%s missing in %s.json", k, l)
				continue
			}
			if a, b := phRE.FindAllString(en, -1), phRE.FindAllString(tr, -1); len(a) != len(b) {
				t.Errorf("%s: placeholders %v in en, %v in %s", k, a, b, l)
			}
		}
	}
	for l, m := range langs {
		if len(m) != len(langs["en"]) {
			t.Errorf("%s.json has %d keys, en.json %d", l, len(m), len(langs["en"]))
		}
	}
}
