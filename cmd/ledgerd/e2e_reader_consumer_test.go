package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2EReaderConsumerDeleted: the reader's durable consumer deleted under it (an operator's
// `nats consumer rm`, the server's inactivity removal): the reader creates it again from its
// read models' checkpoint and goes on, applying every event once.
func TestE2EReaderConsumerDeleted(t *testing.T) {
	s := startServer(t)
	tok := s.token
	expectStatus(t, s.createCustomer(t, tok, newCustomer("7000", "First")), http.StatusCreated)
	reader, dir := startReaderOf(t, s)
	waitFor(t, "the reader to hold 7000", func() bool {
		return reader.do(t, http.MethodGet, customersPath(demoLedger, "7000"), tok, nil).Status == http.StatusOK
	})
	idb, err := os.ReadFile(filepath.Join(dir, "reader.id"))
	if err != nil {
		t.Fatal(err)
	}
	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := strings.TrimSpace(string(idb)) + "_projections"
	for i := range 3 {
		waitFor(t, "the reader's consumer to exist", func() bool {
			_, err := js.Consumer(ctx, "LEDGER", name)
			return err == nil
		})
		if err := js.DeleteConsumer(ctx, "LEDGER", name); err != nil {
			t.Fatalf("deleting the consumer: %v", err)
		}
		for j := range 10 {
			expectStatus(t, s.createCustomer(t, tok, newCustomer(fmt.Sprint(7100+10*i+j), "Later")), http.StatusCreated)
		}
		expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "7000"), tok, fmt.Sprintf(`{"emailAddress":"v%d@example.org"}`, i)), http.StatusOK)
	}
	converge(t, s, []*testServer{reader}, tok, append(customerPaths("7000", "7129"), "/ledger/customer/v1/1000/events?limit=1000"))
}
