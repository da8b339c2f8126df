package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi"
)

// clientGone is the context net/http gave the request being served: the server cancels it when
// it reads the end of the client's side of the connection (a half-close after the request).
type clientGone struct {
	ctx atomic.Pointer[context.Context]
}

// wrap serves h, remembering each request's context as the server made it.
func (g *clientGone) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		g.ctx.Store(&ctx)
		h.ServeHTTP(w, r)
	})
}

// wait returns once the server has seen the client's half-close (the request's context is done).
func (g *clientGone) wait() { <-(*g.ctx.Load()).Done() }

// remoteRegister is a population register reached over the network, as popreg.HTTP is: asked
// once the server has seen the client half-close, it fails when its context is cancelled.
type remoteRegister struct {
	httpapi.PopulationRegister
	gone *clientGone
}

func (r remoteRegister) Person(ctx context.Context, ni domain.NationalIdentifier) (domain.RegisteredPerson, error) {
	r.gone.wait()
	if err := ctx.Err(); err != nil {
		return domain.RegisteredPerson{}, err
	}
	return r.PopulationRegister.Person(ctx, ni)
}

// remoteVerifier is a card-verification provider reached over the network (cardverify.HTTP), as
// remoteRegister.
type remoteVerifier struct {
	httpapi.CardVerifier
	gone *clientGone
}

func (v remoteVerifier) Start(ctx context.Context, cv httpapi.CardVerification) (domain.CardVerificationSession, error) {
	v.gone.wait()
	if err := ctx.Err(); err != nil {
		return domain.CardVerificationSession{}, err
	}
	return v.CardVerifier.Start(ctx, cv)
}

// halfClosed sends one request on a connection of its own, half-closes it (shutdown(SHUT_WR))
// right after the complete request, and returns the answer.
func halfClosed(t *testing.T, srv *httptest.Server, token, method, path, body string) (code int, etag, answer string) {
	t.Helper()
	addr := strings.TrimPrefix(srv.URL, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		method, path, addr, token, len(body), body)
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s %s: no answer: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("ETag"), string(b)
}

// TestHalfClosedWritesThatAskAProvider: the writes that ask a population register or a
// card-verification provider before they are recorded answer a client that half-closes its
// connection after a complete request as every other write does (TestE2EHalfClosedWrite,
// TestE2EHalfClosedMoneyWrites): the change is made and answered. The server cancels the
// request's context when it reads the end of the client's side; the register and the provider
// were asked with that context, so such a client was answered 499 and nothing was written —
// after its national identity number had been sent to the register.
func TestHalfClosedWritesThatAskAProvider(t *testing.T) {
	gone := &clientGone{}
	h := buildHarness(t, true, func(cfg *httpapi.Config) {
		cfg.PopulationRegister = remoteRegister{cfg.PopulationRegister, gone}
		cfg.CardVerifier = remoteVerifier{cfg.CardVerifier, gone}
	})
	srv := httptest.NewServer(gone.wrap(h.api))
	t.Cleanup(srv.Close)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	c := "/ledger/customer/v1/1000/customers/9999"
	for _, w := range []struct {
		method, path, body string
		want               int
		etag               string // the version written (1 is the create)
	}{
		{http.MethodPost, c + "/legal-address", "", http.StatusOK, `"2"`},
		// The register's address again: nothing to write.
		{http.MethodPost, c + "/legal-address/update-legal-address-from-population-register", "{}", http.StatusOK, `"2"`},
		{http.MethodPost, c + "/consent/recurring-card-redirect-registration",
			`{"completeUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cancel","language":"en-US"}`, http.StatusOK, `"3"`},
	} {
		if code, etag, body := halfClosed(t, srv, h.token, w.method, w.path, w.body); code != w.want || etag != w.etag {
			t.Errorf("half-closed %s %s: %d ETag %s %s, want %d with ETag %s", w.method, w.path, code, etag, body, w.want, w.etag)
		}
	}
	gen := `{"nationalIdentifier":{"regNo":"19811228-9874","countryCode":"SE"},"customerNo":"7777"}`
	if code, _, body := halfClosed(t, srv, h.token, http.MethodPost, "/ledger/customer/v1/1000/generate-consumer-customer-by-reg-no", gen); code != http.StatusCreated {
		t.Errorf("half-closed generate-consumer-customer-by-reg-no: %d %s, want 201", code, body)
	}
	if code, body := h.do(http.MethodGet, "/ledger/customer/v1/1000/customers/7777", "", ""); code != http.StatusOK {
		t.Errorf("the generated customer: %d %s, want 200", code, body)
	}
}

// catchingUp is the read models of a service that has just started: they reach the read floor
// only once the server has seen the client half-close, and a wait whose context ends first fails.
type catchingUp struct {
	httpapi.Waiter
	gone *clientGone
}

func (c catchingUp) WaitFor(ctx context.Context, position uint64) error {
	c.gone.wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.Waiter.WaitFor(ctx, position)
}

// TestHalfClosedWriteWhileReadModelsCatchUp: a write on a service whose read models are still
// reaching the read floor (just started) waits for them; a client that half-closed its connection
// after the complete request is answered as every other (TestHalfClosedWritesThatAskAProvider),
// not 503 "being rebuilt" because the wait ran in the request's context, which net/http cancels
// when it reads the half-close.
func TestHalfClosedWriteWhileReadModelsCatchUp(t *testing.T) {
	gone := &clientGone{}
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.Waiter = catchingUp{cfg.Waiter, gone}
		cfg.ReadFloor = 1
	})
	srv := httptest.NewServer(gone.wrap(h.api))
	t.Cleanup(srv.Close)
	// Neither a create nor a surplus's registration reads the read models first; a settlement
	// finds its surplus there. (Without a body: net/http sees the half-close only once the body
	// has been read, and a settlement with one reads it after finding the surplus.)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	h.mustDo(http.MethodPost, base+"/surpluses", `{"surplusId":"s1","balance":10.00,"currency":"SEK"}`, http.StatusCreated)
	code, etag, body := halfClosed(t, srv, h.token, http.MethodPost, base+"/surpluses/s1/settle", "")
	if code != http.StatusOK || etag != `"3"` {
		t.Errorf("half-closed settlement while the read models catch up: %d ETag %s %s, want 200 with ETag \"3\"", code, etag, body)
	}
}
