package consumer_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/eventstore/consumer"
	"go.opentelemetry.io/otel/trace"
)

// redirectTarget is the host a redirect points to: it records what reaches it.
type redirectTarget struct {
	mu   sync.Mutex
	got  []string // per request: its traceparent, Authorization and body
	srv  *httptest.Server
	asks atomic.Int32
}

func newRedirectTarget(t *testing.T) *redirectTarget {
	t.Helper()
	rt := &redirectTarget{}
	rt.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.asks.Add(1)
		body, _ := io.ReadAll(r.Body)
		rt.mu.Lock()
		rt.got = append(rt.got, "traceparent="+r.Header.Get("traceparent")+" authorization="+r.Header.Get("Authorization")+" body="+string(body))
		rt.mu.Unlock()
		// An answer the Opener would take for the ledger's, were it followed.
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"items":[],"maxAge":300}`)
	}))
	t.Cleanup(rt.srv.Close)
	return rt
}

func (rt *redirectTarget) requests() []string {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return append([]string(nil), rt.got...)
}

// redirecting is a "ledger" that answers every request with a redirect of status to target.
func redirecting(t *testing.T, status int, target string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, target+r.URL.Path, status)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// tracedCtx returns a ctx carrying a sampled remote span context, which the Opener's requests
// carry as traceparent.
func tracedCtx(t *testing.T) context.Context {
	t.Helper()
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
	if !sc.IsValid() {
		t.Fatal("invalid span context")
	}
	return trace.ContextWithRemoteSpanContext(context.Background(), sc)
}

// TestOpenerDoesNotFollowRedirects: the ledger's writer never redirects a request for personal
// data, so a redirect means something between the consumer and the writer is wrong or hostile.
// The Opener does not follow it — Go's default client would send the positions (the body) and
// the traceparent to any host, and the bearer token to the same host name on another port, and
// take that host's answer for the ledger's. Open fails with an error that names the redirect,
// is not ErrUnavailable (no retry mends it: Run stops with it, as with another unexpected
// answer), and the events stay sealed; the redirect's target is never asked.
func TestOpenerDoesNotFollowRedirects(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	target := newRedirectTarget(t)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv := redirecting(t, status, target.srv.URL)
		o, err := consumer.NewOpener(consumer.OpenerConfig{URL: srv.URL, Token: consumer.StaticToken("crm-token")})
		if err != nil {
			t.Fatal(err)
		}
		es := l.logged(t, 1)
		err = o.Open(tracedCtx(t), es...)
		if err == nil || errors.Is(err, consumer.ErrUnavailable) || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("a %d redirect: %v; want an error naming the redirect, not ErrUnavailable", status, err)
		}
		for _, e := range es {
			if e.Personal != consumer.PersonalSealed {
				t.Errorf("a %d redirect: event %d %s, want it sealed", status, e.Position, e.Personal)
			}
		}
	}
	if got := target.requests(); len(got) != 0 {
		t.Errorf("the redirect's target was asked %d times: %q", len(got), got)
	}

	// Run stops with it, rather than retrying a redirect for ever or handing the events over.
	srv := redirecting(t, http.StatusTemporaryRedirect, target.srv.URL)
	o, _ := consumer.NewOpener(consumer.OpenerConfig{URL: srv.URL, Token: consumer.StaticToken("crm-token")})
	r := &recorder{}
	err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: o}, r)
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("Run: %v; want it to stop with the redirect", err)
	}
	if got := r.positions(); len(got) != 0 {
		t.Errorf("handed over %v", got)
	}
	if n := target.asks.Load(); n != 0 {
		t.Errorf("the redirect's target was asked %d times", n)
	}
}

// countingTransport counts the requests of a caller's client.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestOpenerCallerClientNotFollowingRedirects: OpenerConfig.Client's transport and timeout are
// used, its CheckRedirect is not — the Opener uses a copy that follows no redirect — and the
// caller's client is left as it was: it still follows redirects where the caller uses it.
func TestOpenerCallerClientNotFollowingRedirects(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	target := newRedirectTarget(t)
	srv := redirecting(t, http.StatusPermanentRedirect, target.srv.URL)
	var asked atomic.Int32
	tr := &countingTransport{}
	follow := func(*http.Request, []*http.Request) error { asked.Add(1); return nil }
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second, CheckRedirect: follow}
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: srv.URL, Token: consumer.StaticToken("crm-token"), Client: client})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Open(tracedCtx(t), l.logged(t, 1)...); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Errorf("Open: %v; want an error naming the redirect", err)
	}
	if n := tr.n.Load(); n != 1 {
		t.Errorf("the caller's transport sent %d requests, want 1", n)
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the caller's CheckRedirect was asked %d times", n)
	}
	if n := target.asks.Load(); n != 0 {
		t.Errorf("the redirect's target was asked %d times", n)
	}
	// The caller's client is unchanged: it follows its own redirects.
	if client.Transport != tr || client.Timeout != 10*time.Second || client.CheckRedirect == nil {
		t.Fatalf("the caller's client was changed: %+v", client)
	}
	resp, err := client.Get(srv.URL + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if asked.Load() != 1 || target.asks.Load() != 1 {
		t.Errorf("the caller's own client no longer follows redirects (CheckRedirect asked %d times, target %d)", asked.Load(), target.asks.Load())
	}
}
