package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestRequestDecoding(t *testing.T) {
	h := newHarness(t)
	post := func(ct, body string) (int, string) {
		return h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", ct, body)
	}
	cases := []struct {
		name, contentType, body string
		status                  int
		contains                []string
	}{
		{"malformed", "application/json", `{"customerNo":`, 400, []string{`problems/validation`, `malformed JSON`}},
		{"not an object", "application/json", `[1,2]`, 400, []string{`must be a JSON object`}},
		{"trailing data", "application/json", `{} {}`, 400, []string{`unexpected data after the object`}},
		{"invalid UTF-8", "application/json", "{\"name\":\"\xff\"}", 400, []string{`not valid UTF-8`}},
		{"duplicate property, other case", "application/json", `{"name":"a","NAME":"b"}`, 400, []string{`appears more than once`}},
		{"wrong types named", "application/json", `{"customerNo":1,"protectedIdentity":"yes","legalAddress":"x"}`, 400,
			[]string{`"name":"customerNo"`, `"name":"protectedIdentity"`, `"name":"legalAddress"`}},
		{"text/plain", "text/plain", validCustomer, 415, []string{`problems/unsupported-media-type`}},
		{"no content type", "", validCustomer, 415, []string{`problems/unsupported-media-type`}},
		{"too large", "application/json", `{"name":"` + strings.Repeat("x", 1<<20) + `"}`, 413, []string{`problems/payload-too-large`}},
		{"empty body", "application/json", ``, 400, []string{`request body`}},
		{"BOM and upper-case names", "application/json; charset=utf-8", "\xef\xbb\xbf" + strings.ReplaceAll(strings.ReplaceAll(validCustomer, `"name"`, `"NAME"`), `"customerNo"`, `"CUSTOMERNO"`), 201, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := post(c.contentType, c.body)
			if code != c.status {
				t.Fatalf("status = %d, want %d; body %s", code, c.status, body)
			}
			for _, want := range c.contains {
				if !strings.Contains(body, want) {
					t.Errorf("body lacks %s: %s", want, body)
				}
			}
		})
	}
}
