package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestETags(t *testing.T) {
	send := customer9999(t)
	patch := `{"emailAddress":"a@example.com"}`
	cases := []struct {
		name, method, header, value string
		want                        int
	}{
		{"weak If-Match never matches", http.MethodPatch, "If-Match", `W/"1"`, http.StatusPreconditionFailed},
		{"If-Match list without the current tag", http.MethodPatch, "If-Match", `"7", W/"1", "abc"`, http.StatusPreconditionFailed},
		{"malformed If-Match", http.MethodPatch, "If-Match", `1`, http.StatusPreconditionFailed},
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

// TestIfMatchLists: If-Match is a list of entity tags, on one or several field lines (RFC 9110
// §13.1.1, §5.3): the write is made when any strong tag is the customer's ETag; weak and
// foreign tags never match; "*" and an empty field are no precondition.
func TestIfMatchLists(t *testing.T) {
	h := newHarness(t)
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	patch := func(email string, ifMatch ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPatch, h.srv.URL+"/ledger/customer/v1/1000/customers/9999", strings.NewReader(`{"emailAddress":"`+email+`"}`))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		for _, v := range ifMatch {
			req.Header.Add("If-Match", v)
		}
		resp, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("ETag")
	}
	cases := []struct {
		name     string
		ifMatch  []string
		want     int
		wantETag string
	}{
		{"a list naming the current tag", []string{`"7", "abc", W/"2", "1"`}, http.StatusOK, `"2"`},
		{"the current tag on a second field line", []string{`"9"`, `"2"`}, http.StatusOK, `"3"`},
		{"empty members", []string{` , "3",, `}, http.StatusOK, `"4"`},
		{"an earlier tag only", []string{`"3", "2"`}, http.StatusPreconditionFailed, ""},
		{"the current tag only weak", []string{`W/"4"`, `"1"`}, http.StatusPreconditionFailed, ""},
		{"star in a list", []string{`*, "4"`}, http.StatusPreconditionFailed, ""},
		{"star", []string{`*`}, http.StatusOK, `"5"`},
		{"empty", []string{``}, http.StatusOK, `"6"`},
	}
	for i, c := range cases {
		code, etag := patch(fmt.Sprintf("c%d@example.com", i), c.ifMatch...)
		if code != c.want || (c.wantETag != "" && etag != c.wantETag) {
			t.Errorf("%s: %d ETag %s, want %d %s", c.name, code, etag, c.want, c.wantETag)
		}
	}
	if got := h.mustDo(http.MethodGet, "/ledger/customer/v1/1000/customers/9999", "", http.StatusOK); got["emailAddress"] != "c7@example.com" {
		t.Errorf("after the writes: %v", got["emailAddress"])
	}
}

// TestETagsCompareAsWritten: an entity tag is an opaque string (RFC 9110 §8.8.3.2): "01" and
// "+1" are not the tag "1" the service sends, so they never match — If-Match with such a tag is
// 412 and changes nothing, If-None-Match with one is no 304. Before, the tag's digits were read
// as a number: If-Match: "01" let a write through on version 1 (and "0001", "01" matched as
// If-None-Match), though the client never held that tag.
func TestETagsCompareAsWritten(t *testing.T) {
	send := customer9999(t)
	tags := []string{`"01"`, `"0001"`, `"01", "00"`, `W/"01"`}
	for _, tag := range tags {
		if resp := send(http.MethodGet, "If-None-Match", tag, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("GET with If-None-Match %s on version 1 (ETag \"1\"): %d, want 200", tag, resp.StatusCode)
		}
	}
	for _, tag := range tags[:3] {
		if resp := send(http.MethodPatch, "If-Match", tag, `{"emailAddress":"zero@example.com"}`); resp.StatusCode != http.StatusPreconditionFailed {
			t.Errorf("PATCH with If-Match %s on version 1 (ETag \"1\"): %d, want 412", tag, resp.StatusCode)
		}
	}
	if resp := send(http.MethodGet, "", "", ""); resp.Header.Get("ETag") != `"1"` {
		t.Errorf("a refused If-Match changed the customer: ETag %s, want \"1\"", resp.Header.Get("ETag"))
	}
}

// TestIfMatchTagsWithCommas: an entity tag may hold a comma (etagc, RFC 9110 §8.8.3), so an
// If-Match or If-None-Match list is split between its tags, not inside one. A list that names
// the current ETag beside another server's tag such as "v1,2" is met — before, the split inside
// "v1,2" made the field "not a list of entity tags": 412 for a write whose precondition held,
// and a conditional GET that named the current tag got 200, not 304.
func TestIfMatchTagsWithCommas(t *testing.T) {
	send := customer9999(t)
	if code := send(http.MethodGet, "If-None-Match", `"v1,2", "1"`, "").StatusCode; code != http.StatusNotModified {
		t.Errorf(`GET with If-None-Match "v1,2", "1" on version 1: %d, want 304`, code)
	}
	if code := send(http.MethodGet, "If-None-Match", `W/"a,1", "1,"`, "").StatusCode; code != http.StatusOK {
		t.Errorf(`GET with If-None-Match W/"a,1", "1," on version 1: %d, want 200`, code)
	}
	if code := send(http.MethodPatch, "If-Match", `"v1,2", "1"`, `{"emailAddress":"comma@example.com"}`).StatusCode; code != http.StatusOK {
		t.Errorf(`PATCH with If-Match "v1,2", "1" on version 1: %d, want 200`, code)
	}
	for _, bad := range []string{`"2,3`, `"2", 3"`, `"2"x, "3"`} { // not lists of entity tags
		if code := send(http.MethodPatch, "If-Match", bad, `{"emailAddress":"bad@example.com"}`).StatusCode; code != http.StatusPreconditionFailed {
			t.Errorf("PATCH with If-Match %s: %d, want 412", bad, code)
		}
	}
}

// customer9999 creates customer 9999 on a new harness and returns a function sending a request
// to it with one header (none when header is ""), its answer's body read and closed.
func customer9999(t *testing.T) func(method, header, value, body string) *http.Response {
	h := newHarness(t)
	if code, body := h.do(http.MethodPost, "/ledger/customer/v1/1000/customers", "application/json", validCustomer); code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	return func(method, header, value, body string) *http.Response {
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
}
