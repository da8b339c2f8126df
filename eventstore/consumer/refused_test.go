package consumer_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// refusingLedger is a real HTTP server in front of the ledger's disclosure route that answers
// 401 to the first refuse requests (a key rotation on the ledger's side, a cached token that
// expired).
type refusingLedger struct {
	mu     sync.Mutex
	refuse int
	asked  int
}

func (l *ledger) refusing(t *testing.T, refuse int) (*refusingLedger, string) {
	t.Helper()
	u, _ := url.Parse(l.url)
	proxy := httputil.NewSingleHostReverseProxy(u)
	rl := &refusingLedger{refuse: refuse}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rl.mu.Lock()
		rl.asked++
		refuse := rl.asked <= rl.refuse
		rl.mu.Unlock()
		if refuse {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"type":"about:blank","title":"Unauthorized","status":401,"detail":"the token has expired"}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return rl, srv.URL
}

func (rl *refusingLedger) requests() int {
	rl.mu.Lock()
	defer rl.mu.Unlock()
	return rl.asked
}

// tokens is a token source that records, for each token it gives, whether the Opener said the
// ledger had refused the last one (consumer.TokenRefused): a source that caches must then fetch
// a new one.
type tokens struct {
	mu      sync.Mutex
	renewed []bool
}

func (s *tokens) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.renewed = append(s.renewed, consumer.TokenRefused(ctx))
	return "crm", nil
}

func (s *tokens) calls() []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bool(nil), s.renewed...)
}

// TestConsumerRetriesARefusedTokenOnce: a 401 from the ledger's personal-data endpoint is not
// fatal at once — the token source may renew (a key rotated on the ledger's side; a cached token
// that expired early): the Opener asks it for a new token, saying why, and asks the ledger once
// more. Events are then handed over opened, nothing skipped. Only a second 401 in a row stops
// Run with ErrUnauthorized.
func TestConsumerRetriesARefusedTokenOnce(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	if _, err := l.grant.Grant("1000", "crm", "operator", "", l.now); err != nil {
		t.Fatal(err)
	}

	once, u := l.refusing(t, 1)
	src := &tokens{}
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: u, Token: src.token})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{stopAt: 2}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: o}, r); err != nil {
		t.Fatalf("Run stopped at a 401 answered once: %v", err)
	}
	if got := r.positions(); !slices.Equal(got, seq(1, 2)) {
		t.Fatalf("positions %v, want 1..2", got)
	}
	for _, e := range r.events {
		if e.Personal != consumer.PersonalOpened {
			t.Errorf("event %d: %s (%v), want opened", e.Position, e.Personal, e.Withheld)
		}
	}
	// The two events come in one batch — or, when the second reaches the client a moment after
	// the first (a loaded machine), in two: then a third request, with an ordinary token, asks
	// for the second event. Either way: one refusal, one token asked for after it, no more.
	got := src.calls()
	want := []bool{false, true}
	if len(got) == 3 {
		want = append(want, false)
	}
	if once.requests() != len(got) || !slices.Equal(got, want) {
		t.Errorf("%d requests, tokens asked for %v (TokenRefused of each): want 2 requests (3 when the events came in two batches), the second with a token asked for after the refusal", once.requests(), got)
	}

	always, u := l.refusing(t, 1000)
	src = &tokens{}
	o, err = consumer.NewOpener(consumer.OpenerConfig{URL: u, Token: src.token})
	if err != nil {
		t.Fatal(err)
	}
	r = &recorder{}
	err = run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm-refused", Opener: o}, r)
	if !errors.Is(err, consumer.ErrUnauthorized) || errors.Is(err, consumer.ErrUnavailable) {
		t.Errorf("Run with a token the ledger always refuses: %v, want ErrUnauthorized", err)
	}
	if len(r.events) != 0 {
		t.Errorf("handed over %v without their personal data", r.positions())
	}
	if got := src.calls(); always.requests() != 2 || !slices.Equal(got, []bool{false, true}) {
		t.Errorf("%d requests, tokens asked for %v: want 2 requests, then stop", always.requests(), got)
	}
}
