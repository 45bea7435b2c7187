package scan

import (
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Fuzz targets for every decoder of outside bytes. Besides "no panic" each
// checks a property of what it accepted. Seeds are f.Add calls plus the
// committed corpus under testdata/fuzz.

func FuzzBootDecoder(f *testing.F) {
	f.Add([]byte{0, 0, 0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, byte(0), byte(0))
	f.Add([]byte{0, 0, 1, 1, 1, 1, 1, 1}, byte(0), byte(0x41))
	f.Add([]byte{1, 0, 0, 0x30, 0, 0, 0, 0, 0}, byte(1), byte(0))
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, byte(0), byte(0xFF))
	f.Fuzz(func(t *testing.T, stream []byte, offset, gsKey byte) {
		d := BootDecoder{Offset: int(offset % 2), GSUsage: gsKey}
		size := 8 + d.Offset
		var out []rune
		for len(stream) > 0 {
			n := size
			if n > len(stream) {
				n = len(stream)
			}
			var err error
			before := len(out)
			out, err = d.Feed(out, stream[:n])
			if err != nil && n == size {
				t.Fatalf("full-size report rejected: %v", err)
			}
			if len(out)-before > 7 { // six keys plus a finished ALT code
				t.Fatalf("%d characters from one report", len(out)-before)
			}
			stream = stream[n:]
		}
	})
}

func FuzzPOSAssembler(f *testing.F) {
	f.Add(append([]byte{2, 13, ']', 'E', '0'}, make([]byte, 59)...))
	f.Add([]byte{2, 200, ']'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, stream []byte) {
		a := POSAssembler{Layout: HoneywellPOS}
		for len(stream) > 0 {
			n := 64
			if n > len(stream) {
				n = len(stream)
			}
			_, data, done, err := a.Feed(stream[:n])
			if done && (err != nil || len(data) > MaxPOSData) {
				t.Fatalf("done with err %v, %d bytes", err, len(data))
			}
			stream = stream[n:]
		}
		_ = a.Abandon()
	})
}

func FuzzDetector(f *testing.F) {
	f.Add([]byte("4006381333931\r"), []byte{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5})
	f.Add([]byte("hello\r"), []byte{200, 150, 90, 250, 100, 80})
	f.Add([]byte("~12345678\t"), []byte{0})
	f.Fuzz(func(t *testing.T, text, gaps []byte) {
		half := HalfBurstReject
		if len(text) > 0 {
			half = HalfBurst(text[0] % 3)
		}
		d := NewDetector(BurstConfig{Prefix: "~", Terminators: []rune{Enter, Tab}, HalfBurst: half})
		now := time.Unix(0, 0)
		var out []BurstOutput
		in := 0
		for i, c := range text {
			g := time.Duration(5) * time.Millisecond
			if len(gaps) > 0 {
				g = time.Duration(gaps[i%len(gaps)]) * 2 * time.Millisecond
			}
			now = now.Add(g)
			out = d.Feed(out, now, rune(c))
			in++
		}
		out = d.Flush(out, now.Add(time.Hour))
		// Every key comes out exactly once: typed, inside a scan (with the
		// prefix and terminator removed) or inside an incomplete burst.
		n := 0
		for _, o := range out {
			n += o.Keys
			switch o.Kind {
			case Typed:
				if o.Keys != 1 {
					t.Fatalf("typed output for %d keys", o.Keys)
				}
			case Scanned:
				if k := utf8.RuneCountInString(o.Text) + 1; o.Keys < k || o.Keys > k+1 {
					t.Fatalf("scan %q for %d keys", o.Text, o.Keys)
				}
			case Incomplete:
				if o.Keys != utf8.RuneCountInString(o.Text) {
					t.Fatalf("incomplete %q for %d keys", o.Text, o.Keys)
				}
			}
		}
		if n != in {
			t.Fatalf("%d keys in, %d accounted for: %+v", in, n, out)
		}
	})
}

func FuzzParseScan(f *testing.F) {
	for _, s := range []string{"4006381333931", "]E04006381333931\r", "]C1010460123456789317261231", "]d2" + "\x1d0104601234567893215Ab<CdE!fgH'i\x1d93dGh0", "2200123012508", "]Y0x", "04252614", ""} {
		f.Add("", s)
	}
	f.Add("]E4", "96385074")
	f.Fuzz(func(t *testing.T, sym, text string) {
		cfg := ScanConfig{Labels: DefaultLabelLayouts()}
		r, err := ParseScan(sym, text, cfg)
		if err != nil {
			if AsError(err).Key == "" {
				t.Fatalf("error without message key: %v", err)
			}
			return
		}
		switch r.Kind {
		case KindItem:
			if !ValidCheckDigit(r.Item.GTIN) {
				t.Fatalf("item %q with bad check digit", r.Item.GTIN)
			}
		case KindLabel:
			if r.Label.Value < 0 {
				t.Fatalf("negative label value")
			}
		}
	})
}

func FuzzParseGS1(f *testing.F) {
	f.Add("0104601234567893" + "17261231" + "10ABC123")
	f.Add("\x1d0104601234567893" + "10L1\x1d21S99")
	f.Add("3103001250" + "39220199")
	f.Fuzz(func(t *testing.T, s string) {
		els, err := ParseGS1(s)
		if err != nil {
			return
		}
		// What parsed, joined back, parses to the same elements.
		again, err := ParseGS1(joinGS1(els))
		if err != nil || len(again) != len(els) {
			t.Fatalf("round trip of %q: %v %v", s, again, err)
		}
		for i := range els {
			if els[i] != again[i] {
				t.Fatalf("round trip of %q: %v != %v", s, els, again)
			}
		}
	})
}

func FuzzParseMarking(f *testing.F) {
	crypto := strings.Repeat("Qw3+/", 8) + "XyZ="
	f.Add("0104601234567893215Ab<CdE!fgH'i\x1d91EE06\x1d92" + crypto)
	f.Add("0104601234567893215Ab<CdE!fgH'i91EE0692" + crypto)
	f.Add("0104601234567893Ab1234" + "93k9Lq")
	f.Add("04601234567893-ab4Rq7AbC1z9Y8")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMarking(s)
		if err != nil {
			return
		}
		if m.Tobacco {
			return
		}
		// The restored code is what the register receives, and the register
		// reads it as a strict GS1 element string: that reading must give
		// exactly the elements we split. (Re-running ParseMarking on it is no
		// invariant: without GS a short code is ambiguous by nature, and the
		// splitter prefers the marking layouts.)
		els, err := ParseGS1(m.Code)
		if err != nil || len(els) != len(m.Elements) {
			t.Fatalf("restored code %q: %v %v, want %v", m.Code, els, err, m.Elements)
		}
		for i := range els {
			if els[i] != m.Elements[i] {
				t.Fatalf("restored code %q: %v, want %v", m.Code, els, m.Elements)
			}
		}
	})
}

