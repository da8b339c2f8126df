package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestConnectSlowBodyIs408: a look-up whose body does not arrive before the server's read
// timeout is told so with 408, as the ledger routes tell it — not 400 INVALID_VALUE, which says
// the request's values are wrong.
func TestConnectSlowBodyIs408(t *testing.T) {
	h := newRouteHarness(t)
	srv := httptest.NewUnstartedServer(h.api)
	srv.Config.ReadTimeout = time.Second // the request's head arrives well within it on a loaded machine; its body never does
	srv.Start()
	defer srv.Close()
	for _, path := range []string{"/client/v1/1000/products/9000/customerDetails", "/ledger/customer/v1/1000/find-customer"} {
		// The body's first bytes, then nothing until the answer has come: the server's read
		// timeout is the only thing that can end the request.
		pr, pw := io.Pipe()
		answered := make(chan struct{})
		go func() {
			pw.Write([]byte(`{"countryCode":"SE",`))
			<-answered
			pw.Close()
		}()
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := srv.Client().Do(req)
		close(answered)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("POST %s with a body that stalls: %d %s; want 408", path, resp.StatusCode, body)
		}
	}
}
