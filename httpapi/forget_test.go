package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/eventstore"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/app"
)

// keyStoreFull makes a forget end as app.Forget ends when the customer's key cannot be destroyed:
// the forget stored (the real one runs), then the key store's write failure.
type keyStoreFull struct{ httpapi.Commands }

func (c keyStoreFull) ForgetIf(ctx context.Context, p domain.LedgerPolicy, customerNo string, pre app.Precondition, meta app.Meta) (app.Result, error) {
	res, err := c.Commands.ForgetIf(ctx, p, customerNo, pre, meta)
	if err != nil {
		return res, err
	}
	cause := fmt.Errorf("%w: personal: destroying keys: no space left on device (test)", eventstore.ErrWriteFailed)
	return res, fmt.Errorf("%w (%s): %v", app.ErrKeyNotDestroyed, customerNo, cause)
}

// TestForgetKeyNotDestroyedIs503: a forget stored whose key cannot be destroyed is told so — 503
// with Retry-After, saying the customer is forgotten and the forget should be sent again — not
// "the change was not stored".
func TestForgetKeyNotDestroyedIs503(t *testing.T) {
	h := buildHarness(t, true, func(cfg *httpapi.Config) { cfg.Commands = keyStoreFull{cfg.Commands} })
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	req, err := http.NewRequest(http.MethodPost, h.srv.URL+"/ledger/customer/v1/1000/customers/9999/forget", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	body := string(data)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "is forgotten") || !strings.Contains(body, "send the forget again") || strings.Contains(body, "not stored") {
		t.Errorf("forget whose key is not destroyed: %d (Retry-After %q) %s; want 503 saying it is forgotten and to send it again", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// TestForgetHonoursPreconditions: a forget is a write on the customer — and one that cannot be
// undone. A stale If-Match, or an If-None-Match naming the current ETag or "*", is 412 and the
// customer is not forgotten; a current If-Match lets it through.
func TestForgetHonoursPreconditions(t *testing.T) {
	h := buildHarness(t, true)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	customer := h.srv.URL + "/ledger/customer/v1/1000/customers/9999"
	send := func(method, url string, hdr ...string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	etag := send(http.MethodGet, customer).Header.Get("ETag")
	for _, hdr := range [][]string{{"If-Match", `"7"`}, {"If-None-Match", etag}, {"If-None-Match", "*"}} {
		if r := send(http.MethodPost, customer+"/forget", hdr...); r.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("forget with %s: %s: %d, want 412", hdr[0], hdr[1], r.StatusCode)
		}
		if r := send(http.MethodGet, customer); r.StatusCode != http.StatusOK || r.Header.Get("ETag") != etag {
			t.Fatalf("after a forget with %s: %s the customer is %d (ETag %s), want 200 unchanged (ETag %s)", hdr[0], hdr[1], r.StatusCode, r.Header.Get("ETag"), etag)
		}
	}
	if r := send(http.MethodPost, customer+"/forget", "If-Match", etag, "If-None-Match", `"7"`); r.StatusCode != http.StatusNoContent {
		t.Errorf("forget with a current If-Match: %d, want 204", r.StatusCode)
	}
	if r := send(http.MethodGet, customer); r.StatusCode != http.StatusGone {
		t.Errorf("after the forget: %d, want 410", r.StatusCode)
	}
}
