package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const base = "/ledger/customer/v1/1000/customers/9999"

func (h *harness) mustDo(method, path, body string, want int) map[string]any {
	h.t.Helper()
	code, resp := h.do(method, path, "application/json", body)
	if code != want {
		h.t.Fatalf("%s %s: %d, want %d: %s", method, path, code, want, resp)
	}
	var out map[string]any
	if strings.TrimSpace(resp) != "" {
		if err := json.Unmarshal([]byte(resp), &out); err != nil {
			h.t.Fatalf("%s %s: body is not JSON: %s", method, path, resp)
		}
	}
	return out
}

func surplusBody(id, balance, currency string) string {
	return fmt.Sprintf(`{"surplusId":%q,"balance":%s,"currency":%q,"date":"2023-01-01T00:00:00","invoice":"/ledger/invoice/v1/1000/invoices/AAA"}`, id, balance, currency)
}

func TestSurplusLifecycle(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)

	// Register: the resource's own fields; money keeps its digits exactly.
	got := h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("YYY", "10.00", "SEK"), http.StatusCreated)
	if got["balance"] != 10.0 || got["status"] != "open" || got["@id"] != base+"/surpluses/YYY" || got["date"] != "2023-01-01T00:00:00" {
		t.Fatalf("registered surplus = %v", got)
	}
	if _, raw := h.do(http.MethodGet, base+"/surpluses/yyy", "application/json", ""); !strings.Contains(raw, `"balance":10.00`) {
		t.Fatalf("balance not rendered with two decimals (or id not case-insensitive): %s", raw)
	}
	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("yyy", "1", "SEK"), http.StatusConflict)
	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("bad", "10.001", "SEK"), http.StatusBadRequest)
	h.mustDo(http.MethodPost, base+"/surpluses", `{"surplusId":"both","balance":1,"currency":"SEK","invoice":"/a","account":"/b"}`, http.StatusBadRequest)

	// The document's disbursement examples, with real numbers of the same kind.
	examples := map[string]string{
		"bankgiro":      `{"SwedishBankAccount" : {"AccountNo":"160-9908","AccountType":"BGSE"}}`,
		"norwegian":     `{"norwegianBankAccount" : {"accountNo" : "86011117947"}}`,
		"international": `{"international" : {"iban" : "SE4550000000058398257466","bic" : "SWEDSESS"}}`,
		"sus": `{"swedishSus" : {"nationalIdentifier": {"regNo" : "19121212-1212","countryCode" : "SE"},
			"address" : {"addressee" : "Kalle Axelstopp","streetAddress" : "Axelgatan 18","coAddress" : null,"city" : "STOCKHOLM","zipCode" : "16872","countryCode" : "se"}}}`,
	}
	for name, body := range examples {
		h.mustDo(http.MethodPost, base+"/surpluses", surplusBody(name, "20.00", "SEK"), http.StatusCreated)
		order := h.mustDo(http.MethodPost, base+"/surpluses/"+name+"/active-disbursement-orders", body, http.StatusCreated)
		if order["orderId"] == nil {
			t.Fatalf("%s: order = %v", name, order)
		}
		// Only an open surplus can be ordered.
		h.mustDo(http.MethodPost, base+"/surpluses/"+name+"/active-disbursement-orders", body, http.StatusConflict)
		list := h.mustDo(http.MethodGet, base+"/surpluses/"+name+"/active-disbursement-orders", "", http.StatusOK)
		if items := list["items"].([]any); len(items) != 1 {
			t.Fatalf("%s: %d active orders", name, len(items))
		}
	}
	// The SUS example as printed has a trailing comma: malformed JSON is a 400 problem.
	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("typo", "5", "SEK"), http.StatusCreated)
	h.mustDo(http.MethodPost, base+"/surpluses/typo/active-disbursement-orders",
		`{"swedishSus" : {"address" : {"countryCode" : "se",}}}`, http.StatusBadRequest)
	// Wrong check digits and both-or-neither destinations.
	for _, body := range []string{
		`{"norwegianBankAccount":{"accountNo":"86011117949"}}`,
		`{"swedishBankAccount":{"accountNo":"160-9907","accountType":"BGSE"}}`,
		`{"international":{"iban":"SE4550000000058398257467","bic":"SWEDSESS"}}`,
		`{}`,
		`{"norwegianBankAccount":{"accountNo":"86011117947"},"international":{"iban":"NO9386011117947","bic":"DNBANOKKXXX"}}`,
	} {
		h.mustDo(http.MethodPost, base+"/surpluses/typo/active-disbursement-orders", body, http.StatusBadRequest)
	}

	// Pay out: completing the order depletes the surplus; it leaves the API.
	list := h.mustDo(http.MethodGet, base+"/surpluses/bankgiro/active-disbursement-orders", "", http.StatusOK)
	orderID := list["items"].([]any)[0].(map[string]any)["orderId"].(string)
	h.mustDo(http.MethodPost, base+"/surpluses/bankgiro/active-disbursement-orders/"+orderID+"/complete", "", http.StatusNoContent)
	h.mustDo(http.MethodGet, base+"/surpluses/bankgiro", "", http.StatusNotFound)

	// Settle part, confirm: back to open with the rest; settle the rest, confirm: depleted.
	s := h.mustDo(http.MethodPost, base+"/surpluses/YYY/settle", `{"amount": 4.00}`, http.StatusOK)
	if s["status"] != "pending-regulate" || s["settledAmount"] != 4.0 || s["balance"] != 10.0 {
		t.Fatalf("after settle: %v", s)
	}
	if s := h.mustDo(http.MethodGet, base+"/surpluses/YYY", "", http.StatusOK); s["settledAmount"] != 4.0 {
		t.Fatalf("a pending-regulate surplus read: %v", s)
	}
	h.mustDo(http.MethodPost, base+"/surpluses/YYY/active-disbursement-orders", examples["norwegian"], http.StatusConflict)
	s = h.mustDo(http.MethodPost, base+"/surpluses/YYY/confirm-regulation", "{ }", http.StatusOK)
	if _, shown := s["settledAmount"]; s["status"] != "open" || s["balance"] != 6.0 || shown {
		t.Fatalf("after confirm: %v", s)
	}
	h.mustDo(http.MethodPost, base+"/surpluses/YYY/settle", `{"amount": 7.00}`, http.StatusBadRequest)
	h.mustDo(http.MethodPost, base+"/surpluses/YYY/settle", "", http.StatusOK)
	h.mustDo(http.MethodPost, base+"/surpluses/YYY/confirm-regulation", "", http.StatusNoContent)
	h.mustDo(http.MethodGet, base+"/surpluses/YYY", "", http.StatusNotFound)
	// A depleted surplus keeps its id taken.
	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("YYY", "1", "SEK"), http.StatusConflict)
}

