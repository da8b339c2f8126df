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

func (c keyStoreFull) Forget(ctx context.Context, p domain.LedgerPolicy, customerNo string, meta app.Meta) (app.Result, error) {
	res, err := c.Commands.Forget(ctx, p, customerNo, meta)
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
