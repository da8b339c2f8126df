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
	"time"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/app"
)

// lateCommands runs commands only once the HTTP server's write deadline, as net/http sets it,
// has passed: at most writeTimeout after the handler was called (net/http sets it as it calls the
// handler, after the request's headers).
type lateCommands struct {
	httpapi.Commands
	handlerAt    *atomic.Pointer[time.Time]
	writeTimeout time.Duration
}

func (c lateCommands) Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch app.Match, meta app.Meta, decide app.Decision) (app.Result, error) {
	time.Sleep(time.Until(c.handlerAt.Load().Add(c.writeTimeout + 50*time.Millisecond))) // a slow command, not a synchronisation
	return c.Commands.Execute(ctx, ledgerNo, customerNo, ifMatch, meta, decide)
}

// TestSlowBodyWriteIsAnswered: net/http counts its write timeout from the end of a request's
// headers, so a body that took part of it to arrive left its write less than the write timeout to
// be carried out and answered; past it the change was stored and the connection closed without
// an answer (the access log said 200). The write timeout is counted from the end of the body
// (Config.HTTPWriteTimeout): a write whose body ended within it is made and answered, however
// late it ends within the write timeout counted from there. One whose body ends after net/http's
// write deadline has passed (a read timeout longer than the write timeout) is refused — no answer
// could be written — and changes nothing; it was stored unanswered.
func TestSlowBodyWriteIsAnswered(t *testing.T) {
	const writeTimeout = 4 * time.Second
	var handlerAt atomic.Pointer[time.Time]
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.HTTPWriteTimeout = writeTimeout
		cfg.Commands = lateCommands{cfg.Commands, &handlerAt, writeTimeout}
	})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		handlerAt.Store(&now)
		h.api.ServeHTTP(w, r)
	}))
	srv.Config.ReadTimeout, srv.Config.WriteTimeout = time.Minute, writeTimeout
	srv.Start()
	t.Cleanup(srv.Close)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)

	// slowPatch sends a PATCH whose body's rest comes after pause, and returns the answer.
	slowPatch := func(email string, pause time.Duration) (*http.Response, error) {
		addr := strings.TrimPrefix(srv.URL, "http://")
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		body := fmt.Sprintf(`{"emailAddress":%q}`, email)
		fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
			base, addr, h.token, len(body), body[:10])
		time.Sleep(pause) // a slow client
		io.WriteString(conn, body[10:])
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err == nil {
			resp.Body.Close()
		}
		return resp, err
	}
	// The body ends 3 s after the headers, its command runs until net/http's own deadline (4 s
	// after the headers) has passed, and its answer has until 4 s after the body's end: the
	// command's own work has ~3 s to spare, not a race on a loaded machine.
	resp, err := slowPatch("slow@example.se", 3*writeTimeout/4)
	if err != nil {
		t.Fatalf("a write whose body arrived slowly: no answer (%v)", err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"2"` {
		t.Errorf("a write whose body arrived slowly: %s ETag %s, want 200 with ETag \"2\"", resp.Status, resp.Header.Get("ETag"))
	}
	if resp, err := slowPatch("too-slow@example.se", writeTimeout+writeTimeout/4); err == nil && resp.StatusCode < 400 {
		t.Errorf("a write whose body ended after the write deadline: %s, want no answer or a refusal", resp.Status)
	}
	if code, body := h.do(http.MethodGet, base, "", ""); code != http.StatusOK || strings.Contains(body, "too-slow@") {
		t.Errorf("after a write whose body ended after the write deadline: %d %s, want it not made", code, body)
	}
}
