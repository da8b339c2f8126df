package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestVerifyHS256(t *testing.T) {
	v := newVerifier(t, auth.Config{HS256Secret: testSecret})
	p, err := v.Verify(signHS(t, claims()))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got, want := p.Subject, "alice"; got != want {
		t.Errorf("Subject = %q, want %q", got, want)
	}
	if got, want := p.ExpiresAt, testNow.Add(time.Hour); !got.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", got, want)
	}
	if got, want := p.Ledgers(), []string{"1000", "2000"}; !slices.Equal(got, want) {
		t.Errorf("Ledgers() = %q, want %q", got, want)
	}
	if got, want := p.Scopes(), []string{auth.ScopeCustomerRead, auth.ScopeCustomerWrite}; !slices.Equal(got, want) {
		t.Errorf("Scopes() = %q, want %q", got, want)
	}
}

// TestVerifyRejects pins the error contract: every failure matches
// ErrInvalidToken, says why, and never echoes the token.
func TestVerifyRejects(t *testing.T) {
	otherSecret := []byte("another secret of thirty-two bytes!")
	valid := signHS(t, claims())
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64([]byte(`{"sub":"mallory","exp":1999999999,"ledgers":"*"}`)) + "." + parts[2]
	noneHeader := b64([]byte(`{"alg":"none","typ":"JWT"}`))
	rsaKeys, _ := testKeys(t)

	tests := []struct {
		name  string
		token string
		want  string // in the error message
	}{
		{"empty", "", "empty token"},
		{"garbage", "not-a-jwt", "malformed token"},
		{"huge", signHS(t, claims(set("pad", strings.Repeat("x", auth.MaxTokenLen)))), "longer than 8 KiB"},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, otherSecret, "", claims()), "bad signature"},
		{"tampered payload", tampered, "bad signature"},
		{"signature stripped", parts[0] + "." + parts[1] + ".", "bad signature"},
		{"expired", signHS(t, claims(set("exp", testNow.Add(-time.Minute).Unix()))), "token expired"},
		{"not yet valid", signHS(t, claims(set("nbf", testNow.Add(time.Minute).Unix()))), "not valid yet"},
		{"issued in the future", signHS(t, claims(set("iat", testNow.Add(time.Minute).Unix()))), "issued in the future"},
		{"missing exp", signHS(t, claims(drop("exp"))), "missing claim exp"},
		{"missing sub", signHS(t, claims(drop("sub"))), "missing claim sub"},
		{"blank sub", signHS(t, claims(set("sub", "  "))), "missing claim sub"},
		{"sub not a string", signHS(t, claims(set("sub", 42))), "malformed token"},
		{"sub with a newline", signHS(t, claims(set("sub", "alice\nmallory"))), "claim sub must not contain control or invisible formatting characters"},
		{"sub with an escape", signHS(t, claims(set("sub", "alice\x1b[2J"))), "claim sub must not contain control or invisible formatting characters"},
		{"alg none", noneHeader + "." + parts[1] + ".", "algorithm not allowed"},
		{"alg none via library", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", claims()), "algorithm not allowed"},
		{"HS512", sign(t, jwt.SigningMethodHS512, testSecret, "", claims()), "algorithm not allowed"},
		{"RS256 where only a secret is configured", sign(t, jwt.SigningMethodRS256, rsaKeys[0], "", claims()), "algorithm not allowed"},
		{"unknown alg", b64([]byte(`{"alg":"XY999"}`)) + "." + parts[1] + "." + parts[2], "algorithm not allowed"},
		{"ledgers a number string", signHS(t, claims(set("ledgers", "1000"))), "claim ledgers"},
		{"ledgers an object", signHS(t, claims(set("ledgers", map[string]any{"a": 1}))), "claim ledgers"},
		{"ledgers with empty entry", signHS(t, claims(set("ledgers", []string{"1000", ""}))), "claim ledgers"},
		{"ledgers with fraction", signHS(t, claims(set("ledgers", []any{1000.5}))), "claim ledgers"},
		{"scope an array", signHS(t, claims(set("scope", []string{"customer:read"}))), "claim scope"},
		// RFC 7519 §2: a NumericDate is a JSON number; golang-jwt's NumericDate also takes a JSON
		// string holding one.
		{"exp a string", signHS(t, claims(set("exp", fmt.Sprint(testNow.Add(time.Hour).Unix())))), "must be JSON numbers"},
		{"nbf a string", signHS(t, claims(set("nbf", fmt.Sprint(testNow.Unix())))), "must be JSON numbers"},
		{"iat a string", signHS(t, claims(set("iat", fmt.Sprint(testNow.Unix())))), "must be JSON numbers"},
		{"exp a date string", signHS(t, claims(set("exp", testNow.Add(time.Hour).Format(time.RFC3339)))), "must be JSON numbers"},
		{"exp true", signHS(t, claims(set("exp", true))), "must be JSON numbers"},
		{"exp an array", signHS(t, claims(set("exp", []int64{testNow.Add(time.Hour).Unix()}))), "must be JSON numbers"},
	}
	v := newVerifier(t, auth.Config{HS256Secret: testSecret})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := v.Verify(tt.token)
			if err == nil {
				t.Fatalf("Verify succeeded with %+v, want error containing %q", p, tt.want)
			}
			if !errors.Is(err, auth.ErrInvalidToken) {
				t.Errorf("errors.Is(%v, ErrInvalidToken) = false", err)
			}
			if got := err.Error(); !strings.Contains(got, tt.want) {
				t.Errorf("error = %q, want it to contain %q", got, tt.want)
			}
			for _, part := range strings.Split(tt.token, ".") {
				if len(part) >= 8 && strings.Contains(err.Error(), part) {
					t.Errorf("error %q echoes the token", err)
				}
			}
			if got, want := p.Subject, ""; got != want {
				t.Errorf("Subject on error = %q, want %q", got, want)
			}
		})
	}
}

