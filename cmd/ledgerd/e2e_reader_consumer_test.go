package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TestE2EReaderConsumerDeleted: the reader's durable consumer deleted under it (an operator's
// `nats consumer rm`, the server's inactivity removal): the reader creates it again from its
// read models' checkpoint and goes on, applying every event once.
func TestE2EReaderConsumerDeleted(t *testing.T) {
	s := startServer(t)
	tok := s.token
	expectStatus(t, s.createCustomer(t, tok, newCustomer("7000", "First")), http.StatusCreated)
	reader, _ := startReaderOf(t, s)
	waitFor(t, "the reader to hold 7000", func() bool {
		return reader.do(t, http.MethodGet, customersPath(demoLedger, "7000"), tok, nil).Status == http.StatusOK
	})
	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	defer func() {
		if t.Failed() {
			t.Logf("reader log:\n%s", reader.logs.String())
		}
	}()
	name := reader.m.reader.id + "_projections"
	for i := range 3 {
		// The reader may not have made it again yet after the last deletion: it notices a
		// consumer deleted under it from the server's 409 or, failing that, from the missing
		// heartbeats of its pull (up to ~30 s).
		if err := js.DeleteConsumer(ctx, "LEDGER", name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			t.Fatalf("deleting the consumer: %v", err)
		}
		for j := range 10 {
			expectStatus(t, s.createCustomer(t, tok, newCustomer(fmt.Sprint(7100+10*i+j), "Later")), http.StatusCreated)
		}
		expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "7000"), tok, fmt.Sprintf(`{"emailAddress":"v%d@example.org"}`, i)), http.StatusOK)
	}
	last := customersPath(demoLedger, "7129")
	for deadline := time.Now().Add(2 * time.Minute); reader.do(t, http.MethodGet, last, tok, nil).Status != http.StatusOK; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the reader did not resume after its consumer was deleted")
		}
	}
	converge(t, s, []*testServer{reader}, tok, append(customerPaths("7000", "7129"), "/ledger/customer/v1/1000/events?limit=1000"))
}