func TestSurplusPagingAndMoney(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	amounts := map[string]string{"SEK": "12.34", "JPY": "1234", "KWD": "1.234", "EUR": "0.01", "ISK": "99"}
	n := 0
	for cur, amt := range amounts {
		n++
		h.mustDo(http.MethodPost, base+"/surpluses", surplusBody(fmt.Sprint("m", n), amt, cur), http.StatusCreated)
		_, raw := h.do(http.MethodGet, base+"/surpluses/"+fmt.Sprint("m", n), "", "")
		if !strings.Contains(raw, `"balance":`+amt+",") {
			t.Errorf("%s %s did not round-trip: %s", amt, cur, raw)
		}
	}
	for i := n + 1; i <= 23; i++ {
		h.mustDo(http.MethodPost, base+"/surpluses", surplusBody(fmt.Sprint("m", i), "1.00", "SEK"), http.StatusCreated)
	}
	seen := 0
	next := base + "/surpluses?take=10"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("paging does not end")
		}
		list := h.mustDo(http.MethodGet, next, "", http.StatusOK)
		seen += len(list["items"].([]any))
		nav := list["navigation"].(map[string]any)
		if nav["first"] != base+"/surpluses?skip=0&take=10" {
			t.Fatalf("navigation = %v", nav)
		}
		next, _ = nav["next"].(string)
	}
	if seen != 23 {
		t.Fatalf("paged through %d surpluses, want 23", seen)
	}
	h.mustDo(http.MethodGet, base+"/surpluses?take=1001", "", http.StatusBadRequest)
	h.mustDo(http.MethodGet, base+"/surpluses?skip=-1", "", http.StatusBadRequest)
}

