package cardverify

import "testing"

// TestHTTPBaseURLWithQueryRefused: the provider's base URL takes StartPath after it; one with a
// query or a fragment would put the path inside them (https://p.example/api?tenant=x/verifications),
// so every start would go to the wrong resource. ledgerd refuses it at start instead.
func TestHTTPBaseURLWithQueryRefused(t *testing.T) {
	for _, base := range []string{"https://provider.example/api?tenant=x", "https://provider.example/api#v1", "https://provider.example/api?"} {
		if _, err := NewHTTP(HTTPConfig{BaseURL: base, Token: "t", CallbackSecret: testKey, PublicURL: "https://ledger.example"}); err == nil {
			t.Errorf("provider URL %q accepted", base)
		}
	}
	if _, err := NewHTTP(HTTPConfig{BaseURL: "https://provider.example/api/", Token: "t", CallbackSecret: testKey, PublicURL: "https://ledger.example"}); err != nil {
		t.Errorf("a base URL with a path: %v", err)
	}
}
