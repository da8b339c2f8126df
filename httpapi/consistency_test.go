package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The same thing is said the same way on every route: one JSON encoding, navigation links only
// where there is a page to go to, one 410, an @id on every resource, problems in one order.

// TestJSONAnswersOneEncoding: every JSON answer is written without Go's HTML escaping — a
// navigation link's & is an & in the ledger's events and in a customer's trail alike, as in a
// customer's name and a problem's instance — and none may be sniffed as anything else.
func TestJSONAnswersOneEncoding(t *testing.T) {
	h := newRouteHarness(t)
	base := "/ledger/customer/v1/1000"
	h.mustDo(http.MethodPost, base+"/customers", `{"customerNo":"4242","name":"Ben & Jerry <AB>",
		"legalAddress":{"addressee":"B & J","city":"STOCKHOLM","zipCode":"11122","countryCode":"SE"}}`, http.StatusCreated)
	for _, c := range []struct{ path, want string }{
		{base + "/events?limit=1", `"next":"` + base + `/events?fromPosition=2&limit=1"`},
		{base + "/customers/9999/events?limit=1", `"next":"` + base + `/customers/9999/events?fromVersion=2&limit=1"`},
		{base + "/customers/9999/surpluses?take=1", `"next":"` + base + `/customers/9999/surpluses?skip=1&take=1"`},
		{base + "/customers/4242?$expand=legaladdress", `"name":"Ben & Jerry <AB>"`},
		{base + "/customers/4242?$expand=legaladdress", `"addressee":"B & J"`},
		{base + "/customers/4242/legal-address", `"addressee":"B & J"`},
		{base + "/customers/1&2", `"instance":"` + base + `/customers/1&2"`},
		{"/openapi.json", "problems/<code>"},
	} {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+c.path, nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(raw)
		if !strings.Contains(body, c.want) || strings.Contains(body, `\u0026`) || strings.Contains(body, `\u003c`) {
			t.Errorf("GET %s: want %s, unescaped: %.400s", c.path, c.want, body)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", c.path, got)
		}
	}
}

// TestNavigationFirstPageHasNoPrevious: a list's first page has no previous link (as its last
// has no next); a later page's previous is the page before.
func TestNavigationFirstPageHasNoPrevious(t *testing.T) {
	h := newRouteHarness(t)
	base := "/ledger/customer/v1/1000/customers/9999"
	for _, c := range []struct{ path, previous string }{
		{base + "/surpluses", ""},
		{base + "/surpluses?skip=0&take=1", ""},
		{base + "/surpluses?skip=1&take=1", base + "/surpluses?skip=0&take=1"},
		{base + "/surpluses?skip=1", base + "/surpluses?skip=0"},
		{base + "/events", ""},
		{base + "/events?fromVersion=1&limit=2", ""},
		{base + "/events?fromVersion=3&limit=2", base + "/events?fromVersion=1&limit=2"},
		{"/ledger/customer/v1/1000/events?limit=1", ""},
	} {
		code, body := h.do(http.MethodGet, c.path, "", "")
		var list struct {
			Navigation map[string]string `json:"navigation"`
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil || code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", c.path, code, body)
		}
		if got := list.Navigation["previous"]; got != c.previous {
			t.Errorf("GET %s: previous %q, want %q (navigation %v)", c.path, got, c.previous, list.Navigation)
		}
	}
}

// TestGoneTheSameOnEveryRoute: every answer about a forgotten customer is the same 410 problem,
// with its detail — a read, a change, a second forget.
func TestGoneTheSameOnEveryRoute(t *testing.T) {
	h := newHarness(t)
	base := "/ledger/customer/v1/1000/customers"
	h.mustDo(http.MethodPost, base, `{"customerNo":"4343","name":"Gone Soon","legalAddress":{"addressee":"G","city":"STOCKHOLM","zipCode":"11122","countryCode":"SE"}}`, http.StatusCreated)
	h.mustDo(http.MethodPost, base+"/4343/forget", "", http.StatusNoContent)
	var first string
	for _, rq := range []struct{ method, path, body string }{
		{http.MethodGet, base + "/4343", ""},
		{http.MethodPatch, base + "/4343", `{"emailAddress":"x@example.se"}`},
		{http.MethodPut, base + "/4343/legal-address", `{"addressee":"G","city":"UPPSALA","zipCode":"75310","countryCode":"SE"}`},
		{http.MethodPost, base + "/4343/billing-address", `{"addressee":"G","city":"UPPSALA","zipCode":"75310","countryCode":"SE"}`},
		{http.MethodGet, base + "/4343/surpluses", ""},
		{http.MethodPost, base + "/4343/forget", ""},
	} {
		code, body := h.do(rq.method, rq.path, "application/json", rq.body)
		var p struct {
			Type, Title, Detail string
			Status              int
		}
		json.Unmarshal([]byte(body), &p)
		if code != http.StatusGone || p.Detail == "" {
			t.Errorf("%s %s: %d %s, want 410 with a detail", rq.method, rq.path, code, body)
			continue
		}
		got := p.Type + " | " + p.Title + " | " + p.Detail
		if first == "" {
			first = got
		} else if got != first {
			t.Errorf("%s %s: %s, want the same as the first 410: %s", rq.method, rq.path, got, first)
		}
	}
}