// TestVerifyNumericDates: NumericDate claims are JSON numbers, fractions and null included (RFC
// 7519 §2); only their type is strict (TestVerifyRejects).
func TestVerifyNumericDates(t *testing.T) {
	v := newVerifier(t, auth.Config{HS256Secret: testSecret})
	exp := float64(testNow.Add(time.Hour).Unix()) + 0.5
	for name, c := range map[string]jwt.MapClaims{
		"fractions": claims(set("exp", exp), set("nbf", float64(testNow.Unix())-0.25), set("iat", float64(testNow.Unix())-0.25)),
		"exponent":  claims(set("exp", json.Number(fmt.Sprintf("%de0", testNow.Add(time.Hour).Unix())))),
		"null nbf":  claims(set("nbf", nil), set("iat", nil)),
	} {
		p, err := v.Verify(signHS(t, c))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.ExpiresAt.Before(testNow.Add(time.Hour)) {
			t.Errorf("%s: ExpiresAt %v", name, p.ExpiresAt)
		}
	}
}

func TestVerifyLeeway(t *testing.T) {
	tests := []struct {
		name   string
		leeway time.Duration
		exp    time.Duration // relative to now
		wantOK bool
	}{
		{"default leeway covers 10s skew", 0, -10 * time.Second, true},
		{"default leeway ends at 30s", 0, -31 * time.Second, false},
		{"configured leeway", 2 * time.Minute, -time.Minute, true},
		{"small configured leeway", time.Second, -10 * time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, auth.Config{HS256Secret: testSecret, Leeway: tt.leeway})
			_, err := v.Verify(signHS(t, claims(set("exp", testNow.Add(tt.exp).Unix()))))
			if got := err == nil; got != tt.wantOK {
				t.Errorf("ok = %v (err %v), want %v", got, err, tt.wantOK)
			}
		})
	}
}

