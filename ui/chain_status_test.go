package ui

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// The status bar shows the head-office link: nothing for a till on its
// own, online, or offline since when with the events waiting.
func TestStatusBarShowsHeadOffice(t *testing.T) {
	a, w := newTestApp(t, "en", Deps{})
	loginAs(t, a, w, "cashier", "cash1234")
	if got := visible(w); strings.Contains(got, "Head office") {
		t.Fatalf("a till not in a chain shows the head office:\n%s", got)
	}

	var mu sync.Mutex
	st := ChainStatus{Online: true}
	for _, tag := range []string{"en", "ru", "it"} {
		t.Run(tag, func(t *testing.T) {
			mu.Lock()
			st = ChainStatus{Online: true}
			mu.Unlock()
			a, w := newTestApp(t, tag, Deps{Chain: func() ChainStatus { mu.Lock(); defer mu.Unlock(); return st }})
			loginAs(t, a, w, "cashier", "cash1234")
			m := a.screen.(*MainScreen)
			if got, want := m.chain.Text, translation(t, tag, "ui.status.chain_online"); got != want {
				t.Errorf("online: %q, want %q", got, want)
			}
			down := time.Now().Add(-time.Minute)
			m.showChain(ChainStatus{OfflineSince: down, Waiting: 37})
			if got := visible(w); !strings.Contains(got, down.Format("15:04")) || !strings.Contains(got, "37") {
				t.Errorf("offline: %q not in the status bar", m.chain.Text)
			}
			if m.chain.Text == translation(t, tag, "ui.status.chain_online") {
				t.Error("offline shows online")
			}
		})
	}
}

func TestChainTextOfflineSinceAnotherDay(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, time.Local)
	got := chainText(ChainStatus{OfflineSince: now.Add(-20 * time.Hour), Waiting: 3}, now)
	if !strings.Contains(got, "03.12 13:00") || !strings.Contains(got, "3") {
		t.Errorf("offline since yesterday: %q", got)
	}
}

// A bundle the till refused is said on the bar with the reason, beside the
// link's state, until a good one is applied.
func TestStatusBarShowsRefusedBundle(t *testing.T) {
	a, w := newTestApp(t, "en", Deps{Chain: func() ChainStatus { return ChainStatus{Online: true} }})
	loginAs(t, a, w, "cashier", "cash1234")
	m := a.screen.(*MainScreen)
	m.showChain(ChainStatus{Online: true, Refused: "bundle: signature does not match"})
	if got := m.chain.Text; !strings.Contains(got, "Head office: online") || !strings.Contains(got, "head office bundle refused: bundle: signature does not match") {
		t.Errorf("refused bundle: %q", got)
	}
	m.showChain(ChainStatus{Online: true})
	if strings.Contains(m.chain.Text, "refused") {
		t.Errorf("after a good bundle: %q", m.chain.Text)
	}
}
