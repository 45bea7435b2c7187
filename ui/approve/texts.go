package approve

import "github.com/tillpos/till/policy"

// texts are the dialog's keys and English texts (go-i18n templates);
// assets/lang/approve/en.json holds the same, ru.json and it.json the
// translations (a test keeps them in step). Refusals, lockouts and read
// errors keep the words of their own areas (desk, policy, input).
var texts = map[string]string{
	"approve.title.once":             "Supervisor approval",
	"approve.title.sticky":           "Supervisor rights",
	"approve.asks":                   "Asked for: {{.Request}}",
	"approve.hint.user_password":     "Supervisor: enter your login and password.",
	"approve.hint.password":          "Supervisor: enter your PIN.",
	"approve.hint.card":              "Supervisor: swipe your card or present your badge.",
	"approve.field.login":            "Login",
	"approve.field.password":         "Password",
	"approve.field.pin":              "PIN",
	"approve.card.prompt":            "Swipe card or badge",
	"approve.card.checking":          "Checking badge {{.Badge}}…",
	"approve.button.approve":         "Approve",
	"approve.button.cancel":          "Cancel",
	"approve.busy":                   "Checking…",
	"approve.err.empty_login":        "Enter the login.",
	"approve.err.empty_password":     "Enter the password.",
	"approve.err.empty_pin":          "Enter the PIN.",
	"approve.err.locked_for":         "Try again in {{.Minutes}} min.",
	"approve.err.locked_for_seconds": "Try again in {{.Seconds}} s.",
	"approve.err.typing":             "Typing is not accepted here: swipe the card or present the badge.",
	"approve.err.barcode":            "This is a barcode, not a badge: swipe the card or present the badge.",
}

// text is one of the dialog's messages with its arguments.
func text(key string, args map[string]any) policy.Message {
	return policy.Message{Key: key, Fallback: texts[key], Args: args}
}
