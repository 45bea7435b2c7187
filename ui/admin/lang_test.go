package admin

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

// usedKeys finds every translation key the package's code asks for: the
// first argument of lang.X when it is a literal, and the Key of every
// policy.Message literal, with their English fallbacks.
func usedKeys(t *testing.T) map[string]string {
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
				if !ok || len(n.Args) < 2 || sel.Sel.Name != "X" {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "lang" {
					return true
				}
				if k, ok := lit(n.Args[0]); ok {
					keys[k], _ = lit(n.Args[1])
				}
			case *ast.CompositeLit:
				sel, ok := n.Type.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "Message" {
					return true
				}
				var k, fb string
				for _, e := range n.Elts {
					kv := e.(*ast.KeyValueExpr)
					switch kv.Key.(*ast.Ident).Name {
					case "Key":
						k, _ = lit(kv.Value)
					case "Fallback":
						fb, _ = lit(kv.Value)
					}
				}
				if k != "" {
					keys[k] = fb
				}
			}
			return true
		})
	}
	return keys
}

var placeholder = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

func placeholders(s string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Every key exists in en, ru and it with the same placeholders; en says
// what the code's fallback says; no file keeps keys the code dropped.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 50 {
		t.Fatalf("found only %d keys: the scan is broken", len(used))
	}
	for _, tag := range assets.Languages {
		raw, err := assets.Translation("admin", tag)
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s.json: %v", tag, err)
		}
		for k, fb := range used {
			if !strings.HasPrefix(k, "admin.") {
				t.Errorf("key %q is outside the admin area", k)
			}
			tr, ok := m[k]
			switch {
			case !ok:
				t.Errorf("%s.json lacks %q", tag, k)
			case tr == "":
				t.Errorf("%s.json: %q is empty", tag, k)
			case tag == "en" && tr != fb:
				t.Errorf("en.json %q = %q, the code says %q", k, tr, fb)
			}
			if d := cmp.Diff(placeholders(fb), placeholders(tr)); ok && d != "" {
				t.Errorf("%s.json %q: other placeholders than the code (-code +file):\n%s", tag, k, d)
			}
		}
		for k := range m {
			if _, ok := used[k]; !ok {
				t.Errorf("%s.json has %q, which the code never asks for", tag, k)
			}
		}
	}
}
