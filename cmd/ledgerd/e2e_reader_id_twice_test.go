package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// startReaderNamed runs a reader of writer s on dir with the explicit -reader-id id, and returns
// it with Run's error.
func startReaderNamed(t *testing.T, s *testServer, dir, id string) (*Main, *syncBuffer, error) {
	t.Helper()
	m := NewMain()
	if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", dir, "-nats-url", s.m.NATSURL(),
		"-reader-id", id, "-key-file", filepath.Join(s.dir, "reservation.key"), "-master-key-file", filepath.Join(s.dir, "master.key"),
		"-jwt-secret", string(s.secret(t)), "-config", s.configFile}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m.Stdout, m.LogOutput = io.Discard, logs
	err := m.Run(context.Background())
	if err != nil {
		m.Close()
	} else {
		t.Cleanup(func() { m.Close() })
	}
	return m, logs, err
}

// TestE2EReaderIDTwice: a second reader started with the -reader-id of a running one (on
// another data directory) is refused at start, naming the id; the first goes on serving
// everything. The two shared one durable consumer, each got part of the events, and their
// read models differed without a word. The first reader, stopped, frees the id at once: a
// reader started on its data directory again, or on another, takes it.
func TestE2EReaderIDTwice(t *testing.T) {
	s := startServer(t)
	tok := s.token
	expectStatus(t, s.createCustomer(t, tok, newCustomer("7000", "First")), http.StatusCreated)
	dirA := t.TempDir()
	a, logsA, err := startReaderNamed(t, s, dirA, "replica-1")
	if err != nil {
		t.Fatal(err)
	}
	ra := &testServer{m: a, running: true, base: "http://" + a.Addr(), client: s.client, logs: logsA}
	waitReady(t, ra.client, ra.base)

	_, logsB, err := startReaderNamed(t, s, t.TempDir(), "replica-1")
	if err == nil || !strings.Contains(err.Error(), `reader id "replica-1" is in use by another reader`) {
		t.Fatalf("the second reader with id replica-1: %v, want it refused\n%s", err, logsB.String())
	}
	// The first holds every event, the one before and those after the refusal.
	expectStatus(t, s.createCustomer(t, tok, newCustomer("7001", "Second")), http.StatusCreated)
	converge(t, s, []*testServer{ra}, tok, append(customerPaths("7000", "7001"), "/ledger/customer/v1/1000/events?limit=1000"))

	// Stopped, it frees the id: a restart on its own data directory takes it again, and once
	// that one stops, a reader on another directory takes it.
	a.Close()
	a2, _, err := startReaderNamed(t, s, dirA, "replica-1")
	if err != nil {
		t.Fatalf("reader replica-1 restarted on its data directory: %v", err)
	}
	a2.Close()
	c, logsC, err := startReaderNamed(t, s, t.TempDir(), "replica-1")
	if err != nil {
		t.Fatalf("reader replica-1 on another directory after the first stopped: %v", err)
	}
	rc := &testServer{m: c, running: true, base: "http://" + c.Addr(), client: s.client, logs: logsC}
	waitReady(t, rc.client, rc.base)
	converge(t, s, []*testServer{rc}, tok, customerPaths("7000", "7001"))
}

// getReadyz asks base's /readyz with token ("" for none): its detail is for token holders.
func getReadyz(client *http.Client, base, token string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return client.Do(req)
}

// TestE2EReaderLosesItsIDClaim: a running reader whose claim on its id another reader took
// (its renewals had not reached NATS in time) stops reading and ledgerd stops (Fatal), saying
// so, rather than share the consumer.
func TestE2EReaderLosesItsIDClaim(t *testing.T) {
	s := startServer(t)
	a, logs, err := startReaderNamed(t, s, t.TempDir(), "replica-2")
	if err != nil {
		t.Fatal(err)
	}
	waitReady(t, s.client, "http://"+a.Addr())
	js, closeJS := jetStreamAt(t, s.m.NATSURL())
	defer closeJS()
	kv, err := js.KeyValue(t.Context(), "LEDGER_READERS")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(t.Context(), "replica-2", []byte(`{"dataDirId":"reader-0000000f","host":"elsewhere","dataDir":"/data"}`)); err != nil {
		t.Fatal(err)
	}
	err = <-a.Fatal() // at its next renewal
	if err == nil || !strings.Contains(err.Error(), `reader id "replica-2" is in use by another reader (host "elsewhere"`) {
		t.Fatalf("Fatal: %v\n%s", err, logs.String())
	}
	resp, err := getReadyz(s.client, "http://"+a.Addr(), s.token)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "is in use by another reader") {
		t.Errorf("/readyz after losing the claim: %d %s", resp.StatusCode, body)
	}
}
