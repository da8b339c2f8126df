package auth_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// signRawHS signs the claim set written out as payload (JSON, as is) with HS256 and testSecret.
func signRawHS(payload string) string {
	input := b64([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + b64([]byte(payload))
	mac := hmac.New(sha256.New, testSecret)
	mac.Write([]byte(input))
	return input + "." + b64(mac.Sum(nil))
}

// TestVerifyClaimNamesAreCaseSensitive: RFC 7519 §4 makes claim names case-sensitive, and
// encoding/json matches names case-insensitively (with Unicode folding: "ſcope" is "scope").
// A signed token whose "SCOPE", "Ledgers", "EXP" or "ſub" would be read as scope, ledgers, exp
// or sub — a claim the issuer may fill from what a user chose, or never meant as the one the
// service reads — is refused, and so is a claim the service reads given twice (which one a
// gateway reads and which one the service reads would differ).
func TestVerifyClaimNamesAreCaseSensitive(t *testing.T) {
	v := newVerifier(t, auth.Config{HS256Secret: testSecret, Issuer: "https://issuer.example", Audience: "ledger"})
	exp := testNow.Add(time.Hour).Unix()
	base := `"iss":"https://issuer.example","aud":"ledger"`
	valid := fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"scope":"customer:read",%s}`, exp, base)
	if _, err := v.Verify(signRawHS(valid)); err != nil {
		t.Fatalf("the valid token: %v", err)
	}
	for name, payload := range map[string]string{
		"SCOPE":                  fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"SCOPE":"customer:write",%s}`, exp, base),
		"Scope beside scope":     fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"scope":"customer:read","Scope":"customer:write",%s}`, exp, base),
		"Ledgers beside ledgers": fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"Ledgers":["2000"],"scope":"customer:read",%s}`, exp, base),
		"LEDGERS":                fmt.Sprintf(`{"sub":"alice","exp":%d,"LEDGERS":"*","scope":"customer:read",%s}`, exp, base),
		"EXP without exp":        fmt.Sprintf(`{"sub":"alice","EXP":%d,"ledgers":["1000"],"scope":"customer:read",%s}`, exp, base),
		"Sub":                    fmt.Sprintf(`{"Sub":"admin","exp":%d,"ledgers":["1000"],"scope":"customer:read",%s}`, exp, base),
		"long s in scope":        fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"\u017fcope":"customer:write",%s}`, exp, base),
		"ISS":                    fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"scope":"customer:read","ISS":"https://issuer.example","aud":"ledger"}`, exp),
		"Aud":                    fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"scope":"customer:read","iss":"https://issuer.example","Aud":"ledger"}`, exp),
		"ledgers twice":          fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"scope":"customer:read",%s,"ledgers":["2000"]}`, exp, base),
		"scope twice":            fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"scope":"customer:read","scope":"customer:write",%s}`, exp, base),
	} {
		tok := signRawHS(payload)
		for range 2 { // a refusal is not remembered as a verification
			p, err := v.Verify(tok)
			if err == nil {
				t.Errorf("%s: accepted as %+v (scopes %v, ledgers %v)", name, p, p.Scopes(), p.Ledgers())
				break
			}
			if !errors.Is(err, auth.ErrInvalidToken) || !strings.Contains(err.Error(), "claim") {
				t.Errorf("%s: %v, want ErrInvalidToken naming the claim", name, err)
			}
		}
	}
	// Claims the service does not read may be named as the issuer likes.
	other := fmt.Sprintf(`{"sub":"alice","exp":%d,"ledgers":["1000"],"scope":"customer:read","Email":"a@b.se","email":"c@d.se",%s}`, exp, base)
	if _, err := v.Verify(signRawHS(other)); err != nil {
		t.Errorf("a token with other claims: %v", err)
	}
}
