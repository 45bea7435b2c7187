package shtrih

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/tillpos/till/device"
	"github.com/tillpos/till/device/shtrih/link"
	"github.com/tillpos/till/device/shtrih/proto"
)

// Every key MessageOf can return has a text in every language, with the
// same template arguments as the English fallback.
func TestTranslationsComplete(t *testing.T) {
	args := regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)
	argSet := func(s string) string {
		var a []string
		for _, m := range args.FindAllStringSubmatch(s, -1) {
			a = append(a, m[1])
		}
		sort.Strings(a)
		return fmt.Sprint(a)
	}
	fallbacks := map[string]string{}
	for _, i := range errorInfo {
		fallbacks[i.key] = i.en
	}
	for _, lang := range []string{"en", "ru", "it"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "assets", "lang", "register", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]string
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		for _, k := range MessageKeys() {
			text, ok := m[k]
			if !ok || text == "" {
				t.Errorf("%s.json lacks %q", lang, k)
				continue
			}
			if fb, ok := fallbacks[k]; ok && argSet(fb) != argSet(text) {
				t.Errorf("%s.json %q uses %s, fallback uses %s", lang, k, argSet(text), argSet(fb))
			}
			if lang == "en" {
				if fb, ok := fallbacks[k]; ok && fb != text {
					t.Errorf("en.json %q = %q, code says %q", k, text, fb)
				}
			}
		}
	}
}

func TestMessageOf(t *testing.T) {
	wrap := func(e error) error { return fmt.Errorf("fiscalise: line 2: %w", e) }
	for _, tc := range []struct {
		name string
		err  error
		key  string
		text string
	}{
		{"paper out code", wrap(&Error{Cmd: proto.CmdOperationV2, Code: 0x6B}), "register.paper_load", "The register is out of paper: load receipt paper, then press Retry"},
		{"paper out from status", wrap(device.ErrPaperOut), "register.paper_load", "The register is out of paper: load receipt paper, then press Retry"},
		{"FN 24h", &Error{Code: 0x16}, "register.error.shift24", ""},
		{"range code carries the code", &Error{Code: 0x5F}, "register.error.range", "A value is out of the register's range (error 5Fh)"},
		{"unknown code with device text", &Error{Code: 0xE7, Text: "Нет связи"}, "register.error.unknown_text", "Register error E7h: Нет связи"},
		{"unknown code bare", &Error{Code: 0xE7}, "register.error.unknown", "Register error E7h"},
		{"unknown outcome wins", fmt.Errorf("%w: %w", device.ErrOutcomeUnknown, link.ErrTimeout), "register.outcome_unknown", ""},
		{"no link", wrap(device.ErrNoLink), "register.no_link", ""},
		{"cover", device.ErrCoverOpen, "register.cover_open", ""},
		{"receipt error", &ReceiptError{Why: "no lines"}, "register.bad_receipt", "The receipt cannot be sent to the register: no lines"},
		{"receipt open", wrap(ErrReceiptOpen), "register.error.4A", ""},
		{"bad INN", wrap(ErrBadINN), "register.bad_inn", ""},
		{"anything else", errors.New("boom"), "register.failed", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := MessageOf(tc.err)
			if m.Key != tc.key {
				t.Errorf("key = %q, want %q", m.Key, tc.key)
			}
			if tc.text != "" && m.String() != tc.text {
				t.Errorf("text = %q, want %q", m.String(), tc.text)
			}
		})
	}
}

func TestErrorSentinels(t *testing.T) {
	for code, want := range map[byte]error{
		0x6B: device.ErrPaperOut, 0x4E: device.ErrShiftOver24h, 0x16: device.ErrShiftOver24h,
		0x3D: device.ErrShiftClosed, 0x50: device.ErrBusy, 0x77: device.ErrCoverOpen, 0x37: ErrUnsupported,
	} {
		err := fmt.Errorf("ctx: %w", &Error{Code: code})
		if !errors.Is(err, want) {
			t.Errorf("code %02X is not %v", code, want)
		}
		if errors.Is(err, device.ErrOutcomeUnknown) {
			t.Errorf("code %02X claims an unknown outcome: an ERR reply means not executed", code)
		}
	}
	if errors.Is(&Error{Code: 0x33}, device.ErrPaperOut) {
		t.Error("33h is not paper out")
	}
}
