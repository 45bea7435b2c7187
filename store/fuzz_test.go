package store

import (
	"strings"
	"testing"
)

// FuzzVerifyPassword feeds arbitrary stored hash strings (a database is
// outside bytes: restored from a backup, edited by hand) to the verifier.
// It must never panic, never accept a malformed hash, and never run with a
// cost above the bounds (a tampered row must not make a login allocate
// gigabytes): those are refused before argon2 runs.
func FuzzVerifyPassword(f *testing.F) {
	good, err := HashPassword("secret", Argon2Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "secret")
	f.Add(good, "")
	f.Add("$argon2id$v=19$m=4294967295,t=1,p=1$AAAA$AAAA", "x")
	f.Add("$argon2id$v=19$m=64,t=1,p=0$AAAA$AAAA", "x")
	f.Add("$argon2id$v=18$m=64,t=1,p=1$AAAA$AAAA", "x")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$", "x")
	f.Add("$argon2id$$$$", "")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		// Keep each run cheap: the bounds allow up to 1 GiB, which is a
		// legal stored cost but not one to run thousands of times here.
		if parsedCost(encoded) > 4096 {
			t.Skip()
		}
		ok, err := VerifyPassword(encoded, password)
		if err != nil && ok {
			t.Fatal("error and match at once")
		}
		if ok && encoded != good {
			// A different string may only match if it encodes the same
			// salt and hash (e.g. other m/t/p spelling cannot match).
			if !strings.HasPrefix(encoded, "$argon2id$v=19$") {
				t.Fatalf("accepted %q", encoded)
			}
		}
	})
}

// parsedCost returns the m= value of an encoded hash, or 0.
func parsedCost(encoded string) uint64 {
	i := strings.Index(encoded, "m=")
	if i < 0 {
		return 0
	}
	var v uint64
	for _, c := range encoded[i+2:] {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + uint64(c-'0')
		if v > 1<<32 {
			break
		}
	}
	return v
}
