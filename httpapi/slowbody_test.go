package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/app"
)

// lateCommands runs each command late: first it calls before (which moves the test's clock on).
type lateCommands struct {
	httpapi.Commands
	before func()
}

func (c lateCommands) Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch app.Match, meta app.Meta, decide app.Decision) (app.Result, error) {
	c.before()
	return c.Commands.Execute(ctx, ledgerNo, customerNo, ifMatch, meta, decide)
}

// slowBodyServer serves the API of a harness (with Config.HTTPWriteTimeout writeTimeout, and
// lateCommands calling late) over an HTTP server with that write timeout and a read timeout far
// longer, whose connections' deadlines run on the test's clock (clockServer).
func slowBodyServer(t *testing.T, writeTimeout time.Duration, late func(*testClock)) (*harness, *httptest.Server, *clockListener) {
	t.Helper()
	var clock *testClock
	h := buildHarness(t, false, func(cfg *httpapi.Config) {
		cfg.HTTPWriteTimeout = writeTimeout
		cfg.Commands = lateCommands{cfg.Commands, func() { late(clock) }}
	})
	srv, cl := clockServer(t, h.api, func(s *http.Server) { s.ReadTimeout, s.WriteTimeout = 100*writeTimeout, writeTimeout })
	clock = cl.clock
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	return h, srv, cl
}

// slowPatch sends a PATCH of customer 9999's e-mail address whose body comes in two parts: once
// the server has taken the request's head and the body's first part, and waits for more, it
// calls slow (the time the client takes), then sends the rest. It returns the answer.
func slowPatch(t *testing.T, h *harness, srv *httptest.Server, cl *clockListener, email string, slow func()) (*http.Response, error) {
	t.Helper()
	c := dialClock(t, srv, cl)
	body := fmt.Sprintf(`{"emailAddress":%q}`, email)
	c.send(c.head(http.MethodPatch, base, h.token, len(body))+body[:10], true) // the handler reads the body: the write timeout is counted
	slow()
	c.send(body[10:], false)
	resp, _, err := c.answer()
	return resp, err
}

// TestSlowBodyWriteIsAnswered: net/http counts its write timeout from the end of a request's
// headers, so a body that took part of it to arrive left its write less than the write timeout to
// be carried out and answered; past it the change was stored and the connection closed without
// an answer (the access log said 200). The write timeout is counted from the end of the body
// (Config.HTTPWriteTimeout): a write whose body ended within it is made and answered, however
// late it ends within the write timeout counted from there. One whose body ends after net/http's
// write deadline has passed (a read timeout longer than the write timeout) is refused — no answer
// could be written — and changes nothing; it was stored unanswered.
//
// The connections' write deadlines run on the test's clock (clockListener), which moves only
// where the story says time passes: a stalled machine changes nothing in it.
func TestSlowBodyWriteIsAnswered(t *testing.T) {
	t.Run("body ended within the write timeout", func(t *testing.T) {
		// The server's own check of a body's end (limits.go) is on the machine's clock: with an
		// hour, however long the machine stalls, the body here ends in time.
		const writeTimeout = time.Hour
		h, srv, cl := slowBodyServer(t, writeTimeout, func(c *testClock) {
			// The command ends past net/http's deadline (the headers' end + the write timeout),
			// within the write timeout counted from the body's end.
			c.Advance(3 * writeTimeout / 4)
		})
		// The body's rest comes half the write timeout after its headers.
		resp, err := slowPatch(t, h, srv, cl, "slow@example.se", func() { cl.clock.Advance(writeTimeout / 2) })
		if err != nil {
			t.Fatalf("a write whose body arrived slowly: no answer (%v)", err)
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != `"2"` {
			t.Errorf("a write whose body arrived slowly: %s ETag %s, want 200 with ETag \"2\"", resp.Status, resp.Header.Get("ETag"))
		}
		if code, body := h.do(http.MethodGet, base, "", ""); code != http.StatusOK || !strings.Contains(body, "slow@") {
			t.Errorf("after a write whose body arrived slowly: %d %s, want it made", code, body)
		}
	})
	t.Run("body ended after the write deadline", func(t *testing.T) {
		// The server judges a body's end on the machine's clock: the client is slower than the
		// write timeout on it (a stall only makes it slower), and on the test's clock.
		const writeTimeout = 100 * time.Millisecond
		h, srv, cl := slowBodyServer(t, writeTimeout, func(*testClock) {})
		resp, err := slowPatch(t, h, srv, cl, "too-slow@example.se", func() {
			time.Sleep(writeTimeout + writeTimeout/4) // a slow client, not a synchronisation
			cl.clock.Advance(writeTimeout + writeTimeout/4)
		})
		if err == nil && resp.StatusCode < 400 {
			t.Errorf("a write whose body ended after the write deadline: %s, want no answer or a refusal", resp.Status)
		}
		if code, body := h.do(http.MethodGet, base, "", ""); code != http.StatusOK || strings.Contains(body, "too-slow@") {
			t.Errorf("after a write whose body ended after the write deadline: %d %s, want it not made", code, body)
		}
	})
}
