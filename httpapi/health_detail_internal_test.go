package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// TestReadyzDetailOnlyWithAToken: /readyz answers a caller without a valid token its status and
// its numbers (positions, lag, stuck) but no text — its detail and the relay's lastError named
// internal addresses and file paths (a NATS server's address, a store's path) to anyone; a
// caller with a valid token gets all of it. The status code is the same for both: probes need
// no token.
func TestReadyzDetailOnlyWithAToken(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	v, err := auth.NewVerifier(context.Background(), auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	tok, err := auth.MintHS256(secret, auth.Claims{Subject: "ops", Ledgers: []string{"1000"}, Scopes: []string{auth.ScopeCustomerRead}, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, err := auth.MintHS256([]byte(strings.Repeat("x", 32)), auth.Claims{Subject: "ops", Ledgers: []string{"1000"}, Scopes: []string{auth.ScopeCustomerRead}, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var ready, degraded error
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now, cfg: Config{
		Verifier: v,
		Ready:    func(context.Context) error { return ready },
		Degraded: func(context.Context) error { return degraded },
		Details: func(private bool) map[string]any {
			relay := map[string]any{"stuck": true, "head": 9}
			if private {
				relay["lastError"] = "dial tcp 10.1.2.3:4222: connection refused"
			}
			return map[string]any{"role": "writer", "projectionsPosition": 7, "relay": relay}
		},
	}}
	h := s.middleware(http.HandlerFunc(s.readyz))
	get := func(token string) (int, map[string]any) {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, routeReady, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: %v", w.Body.String(), err)
		}
		return w.Code, body
	}
	for _, st := range []struct {
		ready, degraded error
		code            int
		status          string
	}{
		{errors.New("projections cannot be written: open /srv/ledger/data/projections.db: read-only file system"), nil, 503, "not ready"},
		{nil, errors.New("the relay is stuck: dial tcp 10.1.2.3:4222"), 200, "degraded"},
		{nil, nil, 200, "ready"},
	} {
		ready, degraded = st.ready, st.degraded
		for _, anon := range []string{"", "not-a-token", other} {
			code, body := get(anon)
			relay, _ := body["relay"].(map[string]any)
			if code != st.code || body["status"] != st.status || body["detail"] != nil || relay["lastError"] != nil ||
				body["projectionsPosition"] != 7.0 || relay["stuck"] != true {
				t.Errorf("without a valid token (%.10q): %d %v, want %d, the status %q and the numbers, no text", anon, code, body, st.code, st.status)
			}
		}
		code, body := get(tok)
		relay, _ := body["relay"].(map[string]any)
		if code != st.code || body["status"] != st.status || body["role"] != "writer" || relay["lastError"] == nil ||
			(st.ready != nil || st.degraded != nil) && body["detail"] == nil {
			t.Errorf("with a token: %d %v, want everything", code, body)
		}
	}
}