func FuzzParseSwipe(f *testing.F) {
	f.Add(";123456=?\r", false)
	f.Add("%B4111111111111111^DOE/JOHN^2812101000000000000?;4111111111111111=28121010000000000?", false)
	f.Add("%E?;E?+E?", false)
	f.Add(";12=?:", true)
	f.Fuzz(func(t *testing.T, s string, lrc bool) {
		sw, err := ParseSwipe(s, TrackConfig{LRC: lrc})
		if err != nil {
			return
		}
		id, err := BadgeFromSwipe(sw, 0)
		if err == nil {
			for _, tr := range sw.Tracks {
				if IsPaymentCard(tr) {
					t.Fatalf("payment card became badge")
				}
			}
			if id == "" {
				t.Fatal("empty badge ID")
			}
		}
	})
}

var digitRuns = regexp.MustCompile(`[0-9]{4,}`)

func FuzzNormaliseBadge(f *testing.F) {
	for _, s := range []string{"0012345678", "188,24910", "0100BC614E", "04A22B1C", "472621572", ""} {
		f.Add(s, uint8(0), false)
	}
	f.Fuzz(func(t *testing.T, raw string, form uint8, full bool) {
		cfg := BadgeConfig{Form: BadgeForms[int(form)%len(BadgeForms)], EMFull32: full}
		id, err := NormaliseBadge(raw, cfg)
		if err != nil {
			e := AsError(err)
			if e.Key == "" {
				t.Fatalf("error without key %+v", e)
			}
			// The ID-bearing part of a badge is its digits: no run of four
			// or more of them may reach the log. (The whole raw string is
			// no test: ",NNN" is a piece of the form's own description.)
			for _, run := range digitRuns.FindAllString(raw, -1) {
				if strings.Contains(e.Detail, run) {
					t.Fatalf("detail %q leaks %q", e.Detail, run)
				}
			}
			return
		}
		// Canonical IDs are stable: normalising the same input twice agrees.
		if id2, _ := NormaliseBadge(raw, cfg); id2 != id {
			t.Fatalf("unstable: %q %q", id, id2)
		}
	})
}
