package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  auth.Config
		want []string // substrings of the error, all of them; none for a valid config
	}{
		{"secret", auth.Config{HS256Secret: testSecret}, nil},
		{"JWKS", auth.Config{JWKSURL: "https://idp.example/.well-known/jwks.json"}, nil},
		{"both", auth.Config{HS256Secret: testSecret, JWKSURL: "http://localhost:8080/jwks"}, nil},
		{"nothing", auth.Config{}, []string{"neither an HS256 secret nor a JWKS URL"}},
		{"short secret", auth.Config{HS256Secret: []byte("short")}, []string{"5 bytes, want at least 32"}},
		{"scheme", auth.Config{JWKSURL: "ftp://idp.example/jwks"}, []string{"scheme must be https or http"}},
		{"relative URL", auth.Config{JWKSURL: "/jwks"}, []string{"scheme must be https or http"}},
		{"no host", auth.Config{JWKSURL: "https:///jwks"}, []string{"has no host"}},
		{"unparsable URL", auth.Config{JWKSURL: "https://idp example/%zz"}, []string{"JWKS URL"}},
		{"negative durations", auth.Config{HS256Secret: testSecret, Leeway: -time.Second, JWKSRefreshInterval: -1, JWKSMinRefreshInterval: -1},
			[]string{"leeway -1s is negative", "refresh interval -1ns is negative", "minimum refresh interval -1ns is negative"}},
		{"every problem at once", auth.Config{HS256Secret: []byte("x"), JWKSURL: "ftp://x", Leeway: -1},
			[]string{"1 bytes", "scheme", "leeway"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestNewVerifierValidates(t *testing.T) {
	_, err := auth.NewVerifier(context.Background(), auth.Config{HS256Secret: []byte("short")})
	if err == nil || !strings.Contains(err.Error(), "want at least 32") {
		t.Errorf("NewVerifier error = %v, want the Validate error", err)
	}
}
