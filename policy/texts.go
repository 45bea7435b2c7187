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
	KeyLoginLockedOut   = "policy.ui.login_locked_out"
	KeyTillThrottled    = "policy.ui.till_throttled"
	KeyMustChange       = "policy.ui.must_change_approver"
)

var uiFallback = map[string]string{
	KeyAskSupervisor:    "Ask supervisor",
	KeySecurityOff:      "The security module is off: this terminal is not protected.",
	KeyRestore:          "Restore",
	KeyElevatedTooltip:  "Acting with the rights of {{.Name}}",
	KeyLockedOut:        "{{.Name}} is locked out until {{.Until}} after too many failed attempts. Wait, or ask an administrator to lift the lock.",
	KeyLoginLockedOut:   "This login is locked out until {{.Until}} after too many failed attempts. Wait, or ask an administrator to lift the lock.",
	KeyTillThrottled:    "Too many unknown cards, PINs or logins on this till: try again after {{.Until}}.",
	KeyMustChange:       "{{.Name}} must first change the initial password (sign in at a till) before approving.",
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
	return l.attempts()
}

// LoginMessage is Message for a typed login, named by nobody: "This login
// is locked out until 14:05", so the sign-in screen tells a stranger
// nothing about which logins exist.
func (l Lockout) LoginMessage() Message {
	if l.Locked {
		return UIMessage(KeyLoginLockedOut, map[string]any{"Until": l.Until.Format("15:04")})
	}
	return l.attempts()
}

// TillMessage is the throttle's message (CheckThrottle): "try again after
// 14:05:30" on this till; seconds, because the first waits are seconds.
func (l Lockout) TillMessage() Message {
	if l.Locked {
		return UIMessage(KeyTillThrottled, map[string]any{"Until": l.Until.Format("15:04:05")})
	}
	return l.attempts()
}

func (l Lockout) attempts() Message {
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
