package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/internal/admin"
)

// TestE2EGrantUnknownLedger: a grant for a ledger this ledgerd does not serve (an operator's
// typo, 10000 for 1000) is refused with a clear reason and records nothing — it would otherwise
// be reported as done while the consumer it was meant for stays without its grant.
func TestE2EGrantUnknownLedger(t *testing.T) {
	s := startServer(t)
	var refused admin.Error
	st := s.adminJSON(t, http.MethodPost, admin.ConsumersGrant, admin.GrantChange{LedgerNo: "10000", Consumer: "crm-sync", By: "ops"}, &refused)
	if st != http.StatusNotFound || refused.Error == "" {
		t.Fatalf("grant on an unknown ledger: %d %q, want 404 with the reason", st, refused.Error)
	}
	var list admin.Grants
	if st := s.admin(t, http.MethodGet, admin.Consumers, nil, &list); st != http.StatusOK || len(list.Grants) != 0 || len(list.History) != 0 {
		t.Fatalf("after the refused grant: %d %+v", st, list)
	}
	s.grant(t, "crm-sync", true) // the ledger it serves: granted
}

// adminJSON is admin, decoding the answer into out whatever its status (a refusal's reason).
func (s *testServer) adminJSON(t testing.TB, method, route string, body, out any) int {
	t.Helper()
	path := filepath.Join(s.dir, "admin.sock")
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", path)
	}}}
	defer client.CloseIdleConnections()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, "http://ledgerd"+route, bytes.NewReader(b))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("admin %s %s: %v", method, route, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("admin %s %s: %d, %v", method, route, resp.StatusCode, err)
	}
	return resp.StatusCode
}
