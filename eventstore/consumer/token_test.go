package consumer_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/eventstore/consumer"
)

// TestConsumerRidesOutTokenOutage: a token source that fails for a while (its identity provider
// briefly down) has Run wait, backing off, and then hand every event over opened — nothing
// skipped, nothing handed over sealed or withheld; a token source that says its credentials
// are refused (an error matching ErrUnauthorized) stops Run with that error, which no retry
// mends.
func TestConsumerRidesOutTokenOutage(t *testing.T) {
	l := newLedger(t)
	l.add(t, "1001", customer("1001", "Anna Andersson")...)
	if _, err := l.grant.Grant("1000", "crm", "operator", "", l.now); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	o, err := consumer.NewOpener(consumer.OpenerConfig{URL: l.url, Token: func(context.Context) (string, error) {
		if calls.Add(1) <= 3 {
			return "", errors.New("idp: 503 service unavailable")
		}
		return "crm", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{stopAt: 2}
	if err := run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm", Opener: o}, r); err != nil {
		t.Fatalf("Run stopped on a token source that fails for a while: %v", err)
	}
	if got := r.positions(); !slices.Equal(got, seq(1, 2)) {
		t.Fatalf("positions %v, want 1..2", got)
	}
	for _, e := range r.events {
		if e.Personal != consumer.PersonalOpened {
			t.Errorf("event %d: %s (%v), want opened", e.Position, e.Personal, e.Withheld)
		}
	}
	if n := calls.Load(); n < 4 {
		t.Errorf("the token source was asked %d times, want the 3 failures and a success", n)
	}

	refused, err := consumer.NewOpener(consumer.OpenerConfig{URL: l.url, Token: func(context.Context) (string, error) {
		return "", fmt.Errorf("idp: invalid_client: %w", consumer.ErrUnauthorized)
	}})
	if err != nil {
		t.Fatal(err)
	}
	r = &recorder{}
	err = run(t, consumer.Config{JetStream: l.js, LedgerNo: "1000", Durable: "crm-refused", Opener: refused}, r)
	if !errors.Is(err, consumer.ErrUnauthorized) || errors.Is(err, consumer.ErrUnavailable) {
		t.Errorf("Run with refused credentials: %v, want ErrUnauthorized", err)
	}
	if len(r.events) != 0 {
		t.Errorf("handed over %v without their personal data", r.positions())
	}
}
