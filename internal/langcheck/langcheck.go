// Package langcheck is for tests: it finds the translation keys a
// package's code asks for and checks that an area's en, ru and it files
// carry each of them, with the same template arguments and, in English, the
// code's own fallback. Areas whose texts live in one table (ui/approve, the
// desk) check that table instead.
package langcheck

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/assets"
)

// UsedKeys scans the non-test Go files of the current directory (a test's
// package) for the first argument of lang.X and lang.LocalizeKey and the
// Key of every Message or x.Message literal, with their English fallbacks.
// Keys that are not string literals (a message passed on, another area's
// error) are not this package's to translate and are skipped.
func UsedKeys(t testing.TB) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	lit := func(e ast.Expr) (string, bool) {
		bl, ok := e.(*ast.BasicLit)
		if !ok || bl.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(bl.Value)
		if err != nil {
			t.Fatal(err)
		}
		return s, true
	}
	keys := map[string]string{}
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
				if k, ok := lit(n.Args[0]); ok {
					keys[k], _ = lit(n.Args[1])
				}
			case *ast.CompositeLit:
				if !isMessage(n.Type) {
					return true
				}
				var k, fb string
				var ok bool
				for _, e := range n.Elts {
					kv := e.(*ast.KeyValueExpr)
					switch kv.Key.(*ast.Ident).Name {
					case "Key":
						k, ok = lit(kv.Value)
					case "Fallback":
						fb, _ = lit(kv.Value)
					}
				}
				if ok {
					keys[k] = fb
				}
			}
			return true
		})
	}
	return keys
}

// isMessage: the literal's type is Message or pkg.Message.
func isMessage(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name == "Message"
	case *ast.SelectorExpr:
		return x.Sel.Name == "Message"
	}
	return false
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// Placeholders are the template arguments a text uses, sorted, once each.
func Placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Area checks used (key → English fallback) against area's files: every key
// in the area's prefix and present, not empty and with the code's
// placeholders in every language; English equal to the fallback; no file
// keeping a key the code dropped. minKeys guards the scan itself: fewer
// keys found means it broke.
func Area(t *testing.T, area string, used map[string]string, minKeys int) {
	t.Helper()
	if len(used) < minKeys {
		t.Fatalf("found only %d keys in the code; the scan is broken", len(used))
	}
	for k := range used {
		if !strings.HasPrefix(k, area+".") {
			t.Errorf("key %q is outside the %s area", k, area)
		}
	}
	for _, tag := range assets.Languages {
		raw, err := assets.Translation(area, tag)
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s/%s.json: %v", area, tag, err)
		}
		for k, fb := range used {
			tr, ok := m[k]
			switch {
			case !ok:
				t.Errorf("%s.json lacks %q", tag, k)
				continue
			case tr == "":
				t.Errorf("%s.json: %q is empty", tag, k)
			case tag == "en" && tr != fb:
				t.Errorf("en.json %q = %q, but the code's fallback is %q: keep them equal", k, tr, fb)
			}
			if d := cmp.Diff(Placeholders(fb), Placeholders(tr)); d != "" {
				t.Errorf("%s.json: %q uses other arguments than the code (-code +file):\n%s", tag, k, d)
			}
		}
		for k := range m {
			if _, ok := used[k]; !ok {
				t.Errorf("%s.json has %q, which the code never asks for", tag, k)
			}
		}
	}
}
