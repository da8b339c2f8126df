package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

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
	defer func() {
		if t.Failed() {
			t.Logf("reader log:\n%s", reader.logs.String())
		}
	}()
	// The waits below are bounded only by the test's own deadline (go test -timeout), ended a
	// little before it so that a reader that never resumes fails with its log.
	ctx, cancel := waitContext(t)
	defer cancel()
	readerCaughtUp(ctx, t, s, reader, "the writer's first event")
	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
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
	readerCaughtUp(ctx, t, s, reader, "every event after its consumer was deleted")
	converge(t, s, []*testServer{reader}, tok, append(customerPaths("7000", "7129"), "/ledger/customer/v1/1000/events?limit=1000"))
}

// readerCaughtUp waits until the reader's read models have applied the writer's last event
// (ctx ends the wait: a failure).
func readerCaughtUp(ctx context.Context, t *testing.T, writer, reader *testServer, what string) {
	t.Helper()
	head, err := writer.m.store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := reader.m.runner.WaitFor(ctx, head); err != nil {
		t.Fatalf("the reader did not apply %s (position %d): %v (it has applied %d)", what, head, err, reader.m.runner.Position())
	}
}
