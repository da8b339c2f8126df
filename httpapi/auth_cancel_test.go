package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/auth"
)

// requestLog hands the middleware's "request" log records ("LEVEL route status") to a channel.
type requestLog struct{ lines chan string }

func (h requestLog) Enabled(context.Context, slog.Level) bool { return true }
func (h requestLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h requestLog) WithGroup(string) slog.Handler            { return h }
func (h requestLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "request" {
		return nil
	}
	var route, status string
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "route":
			route = a.Value.String()
		case "status":
			status = a.Value.String()
		}
		return true
	})
	h.lines <- r.Level.String() + " " + route + " " + status
	return nil
}

// statusObserver hands the statuses the server's Observer is told (ledgerd's metrics) to a
// channel.
type statusObserver chan int

func (o statusObserver) ObserveRequest(obs httpapi.RequestObservation) { o <- obs.Status }

// TestRequestGoneWhileItsTokenWaitsForTheJWKSet: a read whose token names a key id the JWK Set
// lacks waits for the set's refetch; when the client goes away meanwhile, the server stops
// waiting for the JWKS server and ends the request (499), not as an invalid token (401): nothing
// was found wrong with it. Before, the handler sat on the fetch until the HTTP timeout ended it.
// (Writes run on for a client that half-closes its connection, which net/http cannot tell from
// one gone (routes.go), and a request whose body is unread is not seen to go: those wait for the
// refetch, bounded by the HTTP timeout.)
func TestRequestGoneWhileItsTokenWaitsForTheJWKSet(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	requestGoneWhileWaiting(t, key, http.MethodGet, "/ledger/customer/v1/1000/customers/9999", "", " 499")
}

// TestConnectRequestGoneWhileItsTokenWaitsForTheJWKSet: the same for the Connect look-up. Its
// client went away, so it never sees an answer; the request is recorded as the ledger routes
// record it — 499 at level INFO, a 4xx in the metrics — not as Connect's 503 SERVICE_UNAVAILABLE,
// which was counted as a 5xx and logged as an ERROR: an operator paged for nothing. (Its body is
// empty: net/http notices a client gone only once the body is read, and the look-up reads it
// after the token is checked.)
func TestConnectRequestGoneWhileItsTokenWaitsForTheJWKSet(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	requestGoneWhileWaiting(t, key, http.MethodPost, "/client/v1/1000/products/9000/customerDetails", "", " 499")
}

// requestGoneWhileWaiting sends a request with a token of a kid the JWK Set lacks, goes away
// while the JWKS server holds the refetch, and checks the status the server logged for it.
func requestGoneWhileWaiting(t *testing.T, key *rsa.PrivateKey, method, path, body, want string) {
	b64 := base64.RawURLEncoding.EncodeToString
	jwkOf := func(kid string) string {
		return fmt.Sprintf(`{"kty":"RSA","kid":%q,"use":"sig","alg":"RS256","n":%q,"e":%q}`, kid, b64(key.N.Bytes()), b64(big.NewInt(int64(key.E)).Bytes()))
	}
	fetching, released := make(chan struct{}, 4), make(chan struct{})
	var fetches atomic.Int32
	keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fetches.Add(1) > 1 { // every refetch waits until released
			fetching <- struct{}{}
			select {
			case <-released:
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"keys":[%s]}`, jwkOf("k1"))
	}))
	t.Cleanup(keys.Close)
	t.Cleanup(func() { close(released) })
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	verifier, err := auth.NewVerifier(ctx, auth.Config{JWKSURL: keys.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(verifier.Close)
	log, observed := requestLog{make(chan string, 16)}, make(statusObserver, 16)
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.Verifier, cfg.Logger, cfg.Observer = verifier, slog.New(log), observed
	})
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "jwks-test", "exp": time.Now().Add(time.Hour).Unix(),
		"ledgers": []string{"*"}, "scope": strings.Join(auth.AllScopes, " ")})
	tok.Header["kid"] = "k2" // not in the set: the verifier refetches it
	token, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}

	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	goneWhile(http.DefaultClient, req, fetching) // the request's token waits for the refetch, which the JWKS server holds
	// The JWKS server still holds the refetch: the request ended without it.
	if got := <-log.lines; !strings.HasSuffix(got, want) || !strings.HasPrefix(got, "INFO ") {
		t.Errorf("%s %s, gone while its token waited for the JWK Set, was logged %q, want INFO and status%s", method, path, got, want)
	}
	if got := <-observed; " "+strconv.Itoa(got) != want {
		t.Errorf("%s %s, gone while its token waited for the JWK Set, was counted (metrics) as %d, want%s", method, path, got, want)
	}
}
