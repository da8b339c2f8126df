package main

import (
	"context"
	"encoding/json"
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
	msgs := subscribeEvents(t, s)

	v := defaultVars(s.token, "consumer")
	expectStatus(t, s.sendDocRequest(t, "create-customer-with-billing-address.http", v), http.StatusCreated)
	expectStatus(t, s.sendDocRequest(t, "patch-email-delete-msisdn.http", v), http.StatusOK)

	want := []string{"CustomerCreated", "BillingAddressAdded", "CustomerDetailsChanged"}
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
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of %d events arrived on NATS", i, len(want))
		}
	}
	select {
	case m := <-msgs:
		t.Fatalf("unexpected extra message %s", m.Subject)
	case <-time.After(100 * time.Millisecond):
	}

	// After a restart the relay resumes from the stream's last sequence: the next change is
	// message 4, and the stream holds each event exactly once.
	s.restart(t)
	expectStatus(t, s.do(t, http.MethodPatch, "/ledger/customer/v1/1000/customers/"+v.CustomerNo, s.token, `{"emailAddress":"kalle@example.com"}`), http.StatusOK)
	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
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
			t.Fatalf("the change after the restart was not published (last sequence %d)", info.State.LastSeq)
		case <-time.After(20 * time.Millisecond):
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
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := s.do(t, http.MethodGet, "/metrics", "", nil)
		body := string(r.Body)
		if r.Status == http.StatusOK && strings.Contains(body, "ledgerd_relay_published_position 1\n") &&
			strings.Contains(body, "ledgerd_relay_lag_positions 0\n") && strings.Contains(body, `ledgerd_projection_position{projection="customers"} 1`) &&
			strings.Contains(body, `ledgerd_projection_lag_positions{projection="customers"} 0`) && strings.Contains(body, "ledgerd_log_head_position 1\n") &&
			strings.Contains(body, "ledgerd_relay_connected 1\n") && strings.Contains(body, "ledgerd_log_appends_total 1\n") &&
			strings.Contains(body, "ledgerd_log_commits_total 1\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics: %d\n%s", r.Status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// subscribeEvents subscribes a plain nats.go client to every customer event of s's embedded
// server, from now on; the subscription ends with the test.
func subscribeEvents(t *testing.T, s *testServer) <-chan *nats.Msg {
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
	return msgs
}
