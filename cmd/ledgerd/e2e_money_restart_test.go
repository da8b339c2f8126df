package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// TestE2EMoneyRestart: surpluses in every status — open after a partial regulation,
// pending-regulate, pending-disbursement to each kind of destination, depleted — are answered byte
// for byte the same after a restart and after the read models are rebuilt from the log, and their
// lifecycles go on from there with the amounts exact.
func TestE2EMoneyRestart(t *testing.T) {
	s := startServer(t)
	const no = "8601"
	s.createCustomer(t, s.token, newCustomer(no, "Restart Money"))
	p := customersPath(demoLedger, no, "surpluses")
	register := func(id, balance, currency string) {
		expectStatus(t, s.do(t, http.MethodPost, p, s.token, fmt.Sprintf(`{"surplusId":%q,"balance":%s,"currency":%q,"date":"2023-01-01T00:00:00","invoice":"/ledger/invoice/v1/1000/invoices/AAA"}`, id, balance, currency)), http.StatusCreated)
	}
	register("Open", "1234567.89", "SEK")
	expectStatus(t, s.do(t, http.MethodPost, p+"/open/settle", s.token, `{"amount":0.10}`), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPost, p+"/open/confirm-regulation", s.token, nil), http.StatusOK)
	register("Pending", "10.005", "KWD")
	expectStatus(t, s.do(t, http.MethodPost, p+"/pending/settle", s.token, `{"amount":0.001}`), http.StatusOK)
	register("Gone", "5", "JPY")
	expectStatus(t, s.do(t, http.MethodPost, p+"/gone/settle", s.token, nil), http.StatusOK)
	expectStatus(t, s.do(t, http.MethodPost, p+"/gone/confirm-regulation", s.token, nil), http.StatusNoContent)
	destinations := []string{
		`{"swedishBankAccount":{"accountNo":"160-9908","accountType":"BGSE"}}`,
		`{"swedishBankAccount":{"clearingNo":"3300","accountNo":"1010101010"}}`,
		`{"norwegianBankAccount":{"accountNo":"86011117947"}}`,
		`{"international":{"iban":"SE4550000000058398257466","bic":"ESSESESS"}}`,
		`{"swedishSus":{"nationalIdentifier":{"regNo":"19121212-1212","countryCode":"SE"},"address":{"addressee":"Kalle Axelstopp","streetAddress":"Axelgatan 18","coAddress":null,"city":"STOCKHOLM","zipCode":"16872","countryCode":"se"}}}`,
	}
	var orders []string
	for i, d := range destinations {
		id := fmt.Sprintf("D%d", i)
		register(id, "20.00", "EUR")
		r := s.do(t, http.MethodPost, p+"/"+id+"/active-disbursement-orders", s.token, d)
		expectStatus(t, r, http.StatusCreated)
		orders = append(orders, r.Header.Get("Location"))
	}
	gets := []string{p, p + "/open", p + "/pending", p + "/gone"}
	for i := range destinations {
		gets = append(gets, fmt.Sprintf("%s/D%d", p, i), fmt.Sprintf("%s/D%d/active-disbursement-orders", p, i), orders[i])
	}
	snapshot := func() []string {
		var out []string
		for _, g := range gets {
			r := s.do(t, http.MethodGet, g, s.token, nil)
			out = append(out, fmt.Sprintf("%d %s", r.Status, r.Body))
		}
		return out
	}
	before := snapshot()
	compare := func(what string) {
		t.Helper()
		for i, got := range snapshot() {
			if got != before[i] {
				t.Errorf("%s: GET %s differs:\nbefore: %s\nafter:  %s", what, gets[i], before[i], got)
			}
		}
	}
	s.restart(t)
	compare("after a restart")
	s.stop(t)
	if err := os.Remove(filepath.Join(s.dir, "projections.db")); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	compare("after a rebuild of the read models")

	// The lifecycles go on.
	r := s.do(t, http.MethodPost, p+"/pending/confirm-regulation", s.token, nil)
	if expectStatus(t, r, http.StatusOK); r.object(t)["balance"].(interface{ String() string }).String() != "10.004" {
		t.Errorf("confirmed after the restarts: %s", r)
	}
	r = s.do(t, http.MethodPost, p+"/open/settle", s.token, nil)
	if expectStatus(t, r, http.StatusOK); r.object(t)["balance"].(interface{ String() string }).String() != "1234567.79" {
		t.Errorf("settled after the restarts: %s", r)
	}
	for _, o := range orders {
		expectStatus(t, s.do(t, http.MethodPost, o+"/complete", s.token, nil), http.StatusNoContent)
	}
	s.stop(t)
	compareProjections(t, s.dir, false)
}
