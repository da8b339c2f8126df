package consumer_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestConsumerRidesOutALedgerThatNeverAnswers: a writer that accepts a request for personal
// data and never answers it (stuck behind a load balancer, a half-dead process) must not block
// Run for ever — also with a caller's OpenerConfig.Client that has no Timeout of its own (one
// made for its Transport: a proxy, client certificates). OpenerConfig.Timeout bounds the
// request: Open fails with ErrUnavailable, Run asks again, and once the writer answers every
// event is handed over opened.
func TestConsumerRidesOutALedgerThatNeverAnswers(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	l.grant.Grant("1000", "crm", "", "", l.now)
	target, err := url.Parse(l.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var asked atomic.Int32
	stuck := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked.Add(1) == 1 { // the first request is never answered: held until the client gives up
			select {
			case <-r.Context().Done():
			case <-stuck:
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stuck) }) // runs before srv.Close
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: srv.URL, Token: consumer.StaticToken("crm"),
		Client: &http.Client{Transport: http.DefaultTransport}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	runsToTheEndOpened(t, l, o)
	if n := asked.Load(); n < 2 {
		t.Errorf("the writer was asked %d times, want the request never answered and another", n)
	}
}

// TestConsumerRidesOutATokenSourceThatNeverAnswers: a token source whose identity provider takes
// the request and never answers (a client without a timeout: golang.org/x/oauth2 uses the
// default one) must not block Run for ever either: OpenerConfig.Timeout bounds the token asked
// for too (its ctx ends), Open fails with ErrUnavailable, and Run asks again.
func TestConsumerRidesOutATokenSourceThatNeverAnswers(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	l.grant.Grant("1000", "crm", "", "", l.now)
	var calls atomic.Int32
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: l.url, Timeout: time.Second, Token: func(ctx context.Context) (string, error) {
		if calls.Add(1) == 1 { // the identity provider never answers the first request
			<-ctx.Done()
			return "", ctx.Err()
		}
		return "crm", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	runsToTheEndOpened(t, l, o)
}

// TestOpenerKeepsACallersLongerTimeout: a caller's Client with a longer Timeout than the default
// (large batches over a slow link) keeps it, when OpenerConfig.Timeout is not given: the request
// is not cut at 30 s and asked again with the same batch for ever.
func TestOpenerKeepsACallersLongerTimeout(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	l.grant.Grant("1000", "crm", "", "", l.now)
	var deadline atomic.Pointer[time.Time]
	tr := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if d, ok := r.Context().Deadline(); ok {
			deadline.Store(&d)
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	asked := time.Now()
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: l.url, Token: consumer.StaticToken("crm"),
		Client: &http.Client{Transport: tr, Timeout: 10 * time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Open(context.Background(), l.logged(t, 1)...); err != nil {
		t.Fatal(err)
	}
	if d := deadline.Load(); d == nil {
		t.Error("the request had no deadline")
	} else if d.Sub(asked) < 5*time.Minute {
		t.Errorf("the request's deadline: %v after it was asked; want the caller's 10 minutes", d.Sub(asked))
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// runsToTheEndOpened runs a consumer with o until it handed over the ledger's two events, and
// checks both were handed over opened.
func runsToTheEndOpened(t *testing.T, l *ledger, o *consumer.Opener) {
	t.Helper()
	r := &recorder{stopAt: 2}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: o}, r); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := r.positions(); !slices.Equal(got, seq(1, 2)) {
		t.Fatalf("positions %v, want 1..2", got)
	}
	for _, e := range r.events {
		if e.Personal != consumer.PersonalOpened {
			t.Errorf("event %d: %s (%v), want opened", e.Position, e.Personal, e.Withheld)
		}
	}
}
