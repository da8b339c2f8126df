package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/httpapi/auth"
)

// verifyingSignal is the harness's real token verifier that tells the test when a request has
// reached it: its headers are read and its handler runs (the body is read after the token).
type verifyingSignal struct {
	httpapi.Verifier
	verifying chan struct{}
}

func (v verifyingSignal) VerifyContext(ctx context.Context, token string) (auth.Principal, error) {
	v.verifying <- struct{}{}
	return v.Verifier.VerifyContext(ctx, token)
}

// TestBodyCutByServerClose: a request whose body the server is still reading when the server
// itself closes the connection (http.Server.Close at shutdown: the body read fails with
// net.ErrClosed) was not ended by its client — nothing tells that the client went away. It is
// recorded as what happened: 503 unavailable, the service shutting down (WARN: an operator's
// stop is a state, not a fault), and a command's outcome is "unavailable"; before, it was
// recorded as a gone client (499 client-closed-request at INFO), which blamed the client for
// the service's own shutdown. The client gets no answer either way. The Connect look-up, which
// reads its body the same way, is recorded as 503 too.
func TestBodyCutByServerClose(t *testing.T) {
	log, observed := requestLog{make(chan string, 16)}, make(outcomeObserver, 16)
	verifying := make(chan struct{}, 1)
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.Logger, cfg.Observer = slog.New(log), observed
		cfg.Verifier = verifyingSignal{cfg.Verifier, verifying}
	})
	const half = `{"customerNo":"9200","legalEntity":"consumer","nationalIdentifier":{"regNo":"1912`
	for _, tt := range []struct{ path, route, command string }{
		{"/ledger/customer/v1/1000/customers", "/ledger/customer/v1/{ledgerNo}/customers", "createCustomer"},                         // a write
		{"/ledger/customer/v1/1000/find-customer", "/ledger/customer/v1/{ledgerNo}/find-customer", ""},                               // a read with a body
		{"/client/v1/1000/products/9000/customerDetails", "/client/v1/{merchantId}/products/{paymentProductId}/customerDetails", ""}, // Connect
	} {
		// A server of its own, closed while it reads the request's body.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h.api}
		served := make(chan error, 1)
		go func() { served <- srv.Serve(l) }()
		conn, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: ledger\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			tt.path, h.token, 2*len(half), half)
		<-verifying // the handler runs; its body is half sent, and the client keeps its connection open
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		if got, want := <-log.lines, "WARN "+tt.route+" 503"; got != want {
			t.Errorf("POST %s, its body cut by the server's own close, was logged %q, want %q", tt.path, got, want)
		}
		o := <-observed
		if o.Status != http.StatusServiceUnavailable || o.Command != tt.command || (tt.command != "" && o.Outcome != "unavailable") {
			t.Errorf("POST %s, its body cut by the server's own close, was counted (metrics) as status %d, command %q, outcome %q; want 503, %q, unavailable",
				tt.path, o.Status, o.Command, o.Outcome, tt.command)
		}
		conn.Close()
	}
}
