package httpapi_test

import (
	"net/http"
	"testing"
	"time"
)

// TestConnectSlowBodyIs408: a look-up whose body does not arrive before the server's read
// timeout is told so with 408, as the ledger routes tell it — not 400 INVALID_VALUE, which says
// the request's values are wrong. The read timeout runs on the test's clock (clockServer): it
// passes once the server is reading the body, whatever the machine's speed.
func TestConnectSlowBodyIs408(t *testing.T) {
	const readTimeout = time.Second
	h := newRouteHarness(t)
	srv, cl := clockServer(t, h.api, func(s *http.Server) { s.ReadTimeout = readTimeout })
	for _, path := range []string{"/client/v1/1000/products/9000/customerDetails", "/ledger/customer/v1/1000/find-customer"} {
		// The body's first bytes, then nothing: the server's read timeout is the only thing that
		// can end the request.
		const body = `{"countryCode":"SE","nationalIdentifier":"19121212-1212"}`
		c := dialClock(t, srv, cl)
		c.send(c.head(http.MethodPost, path, h.token, len(body))+body[:20], true)
		cl.clock.Advance(readTimeout)
		resp, answer, err := c.answer()
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("POST %s with a body that stalls: %d %s; want 408", path, resp.StatusCode, answer)
		}
	}
}
