package ui

import (
	"time"

	"fyne.io/fyne/v2/lang"
)

// chainEvery is how often the status bar reads the head-office link; the
// read is a copy of the publisher's last state, so it costs nothing.
const chainEvery = 2 * time.Second

// startChain shows the head-office link in the status bar and keeps it
// current while the screen is up; a till not in a chain shows nothing.
func (s *MainScreen) startChain() {
	if s.app.deps.Chain == nil {
		return
	}
	s.showChain(s.app.deps.Chain())
	if !s.app.pollStatus {
		return
	}
	get := s.app.deps.Chain
	s.app.async(func() {
		t := time.NewTicker(chainEvery)
		defer t.Stop()
		for {
			select {
			case <-s.ctx.Done():
				return
			case <-t.C:
			}
			st := get()
			s.app.do(func() { s.showChain(st) })
		}
	})
}

// showChain puts the link into the bar: online, or offline since when and
// how many events wait for the head office (they are safe in the till's
// database and go by themselves when the line is back).
func (s *MainScreen) showChain(st ChainStatus) {
	text := chainText(st, time.Now())
	if st.Refused != "" {
		text += "; " + lang.X("ui.status.chain_refused", "head office bundle refused: {{.Why}} (the till works with the last good one)",
			map[string]any{"Why": st.Refused})
	}
	s.chain.SetText(text)
	s.chain.Importance = importance(!st.Online || st.Refused != "")
	s.chain.Show()
	s.chain.Refresh()
}

func chainText(st ChainStatus, now time.Time) string {
	switch {
	case st.Problem != "":
		return lang.X("ui.status.chain_problem", "Head office: not connected ({{.Why}}); sales are kept and sent later, call IT",
			map[string]any{"Why": st.Problem})
	case st.Online && st.Waiting > 0:
		return lang.X("ui.status.chain_sending", "Head office: online, sending: {{.N}}", map[string]any{"N": st.Waiting})
	case st.Online:
		return lang.X("ui.status.chain_online", "Head office: online")
	}
	since := st.OfflineSince.Local()
	when := since.Format("15:04")
	if y, m, d := since.Date(); y != now.Local().Year() || m != now.Local().Month() || d != now.Local().Day() {
		when = since.Format("02.01 15:04")
	}
	if st.Waiting > 0 {
		return lang.X("ui.status.chain_offline_waiting", "Head office: offline since {{.Since}}, events waiting: {{.N}}",
			map[string]any{"Since": when, "N": st.Waiting})
	}
	return lang.X("ui.status.chain_offline", "Head office: offline since {{.Since}}", map[string]any{"Since": when})
}
