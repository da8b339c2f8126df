package main

import (
	"strings"
	"testing"
)

// TestPersonalDataMaxAgeWholeSeconds: consumers are told maxAge in whole seconds, so a max age
// that is not a whole number of seconds is refused at start rather than told (and kept) shorter.
func TestPersonalDataMaxAgeWholeSeconds(t *testing.T) {
	for _, v := range []string{"1.5s", "1500ms", "0.5s", "25h"} {
		err := NewMain().ParseFlags([]string{"-personal-data-max-age", v}, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), "personal data max age") {
			t.Errorf("-personal-data-max-age %s: %v; want refused", v, err)
		}
	}
	for _, v := range []string{"1s", "90s", "5m", "24h"} {
		if err := NewMain().ParseFlags([]string{"-personal-data-max-age", v}, func(string) string { return "" }); err != nil {
			t.Errorf("-personal-data-max-age %s: %v", v, err)
		}
	}
}