// TestAmountMustBeANumber: SPEC §5 makes an amount a JSON number; a string holding one (or any
// other JSON type) is a 400 validation problem naming the property, and nothing is stored.
func TestAmountMustBeANumber(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	for _, balance := range []string{`"10.00"`, `"10"`, `true`, `{"amount":10}`, `[10]`} {
		got := h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("s1", balance, "SEK"), http.StatusBadRequest)
		if names := problemNames(got); len(names) != 1 || names[0] != "balance" {
			t.Errorf("balance %s: problems %v, want [balance]", balance, got["problems"])
		}
		if detail := fmt.Sprint(got["problems"]); !strings.Contains(detail, "must be a JSON number") {
			t.Errorf("balance %s: problems %v do not say a number is wanted", balance, got["problems"])
		}
	}
	h.mustDo(http.MethodGet, base+"/surpluses/s1", "", http.StatusNotFound)
	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("s1", "10.00", "SEK"), http.StatusCreated)
	got := h.mustDo(http.MethodPost, base+"/surpluses/s1/settle", `{"amount": "4.00"}`, http.StatusBadRequest)
	if names := problemNames(got); len(names) != 1 || names[0] != "amount" {
		t.Errorf("settle with a string amount: problems %v, want [amount]", got["problems"])
	}
	if s := h.mustDo(http.MethodGet, base+"/surpluses/s1", "", http.StatusOK); s["status"] != "open" {
		t.Errorf("a refused settlement changed the surplus: %v", s)
	}
}

func problemNames(problem map[string]any) []string {
	var names []string
	list, _ := problem["problems"].([]any)
	for _, p := range list {
		names = append(names, fmt.Sprint(p.(map[string]any)["name"]))
	}
	return names
}

// TestOrderLocationIsAResource: the Location of an order's 201 and every order's @id name a
// resource that GET answers — the order while it is active, 404 once it is completed. They named
// a path that answered 404 "no resource at this path".
func TestOrderLocationIsAResource(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("Loc", "10.00", "NOK"), http.StatusCreated)
	order := h.mustDo(http.MethodPost, base+"/surpluses/loc/active-disbursement-orders", `{"norwegianBankAccount":{"accountNo":"86011117947"}}`, http.StatusCreated)
	self, _ := order["@id"].(string)
	if want := base + "/surpluses/Loc/active-disbursement-orders/" + order["orderId"].(string); self != want {
		t.Fatalf("order @id = %q, want %q", self, want)
	}
	got := h.mustDo(http.MethodGet, self, "", http.StatusOK)
	if fmt.Sprint(got) != fmt.Sprint(order) {
		t.Errorf("GET %s = %v, want the order as created: %v", self, got, order)
	}
	// The ids are not case-sensitive.
	h.mustDo(http.MethodGet, base+"/surpluses/LOC/active-disbursement-orders/"+strings.ToUpper(order["orderId"].(string)), "", http.StatusOK)
	h.mustDo(http.MethodGet, base+"/surpluses/loc/active-disbursement-orders/01a250c9-d42f-7a47-ac82-480404bbd28e", "", http.StatusNotFound)
	h.mustDo(http.MethodPost, self+"/complete", "", http.StatusNoContent)
	h.mustDo(http.MethodGet, self, "", http.StatusNotFound)
}

