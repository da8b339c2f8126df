package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestE2EReadyzTextOnlyWithAToken: a writer's and a reader's /readyz answer a caller without a
// token the status, the positions and the relay's lag, but neither the relay's lastError (the
// text of a NATS or store error: an internal address, a file path) nor the reader's id; a caller
// with a valid token gets them.
func TestE2EReadyzTextOnlyWithAToken(t *testing.T) {
	s := startServer(t)
	reader, _ := startReaderOf(t, s)
	read := func(base, token string) map[string]any {
		t.Helper()
		resp, err := getReadyz(s.client, base, token)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("/readyz: %d %v", resp.StatusCode, err)
		}
		return body
	}
	anon, full := read(s.base, ""), read(s.base, s.token)
	relayAnon, _ := anon["relay"].(map[string]any)
	relayFull, _ := full["relay"].(map[string]any)
	if _, ok := relayAnon["lastError"]; ok || relayAnon["head"] == nil || anon["status"] != "ready" {
		t.Errorf("writer /readyz without a token: %v, want the status and positions without lastError", anon)
	}
	if _, ok := relayFull["lastError"]; !ok {
		t.Errorf("writer /readyz with a token: %v, want lastError", full)
	}
	anon, full = read(reader.base, ""), read(reader.base, s.token)
	if anon["readerId"] != nil || anon["streamLastSequence"] == nil {
		t.Errorf("reader /readyz without a token: %v", anon)
	}
	if full["readerId"] != reader.m.reader.id {
		t.Errorf("reader /readyz with a token: %v", full)
	}
}
