package auth_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestMintHS256Verifies(t *testing.T) {
	tests := []struct {
		name        string
		claims      auth.Claims
		cfg         auth.Config
		wantLedgers []string
	}{
		{"ledger list", auth.Claims{Subject: "dev", Ledgers: []string{"1000", "2000"}, Scopes: auth.AllScopes, TTL: time.Hour},
			auth.Config{}, []string{"1000", "2000"}},
		{"all ledgers", auth.Claims{Subject: "dev", Ledgers: []string{"*"}, Scopes: []string{auth.ScopeAuditRead}, TTL: time.Hour},
			auth.Config{}, []string{"*"}},
		{"issuer and audience", auth.Claims{Subject: "dev", Ledgers: []string{"1000"}, TTL: time.Minute, Issuer: "ledgerctl", Audience: "ledgerd"},
			auth.Config{Issuer: "ledgerctl", Audience: "ledgerd"}, []string{"1000"}},
		{"not before now", auth.Claims{Subject: "dev", TTL: time.Minute, NotBefore: testNow}, auth.Config{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := auth.MintHS256(testSecret, tt.claims, testNow)
			if err != nil {
				t.Fatalf("MintHS256: %v", err)
			}
			cfg := tt.cfg
			cfg.HS256Secret = testSecret
			p, err := newVerifier(t, cfg).Verify(tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got, want := p.Subject, tt.claims.Subject; got != want {
				t.Errorf("Subject = %q, want %q", got, want)
			}
			if got, want := p.ExpiresAt, testNow.Add(tt.claims.TTL); !got.Equal(want) {
				t.Errorf("ExpiresAt = %v, want %v", got, want)
			}
			if got := p.Ledgers(); !slices.Equal(got, tt.wantLedgers) {
				t.Errorf("Ledgers() = %q, want %q", got, tt.wantLedgers)
			}
			if got := p.Scopes(); !slices.Equal(got, tt.claims.Scopes) {
				t.Errorf("Scopes() = %q, want %q", got, tt.claims.Scopes)
			}
		})
	}
}

func TestMintHS256Claims(t *testing.T) {
	nbf := testNow.Add(time.Minute)
	tok, err := auth.MintHS256(testSecret, auth.Claims{Subject: "dev", Ledgers: []string{"1000"},
		Scopes: []string{"customer:read", "audit:read"}, TTL: 24 * time.Hour, NotBefore: nbf}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	got := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"sub": "dev", "ledgers": []any{"1000"}, "scope": "customer:read audit:read",
		"iat": float64(testNow.Unix()), "nbf": float64(nbf.Unix()), "exp": float64(testNow.Add(24 * time.Hour).Unix()),
	}
	if len(got) != len(want) {
		t.Errorf("claims = %v, want %v", got, want)
	}
	for k, w := range want {
		if g := got[k]; !equalJSON(g, w) {
			t.Errorf("claim %s = %v, want %v", k, g, w)
		}
	}
	// The token is not valid before nbf.
	if _, err := newVerifier(t, auth.Config{HS256Secret: testSecret}).Verify(tok); err == nil || !strings.Contains(err.Error(), "not valid yet") {
		t.Errorf("Verify before nbf: %v, want \"not valid yet\"", err)
	}
}

// TestMintHS256AllLedgersForm: every ledger is minted as the documented "ledgers":"*", not as
// an array holding "*" (which Verify also reads as every ledger, for tokens minted so before).
func TestMintHS256AllLedgersForm(t *testing.T) {
	for _, ledgers := range [][]string{{"*"}, {"1000", "*"}} {
		tok, err := auth.MintHS256(testSecret, auth.Claims{Subject: "dev", Ledgers: ledgers, TTL: time.Hour}, testNow)
		if err != nil {
			t.Fatal(err)
		}
		got := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok, got); err != nil {
			t.Fatal(err)
		}
		if got["ledgers"] != "*" {
			t.Errorf("ledgers %q minted as %#v; want the string \"*\"", ledgers, got["ledgers"])
		}
	}
}

func equalJSON(a, b any) bool {
	as, aok := a.([]any)
	bs, bok := b.([]any)
	if aok && bok {
		return slices.Equal(as, bs)
	}
	return a == b
}

func TestMintHS256Rejects(t *testing.T) {
	ok := auth.Claims{Subject: "dev", Ledgers: []string{"1000"}, TTL: time.Hour}
	tests := []struct {
		name   string
		secret []byte
		edit   func(*auth.Claims)
		want   []string
	}{
		{"short secret", []byte("short"), func(*auth.Claims) {}, []string{"5 bytes"}},
		{"no subject", testSecret, func(c *auth.Claims) { c.Subject = "" }, []string{"subject is empty"}},
		{"subject with a newline", testSecret, func(c *auth.Claims) { c.Subject = "dev\nroot" }, []string{"subject contains control or invisible formatting characters"}},
		{"no TTL", testSecret, func(c *auth.Claims) { c.TTL = 0 }, []string{"TTL 0s is not positive"}},
		{"blank ledger", testSecret, func(c *auth.Claims) { c.Ledgers = []string{""} }, []string{"ledger"}},
		{"scope with space", testSecret, func(c *auth.Claims) { c.Scopes = []string{"a b"} }, []string{"scope"}},
		{"all at once", nil, func(c *auth.Claims) { c.Subject, c.TTL = "", -time.Second }, []string{"0 bytes", "subject", "TTL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			tok, err := auth.MintHS256(tt.secret, c, testNow)
			if err == nil {
				t.Fatalf("MintHS256 = %q, want error", tok)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
