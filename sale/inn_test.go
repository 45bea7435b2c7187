package sale

import "testing"

func TestValidINN(t *testing.T) {
	for _, s := range []string{"500100732259", "770712345633", "770723456751", "770734567870", "770745678998"} {
		if !ValidINN(s) {
			t.Errorf("%s refused", s)
		}
	}
	for _, s := range []string{
		"", "500100732258", "500100732269", "500100732249", "50010073225", "5001007322590", "50010073225a",
		"7707083893", // a 10-digit company INN is not a cashier's
	} {
		if ValidINN(s) {
			t.Errorf("%q accepted", s)
		}
	}
}
