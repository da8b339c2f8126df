package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestActorHasNoControlCharacters: the token's sub is recorded as the actor of every event the
// request causes, shown by the audit routes, the audit page and ledgerctl's one-line-per-event
// tables. A sub with control characters — a newline that forges a line of its own in an
// operator's listing, an escape sequence for the terminal showing it — is refused as the
// X-Correlation-ID is: 401, nothing recorded.
func TestActorHasNoControlCharacters(t *testing.T) {
	h := newRouteHarness(t)
	before := h.state(t)
	for _, sub := range []string{"alice\n9\t2026-01-01T00:00:00Z\tCustomerForgotten\tmallory", "alice\x1b[2J", "alice\x00", "alice\u0085"} {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"sub": sub, "ledgers": []string{"1000"}, "scope": "customer:read customer:write",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		}).SignedString(testSecret)
		if err != nil {
			t.Fatal(err)
		}
		r := h.raw(t, http.MethodPatch, "/ledger/customer/v1/1000/customers/9999",
			map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}, []byte(`{"emailAddress":"forged@example.com"}`))
		if r.code != http.StatusUnauthorized || !strings.Contains(r.body, "sub") {
			t.Errorf("sub %q: %d %.300s; want 401 naming the claim sub", sub, r.code, r.body)
		}
	}
	if after := h.state(t); after != before {
		t.Errorf("the refused requests changed the ledger: %+v → %+v", before, after)
	}
}
