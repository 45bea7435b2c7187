package scan

// Control characters the decoders produce besides printable ASCII. Enter and
// Tab are the usual scan terminators; GS (0x1D) is FNC1 in GS1 codes.
const (
	Enter     = '\r'
	Tab       = '\t'
	GS        = 0x1D
	Escape    = 0x1B
	Backspace = 0x08
)

// usagePlain and usageShift map HID keyboard usage IDs (page 0x07) to the
// character of that key position on a US keyboard, unshifted and shifted.
// Zero means the key produces no character.
var usagePlain, usageShift [256]rune

func init() {
	for u := 0x04; u <= 0x1D; u++ {
		usagePlain[u] = rune('a' + u - 0x04)
		usageShift[u] = rune('A' + u - 0x04)
	}
	digits := "1234567890"
	shifted := "!@#$%^&*()"
	for i := 0; i < 10; i++ {
		usagePlain[0x1E+i] = rune(digits[i])
		usageShift[0x1E+i] = rune(shifted[i])
	}
	both := func(u int, plain, shift rune) { usagePlain[u], usageShift[u] = plain, shift }
	both(0x28, Enter, Enter)
	both(0x29, Escape, Escape)
	both(0x2A, Backspace, Backspace)
	both(0x2B, Tab, Tab)
	both(0x2C, ' ', ' ')
	both(0x2D, '-', '_')
	both(0x2E, '=', '+')
	both(0x2F, '[', '{')
	both(0x30, ']', '}')
	both(0x31, '\\', '|')
	both(0x32, '#', '~') // non-US # and ~ (ISO keyboards)
	both(0x33, ';', ':')
	both(0x34, '\'', '"')
	both(0x35, '`', '~')
	both(0x36, ',', '<')
	both(0x37, '.', '>')
	both(0x38, '/', '?')
	// Keypad: the same character with or without shift, since scanners
	// that emulate a keypad (ALT+nnnn mode aside) mean the digit.
	both(0x54, '/', '/')
	both(0x55, '*', '*')
	both(0x56, '-', '-')
	both(0x57, '+', '+')
	both(0x58, Enter, Enter)
	for i := 0; i < 9; i++ {
		both(0x59+i, rune('1'+i), rune('1'+i))
	}
	both(0x62, '0', '0')
	both(0x63, '.', '.')
}

// Usage IDs the decoders treat specially.
const (
	UsageRightBracket = 0x30 // with Ctrl: GS
	UsageF8           = 0x41 // a common "send GS as" key in scanner setups
)

// UsageChar returns the US character of a keyboard usage ID. ok is false for
// keys that produce no character (modifiers, F-keys, arrows...).
func UsageChar(usage byte, shift bool) (r rune, ok bool) {
	if shift {
		r = usageShift[usage]
	} else {
		r = usagePlain[usage]
	}
	return r, r != 0
}

// keyNameUsage maps Fyne's key names (fyne.KeyName values, kept as plain
// strings so this package imports no Fyne; checked against
// fyne.io/fyne/v2/key.go v2.7.1) to the usage ID of the same physical key.
// Fyne names digits by key code (layout-independent; the keypad digits share
// the names "0".."9"), but letters and punctuation by the name the active
// layout gives the key: see KeyNameChar.
var keyNameUsage = map[string]byte{
	"Return": 0x28, "KP_Enter": 0x58, "Escape": 0x29, "BackSpace": 0x2A, "Tab": 0x2B, "Space": 0x2C,
	"'": 0x34, ",": 0x36, "-": 0x2D, ".": 0x37, "/": 0x38, "\\": 0x31, "[": 0x2F, "]": 0x30,
	";": 0x33, "=": 0x2E, "*": 0x55, "+": 0x57, "`": 0x35,
	"F1": 0x3A, "F2": 0x3B, "F3": 0x3C, "F4": 0x3D, "F5": 0x3E, "F6": 0x3F,
	"F7": 0x40, "F8": 0x41, "F9": 0x42, "F10": 0x43, "F11": 0x44, "F12": 0x45,
}

