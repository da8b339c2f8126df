package main

import (
	"context"
	"encoding/json"
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

// TestE2EReaderStartedAgainWithoutTheMasterKey: a reader that built its read models, started
// again with a master key file that lacks the key wrapping the customers' data keys (a rotation
// whose new key was not given to it, a wrong file), reports not ready naming the cause; its reads
// of those customers answer 503 unavailable with Retry-After — never a 500, never a body.
func TestE2EReaderStartedAgainWithoutTheMasterKey(t *testing.T) {
	s := startServer(t)
	tok := s.token
	const no = "7750"
	expectStatus(t, s.createCustomer(t, tok, newCustomer(no, "Master Less")), http.StatusCreated)
	reader, dir := startReaderOf(t, s)
	await(t, "the reader to hold the customer", func() (*response, bool) {
		got := reader.do(t, http.MethodGet, customersPath(demoLedger, no), tok, nil)
		return got, got.Status == http.StatusOK
	})
	reader.m.Close()
	reader.running = false

	other := filepath.Join(t.TempDir(), "other-master.key")
	if err := os.WriteFile(other, []byte(strings.Repeat("cd", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := NewMain()
	if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", dir, "-nats-url", s.m.NATSURL(),
		"-key-file", filepath.Join(s.dir, "reservation.key"), "-master-key-file", other, "-jwt-secret", string(s.secret(t)), "-read-model-wait", "1s"},
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
	await(t, "the reader to say it lacks the master key", func() (string, bool) {
		resp, err := getReadyz(client, base, tok)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return fmt.Sprintf("%d %s", resp.StatusCode, body), resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), "which this reader's master keys lack")
	})
	for _, p := range []string{customersPath(demoLedger, no), customersPath(demoLedger, no, "legal-address"), customersPath(demoLedger, no, "events"),
		customersPath(demoLedger, no) + "?asOfVersion=1"} {
		req, _ := http.NewRequest(http.MethodGet, base+p, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var pr problem
		json.Unmarshal(body, &pr)
		if resp.StatusCode != http.StatusServiceUnavailable || pr.Type != "ledger/customer/v1/problems/unavailable" || resp.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s on a reader without the master key: %d Retry-After %q %s, want 503 unavailable", p, resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
	}
}
