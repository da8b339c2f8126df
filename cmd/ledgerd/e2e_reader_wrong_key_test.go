package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/internal/contracttest"
)

// TestE2EReaderStartedAgainWithAnotherKey: a reader that built its read models with the writer's
// national-identifier key, started again with another key file (a misconfiguration), reports
// not ready naming the cause — and must not answer find-customer with its read models and the
// wrong key meanwhile: that would be a confident 404 for a customer that exists. It answers 503.
func TestE2EReaderStartedAgainWithAnotherKey(t *testing.T) {
	s := startServer(t)
	tok := s.token
	const no = "7740"
	c := newCustomer(no, "Key Changed")
	c["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	expectStatus(t, s.createCustomer(t, tok, c), http.StatusCreated)
	find := map[string]any{"nationalIdentifier": map[string]any{"regNo": tolvan, "countryCode": "SE"}}
	reader, dir := startReaderOf(t, s)
	await(t, "the reader to find the customer", func() (*response, bool) {
		got := reader.do(t, http.MethodPost, "/ledger/customer/v1/1000/find-customer", tok, find)
		return got, got.Status == http.StatusOK
	})
	reader.m.Close()
	reader.running = false

	other := filepath.Join(t.TempDir(), "other.key")
	if err := os.WriteFile(other, []byte(strings.Repeat("ab", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", dir, "-nats-url", s.m.NATSURL(),
		"-key-file", other, "-master-key-file", filepath.Join(s.dir, "master.key"), "-jwt-secret", string(s.secret(t)), "-read-model-wait", "1s"},
		func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Stdout, m.LogOutput = io.Discard, io.Discard
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	client := &http.Client{Timeout: time.Minute}
	defer contracttest.Client(t, client)
	base := "http://" + m.Addr()
	await(t, "the reader to say its key differs", func() (string, bool) {
		resp, err := getReadyz(client, base, tok)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return fmt.Sprintf("%d %s", resp.StatusCode, body), resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), "key differs from the writer's")
	})
	req, _ := http.NewRequest(http.MethodPost, base+"/ledger/customer/v1/1000/find-customer", strings.NewReader(`{"nationalIdentifier":{"regNo":"`+tolvan+`","countryCode":"SE"}}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("find-customer on a reader with another key: %d %s, want 503", resp.StatusCode, body)
	}
}
