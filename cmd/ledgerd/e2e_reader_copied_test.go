package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestE2EReaderFromACopiedDataDirectory: a second reader started on a copy of a reader's data
// directory (to skip the first build) runs next to the first without sharing its durable
// consumer: both catch up with the writer. With the id copied along, the two split the stream
// between them and neither caught up (each met gaps and started again, for ever).
func TestE2EReaderFromACopiedDataDirectory(t *testing.T) {
	s := startServer(t)
	tok := s.token
	expectStatus(t, s.createCustomer(t, tok, newCustomer("7000", "First")), http.StatusCreated)
	a, dirA := startReaderOf(t, s)
	await(t, "the reader to hold the customer", func() (*response, bool) {
		got := a.do(t, http.MethodGet, customersPath(demoLedger, "7000"), tok, nil)
		return got, got.Status == http.StatusOK
	})
	a.m.Close()
	a.running = false
	dirB := t.TempDir()
	for _, f := range []string{"projections.db", "reader.id"} {
		data, err := os.ReadFile(filepath.Join(dirA, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dirB, f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a = startReaderIn(t, s, dirA)
	b := startReaderIn(t, s, dirB)
	var nos []string
	for i := range 50 {
		no := fmt.Sprint(7100 + i)
		expectStatus(t, s.createCustomer(t, tok, newCustomer(no, "Later")), http.StatusCreated)
		nos = append(nos, no)
	}
	converge(t, s, []*testServer{a, b}, tok, append(customerPaths(nos...), "/ledger/customer/v1/1000/events?limit=1000"))
}
