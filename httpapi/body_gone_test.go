package httpapi_test

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/nordledger/ledger/httpapi"
)

// outcomeObserver hands what the server's Observer is told (ledgerd's metrics) to a channel.
type outcomeObserver chan httpapi.RequestObservation

func (o outcomeObserver) ObserveRequest(obs httpapi.RequestObservation) { o <- obs }

// rawRequest sends head (the request line and headers, without the blank line) and body over a
// new TCP connection to srv. With hangUp it then closes the connection without reading; else it
// returns the status line of the answer.
func rawRequest(t *testing.T, addr, head, body string, hangUp bool) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "%s\r\n\r\n%s", strings.ReplaceAll(strings.TrimSpace(head), "\n", "\r\n"), body); err != nil {
		t.Fatal(err)
	}
	if hangUp {
		return ""
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return strings.TrimSpace(line)
}

// TestBodyCutShortByAGoneClient: a client that sends a request's headers and half of its body
// (Content-Length says more) and then closes its connection went away; nobody receives an answer
// and nothing is wrong with the request the service saw. It is recorded as every request whose
// client went away — 499 at level INFO, and a command's outcome is not "validation" — where it
// was answered 400 "the request body could not be read" and counted as a validation failure: an
// alert on validation failures (a client sending bad requests) fired for dropped connections.
// A body that is malformed (chunked framing that is not) is still 400 validation.
func TestBodyCutShortByAGoneClient(t *testing.T) {
	log, observed := requestLog{make(chan string, 16)}, make(outcomeObserver, 16)
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.Logger, cfg.Observer = slog.New(log), observed
	})
	addr := h.srv.Listener.Addr().String()
	const half = `{"customerNo":"9200","legalEntity":"consumer","nationalIdentifier":{"regNo":"1912`
	for _, tt := range []struct{ path, route string }{
		{"/ledger/customer/v1/1000/customers", "/ledger/customer/v1/{ledgerNo}/customers"},                                       // a write
		{"/ledger/customer/v1/1000/find-customer", "/ledger/customer/v1/{ledgerNo}/find-customer"},                               // a read with a body
		{"/client/v1/1000/products/9000/customerDetails", "/client/v1/{merchantId}/products/{paymentProductId}/customerDetails"}, // Connect
	} {
		rawRequest(t, addr, fmt.Sprintf(`POST %s HTTP/1.1
Host: ledger
Authorization: Bearer %s
Content-Type: application/json
Content-Length: %d`, tt.path, h.token, 2*len(half)), half, true)
		if got, want := <-log.lines, "INFO "+tt.route+" 499"; got != want {
			t.Errorf("POST %s, its client gone mid-body, was logged %q, want %q", tt.path, got, want)
		}
		o := <-observed
		if o.Status != 499 || o.Outcome == "validation" {
			t.Errorf("POST %s, its client gone mid-body, was counted (metrics) as status %d, outcome %q; want 499, not validation", tt.path, o.Status, o.Outcome)
		}
	}

	// Still the client's fault, answered: malformed chunked framing. (A body over the limit stays
	// 413: TestDeclaredTooLargeBodyRefusedUnread; it is not sent here, where the server would close
	// the connection on the unread rest and the client could read a reset instead of the answer.)
	head := `POST /ledger/customer/v1/1000/customers HTTP/1.1
Host: ledger
Authorization: Bearer ` + h.token + `
Content-Type: application/json
Transfer-Encoding: chunked`
	if got := rawRequest(t, addr, head, "zz\r\n{}\r\n0\r\n\r\n", false); !strings.HasPrefix(got, "HTTP/1.1 400 ") {
		t.Errorf("malformed chunked body: %q, want 400", got)
	}
	if got := <-log.lines; got != "INFO /ledger/customer/v1/{ledgerNo}/customers 400" {
		t.Errorf("malformed chunked body was logged %q", got)
	}
	if o := <-observed; o.Status != 400 || o.Outcome != "validation" {
		t.Errorf("malformed chunked body was counted as status %d, outcome %q; want 400 validation", o.Status, o.Outcome)
	}
}
