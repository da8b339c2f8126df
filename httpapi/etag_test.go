package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestETags(t *testing.T) {
	h := newHarness(t)
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	send := func(method, header, value, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, h.srv.URL+"/ledger/customer/v1/1000/customers/9999", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		if header != "" {
			req.Header.Set(header, value)
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	patch := `{"emailAddress":"a@example.com"}`
	cases := []struct {
		name, method, header, value string
		want                        int
	}{
		{"weak If-Match never matches", http.MethodPatch, "If-Match", `W/"1"`, http.StatusPreconditionFailed},
		{"list If-Match refused", http.MethodPatch, "If-Match", `"1", "2"`, http.StatusPreconditionFailed},
		{"stale If-Match", http.MethodPatch, "If-Match", `"7"`, http.StatusPreconditionFailed},
		{"If-None-Match list with weak tag", http.MethodGet, "If-None-Match", `"5", W/"1"`, http.StatusNotModified},
		{"If-None-Match other version", http.MethodGet, "If-None-Match", `"2"`, http.StatusOK},
		{"current If-Match", http.MethodPatch, "If-Match", `"1"`, http.StatusOK},
	}
	for _, c := range cases {
		body := ""
		if c.method == http.MethodPatch {
			body = patch
		}
		if resp := send(c.method, c.header, c.value, body); resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
	if resp := send(http.MethodGet, "", "", ""); resp.Header.Get("ETag") != `"2"` {
		t.Errorf("ETag after one change = %s, want \"2\"", resp.Header.Get("ETag"))
	}
}
