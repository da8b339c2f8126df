package httpapi_test

import (
	"fmt"
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

// TestActorIsBoundedAndVisible: a sub longer than OpenID Connect's 255 characters — which the
// event log's actor bound (1 KiB) turned into a 500 on every write, and the audit query's actor
// filter (at most 256 characters) could never find — or one with an invisible formatting
// character that makes it look like another actor (a zero-width space after alice@example.se, a
// right-to-left override, white space before or after it) is refused as a control character is: 401 naming the claim, nothing
// recorded. A sub of 255 bytes is taken.
func TestActorIsBoundedAndVisible(t *testing.T) {
	h := newRouteHarness(t)
	sign := func(sub string) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
			"sub": sub, "ledgers": []string{"1000"}, "scope": "customer:read customer:write",
			"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(),
		}).SignedString(testSecret)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	patch := func(tok, email string) advResp {
		return h.raw(t, http.MethodPatch, "/ledger/customer/v1/1000/customers/9999",
			map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}, []byte(`{"emailAddress":"`+email+`"}`))
	}
	before := h.state(t)
	for _, sub := range []string{strings.Repeat("a", 256), strings.Repeat("a", 1025), strings.Repeat("å", 128),
		"alice@example.se\u200b", "\u202ees.elpmaxe@ecila", "alice\u2066", "\ufeffalice",
		"alice@example.se ", " alice@example.se", "alice@example.se\u00a0", "\u3000alice"} {
		if r := patch(sign(sub), "forged@example.com"); r.code != http.StatusUnauthorized || !strings.Contains(r.body, "sub") {
			t.Errorf("sub %q (%d bytes): %d %.300s; want 401 naming the claim sub", sub, len(sub), r.code, r.body)
		}
	}
	if after := h.state(t); after != before {
		t.Errorf("the refused requests changed the ledger: %+v → %+v", before, after)
	}
	if r := patch(sign(strings.Repeat("b", 255)), "taken@example.com"); r.code != http.StatusOK {
		t.Errorf("sub of 255 bytes: %d %.300s", r.code, r.body)
	}
}

// TestLongTraceStateIsBounded: a valid W3C tracestate may hold 32 members of 256 + 256
// characters, more than an event's metadata holds (1 KiB): a write that sends one is answered
// as any other (not 500), its event recording the tracestate cut as W3C Trace Context says (at
// most 512 bytes, the long members first, then from the end).
func TestLongTraceStateIsBounded(t *testing.T) {
	h := newRouteHarness(t)
	var members []string
	for i := 0; i < 32; i++ {
		members = append(members, fmt.Sprintf("k%d=%s", i, strings.Repeat("v", 200)))
	}
	before := h.state(t)
	r := h.raw(t, http.MethodPatch, "/ledger/customer/v1/1000/customers/9999", map[string]string{
		"Authorization": "Bearer " + h.token, "Content-Type": "application/json",
		"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": strings.Join(members, ","),
	}, []byte(`{"emailAddress":"traced@example.com"}`))
	if r.code != http.StatusOK {
		t.Fatalf("PATCH with a tracestate of %d bytes: %d %.300s", len(strings.Join(members, ",")), r.code, r.body)
	}
	if after := h.state(t); after.events != before.events+1 {
		t.Errorf("events %d → %d, want one more", before.events, after.events)
	}
}
