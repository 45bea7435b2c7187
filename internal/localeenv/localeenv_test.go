package localeenv

import (
	"os"
	"testing"
)

func TestPrepare(t *testing.T) {
	for _, c := range []struct {
		env                 map[string]string
		changed             bool
		wantName, wantValue string
	}{
		{map[string]string{"LANG": "C.UTF-8"}, true, "LC_MESSAGES", "en"},
		{map[string]string{"LANG": "C"}, true, "LC_MESSAGES", "en"},
		{map[string]string{"LC_ALL": "C.UTF-8", "LANG": "ru_RU.UTF-8"}, true, "LC_ALL", "en"},
		{map[string]string{"LC_MESSAGES": "POSIX"}, true, "LC_MESSAGES", "en"},
		{map[string]string{"LANG": "ru_RU.UTF-8"}, false, "LANG", "ru_RU.UTF-8"},
		{map[string]string{}, false, "LC_MESSAGES", ""},
	} {
		for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
			t.Setenv(k, c.env[k])
			if c.env[k] == "" {
				os.Unsetenv(k)
			}
		}
		if got := Prepare(); got != c.changed {
			t.Errorf("%v: changed %v, want %v", c.env, got, c.changed)
		}
		if got := os.Getenv(c.wantName); got != c.wantValue {
			t.Errorf("%v: %s=%q, want %q", c.env, c.wantName, got, c.wantValue)
		}
		if c.env["LANG"] != "" && os.Getenv("LANG") != c.env["LANG"] {
			t.Errorf("%v: LANG changed to %q", c.env, os.Getenv("LANG"))
		}
	}
}
