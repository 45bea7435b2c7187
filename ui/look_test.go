package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// The screens as a person sees them at the smallest supported size, in the
// light theme, against golden images in testdata/. When a change to a screen
// is meant, look at testdata/failed/*.png and copy it over the golden one.
func TestScreensLook(t *testing.T) {
	demo := []DemoLogin{
		{Login: "admin", Password: "admin123", Group: "Administrator", Badge: "0004599999"},
		{Login: "supervisor", Password: "super123", Group: "Supervisor", Badge: "0004512345"},
		{Login: "cashier", Password: "cash1234", Group: "Cashier"},
		{Login: "newbie", Password: "init5678", Group: "Cashier", MustChange: true},
	}
	for _, tc := range []struct {
		golden string
		tag    string
		deps   Deps
		login  string
	}{
		{"login_ru_demo.png", "ru", Deps{Demo: demo}, ""},
		{"change_it.png", "it", Deps{}, "newbie"},
		{"main_en.png", "en", Deps{Items: fakeItems{{ID: 1, Barcode: "4600000000008", Name: "Bread", Price: 4590}}, Register: fakeRegister{}}, "cashier"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			settings := newMemSettings()
			_ = settings.SetString(SettingTheme, ThemeLight)
			tc.deps.Settings = settings
			a, w := newTestApp(t, tc.tag, tc.deps)
			w.Resize(fyne.NewSize(1024, 768))
			switch tc.login {
			case "newbie":
				loginAs(t, a, w, "newbie", "init5678")
			case "cashier":
				loginAs(t, a, w, "cashier", "cash1234")
				a.screen.(*MainScreen).pollOnce(tc.deps.Register)
			}
			test.AssertRendersToImage(t, tc.golden, w.Canvas())
		})
	}
}
