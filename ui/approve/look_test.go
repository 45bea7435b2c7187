package approve

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tillpos/till/desk"
	"github.com/tillpos/till/policy"
)

// The dialog as a person sees it, against golden images in testdata/. When a
// change is meant, look at testdata/failed/*.png and copy it over.
func TestDialogLooks(t *testing.T) {
	p := pending(t)
	for _, tc := range []struct {
		golden string
		tag    string
		mode   desk.ApprovalMode
		once   bool
		fail   error
	}{
		{"user_password_en.png", "en", desk.ModeUserPassword, true, nil},
		{"password_en.png", "en", desk.ModePassword, true, nil},
		{"card_en.png", "en", desk.ModeCard, true, nil},
		{"sticky_locked_en.png", "en", desk.ModeUserPassword, false, &desk.Refused{
			Kind: desk.ErrBadCredential, Lockout: policy.Lockout{Remaining: 1}, Msg: policy.Lockout{Remaining: 1}.Message(""),
		}},
		{"card_ru.png", "ru", desk.ModeCard, true, nil},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			// A label behind, not an entry: its focus border would only
			// add noise to the picture.
			speak(t, tc.tag)
			test.NewTempApp(t)
			w := test.NewTempWindow(t, widget.NewLabel(""))
			w.Resize(fyne.NewSize(1024, 768))
			pp := p
			if !tc.once {
				pp = nil
			}
			fd := &fakeDesk{mode: tc.mode, answers: []error{tc.fail}}
			open(t, w, fd, pp)
			if tc.fail != nil {
				typeText(t, w, "supervisor")
				press(t, w, fyne.KeyReturn)
				typeText(t, w, "wrong")
				press(t, w, fyne.KeyReturn)
			}
			test.AssertImageMatches(t, tc.golden, w.Canvas().Capture())
		})
	}
}

// Every control a finger must hit is at least touchHeight high.
func TestTouchSizes(t *testing.T) {
	for _, mode := range []desk.ApprovalMode{desk.ModeUserPassword, desk.ModePassword, desk.ModeCard} {
		w, _ := newWindow(t, "it")
		d, _ := open(t, w, &fakeDesk{mode: mode}, nil)
		targets := map[string]fyne.CanvasObject{"cancel": d.cancel}
		if d.submit != nil {
			targets["approve"] = d.submit
		}
		if d.login != nil {
			targets["login"] = d.login
		}
		if d.secret != nil {
			targets["secret"] = d.secret
		}
		if d.card != nil {
			targets["card"] = d.card
		}
		for name, o := range targets {
			if h := o.Size().Height; h < touchHeight {
				t.Errorf("%s mode: %s is %.0f high, want at least %d", mode, name, h, touchHeight)
			}
		}
	}
}
