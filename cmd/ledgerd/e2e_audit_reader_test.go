package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

// TestE2EAuditOnReader: a reader replica has no event log; it answers the audit routes and time
// travel from its own audit index, byte for byte as the writer does.
func TestE2EAuditOnReader(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	writer := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	no := "8100"
	self := customersPath(demoLedger, no)
	writer.createCustomer(t, writer.token, newCustomer(no, "Reader Audit"))
	for _, body := range []string{`{"emailAddress": "r@example.se"}`, `{"msisdn": "+46701234567"}`, `{"emailAddress": null}`} {
		expectStatus(t, writer.do(t, http.MethodPatch, self, writer.token, body), http.StatusOK)
	}

	m := NewMain()
	if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-nats-url", ns.ClientURL(),
		"-key-file", filepath.Join(writer.dir, "reservation.key"), "-master-key-file", filepath.Join(writer.dir, "master.key"), "-jwt-secret", string(writer.secret(t))}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Stdout, m.LogOutput = io.Discard, io.Discard
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	reader := &testServer{base: "http://" + m.Addr(), client: writer.client}
	waitReady(t, reader.client, reader.base)

	tok := writer.mint(t, "auditor", []string{demoLedger}, auth.ScopeCustomerRead, auth.ScopeAuditRead)
	for _, target := range []string{
		"/ledger/customer/v1/1000/events", "/ledger/customer/v1/1000/events?type=CustomerDetailsChanged&limit=2",
		self + "/events", self + "/events?fromVersion=2&limit=1",
		self + "?asOfVersion=1", self + "?asOfVersion=3", self + "/legal-address?asOfVersion=2", self + "?asOfVersion=9",
	} {
		// The reader may still be behind the relay: it catches up.
		await(t, "the reader to answer GET "+target+" as the writer does", func() (string, bool) {
			w, r := writer.do(t, http.MethodGet, target, tok, nil), reader.do(t, http.MethodGet, target, tok, nil)
			return fmt.Sprintf("writer %s\nreader %s", w, r), w.Status == r.Status && bytes.Equal(w.Body, r.Body)
		})
	}
}