func TestVerifyIssuerAudience(t *testing.T) {
	tests := []struct {
		name     string
		issuer   string
		audience string
		edits    []func(jwt.MapClaims)
		want     string // error substring; empty for success
	}{
		{"nothing configured, nothing in token", "", "", nil, ""},
		{"nothing configured, anything in token", "", "", []func(jwt.MapClaims){set("iss", "x"), set("aud", "y")}, ""},
		{"issuer matches", "https://idp", "", []func(jwt.MapClaims){set("iss", "https://idp")}, ""},
		{"issuer differs", "https://idp", "", []func(jwt.MapClaims){set("iss", "https://evil")}, "wrong issuer"},
		{"issuer missing", "https://idp", "", nil, "missing claim iss"},
		{"audience as string", "", "ledger", []func(jwt.MapClaims){set("aud", "ledger")}, ""},
		{"audience in array", "", "ledger", []func(jwt.MapClaims){set("aud", []string{"other", "ledger"})}, ""},
		{"audience differs", "", "ledger", []func(jwt.MapClaims){set("aud", "other")}, "wrong audience"},
		{"audience missing", "", "ledger", nil, "missing claim aud"},
		{"both missing", "https://idp", "ledger", nil, "missing claim iss, aud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVerifier(t, auth.Config{HS256Secret: testSecret, Issuer: tt.issuer, Audience: tt.audience})
			_, err := v.Verify(signHS(t, claims(tt.edits...)))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Verify: %v, want success", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Verify error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestVerifyLedgersAndScopes(t *testing.T) {
	tests := []struct {
		name        string
		ledgers     any // nil: claim absent
		scope       any // nil: claim absent
		wantLedgers []string
		wantScopes  []string
	}{
		{"star string", "*", "customer:read", []string{"*"}, []string{"customer:read"}},
		{"star in array", []string{"1000", "*"}, "", []string{"*"}, nil},
		{"list", []string{"1000", "2000", "1000"}, "audit:read  kyc:write audit:read", []string{"1000", "2000"}, []string{"audit:read", "kyc:write"}},
		{"numbers", []any{1000, 2000}, nil, []string{"1000", "2000"}, nil},
		{"empty array", []string{}, nil, nil, nil},
		{"absent", nil, nil, nil, nil},
	}
	v := newVerifier(t, auth.Config{HS256Secret: testSecret})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claims(drop("ledgers"), drop("scope"))
			if tt.ledgers != nil {
				c["ledgers"] = tt.ledgers
			}
			if tt.scope != nil {
				c["scope"] = tt.scope
			}
			p, err := v.Verify(signHS(t, c))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := p.Ledgers(); !slices.Equal(got, tt.wantLedgers) {
				t.Errorf("Ledgers() = %q, want %q", got, tt.wantLedgers)
			}
			if got := p.Scopes(); !slices.Equal(got, tt.wantScopes) {
				t.Errorf("Scopes() = %q, want %q", got, tt.wantScopes)
			}
		})
	}
}

// TestVerifyStrictBase64 refuses a signature whose base64 is not canonical
// (the same bytes, spelled differently).
func TestVerifyStrictBase64(t *testing.T) {
	v := newVerifier(t, auth.Config{HS256Secret: testSecret})
	tok := signHS(t, claims())
	i := strings.LastIndex(tok, ".")
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	padded := tok[:i+1] + base64.URLEncoding.EncodeToString(sig)
	if !strings.HasSuffix(padded, "=") {
		t.Skip("signature needs no padding")
	}
	if _, err := v.Verify(padded); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify(padded) error = %v, want ErrInvalidToken", err)
	}
}

// TestVerifyRejectsCriticalHeaders: RFC 7515 §4.1.11 — a JWS whose "crit" header lists extensions
// the recipient does not understand is invalid. The Verifier understands none, so a token with a
// "crit" header is refused, however well it is signed.
func TestVerifyRejectsCriticalHeaders(t *testing.T) {
	v := newVerifier(t, auth.Config{HS256Secret: testSecret})
	for _, crit := range []any{[]string{"x-unknown"}, []string{"exp"}, []string{}, "x-unknown", nil} {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims())
		tok.Header["crit"] = crit
		tok.Header["x-unknown"] = true
		s, err := tok.SignedString(testSecret)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // a refusal is not remembered as a verification
			p, err := v.Verify(s)
			if err == nil || !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), "crit") {
				t.Errorf("crit %v: Verify = %+v, %v; want ErrInvalidToken naming crit", crit, p, err)
			}
		}
	}
}
