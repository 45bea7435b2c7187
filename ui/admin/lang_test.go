package admin

import (
	"testing"

	"github.com/tillpos/till/internal/langcheck"
)

// Every key exists in en, ru and it with the same placeholders; en says
// what the code's fallback says; no file keeps keys the code dropped.
func TestEveryKeyInEveryLanguage(t *testing.T) {
	langcheck.Area(t, "admin", langcheck.UsedKeys(t), 50)
}
