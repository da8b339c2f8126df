package nordic

import (
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"anna@example.com", true},
		{"first.last+tag@mail.example.se", true},
		{"anna@example.co.uk", true},
		{"åsa@exempel.se", true},
		{"a@b.c", true},
		{strings.Repeat("a", 242) + "@example.com", true}, // 254 bytes
		{strings.Repeat("a", 243) + "@example.com", false},
		{"", false},
		{"anna", false},
		{"anna@example", false},
		{"@example.com", false},
		{"anna@.com", false},
		{"anna@example.", false},
		{"anna@@example.com", true}, // SPEC's pattern allows "@" after the first one
		{"anna @example.com", false},
		{" anna@example.com", false},
		{"anna@example.com\n", false},
		{"anna\x00@example.com", false},
		{"anna\u200b@example.com", false},
		{"anna@exa\xffmple.com", false},
	}
	for _, tt := range tests {
		if got := ValidEmail(tt.in); got != tt.want {
			t.Errorf("ValidEmail(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
}