// TestSurplusNullsAreAbsent: null for a register's date, invoice or account, and for a settle's
// amount, is taken as absent (now, no source, the whole balance) — and the OpenAPI document,
// which every exchange of the harness is checked against, allows what the service accepts.
func TestSurplusNullsAreAbsent(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	got := h.mustDo(http.MethodPost, base+"/surpluses", `{"surplusId":"n1","balance":7.50,"currency":"SEK","date":null,"invoice":null,"account":"/ledger/account/v1/1000/accounts/BBB"}`, http.StatusCreated)
	if got["account"] != "/ledger/account/v1/1000/accounts/BBB" || got["invoice"] != nil || got["date"] == nil {
		t.Errorf("registered with nulls: %v", got)
	}
	h.mustDo(http.MethodPost, base+"/surpluses", `{"surplusId":"n2","balance":1,"currency":"SEK","invoice":"/ledger/invoice/v1/1000/invoices/AAA","account":null}`, http.StatusCreated)
	got = h.mustDo(http.MethodPost, base+"/surpluses/n1/settle", `{"amount":null}`, http.StatusOK)
	if got["status"] != "pending-regulate" {
		t.Errorf("settled with amount null: %v", got)
	}
	h.mustDo(http.MethodPost, base+"/surpluses/n1/confirm-regulation", "", http.StatusNoContent) // the whole balance
}

// TestSurplusAnswersCarryTheETag: every surplus and order answer carries the customer's ETag —
// a write's the version it wrote, a read's the version it shows — so a client can chain surplus
// writes with If-Match (settle, then confirm only if nothing changed meanwhile) and tell a
// state's age. The surplus writes answered without one: If-Match needed a GET of the customer
// between every two of them.
func TestSurplusAnswersCarryTheETag(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	request := func(method, path, body, ifMatch string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("ETag")
	}
	customer := func() string {
		t.Helper()
		_, tag := request(http.MethodGet, base, "", "")
		return tag
	}
	send := func(method, path, body, ifMatch string, want int) string {
		t.Helper()
		code, tag := request(method, path, body, ifMatch)
		if code != want {
			t.Fatalf("%s %s (If-Match %q): %d, want %d", method, path, ifMatch, code, want)
		}
		if now := customer(); code < 300 && tag != now {
			t.Errorf("%s %s: %d with ETag %q; the customer is at %s", method, path, code, tag, now)
		}
		return tag
	}
	tag := send(http.MethodPost, base+"/surpluses", surplusBody("E1", "10.00", "SEK"), "", http.StatusCreated)
	tag = send(http.MethodPost, base+"/surpluses/e1/settle", `{"amount":4.00}`, tag, http.StatusOK)
	tag = send(http.MethodPost, base+"/surpluses/e1/confirm-regulation", "", tag, http.StatusOK)
	send(http.MethodGet, base+"/surpluses/E1", "", "", http.StatusOK)
	send(http.MethodGet, base+"/surpluses", "", "", http.StatusOK)
	tag = send(http.MethodPost, base+"/surpluses/e1/active-disbursement-orders", `{"norwegianBankAccount":{"accountNo":"86011117947"}}`, tag, http.StatusCreated)
	list := h.mustDo(http.MethodGet, base+"/surpluses/e1/active-disbursement-orders", "", http.StatusOK)
	order := list["items"].([]any)[0].(map[string]any)["@id"].(string)
	send(http.MethodGet, base+"/surpluses/e1/active-disbursement-orders", "", "", http.StatusOK)
	send(http.MethodGet, order, "", "", http.StatusOK)
	h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("E2", "1", "SEK"), http.StatusCreated)
	send(http.MethodPost, order+"/complete", "", tag, http.StatusPreconditionFailed) // E2 came in between
	send(http.MethodPost, order+"/complete", "", customer(), http.StatusNoContent)
	tag = send(http.MethodPost, base+"/surpluses/e2/settle", "", "", http.StatusOK)
	send(http.MethodPost, base+"/surpluses/e2/confirm-regulation", "", tag, http.StatusNoContent)
}

