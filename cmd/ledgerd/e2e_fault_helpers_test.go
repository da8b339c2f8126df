package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi/auth"
)

// mintWith returns a token signed with secret for every ledger and scope, valid for an hour.
func mintWith(t testing.TB, secret, sub string) string {
	t.Helper()
	tok, err := auth.MintHS256([]byte(secret), auth.Claims{Subject: sub, Ledgers: []string{"*"}, Scopes: auth.AllScopes, TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// stopBinary stops a run of the binary with SIGTERM and expects exit status 0.
func stopBinary(t *testing.T, b *binaryRun) {
	t.Helper()
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Wait(); err != nil {
		t.Errorf("ledgerd after SIGTERM: %v; stderr:\n%s", err, b.stderr.String())
	}
}

// personalDataInAny returns the values (and the tests' usual personal values) found in logs.
func personalDataInAny(logs string, values []string) []string {
	out := personalDataIn(logs)
	for _, v := range values {
		if strings.Contains(logs, v) {
			out = append(out, v)
		}
	}
	return out
}

// doAllowing5xx sends a request like testServer.do but lets a 5xx through (a fault test expects
// 503s); a 4xx or 5xx answer must still be a well-formed problem.
func (s *testServer) doAllowing5xx(t testing.TB, method, target, token string, body any, headers ...string) *response {
	t.Helper()
	var data []byte
	switch b := body.(type) {
	case nil:
	case string:
		data = []byte(b)
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, s.base+target, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	r := &response{Method: method, Path: req.URL.Path, Status: resp.StatusCode, Header: resp.Header, Body: got}
	if r.Status >= 400 {
		checkProblemShape(t, r)
	}
	return r
}
