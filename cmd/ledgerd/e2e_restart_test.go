package main

// Restarts keep everything: a new Main on the same data directory answers every GET byte for
// byte as before, and so does one whose read models were deleted and rebuilt from the log.

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func TestE2ERestartKeepsEverything(t *testing.T) {
	s := startServer(t, withConfig(ledgerConfig(t)))
	tok := s.mint(t, "restart-tester", []string{"1000", "2000"}, "customer:read", "customer:write")
	addr := `{"addressee": "Kalle Axelstopp", "streetAddress": "Axelgatan 18", "city": "STOCKHOLM", "zipCode": "168 72", "countryCode": "se"}`

	// The document's customer, with its billing address.
	v := defaultVars(tok, "business")
	expectStatus(t, s.sendDocRequest(t, "create-customer-with-billing-address.http", v), http.StatusCreated)
	expectStatus(t, s.sendDocRequest(t, "patch-all-properties.http", v), http.StatusOK, http.StatusNoContent)
	expectStatus(t, s.sendDocRequest(t, "patch-email-delete-msisdn.http", v), http.StatusOK, http.StatusNoContent)

	// A consumer whose billing address came and went, and whose legal address changed.
	c1 := newCustomer("1001", "Anna Andersson")
	c1["nationalIdentifier"] = map[string]any{"regNo": unregisteredPersonnummer, "countryCode": "SE"}
	c1["preferredLanguageCode"] = "en"
	s.createCustomer(t, tok, c1)
	p1 := customersPath(demoLedger, "1001")
	expectStatus(t, s.do(t, http.MethodPost, p1+"/billing-address", tok, addr), http.StatusCreated)
	expectStatus(t, s.do(t, http.MethodDelete, p1+"/billing-address", tok, nil), http.StatusNoContent)
	expectStatus(t, s.do(t, http.MethodPut, p1+"/legal-address", tok, addr), http.StatusOK, http.StatusNoContent)
	expectStatus(t, s.do(t, http.MethodPatch, p1, tok, `{"legalStatus": "deceased", "protectedIdentity": true, "eDIAddressInfo": {"BuyerId": "B1"}}`),
		http.StatusOK, http.StatusNoContent)

	// A customer with no national identifier, and the same number in the other ledger.
	s.createCustomer(t, tok, newCustomer("1002", "Bertil Bengtsson"))
	expectStatus(t, s.do(t, http.MethodPatch, customersPath(demoLedger, "1002"), tok, `{"emailAddress": "bertil@example.se", "distributionType": "noDistribution"}`),
		http.StatusOK, http.StatusNoContent)
	other := newCustomer("1002", "Other Ledger")
	other["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	expectStatus(t, s.do(t, http.MethodPost, customersPath("2000"), tok, other), http.StatusCreated)

	type get struct{ method, path, body string }
	var gets []get
	for _, c := range []struct{ ledger, no string }{{"1000", "9999"}, {"1000", "1001"}, {"1000", "1002"}, {"2000", "1002"}, {"1000", "1003"}} {
		p := customersPath(c.ledger, c.no)
		gets = append(gets,
			get{http.MethodGet, p, ""},
			get{http.MethodGet, p + "?$expand=legaladdress,billingaddress", ""},
			get{http.MethodGet, p + "/legal-address", ""},
			get{http.MethodGet, p + "/billing-address", ""},
		)
	}
	for _, ledger := range []string{"1000", "2000"} {
		for _, regNo := range []string{tolvan, unregisteredPersonnummer, "121212-1212"} {
			gets = append(gets, get{http.MethodPost, "/ledger/customer/v1/" + ledger + "/find-customer",
				fmt.Sprintf(`{"nationalIdentifier": {"regNo": %q, "countryCode": "SE"}}`, regNo)})
		}
	}
	snapshot := func(t *testing.T) []string {
		t.Helper()
		var out []string
		for _, g := range gets {
			var body any
			if g.body != "" {
				body = g.body
			}
			r := s.do(t, g.method, g.path, tok, body)
			out = append(out, fmt.Sprintf("%d ETag=%s\n%s", r.Status, r.Header.Get("ETag"), r.Body))
		}
		return out
	}
	compare := func(t *testing.T, what string, before, after []string) {
		t.Helper()
		for i := range before {
			if before[i] != after[i] {
				t.Errorf("%s: %s %s differs:\nbefore: %s\nafter:  %s", what, gets[i].method, gets[i].path, before[i], after[i])
			}
		}
	}
	before := snapshot(t)
	// Sanity: the snapshot holds real customers.
	if !bytes.Contains([]byte(before[0]), []byte(`"customerNo": "9999"`)) && !bytes.Contains([]byte(before[0]), []byte(`"customerNo":"9999"`)) {
		t.Fatalf("snapshot of 9999: %s", before[0])
	}

	t.Run("restart", func(t *testing.T) {
		s.restart(t)
		compare(t, "after restart", before, snapshot(t))
	})

	t.Run("rebuild-projections", func(t *testing.T) {
		s.stop(t)
		if err := os.Remove(filepath.Join(s.dir, "projections.db")); err != nil {
			t.Fatalf("removing projections.db: %v", err)
		}
		s.start(t)
		compare(t, "after rebuilding the read models", before, snapshot(t))
	})

	t.Run("writes-continue-after-restart", func(t *testing.T) {
		r := s.do(t, http.MethodPatch, p1, tok, `{"emailAddress": "anna@example.se"}`)
		expectStatus(t, r, http.StatusOK, http.StatusNoContent)
		assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, c1), http.StatusConflict, "conflict")
		dup := newCustomer("1004", "Anna Again")
		dup["nationalIdentifier"] = map[string]any{"regNo": unregisteredPersonnummer, "countryCode": "SE"}
		assertProblem(t, s.do(t, http.MethodPost, customersPath(demoLedger), tok, dup), http.StatusConflict, "conflict")
		s.stop(t)
		events := streamEvents(readEvents(t, s.dir), demoLedger, "1001")
		for i, e := range events {
			checkEnvelope(t, e, i+1)
		}
		if n := len(events); n != 6 {
			t.Errorf("customer 1001 has %d events %v, want 6", n, eventTypes(events))
		}
	})
}
