package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/nordledger/ledger/httpapi/auth"
)

// blockingJWKSServer serves k1 at first; every later fetch announces itself on fetching and
// then waits for release before answering k1 and k2 (the identity provider rotated).
func blockingJWKSServer(t *testing.T, k1, k2 jwk) (srv *httptest.Server, fetching <-chan struct{}, release func(), fetches *atomic.Int32) {
	t.Helper()
	fetches = new(atomic.Int32)
	started := make(chan struct{}, 16)
	released := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		keys := []jwk{k1}
		if fetches.Add(1) > 1 {
			started <- struct{}{}
			select {
			case <-released:
			case <-r.Context().Done():
				return
			}
			keys = append(keys, k2)
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
	}))
	var once atomic.Bool
	release = func() {
		if once.CompareAndSwap(false, true) {
			close(released)
		}
	}
	t.Cleanup(func() { release(); srv.Close() })
	return srv, started, release, fetches
}

// TestJWKSRefetchStopsWaitingWhenTheRequestEnds: a token naming a key id the set lacks makes the
// verifier refetch the set. A request that goes away meanwhile (its context cancelled) stops
// waiting for the JWKS server at once — before, it waited for the fetch (up to the HTTP timeout)
// whatever became of it — while the refetch goes on for the other requests waiting on it: they
// verify with the new key once it arrives, and the set was refetched once.
func TestJWKSRefetchStopsWaitingWhenTheRequestEnds(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	srv, fetching, release, fetches := blockingJWKSServer(t, rsaJWK("k1", &rsaKeys[0].PublicKey), rsaJWK("k2", &rsaKeys[1].PublicKey))
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL})
	newKey := sign(t, jwt.SigningMethodRS256, rsaKeys[1], "k2", claims())

	// The cancelled request starts the refetch; another joins it.
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := v.VerifyContext(ctx, newKey)
		cancelled <- err
	}()
	<-fetching // the refetch reached the JWKS server, which holds it
	other := make(chan error, 1)
	go func() {
		_, err := v.VerifyContext(context.Background(), newKey)
		other <- err
	}()
	cancel()
	// The server is released only once the cancelled request has returned: had it waited for
	// the fetch, it would return only when the HTTP timeout ended the fetch, with another error.
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyContext of a cancelled request = %v, want an error matching context.Canceled", err)
	}
	release()
	if err := <-other; err != nil {
		t.Errorf("VerifyContext of the request waiting on the same refetch = %v, want it verified with the new key", err)
	}
	if got := fetches.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2 (the start and one refetch)", got)
	}
}

// TestJWKSRefetchOutlivesTheRequestThatStartedIt: the request whose unknown key id started the
// refetch is cancelled while another request started later waits on it: the refetch is shared,
// not the first request's own, so it goes on and the other request verifies.
func TestJWKSRefetchOutlivesTheRequestThatStartedIt(t *testing.T) {
	rsaKeys, _ := testKeys(t)
	srv, fetching, release, fetches := blockingJWKSServer(t, rsaJWK("k1", &rsaKeys[0].PublicKey), rsaJWK("k2", &rsaKeys[1].PublicKey))
	v := newVerifier(t, auth.Config{JWKSURL: srv.URL})
	newKey := sign(t, jwt.SigningMethodRS256, rsaKeys[1], "k2", claims())

	other := make(chan error, 1)
	go func() {
		_, err := v.VerifyContext(context.Background(), newKey)
		other <- err
	}()
	<-fetching // the other request's refetch reached the JWKS server
	ctx, cancel := context.WithCancel(context.Background())
	cancelled := make(chan error, 1)
	go func() {
		_, err := v.VerifyContext(ctx, newKey)
		cancelled <- err
	}()
	cancel()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("VerifyContext of a cancelled request = %v, want an error matching context.Canceled", err)
	}
	release()
	if err := <-other; err != nil {
		t.Errorf("VerifyContext of the request that started the refetch = %v, want it verified", err)
	}
	if got := fetches.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}
}
