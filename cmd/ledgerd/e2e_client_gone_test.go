package main

// A client that goes away before its answer is not the service's failure: ledgerd counts it
// with status 499 and logs it at INFO, never as a 5xx or an ERROR (docs/operations.md, Metrics),
// whichever route it was — here the Connect look-up, whose client went away while its token
// waited for the JWK Set.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nordledger/ledger/httpapi/auth"
)

// TestE2EConnectClientGoneIsNo5xx: the look-up's token names a key id the JWK Set lacks, so
// ledgerd refetches the set, which the test's identity provider holds; the client goes away
// meanwhile. Once ledgerd has stopped (every request it took is recorded), its metrics count the
// look-up as 499 and no 5xx, and its log holds no ERROR. Before, it was a 503 SERVICE_UNAVAILABLE:
// ledgerd_http_requests_total{status="503"} and an ERROR "request" line, paging an operator for
// a client nobody failed.
func TestE2EConnectClientGoneIsNo5xx(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	set := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","use":"sig","alg":"RS256","n":%q,"e":%q}]}`, b64(key.N.Bytes()), b64(big.NewInt(int64(key.E)).Bytes()))
	fetching, released := make(chan struct{}, 4), make(chan struct{})
	var fetches atomic.Int32
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fetches.Add(1) > 1 { // every refetch after the start waits until released
			fetching <- struct{}{}
			select {
			case <-released:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, set)
	}))
	t.Cleanup(keys.Close)
	t.Cleanup(func() { close(released) })
	s := startServer(t, withArgs("-jwks-url", keys.URL))

	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "checkout-frontend", "exp": time.Now().Add(time.Hour).Unix(),
		"ledgers": []string{demoLedger}, "scope": auth.ScopeCustomerRead})
	tok.Header["kid"] = "k2" // not in the set: ledgerd refetches it
	token, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	// An empty body: net/http notices a client gone only once the body is read, and the
	// look-up reads it after the token is checked.
	req, _ := http.NewRequest(http.MethodPost, s.base+connectPath(demoLedger, "9000"), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	// The look-up's token waits for the refetch, which the identity provider holds.
	if err := goneWhile(&http.Client{Transport: newTestTransport(true)}, req, fetching); err == nil {
		t.Fatal("the look-up was answered although its client went away while the JWK Set was held")
	}
	s.stop(t) // waits for the look-up's handler: its request is recorded

	families, err := s.m.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for _, f := range families {
		if f.GetName() != "ledgerd_http_requests_total" {
			continue
		}
		for _, m := range f.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			if strings.HasPrefix(labels["route"], "/client/v1/") {
				statuses = append(statuses, fmt.Sprintf("%s=%v", labels["status"], m.GetCounter().GetValue()))
			}
		}
	}
	if len(statuses) != 1 || statuses[0] != "499=1" {
		t.Errorf("the look-up whose client went away was counted as %q in ledgerd_http_requests_total, want [499=1]", statuses)
	}
	if errs := errorLines(s.logs.String()); errs != "" {
		t.Errorf("the look-up whose client went away was logged as an error:\n%s", errs)
	}
}

// goneWhile sends req with client in the background and goes away — cancels it — once waiting
// has a value or is closed (the server holds the request: the test's stand-in for what it waits
// on says so). It returns what the client got: nil when it was answered all the same.
func goneWhile(client *http.Client, req *http.Request, waiting <-chan struct{}) error {
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		resp, err := client.Do(req.WithContext(ctx))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-waiting
	cancel()
	return <-done
}
