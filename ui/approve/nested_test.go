package approve

import (
	"testing"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/device"
	"github.com/tillpos/till/policy"
)

// The register's state inside an approval request ("cancel the receipt open
// on the register (a receipt is open, paper ran out while printing)") is in
// the window's language, not English in every language.
func TestNestedMessageTranslated(t *testing.T) {
	for _, tag := range []string{"en", "ru", "it"} {
		t.Run(tag, func(t *testing.T) {
			newWindow(t, tag)
			dm := device.StateMessage(device.Status{Mode: device.ModeReceiptOpen, Submode: 2})
			state := policy.Message{Key: dm.Key, Fallback: dm.Fallback, Args: map[string]any{}}
			for k, v := range dm.Args {
				m := v.(device.Message)
				state.Args[k] = policy.Message{Key: m.Key, Fallback: m.Fallback}
			}
			args := map[string]any{"State": state}
			msg := desk.Text("desk.request.register_cancel", args)
			words := fill(fill(translation(t, "register", tag, "register.state"),
				"Mode", translation(t, "register", tag, "register.mode.receipt_open")),
				"Submode", translation(t, "register", tag, "register.submode.paper_out_printing"))
			want := fill(translation(t, "desk", tag, "desk.request.register_cancel"), "State", words)
			if got := tr(msg); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
			if _, ok := args["State"].(policy.Message); !ok {
				t.Error("tr changed the caller's arguments")
			}
			if got, want := msg.English(), "cancel the receipt open on the register (a receipt is open, paper ran out while printing)"; got != want {
				t.Errorf("English %q, want %q", got, want)
			}
		})
	}
}