// TestAmountsAsDoubleClientsWriteThem: the OpenAPI document types amounts `format: double`, and
// clients generated from it write a double as their language does — Java (Jackson) 1000.0 for
// 1000 and 1.0E7 for 10 000 000, Python 1000.0. Each such number is exactly an amount the
// currency can hold and is taken as that amount (nothing is rounded); one whose exact value has
// more decimals than the currency, or is too large, or zero, is still a 400 problem. Before, a
// generated Java client could register no JPY or ISK amount at all and no amount from 10 million
// up: "must be a whole number for JPY", "must be written without an exponent".
func TestAmountsAsDoubleClientsWriteThem(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	for i, c := range []struct{ sent, currency, stored string }{
		{"1000.0", "JPY", "1000"},
		{"5.0", "ISK", "5"},
		{"1.0E7", "SEK", "10000000.00"},
		{"1.23456789E7", "SEK", "12345678.90"},
		{"1.234567891234E12", "JPY", "1234567891234"},
		{"9.99999999999999E12", "SEK", "9999999999999.99"},
		{"10.000", "SEK", "10.00"},
		{"1.0E-4", "CLF", "0.0001"},
		{"2e-2", "EUR", "0.02"},
		{"150e-2", "KWD", "1.500"},
	} {
		id := fmt.Sprint("d", i)
		h.mustDo(http.MethodPost, base+"/surpluses", surplusBody(id, c.sent, c.currency), http.StatusCreated)
		if _, raw := h.do(http.MethodGet, base+"/surpluses/"+id, "", ""); !strings.Contains(raw, `"balance":`+c.stored+`,`) {
			t.Errorf("%s %s: stored %s, want %s", c.sent, c.currency, raw, c.stored)
		}
	}
	h.mustDo(http.MethodPost, base+"/surpluses/d0/settle", `{"amount":100.0}`, http.StatusOK)
	if s := h.mustDo(http.MethodPost, base+"/surpluses/d0/confirm-regulation", "", http.StatusOK); fmt.Sprint(s["balance"]) != "900" {
		t.Errorf("JPY 1000 settled 100.0: %v", s)
	}
	for _, c := range []struct{ sent, currency string }{
		{"1.5e-2", "SEK"}, {"0.5", "JPY"}, {"1.0E16", "JPY"}, {"1e13", "SEK"}, {"0.0e5", "SEK"}, {"0E0", "SEK"},
		{"1e999999999999", "SEK"}, {"1e-999999999999", "SEK"}, {"1e+99999999999999999999", "SEK"},
	} {
		got := h.mustDo(http.MethodPost, base+"/surpluses", surplusBody("bad", c.sent, c.currency), http.StatusBadRequest)
		if names := problemNames(got); len(names) != 1 || names[0] != "balance" {
			t.Errorf("%s %s: problems %v, want [balance]", c.sent, c.currency, got["problems"])
		}
	}
}

// TestSurplusPagePreviousFromFarSkip: a page far beyond the list (skip up to 2^64-1 is taken)
// links its previous page as skip-take — the page before the one asked for. Before, skip was cut
// to 2^31-1 inside, and ?skip=9223372036854775807&take=1000 named skip=2147482647 as its previous
// page.
func TestSurplusPagePreviousFromFarSkip(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999/surpluses"
	for q, want := range map[string]string{
		"skip=9223372036854775807&take=1000": `"previous":"` + path + `?skip=9223372036854774807&take=1000"`,
		"skip=18446744073709551615":          `"previous":"` + path + `?skip=18446744073709551565"`,
		"skip=2147483648&take=1":             `"previous":"` + path + `?skip=2147483647&take=1"`,
		"skip=3&take=10":                     `"previous":"` + path + `?skip=0&take=10"`,
	} {
		r := h.raw(t, http.MethodGet, path+"?"+q, nil, nil)
		if r.code != http.StatusOK || !strings.Contains(r.body, want) || !strings.Contains(r.body, `"items":[]`) || strings.Contains(r.body, `"next"`) {
			t.Errorf("GET ?%s: %d %s; want 200, no items, no next, and %s", q, r.code, r.body, want)
		}
	}
}
