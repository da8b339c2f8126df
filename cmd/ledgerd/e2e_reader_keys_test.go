package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/nordledger/ledger/internal/contracttest"
)

// TestE2EReaderWithoutTheKeyBusAnswers: a reader replica started again while NATS is down
// serves what its read models hold (docs/operations.md) — but the customers' states are sealed,
// and their data keys come from the key bus, which it cannot read. A GET of such a customer must
// be answered, 503 with Retry-After (the key may come), within the read-model wait: not held
// until the client gives up (the server's write timeout cuts the connection and the client gets
// no answer at all), and never a 500 or a partial body.
func TestE2EReaderWithoutTheKeyBusAnswers(t *testing.T) {
	natsDir := t.TempDir()
	ns := startExternalNATS(t, natsDir, -1)
	writer := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	const no = "7730"
	expectStatus(t, writer.createCustomer(t, writer.token, newCustomer(no, "Keyless Reader")), http.StatusCreated)

	dir := t.TempDir()
	start := func() *Main {
		m := NewMain()
		if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", dir, "-nats-url", ns.ClientURL(),
			"-key-file", filepath.Join(writer.dir, "reservation.key"), "-master-key-file", filepath.Join(writer.dir, "master.key"),
			"-jwt-secret", string(writer.secret(t)), "-read-model-wait", "2s"}, func(string) string { return "" }); err != nil {
			t.Fatal(err)
		}
		m.Stdout, m.LogOutput = io.Discard, io.Discard
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := start()
	reader := &testServer{base: "http://" + m.Addr(), client: writer.client}
	await(t, "the reader to hold the customer", func() (*response, bool) {
		got := reader.do(t, http.MethodGet, customersPath(demoLedger, no), writer.token, nil)
		return got, got.Status == http.StatusOK
	})
	m.Close()

	ns.Shutdown()
	ns.WaitForShutdown()

	m = start()
	defer m.Close()
	// A client that waits as long as it takes: the answer must come from the server.
	req, err := http.NewRequest(http.MethodGet, "http://"+m.Addr()+customersPath(demoLedger, no), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+writer.token)
	client := &http.Client{Timeout: 5 * time.Minute}
	defer contracttest.Client(t, client)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET the customer on the reader without its key bus: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var p problem
	json.Unmarshal(body, &p)
	if resp.StatusCode != http.StatusServiceUnavailable || p.Type != "ledger/customer/v1/problems/unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("GET the customer on the reader without its key bus: %d Retry-After %q %s, want 503 unavailable with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}
