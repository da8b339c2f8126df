package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EConsentOnReader: a reader replica answers the consent GETs from its own read model,
// byte for byte as the writer; it answers starting a registration and deleting a consent with
// 421 read-only-replica; and it sends the sandbox page (GET and the form's POST) to the writer
// with a 307, which keeps the method and the form.
func TestE2EConsentOnReader(t *testing.T) {
	ns := startExternalNATS(t, t.TempDir(), -1)
	writer := startServer(t, withArgs("-nats-url", ns.ClientURL()))
	no := "7800"
	writer.createCustomer(t, writer.token, newCustomer(no, "Reader Consent"))
	u := writer.startRegistration(t, no, shopComplete, shopCancel, "nb-NO")
	expectRedirect(t, "verify", newSandboxBrowser(t).verify(u, docCardNumber, docCardExpiry, "123"), shopComplete)
	writer.startRegistration(t, "7800", shopComplete, shopCancel, "en-US") // a second, Initialized

	m := NewMain()
	if err := m.ParseFlags([]string{"-role", "reader", "-http-addr", "127.0.0.1:0", "-data-dir", t.TempDir(), "-nats-url", ns.ClientURL(),
		"-key-file", filepath.Join(writer.dir, "reservation.key"), "-master-key-file", filepath.Join(writer.dir, "master.key"),
		"-jwt-secret", string(writer.secret(t)), "-writer-url", writer.base},
		func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	m.Stdout, m.LogOutput = io.Discard, io.Discard
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	reader := &testServer{base: "http://" + m.Addr(), client: writer.client}
	waitReady(t, reader.client, reader.base)

	for _, target := range []string{
		customersPath(demoLedger, no), customersPath(demoLedger, no, "consent"), recurringCardPath(demoLedger, no), registrationPath(demoLedger, no),
	} {
		await(t, "the reader to answer GET "+target+" as the writer does, 200", func() (string, bool) {
			w, r := writer.do(t, http.MethodGet, target, writer.token, nil), reader.do(t, http.MethodGet, target, writer.token, nil)
			return fmt.Sprintf("writer %s\nreader %s", w, r), w.Status == http.StatusOK && w.Status == r.Status && bytes.Equal(w.Body, r.Body)
		})
	}
	body := map[string]any{"completeUrl": shopComplete, "cancelUrl": shopCancel, "language": "en-US"}
	for _, r := range []*response{
		reader.do(t, http.MethodPost, registrationPath(demoLedger, no), writer.token, body),
		reader.do(t, http.MethodDelete, recurringCardPath(demoLedger, no), writer.token, nil),
	} {
		assertProblem(t, r, http.StatusMisdirectedRequest, "read-only-replica")
		if !strings.Contains(string(r.Body), `"writer":"`+writer.base+`"`) {
			t.Errorf("%s: the problem does not name the writer", r)
		}
	}

	// The sandbox page belongs to the writer.
	path := strings.TrimPrefix(u, writer.base)
	b := newSandboxBrowser(t)
	for _, r := range []pageResponse{b.open(reader.base + path), b.post(reader.base+path, url.Values{"action": {"cancel"}})} {
		if r.Status != http.StatusTemporaryRedirect || r.Location != writer.base+path {
			t.Errorf("the page on the reader: %d Location %q, want 307 to %s", r.Status, r.Location, writer.base+path)
		}
	}
}