// TestCardRegistrationGetHasID: GET of a recurring-card registration carries the @id its POST
// returned.
func TestCardRegistrationGetHasID(t *testing.T) {
	h := newRouteHarness(t)
	path := "/ledger/customer/v1/1000/customers/9999/consent/recurring-card-redirect-registration"
	_, posted := h.do(http.MethodPost, path, "application/json",
		`{"completeUrl":"https://shop.example/ok","cancelUrl":"https://shop.example/cancel","language":"en-US"}`)
	code, got := h.do(http.MethodGet, path, "", "")
	var p, g map[string]any
	json.Unmarshal([]byte(posted), &p)
	json.Unmarshal([]byte(got), &g)
	if code != http.StatusOK || p["@id"] != path || g["@id"] != p["@id"] {
		t.Errorf("POST answered %s; GET %d %s: want the same @id %s", posted, code, got, path)
	}
}

// TestProblemsInOrder: a validation problem lists its problems by name, list indexes by value,
// whatever order the checks found them in (a sub-question its parent's answer does not ask is
// found after the answers' own checks).
func TestProblemsInOrder(t *testing.T) {
	h := newHarness(t)
	h.mustDo(http.MethodPost, "/ledger/customer/v1/1000/customers", validCustomer, http.StatusCreated)
	for _, c := range []struct {
		body string
		want []string
	}{
		{`{"answers":[{"questionCode":"multiple_citizenship","answerCode":"no"},{"questionCode":"citizen_ship_country_codes","answerCode":"SWE"},
			{"questionCode":"occupation","answerCode":"1"},{"questionCode":"nope","answerCode":"1"}]}`,
			[]string{"answers[1].questionCode", "answers[2].answerCode", "answers[3].questionCode"}},
		{`{"answers":[{"questionCode":"citizen_ship_country_codes","answerCode":"SWE"},{"questionCode":"occupation","answerCode":"1"},
			{"questionCode":"occupation","answerCode":"Bob"},{"questionCode":"multiple_citizenship","answerCode":"no"}]}`,
			[]string{"answers[0].questionCode", "answers[1].answerCode", "answers[2].questionCode"}},
		{`{"answers":[{"questionCode":"occupation","answerCode":"1"}]}`, []string{"answers", "answers[0].answerCode"}},
	} {
		code, body := h.do(http.MethodPost, kycAnswersPath, "application/json", c.body)
		var p struct {
			Problems []struct{ Name string } `json:"problems"`
		}
		json.Unmarshal([]byte(body), &p)
		var names []string
		for _, x := range p.Problems {
			names = append(names, x.Name)
		}
		if code != http.StatusBadRequest || !slices.Equal(names, c.want) {
			t.Errorf("%d: problems %q, want %q", code, names, c.want)
		}
		if !slices.IsSortedFunc(names, compareProblemNames) {
			t.Errorf("problems %q are not in order", names)
		}
	}
	// Indexes by value: answers[2] before answers[10].
	var answers []string
	for range 11 {
		answers = append(answers, `{"questionCode":"occupation","answerCode":"1"}`)
	}
	_, body := h.do(http.MethodPost, kycAnswersPath, "application/json", `{"answers":[`+strings.Join(answers, ",")+`]}`)
	if i, j := strings.Index(body, `"answers[2].answerCode"`), strings.Index(body, `"answers[10].answerCode"`); i < 0 || j < 0 || i > j {
		t.Errorf("answers[2] does not come before answers[10]: %s", body)
	}
}

// compareProblemNames is the documented order, written independently of the service's: names
// split into runs of digits (compared as numbers) and of other characters.
func compareProblemNames(a, b string) int {
	split := func(s string) []string {
		var out []string
		for s != "" {
			n := 1
			digit := s[0] >= '0' && s[0] <= '9'
			for n < len(s) && (s[n] >= '0' && s[n] <= '9') == digit {
				n++
			}
			out = append(out, s[:n])
			s = s[n:]
		}
		return out
	}
	x, y := split(a), split(b)
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] == y[i] {
			continue
		}
		if x[i][0] >= '0' && x[i][0] <= '9' && y[i][0] >= '0' && y[i][0] <= '9' {
			if len(x[i]) != len(y[i]) {
				return len(x[i]) - len(y[i])
			}
		}
		return strings.Compare(x[i], y[i])
	}
	return len(x) - len(y)
}
