package nordic

import (
	"slices"
	"testing"
)

func TestCountryCode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"SE", "SE", true}, {"se", "SE", true}, {"No", "NO", true}, {"dk", "DK", true},
		{"FI", "FI", true}, {"GB", "GB", true}, {"XK", "XK", true}, {"AX", "AX", true},
		{"SS", "SS", true}, {"BQ", "BQ", true}, {"AQ", "AQ", true},
		{"UK", "", false}, {"EU", "", false}, {"ZZ", "", false}, {"AN", "", false},
		{"CS", "", false}, {"QO", "", false}, {"XA", "", false}, {"AA", "", false},
		{"001", "", false}, {"S", "", false}, {"SWE", "", false}, {"", "", false},
		{" SE", "", false}, {"ſe", "", false},
	}
	for _, tt := range tests {
		got, ok := CountryCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CountryCode(%q): got %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if n := len(iso3166); n != 250 {
		t.Errorf("alpha-2 table has %d codes, want 249 + XK", n)
	}
	if n := len(iso3166Alpha3); n != 250 {
		t.Errorf("alpha-3 table has %d codes, want 249 + XKX", n)
	}
}

func TestCountryCodeAlpha3(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"SWE", "SWE", true}, {"nor", "NOR", true}, {"Dnk", "DNK", true}, {"FIN", "FIN", true},
		{"GBR", "GBR", true}, {"USA", "USA", true}, {"DEU", "DEU", true}, {"XKX", "XKX", true},
		{"ALA", "ALA", true},
		{"UK", "", false}, {"SE", "", false}, {"GER", "", false}, {"EUR", "", false},
		{"ANT", "", false}, {"SCG", "", false}, {"ZZZ", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		got, ok := CountryCodeAlpha3(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CountryCodeAlpha3(%q): got %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAlphaConversion(t *testing.T) {
	pairs := [][2]string{{"SE", "SWE"}, {"NO", "NOR"}, {"DK", "DNK"}, {"FI", "FIN"}, {"IS", "ISL"}, {"GB", "GBR"}, {"XK", "XKX"}}
	for _, p := range pairs {
		if got, ok := Alpha2ToAlpha3(p[0]); !ok || got != p[1] {
			t.Errorf("Alpha2ToAlpha3(%q): got %q, %v", p[0], got, ok)
		}
		if got, ok := Alpha3ToAlpha2(p[1]); !ok || got != p[0] {
			t.Errorf("Alpha3ToAlpha2(%q): got %q, %v", p[1], got, ok)
		}
	}
	if _, ok := Alpha2ToAlpha3("UK"); ok {
		t.Error("Alpha2ToAlpha3(UK) accepted")
	}
	if _, ok := Alpha3ToAlpha2("UKX"); ok {
		t.Error("Alpha3ToAlpha2(UKX) accepted")
	}
	for a2, a3 := range iso3166 {
		if len(a2) != 2 || len(a3) != 3 || !isUpperLetters(a2) || !isUpperLetters(a3) {
			t.Errorf("bad table entry %q → %q", a2, a3)
		}
	}
}

func TestCountryCodesAlpha3(t *testing.T) {
	codes := CountryCodesAlpha3()
	if len(codes) != 250 || !slices.IsSorted(codes) {
		t.Fatalf("CountryCodesAlpha3() has %d codes (sorted: %v), want 250 sorted", len(codes), slices.IsSorted(codes))
	}
	for _, c := range codes {
		if got, ok := CountryCodeAlpha3(c); !ok || got != c {
			t.Errorf("CountryCodeAlpha3(%q) = %q, %v", c, got, ok)
		}
	}
}
