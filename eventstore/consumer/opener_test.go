package consumer_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore/consumer"
)

// logged returns the events of the log as a consumer decodes them from NATS, from position from.
func (l *ledger) logged(t *testing.T, from uint64) []*consumer.Event {
	t.Helper()
	es, err := l.log.ReadAll(context.Background(), from, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*consumer.Event, len(es))
	for i, e := range es {
		h, payload := natsHeader(t, e)
		if out[i], err = consumer.Decode(h, payload); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func states(es []*consumer.Event) []consumer.Personal {
	out := make([]consumer.Personal, len(es))
	for i, e := range es {
		out[i] = e.Personal
	}
	return out
}

// TestOpenerKeepsForMaxAge: an answer is kept for the ledger's maxAge and no longer: after a
// forget the kept answers still open the customer's events until maxAge has passed on the
// Opener's clock, then they are erased; Forget drops them at once. A revoked consumer gets the
// events written after the revocation withheld.
func TestOpenerKeepsForMaxAge(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	l.add(t, "1002", customer("1002", "Bertil Berg")...)
	l.grant.Grant("1000", "crm", "", "", l.now)
	clock := l.now
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: l.url, Token: consumer.StaticToken("crm"), Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open := func(from uint64) []*consumer.Event {
		t.Helper()
		es := l.logged(t, from)
		if err := o.Open(ctx, es...); err != nil {
			t.Fatal(err)
		}
		return es
	}
	es := open(1)
	for _, e := range es {
		if e.Personal != consumer.PersonalOpened {
			t.Fatalf("before the forget: %v", states(es))
		}
	}
	if err := l.keys.Destroy(ctx, "1000/customers/1001"); err != nil { // the customer is forgotten
		t.Fatal(err)
	}
	clock = clock.Add(59 * time.Second)
	if es := open(1); es[0].Personal != consumer.PersonalOpened {
		t.Errorf("within maxAge the kept answer opens the event: %v", states(es))
	}
	clock = clock.Add(time.Second) // maxAge (1m) has passed
	es = open(1)
	if es[0].Personal != consumer.PersonalErased || es[1].Personal != consumer.PersonalErased || es[2].Personal != consumer.PersonalOpened {
		t.Errorf("after maxAge: %v, want erased, erased, opened", states(es))
	}
	if created, _ := es[0].Domain.(domain.CustomerCreated); created.CustomerNo != "1001" || created.Name != "" {
		t.Errorf("erased: %+v", es[0].Domain)
	}

	o.Forget("1000/customers/1002") // kept answers of a stream go at once
	if err := l.keys.Destroy(ctx, "1000/customers/1002"); err != nil {
		t.Fatal(err)
	}
	if es := open(3); es[0].Personal != consumer.PersonalErased {
		t.Errorf("after Forget: %v", states(es))
	}

	if _, err := l.grant.Revoke("1000", "crm", "", l.now); err != nil {
		t.Fatal(err)
	}
	p := l.add(t, "1003", customer("1003", "Cecilia Carlsson")...)
	if es := open(p); es[0].Personal != consumer.PersonalWithheld || !errors.Is(es[0].Withheld, consumer.ErrNotGranted) {
		t.Errorf("written after the revocation: %s %v", es[0].Personal, es[0].Withheld)
	}
}

// TestOpenerErrors: the ledger's answers map to errors a consumer can act on, and an event the
// ledger cannot answer for stays sealed.
func TestOpenerErrors(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	for _, tc := range []struct {
		status int
		body   string
		want   error
	}{
		{http.StatusUnauthorized, `{"type":"ledger/customer/v1/problems/unauthorized"}`, consumer.ErrUnauthorized},
		{http.StatusServiceUnavailable, `{"type":"ledger/customer/v1/problems/unavailable"}`, consumer.ErrUnavailable},
		{http.StatusOK, `{"items":[{"position":1,"status":"not-found"}],"maxAge":60}`, consumer.ErrMismatch},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			w.Write([]byte(tc.body))
		}))
		o, _ := consumer.NewOpener(consumer.OpenerConfig{URL: srv.URL, Token: consumer.StaticToken("crm")})
		es := l.logged(t, 1)[:1]
		if err := o.Open(context.Background(), es...); !errors.Is(err, tc.want) || es[0].Personal != consumer.PersonalSealed {
			t.Errorf("%d %s: %v (%s), want %v", tc.status, tc.body, err, es[0].Personal, tc.want)
		}
		srv.Close()
	}
	if _, err := consumer.NewOpener(consumer.OpenerConfig{URL: "ftp://x"}); err == nil {
		t.Error("NewOpener accepts a bad URL and no token")
	}
}

// TestNewOpenerRefusesURLWithCredentialsOrQuery: URL is the writer's base URL, the request's
// path put after it. One with a query or a fragment would put the path inside them
// (https://ledger.example?x/ledger/customer/v1/…), so every request would go to the wrong
// resource; one with a user and password would have them in every error Open returns, and in
// the logs (the Opener sends the bearer token, never them). NewOpener refuses them.
func TestNewOpenerRefusesURLWithCredentialsOrQuery(t *testing.T) {
	for _, u := range []string{"https://crm:s3cret@ledger.example", "https://crm@ledger.example", "https://ledger.example?tenant=x", "https://ledger.example/#v1", "https://ledger.example?"} {
		_, err := consumer.NewOpener(consumer.OpenerConfig{URL: u, Token: consumer.StaticToken("crm")})
		if err == nil {
			t.Errorf("URL %q accepted", u)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("URL %q: the error shows the password: %v", u, err)
		}
	}
	if _, err := consumer.NewOpener(consumer.OpenerConfig{URL: "https://ledger.example/base/", Token: consumer.StaticToken("crm")}); err != nil {
		t.Errorf("a base URL with a path: %v", err)
	}
}
