package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/assets"
)

// usedKeys finds every translation key the ui's code asks for: the first
// argument of lang.X / lang.LocalizeKey and the Key of every Message literal.
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{} // key -> English fallback
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) < 2 {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "lang" || (sel.Sel.Name != "X" && sel.Sel.Name != "LocalizeKey") {
					return true
				}
				if key, ok := stringLit(t, n.Args[0]); ok {
					keys[key], _ = stringLit(t, n.Args[1])
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); !ok || id.Name != "Message" {
					return true
				}
				var key, fallback string
				var ok bool
				for _, e := range n.Elts {
					kv := e.(*ast.KeyValueExpr)
					switch kv.Key.(*ast.Ident).Name {
					case "Key":
						key, ok = stringLit(t, kv.Value)
					case "Fallback":
						fallback, _ = stringLit(t, kv.Value)
					}
				}
				if ok {
					keys[key] = fallback
				}
			}
			return true
		})
	}
	return keys
}

// stringLit is the value of a string literal. Keys that are not literals
// (Message.String passing m.Key on, errors of other areas that carry their own
// key) are not the ui's to translate, so the scan skips them.
func stringLit(t *testing.T, e ast.Expr) (string, bool) {
	t.Helper()
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	if err != nil {
		t.Fatal(err)
	}
	return s, true
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return slices.Compact(out)
}

func TestEveryKeyInEveryLanguage(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 20 {
		t.Fatalf("found only %d keys in the code; the scan is broken", len(used))
	}
	files := map[string]map[string]string{}
	for _, tag := range assets.Languages {
		raw, err := assets.Translation("ui", tag)
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s.json: %v", tag, err)
		}
		files[tag] = m
	}
	for key, fallback := range used {
		if !strings.HasPrefix(key, "ui.") {
			t.Errorf("key %q is outside the ui area", key)
		}
		for tag, m := range files {
			text, ok := m[key]
			if !ok {
				t.Errorf("%s.json lacks %q", tag, key)
				continue
			}
			if text == "" {
				t.Errorf("%s.json: %q is empty", tag, key)
			}
			if d := cmp.Diff(placeholders(fallback), placeholders(text)); d != "" {
				t.Errorf("%s.json: %q uses other arguments than the code (-code +file):\n%s", tag, key, d)
			}
		}
	}
	if got := files["en"]; got != nil {
		for key, text := range got {
			if fb, ok := used[key]; !ok {
				t.Errorf("en.json has %q, which the code never asks for", key)
			} else if fb != text {
				t.Errorf("en.json %q = %q, but the code's fallback is %q: keep them equal", key, text, fb)
			}
		}
	}
	for tag, m := range files {
		if len(m) != len(files["en"]) {
			t.Errorf("%s.json has %d keys, en.json %d", tag, len(m), len(files["en"]))
		}
	}
}

func TestLanguagesMatchAssets(t *testing.T) {
	var tags []string
	for _, l := range Languages {
		tags = append(tags, l.Tag)
	}
	if d := cmp.Diff(assets.Languages, tags); d != "" {
		t.Errorf("ui.Languages and assets.Languages differ (-assets +ui):\n%s", d)
	}
}
