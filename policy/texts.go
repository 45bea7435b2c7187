package policy

import "strconv"

// Texts the UI shows around policy decisions besides verdicts: the
// "Ask supervisor" offer, the unprotected-terminal banner, the elevation
// key. They live here so one area folder (assets/lang/policy) holds every
// word about permissions.
const (
	KeyAskSupervisor    = "policy.ui.ask_supervisor"
	KeySecurityOff      = "policy.ui.security_off_banner"
	KeyRestore          = "policy.ui.restore"
	KeyElevatedTooltip  = "policy.ui.elevated_tooltip"
	KeyLockedOut        = "policy.ui.locked_out"
	KeyAttemptsLeft     = "policy.ui.attempts_left"
	KeyApprovalPossible = "policy.ui.approval_possible"
)

var uiFallback = map[string]string{
	KeyAskSupervisor:    "Ask supervisor",
	KeySecurityOff:      "The security module is off: this terminal is not protected.",
	KeyRestore:          "Restore",
	KeyElevatedTooltip:  "Acting with the rights of {{.Name}}",
	KeyLockedOut:        "{{.Name}} is locked out until {{.Until}}.",
	KeyAttemptsLeft:     "Wrong credentials. Attempts left: {{.Count}}.",
	KeyApprovalPossible: "A supervisor can approve this.",
}

// UIMessage returns one of the Key* texts with its arguments.
func UIMessage(key string, args map[string]any) Message {
	return Message{Key: key, Fallback: uiFallback[key], Args: args}
}

// Message explains a lockout to the person at the dialog: locked until a
// time (HH:MM in Until's location), or how many attempts remain.
func (l Lockout) Message(name string) Message {
	if l.Locked {
		return UIMessage(KeyLockedOut, map[string]any{"Name": name, "Until": l.Until.Format("15:04")})
	}
	return UIMessage(KeyAttemptsLeft, map[string]any{"Count": strconv.Itoa(l.Remaining)})
}

// TranslationKeys returns every translation key the package emits with its
// English text: action, category and limit names, reasons, over-limit
// texts and the UI texts above. assets/lang/policy/*.json must carry each;
// a test checks it.
func TranslationKeys() map[string]string {
	out := make(map[string]string)
	for i := range catalogueTable {
		e := &catalogueTable[i]
		out[actionNameKey(e.id)] = e.name
	}
	for _, c := range categoryTable {
		out[categoryNameKey(c.ID)] = c.Name
	}
	for _, l := range limitTable {
		out[l.NameKey] = l.Name
	}
	for r := ReasonNone; r < numReasons; r++ {
		out[ReasonKey(r)] = reasonFallback[r]
	}
	for li := range limitTable {
		out[overLimitKey(li, false)] = overLimitFallback[li][0]
		out[overLimitKey(li, true)] = overLimitFallback[li][1]
	}
	for k, v := range uiFallback {
		out[k] = v
	}
	for a, v := range denyFallback {
		out[denyKey(a)] = v
		if ap, ok := approverDeny(a); ok {
			out[approverDenyKey(a)] = ap
		}
	}
	out[keyUnknownActionNamed] = unknownActionNamedFallback
	return out
}
