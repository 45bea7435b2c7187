// Package assets embeds what the till ships besides code: translations, the
// icon, the udev rule. Translations live in one folder per area
// (lang/ui, lang/register, lang/policy, ...), each with en.json, ru.json and
// it.json, so each area keeps its own words; go-i18n merges files of the same
// language.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
	"path"

	"fyne.io/fyne/v2/lang"
)

//go:embed lang
var langFS embed.FS

// Languages the till ships, in the order the language picker shows them.
var Languages = []string{"en", "ru", "it"}

// LoadTranslations registers every area's translations with Fyne's lang.
func LoadTranslations() error {
	areas, err := fs.ReadDir(langFS, "lang")
	if err != nil {
		return fmt.Errorf("translations: %w", err)
	}
	for _, a := range areas {
		if !a.IsDir() {
			continue
		}
		if err := lang.AddTranslationsFS(langFS, path.Join("lang", a.Name())); err != nil {
			return fmt.Errorf("translations %s: %w", a.Name(), err)
		}
	}
	return nil
}

// Translation returns the raw JSON of one area and language, for tests that
// check every key exists in every language.
func Translation(area, language string) ([]byte, error) {
	return langFS.ReadFile(path.Join("lang", area, language+".json"))
}
