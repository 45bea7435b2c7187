package bundle

import (
	"crypto/ed25519"
	"errors"
	"testing"
)

func TestCatalogueBundle(t *testing.T) {
	pub, priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	trusted := []ed25519.PublicKey{pub}
	c := Catalogue{Version: 7, Store: "s1", Chain: "north", Format: "csv", Data: "code;name;price\n1;Bread;49.90\n"}
	file, err := SignCatalogue(c, priv)
	if err != nil {
		t.Fatal(err)
	}
	v, err := OpenCatalogue(file, trusted)
	if err != nil || v.Catalogue != c {
		t.Fatalf("round trip: %+v, %v", v.Catalogue, err)
	}
	// Flipping any bit of the payload breaks the signature.
	bad := append([]byte(nil), file...)
	bad[len(bad)-5] ^= 1
	if _, err := OpenCatalogue(bad, trusted); !errors.Is(err, ErrSignature) {
		t.Errorf("flipped bit: %v", err)
	}
	// Neither kind passes for the other.
	if _, err := Open(file, trusted); !errors.Is(err, ErrFormat) {
		t.Errorf("a catalogue bundle opened as a matrix bundle: %v", err)
	}
	m, err := Sign(Contents{Version: 7, Store: "s1"}, priv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCatalogue(m, trusted); !errors.Is(err, ErrFormat) {
		t.Errorf("a matrix bundle opened as a catalogue bundle: %v", err)
	}
	// The same payload under the other magic line does not verify.
	swapped := append([]byte(Magic+"\n"), file[len(CatalogueMagic)+1:]...)
	if _, err := Open(swapped, trusted); !errors.Is(err, ErrSignature) {
		t.Errorf("magic line swapped: %v", err)
	}
	for _, bad := range []Catalogue{
		{Version: 0, Store: "s1", Format: "csv", Data: "x"},
		{Version: 1, Format: "csv", Data: "x"},
		{Version: 1, Store: "s1", Format: "xls", Data: "x"},
		{Version: 1, Store: "s1", Format: "csv"},
	} {
		if _, err := SignCatalogue(bad, priv); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v signed: %v", bad, err)
		}
	}
}

// A bundle cut anywhere — a value truncated in transit or on disk — is
// refused, for both kinds: never applied as a shorter bundle.
func TestEveryTruncationRefused(t *testing.T) {
	pub, priv, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	trusted := []ed25519.PublicKey{pub}
	m, err := Sign(Contents{Version: 3, Store: "s1", Chain: "north", Settings: map[string]string{}}, priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := SignCatalogue(Catalogue{Version: 3, Store: "s1", Format: "csv", Data: "code,name,price,vat\n1,Bread,49.90,10\n"}, priv)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(m); n++ {
		if _, err := Open(m[:n], trusted); !errors.Is(err, ErrFormat) && !errors.Is(err, ErrSignature) {
			t.Fatalf("matrix bundle cut to %d of %d bytes: %v", n, len(m), err)
		}
	}
	for n := 0; n < len(c); n++ {
		if _, err := OpenCatalogue(c[:n], trusted); !errors.Is(err, ErrFormat) && !errors.Is(err, ErrSignature) {
			t.Fatalf("catalogue bundle cut to %d of %d bytes: %v", n, len(c), err)
		}
	}
}