func init() {
	for c := 'A'; c <= 'Z'; c++ {
		keyNameUsage[string(c)] = byte(0x04 + c - 'A')
	}
	for c := '1'; c <= '9'; c++ {
		keyNameUsage[string(c)] = byte(0x1E + c - '1')
	}
	keyNameUsage["0"] = 0x27
}

// KeyNameUsage returns the usage ID of a Fyne key name.
func KeyNameUsage(name string) (byte, bool) {
	u, ok := keyNameUsage[name]
	return u, ok
}

// KeyNameChar maps a Fyne key name and the shift state to the US character
// of that key. ok is false for names with no character (modifiers, arrows,
// unknown keys).
//
// Caveat, from Fyne's GLFW driver: digits, Enter, Tab and Space are named by
// key code and are layout-independent, but letters and punctuation are named
// through glfwGetKeyName, which follows the active layout. Under a Russian
// layout such keys arrive as KeyUnknown (""), under AZERTY the Q position is
// named "A". Use LinuxKeycodeChar on the event's Physical.ScanCode first and
// fall back to this only where the scan code is unknown.
func KeyNameChar(name string, shift bool) (rune, bool) {
	u, ok := keyNameUsage[name]
	if !ok {
		return 0, false
	}
	return UsageChar(u, shift)
}

// evdevUsage maps Linux evdev key codes (input-event-codes.h) to HID usage
// IDs for the keys a scanner or reader types. On X11 and Wayland, GLFW's scan
// code (Fyne's KeyEvent.Physical.ScanCode) is the XKB keycode, evdev + 8.
var evdevUsage = map[int]byte{
	1: 0x29, 14: 0x2A, 15: 0x2B, 28: 0x28, 57: 0x2C, 96: 0x58,
	12: 0x2D, 13: 0x2E, 26: 0x2F, 27: 0x30, 43: 0x31, 39: 0x33, 40: 0x34, 41: 0x35,
	51: 0x36, 52: 0x37, 53: 0x38,
	55: 0x55, 74: 0x56, 78: 0x57, 98: 0x54, 83: 0x63,
	71: 0x5F, 72: 0x60, 73: 0x61, 75: 0x5C, 76: 0x5D, 77: 0x5E, 79: 0x59, 80: 0x5A, 81: 0x5B, 82: 0x62,
	59: 0x3A, 60: 0x3B, 61: 0x3C, 62: 0x3D, 63: 0x3E, 64: 0x3F, 65: 0x40, 66: 0x41, 67: 0x42, 68: 0x43,
	87: 0x44, 88: 0x45,
}

func init() {
	// Digits 1..9, 0 are evdev 2..11.
	for i := 0; i < 10; i++ {
		evdevUsage[2+i] = byte(0x1E + i)
	}
	// Letter rows in evdev order.
	rows := []struct {
		first int
		keys  string
	}{{16, "qwertyuiop"}, {30, "asdfghjkl"}, {44, "zxcvbnm"}}
	for _, r := range rows {
		for i, c := range r.keys {
			evdevUsage[r.first+i] = byte(0x04 + c - 'a')
		}
	}
}

// LinuxKeycodeUsage maps an XKB keycode (evdev + 8, what GLFW reports as the
// scan code on Linux) to a usage ID.
func LinuxKeycodeUsage(xkb int) (byte, bool) {
	u, ok := evdevUsage[xkb-8]
	return u, ok
}

// LinuxKeycodeChar is KeyNameChar by physical scan code: the layout cannot
// change it.
func LinuxKeycodeChar(xkb int, shift bool) (rune, bool) {
	u, ok := LinuxKeycodeUsage(xkb)
	if !ok {
		return 0, false
	}
	return UsageChar(u, shift)
}
