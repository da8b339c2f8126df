package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi"
	"github.com/nordledger/ledger/internal/app"
)

// forgetFirst forgets customer 9999 (the real forget), when armed, just before the next
// card-verification result is recorded: the forget lands between the sandbox form reading the
// registration and recording its end.
type forgetFirst struct {
	httpapi.Commands
	armed *atomic.Bool
}

func (c forgetFirst) Execute(ctx context.Context, ledgerNo, customerNo string, ifMatch app.Match, meta app.Meta, decide app.Decision) (app.Result, error) {
	if meta.Command == "finishCardRegistration" && c.armed.CompareAndSwap(true, false) {
		if _, err := c.Commands.ForgetIf(ctx, domain.LedgerPolicy{LedgerNo: ledgerNo, CountryCode: "SE"}, customerNo, nil,
			app.Meta{Actor: "tester", CorrelationID: "forget", Time: time.Now().UTC(), Command: "forgetCustomer"}); err != nil {
			return app.Result{}, err
		}
	}
	return c.Commands.Execute(ctx, ledgerNo, customerNo, ifMatch, meta, decide)
}

// TestSandboxFormOfAForgottenCustomer: a customer forgotten while its registration's page is
// open: the form posted then is answered as the page itself is from then on — the page's 404
// "link not valid" (an HTML page, as the OpenAPI document declares for the form) — not the REST
// routes' 410 problem document, which the form's operation does not declare.
func TestSandboxFormOfAForgottenCustomer(t *testing.T) {
	var armed atomic.Bool
	_, submit := sandboxPage(t, func(c httpapi.Commands) httpapi.Commands { return forgetFirst{c, &armed} })
	armed.Store(true)
	code, body, _ := submit("cancel")
	if code != http.StatusNotFound || !strings.Contains(body, "Länken till kortregistreringen är inte giltig.") {
		t.Errorf("the form of a customer forgotten meanwhile: %d %s; want the page's 404", code, body)
	}
	if code, body, _ := submit("cancel"); code != http.StatusNotFound {
		t.Errorf("the page afterwards: %d %s; want 404", code, body)
	}
}
