package scan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type key struct {
	after time.Duration // since the previous key
	r     rune
}

// keys builds a timed sequence typing text with a fixed gap per key.
func keys(text string, gap time.Duration) []key {
	var out []key
	for _, r := range text {
		out = append(out, key{gap, r})
	}
	return out
}

func join(seqs ...[]key) []key {
	var out []key
	for _, s := range seqs {
		out = append(out, s...)
	}
	return out
}

// run feeds the sequence, calling Flush whenever the deadline passes
// before the next key (as the window's timer would), and at the end.
func run(d *Detector, seq []key) []BurstOutput {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	now := t0
	var out []BurstOutput
	for _, k := range seq {
		next := now.Add(k.after)
		if dl, ok := d.Deadline(); ok && !dl.After(next) {
			out = d.Flush(out, dl)
		}
		now = next
		out = d.Feed(out, now, k.r)
	}
	if dl, ok := d.Deadline(); ok {
		out = d.Flush(out, dl)
	}
	return out
}

func typed(s string) []BurstOutput {
	var out []BurstOutput
	for _, r := range s {
		out = append(out, BurstOutput{Kind: Typed, Rune: r})
	}
	return out
}

func scanned(s string) BurstOutput { return BurstOutput{Kind: Scanned, Text: s} }

func TestDetector(t *testing.T) {
	ms := time.Millisecond
	// A scanner with jitter: 5-20 ms per key.
	jitter := func(text string) []key {
		gaps := []time.Duration{5, 12, 20, 8, 15, 6, 19, 10}
		var out []key
		for i, r := range text {
			out = append(out, key{gaps[i%len(gaps)] * ms, r})
		}
		return out
	}
	tests := []struct {
		name string
		cfg  BurstConfig
		seq  []key
		want []BurstOutput
	}{
		{"scanner 5 ms/key", BurstConfig{}, keys("4006381333931\r", 5*ms), []BurstOutput{scanned("4006381333931")}},
		{"scanner 20 ms/key", BurstConfig{}, keys("4006381333931\r", 20*ms), []BurstOutput{scanned("4006381333931")}},
		{"scanner with jitter", BurstConfig{}, jitter("4006381333931\r"), []BurstOutput{scanned("4006381333931")}},
		{"person 80 ms/key", BurstConfig{}, keys("1234567\r", 80*ms), typed("1234567\r")},
		{"person 300 ms/key", BurstConfig{}, keys("hello", 300*ms), typed("hello")},
		{"person typing fast pairs", BurstConfig{}, []key{{0, 'a'}, {25 * ms, 'b'}, {200 * ms, 'c'}, {20 * ms, 'd'}}, typed("abcd")},
		{"short fast burst is typing", BurstConfig{}, keys("12345\r", 5*ms), typed("12345\r")},
		{
			"person types, then a scan arrives",
			BurstConfig{},
			join(keys("12", 150*ms), []key{{400 * ms, '4'}}, keys("006381333931\r", 8*ms)),
			append(typed("12"), scanned("4006381333931")),
		},
		{
			"fast typist's last key just before a scan",
			BurstConfig{},
			join(keys("ab", 150*ms), []key{{80 * ms, '4'}}, keys("006381333931\r", 8*ms)),
			append(typed("ab"), scanned("4006381333931")),
		},
		{
			"scan, then a person keeps typing",
			BurstConfig{},
			join(keys("4006381333931\r", 10*ms), []key{{500 * ms, 'x'}, {200 * ms, 'y'}}),
			append([]BurstOutput{scanned("4006381333931")}, typed("xy")...),
		},
		{
			"one slow gap in the middle breaks the burst",
			BurstConfig{},
			join(keys("400638", 10*ms), []key{{150 * ms, '1'}}, keys("333931\r", 10*ms)),
			[]BurstOutput{{Kind: Incomplete, Text: "400638"}, scanned("1333931")},
		},
		{
			"half burst rejected by default",
			BurstConfig{},
			keys("4006381333931", 10*ms),
			[]BurstOutput{{Kind: Incomplete, Text: "4006381333931"}},
		},
		{
			"half burst accepted when configured",
			BurstConfig{HalfBurst: HalfBurstScan},
			keys("4006381333931", 10*ms),
			[]BurstOutput{scanned("4006381333931")},
		},
		{
			"half burst typed when configured",
			BurstConfig{HalfBurst: HalfBurstType},
			keys("4006381333931", 10*ms),
			typed("4006381333931"),
		},
		{"tab as terminator", BurstConfig{Terminators: []rune{Tab}}, keys("4006381333931\t", 10*ms), []BurstOutput{scanned("4006381333931")}},
		{
			"enter not a terminator when tab configured",
			BurstConfig{Terminators: []rune{Tab}, HalfBurst: HalfBurstType},
			keys("400638\r", 10*ms), typed("400638\r"),
		},
		{"prefix removed", BurstConfig{Prefix: "~"}, keys("~4006381333931\r", 10*ms), []BurstOutput{scanned("4006381333931")}},
		{
			"prefix missing: fast burst is not a scan",
			BurstConfig{Prefix: "~", HalfBurst: HalfBurstType},
			keys("4006381333931\r", 10*ms),
			typed("4006381333931\r"),
		},
		{"slower threshold", BurstConfig{AvgGap: 60 * ms}, keys("4006381333931\r", 50*ms), []BurstOutput{scanned("4006381333931")}},
		{
			"average over threshold though every gap under max",
			BurstConfig{HalfBurst: HalfBurstType},
			keys("4006381\r", 50*ms), typed("4006381\r"),
		},
		{"lone enter", BurstConfig{}, []key{{0, Enter}}, typed("\r")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := run(NewDetector(tt.cfg), tt.seq)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(BurstOutput{}, "Keys")); diff != "" {
				t.Fatalf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestDetectorFlushBeforeDeadline(t *testing.T) {
	d := NewDetector(BurstConfig{})
	t0 := time.Now()
	out := d.Feed(nil, t0, 'a')
	if out = d.Flush(out, t0.Add(10*time.Millisecond)); len(out) != 0 {
		t.Fatalf("flushed early: %v", out)
	}
	if out = d.Flush(out, t0.Add(time.Second)); len(out) != 1 || out[0].Rune != 'a' {
		t.Fatalf("got %v", out)
	}
	if _, ok := d.Deadline(); ok {
		t.Fatal("deadline with nothing held")
	}
}
