package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// TestE2EEventsOnNATS: a plain nats.go subscriber on the embedded server sees every change of a
// run, in order, as CloudEvents with the event data as payload; a restart publishes nothing twice.
func TestE2EEventsOnNATS(t *testing.T) {
	s := startServer(t)
	nc, msgs := subscribeEventsConn(t, s)

	v := defaultVars(s.token, "consumer")
	expectStatus(t, s.sendDocRequest(t, "create-customer-with-billing-address.http", v), http.StatusCreated)
	expectStatus(t, s.sendDocRequest(t, "patch-email-delete-msisdn.http", v), http.StatusOK)

	want := []string{"CustomerCreated", "BillingAddressAdded", "CustomerDetailsChanged"}
	wait, cancelWait := waitContext(t)
	defer cancelWait()
	for i, typ := range want {
		select {
		case m := <-msgs:
			if got := "ledger.customer.v1.1000." + v.CustomerNo + "." + typ; m.Subject != got {
				t.Fatalf("message %d subject %s, want %s", i, m.Subject, got)
			}
			if m.Header.Get("ce-specversion") != "1.0" || m.Header.Get("ce-type") != "ledger.customer.v1."+typ ||
				m.Header.Get("ce-id") == "" || m.Header.Get("Nats-Msg-Id") != m.Header.Get("ce-id") ||
				m.Header.Get("ce-ledgerposition") != itoa(i+1) || m.Header.Get("ce-streamversion") != itoa(i+1) {
				t.Fatalf("message %d headers: %v", i, m.Header)
			}
			if !json.Valid(m.Data) {
				t.Fatalf("message %d payload is not JSON", i)
			}
		case <-wait.Done():
			t.Fatalf("only %d of %d events arrived on NATS by the test's deadline", i, len(want))
		}
	}
	// No extra message (an event published twice). Its absence cannot be awaited; the stop is an
	// event ordered after it: the relay stops before the embedded server, which delivers what was
	// published before it closes the subscriber's connection, and the client hands each message
	// it read to msgs before it notices the close.
	s.stop(t)
	await(t, "the subscriber to see its server's stop", func() (nats.Status, bool) {
		st := nc.Status()
		return st, st != nats.CONNECTED
	})
	select {
	case m := <-msgs:
		t.Fatalf("unexpected extra message %s (%s)", m.Subject, m.Header.Get("ce-ledgerposition"))
	default:
	}

	// After a restart the relay resumes from the stream's last sequence: the next change is
	// message 4, and the stream holds each event exactly once.
	s.start(t)
	expectStatus(t, s.do(t, http.MethodPatch, "/ledger/customer/v1/1000/customers/"+v.CustomerNo, s.token, `{"emailAddress":"kalle@example.com"}`), http.StatusOK)
	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
	ctx, cancel := waitContext(t)
	defer cancel()
	stream := waitStream(ctx, t, js, "LEDGER")
	for {
		info, err := stream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.LastSeq >= 4 {
			if info.State.Msgs != 4 || info.State.LastSeq != 4 {
				t.Fatalf("stream holds %d messages up to sequence %d, want 4 and 4", info.State.Msgs, info.State.LastSeq)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the change after the restart was not published by the test's deadline (last sequence %d)", info.State.LastSeq)
		case <-time.After(pollInterval):
		}
	}
	last, err := stream.GetMsg(ctx, 4)
	if err != nil || last.Subject != "ledger.customer.v1.1000."+v.CustomerNo+".CustomerDetailsChanged" {
		t.Fatalf("message 4 = %v, %v", last, err)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// TestE2EMetrics: /metrics shows the relay's progress and lag, each projection's position, and
// the log's appends and commits.
func TestE2EMetrics(t *testing.T) {
	s := startServer(t)
	expectStatus(t, s.createCustomer(t, s.token, newCustomer("4000", "Metric Person")), http.StatusCreated)
	await(t, "/metrics to show the create published, projected and committed", func() (string, bool) {
		r := s.do(t, http.MethodGet, "/metrics", "", nil)
		body := string(r.Body)
		return fmt.Sprintf("%d\n%s", r.Status, body), r.Status == http.StatusOK && strings.Contains(body, "ledgerd_relay_published_position 1\n") &&
			strings.Contains(body, "ledgerd_relay_lag_positions 0\n") && strings.Contains(body, `ledgerd_projection_position{projection="customers"} 1`) &&
			strings.Contains(body, `ledgerd_projection_lag_positions{projection="customers"} 0`) && strings.Contains(body, "ledgerd_log_head_position 1\n") &&
			strings.Contains(body, "ledgerd_relay_connected 1\n") && strings.Contains(body, "ledgerd_log_appends_total 1\n") &&
			strings.Contains(body, "ledgerd_log_commits_total 1\n")
	})
}

// subscribeEvents subscribes a plain nats.go client to every customer event of s's embedded
// server, from now on; the subscription ends with the test.
func subscribeEvents(t *testing.T, s *testServer) <-chan *nats.Msg {
	t.Helper()
	_, msgs := subscribeEventsConn(t, s)
	return msgs
}

// subscribeEventsConn is subscribeEvents, returning the client's connection too.
func subscribeEventsConn(t *testing.T, s *testServer) (*nats.Conn, <-chan *nats.Msg) {
	t.Helper()
	nc, err := nats.Connect(s.m.NATSURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	msgs := make(chan *nats.Msg, 256)
	if _, err := nc.ChanSubscribe("ledger.customer.v1.>", msgs); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return nc, msgs
}
