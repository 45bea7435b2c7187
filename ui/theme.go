package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Theme choices stored under SettingTheme.
const (
	ThemeSystem = "system" // follow the desktop's light/dark setting
	ThemeLight  = "light"
	ThemeDark   = "dark"
)

// ThemeChoices in the order the picker shows them.
var ThemeChoices = []string{ThemeSystem, ThemeLight, ThemeDark}

// tillTheme is Fyne's default theme with touch-sized targets and, when the
// cashier chose one, a fixed light or dark variant.
//
// Sizes: a till is used standing, often with a finger on a touch screen, at
// arm's length. Text 16 and inner padding 12 give buttons and entries about
// 46 px — above the 44 px minimum touch target — while the login form and the
// main screen still fit 1024×768. Fyne scales with the screen's DPI, so the
// same numbers read well on a dense screen; a large screen (a till's
// 1920×1080 display at 96 DPI) scales them (uiScale, scale.go).
type tillTheme struct {
	choice string
}

// NewTheme returns the till's theme for a choice from ThemeChoices; anything
// else follows the system.
func NewTheme(choice string) fyne.Theme {
	return &tillTheme{choice: choice}
}

func (t *tillTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch t.choice {
	case ThemeLight:
		v = theme.VariantLight
	case ThemeDark:
		v = theme.VariantDark
	}
	return theme.DefaultTheme().Color(n, v)
}

func (t *tillTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (t *tillTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (t *tillTheme) Size(n fyne.ThemeSizeName) float32 {
	return t.size(n) * uiScale.Load().(float32)
}

func (t *tillTheme) size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 16
	case theme.SizeNameHeadingText:
		return 28
	case theme.SizeNameSubHeadingText:
		return 20
	case theme.SizeNameCaptionText:
		return 13
	case theme.SizeNamePadding:
		return 6
	case theme.SizeNameInnerPadding:
		return 12
	case theme.SizeNameInlineIcon:
		return 24
	case theme.SizeNameScrollBar:
		return 18
	case theme.SizeNameInputBorder:
		return 2
	}
	return theme.DefaultTheme().Size(n)
}
