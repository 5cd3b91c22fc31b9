package cli

import (
	"strings"
	"testing"
)

func TestParseStrategy(t *testing.T) {
	for _, s := range []string{"auto", "per-lead", "BULK", " bulk "} {
		if _, err := ParseStrategy(s); err != nil {
			t.Errorf("ParseStrategy(%q): %v", s, err)
		}
	}
	for _, s := range []string{"naive", "", "fast"} {
		if _, err := ParseStrategy(s); err == nil || !strings.Contains(err.Error(), "auto, per-lead or bulk") {
			t.Errorf("ParseStrategy(%q) = %v, want an error naming the choices", s, err)
		}
	}
}
