package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestDeclaredTooLargeBodyRefusedUnread: a request whose Content-Length exceeds the body limit is
// answered 413 at once — a problem, or Connect's error on the Connect route — without asking a
// client that sent Expect: 100-continue for the body (no "100 Continue" first). Such a client
// never writes into a connection the server is about to close.
func TestDeclaredTooLargeBodyRefusedUnread(t *testing.T) {
	h := newHarness(t)
	for path, want := range map[string]string{
		"/ledger/customer/v1/1000/customers":                      `"type":"ledger/customer/v1/problems/payload-too-large"`,
		"/client/v1/1000/products/9000/customerDetails":           `"id":"REQUEST_TOO_LARGE"`,
		"/ledger/customer/v1/1000/customers/9999/billing-address": `"type":"ledger/customer/v1/problems/payload-too-large"`,
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
			path, h.token, 2<<20)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), want) {
			t.Errorf("POST %s with a 2 MiB Content-Length and Expect: 100-continue: %d %s, want 413 with %s", path, resp.StatusCode, body, want)
		}
	}
}
