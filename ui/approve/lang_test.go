package approve

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tillpos/till/assets"
	"github.com/tillpos/till/internal/langcheck"
)

func langFile(t *testing.T, area, tag string) map[string]string {
	t.Helper()
	raw, err := assets.Translation(area, tag)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s/%s.json: %v", area, tag, err)
	}
	return m
}

// The English file says what the code says; Russian and Italian carry every
// key with the same placeholders.
func TestTranslationsInStep(t *testing.T) {
	en := langFile(t, "approve", "en")
	if diff := cmp.Diff(texts, en); diff != "" {
		t.Errorf("approve/en.json differs from texts (-code +file):\n%s", diff)
	}
	for _, tag := range assets.Languages {
		m := langFile(t, "approve", tag)
		for k, v := range texts {
			tr, ok := m[k]
			if !ok || strings.TrimSpace(tr) == "" {
				t.Errorf("%s.json lacks %q", tag, k)
				continue
			}
			if !slices.Equal(langcheck.Placeholders(v), langcheck.Placeholders(tr)) {
				t.Errorf("%s.json %q has placeholders %v, English %v", tag, k, langcheck.Placeholders(tr), langcheck.Placeholders(v))
			}
		}
		for k := range m {
			if _, ok := texts[k]; !ok {
				t.Errorf("%s.json has %q, which the code does not use", tag, k)
			}
		}
	}
}

// Every key the code names exists: its own through text(), other areas'
// (a read error's fallback) in their files in every language.
func TestUsedKeysExist(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	used := map[string]bool{}
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
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "text" && len(n.Args) == 2 {
					key, ok := literal(n.Args[0])
					if !ok {
						t.Errorf("%s: text() with a key that is not a literal", fset.Position(n.Pos()))
						return true
					}
					used[key] = true
					if _, ok := texts[key]; !ok {
						t.Errorf("%s: key %q is not in texts", fset.Position(n.Pos()), key)
					}
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Key" {
					key, ok := literal(n.Value)
					if !ok {
						return true
					}
					area, _, _ := strings.Cut(key, ".")
					for _, tag := range assets.Languages {
						if _, ok := langFile(t, area, tag)[key]; !ok {
							t.Errorf("%s: %s/%s.json lacks %q", fset.Position(n.Pos()), area, tag, key)
						}
					}
				}
			}
			return true
		})
	}
	for k := range texts {
		if !used[k] {
			t.Errorf("%q is in texts but the code never uses it", k)
		}
	}
}

func literal(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}
