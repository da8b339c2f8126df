package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"
)

// TestContentEncodingRefused: the service decodes no content coding, so a body sent with one is
// refused with 415 (RFC 9110 §15.5.16), whatever it holds, and changes nothing — a gzip body is
// not told it "is not valid UTF-8", and a plain body labelled gzip is not taken as it is.
func TestContentEncodingRefused(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"emailAddress":"gz@example.se"}`))
	zw.Close()
	for _, tc := range []struct{ encoding, body string }{
		{"gzip", gz.String()},
		{"gzip", `{"emailAddress":"plain@example.se"}`},
		{"br", `{"emailAddress":"br@example.se"}`},
		{"x-unknown", `{"emailAddress":"unknown@example.se"}`},
		{"identity, gzip", `{"emailAddress":"list@example.se"}`},
	} {
		before := h.state(t)
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": "application/json", "Content-Encoding": tc.encoding}, []byte(tc.body))
		if r.code != http.StatusUnsupportedMediaType || !strings.Contains(r.body, "problems/unsupported-media-type") {
			t.Errorf("PATCH with Content-Encoding %q: %d %s; want 415 unsupported-media-type", tc.encoding, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Errorf("PATCH with Content-Encoding %q changed the customer: %v → %v", tc.encoding, before, after)
		}
	}
	r := h.raw(t, http.MethodPost, "/client/v1/1000/products/9000/customerDetails",
		map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}, gz.Bytes())
	if r.code != http.StatusUnsupportedMediaType || !strings.Contains(r.body, "UNSUPPORTED_MEDIA_TYPE") {
		t.Errorf("Connect look-up with Content-Encoding gzip: %d %s; want 415 UNSUPPORTED_MEDIA_TYPE", r.code, r.body)
	}
	for _, enc := range []string{"identity", "Identity"} { // no coding at all
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": "application/json", "Content-Encoding": enc}, []byte(`{"emailAddress":"identity@example.se"}`))
		if r.code != http.StatusOK {
			t.Errorf("PATCH with Content-Encoding %q: %d %s; want 200", enc, r.code, r.body)
		}
	}
}

// TestLoneSurrogateEscapesRefused: a \u escape of an unpaired UTF-16 surrogate is not text
// (encoding/json would decode it as U+FFFD, storing something the client never sent), so a body
// holding one is refused like invalid UTF-8, and nothing changes. Pairs are text.
func TestLoneSurrogateEscapesRefused(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999/legal-address"
	for _, s := range []string{`\ud800`, `\uDBFF`, `\udc00`, `a\ud800b`, `\ud800\u0041`, `\ud800\ud800`, `\udc00\ud800`, `\\\ud800`} {
		body := `{"addressee":"` + s + `","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`
		before := h.state(t)
		r := h.raw(t, http.MethodPut, path, map[string]string{"Content-Type": "application/json"}, []byte(body))
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, "problems/validation") {
			t.Errorf("PUT %s: %d %s; want 400 validation", body, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Errorf("PUT %s changed the customer: %v → %v", body, before, after)
		}
	}
	for _, s := range []string{`\ud83d\ude00`, `\\ud800`, `\u00e5`, `\\\\ud800`} { // an emoji as a pair; escaped backslashes
		body := `{"addressee":"A ` + s + `","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}`
		if r := h.raw(t, http.MethodPut, path, map[string]string{"Content-Type": "application/json"}, []byte(body)); r.code != http.StatusOK {
			t.Errorf("PUT %s: %d %s; want 200", body, r.code, r.body)
		}
	}
	r := h.raw(t, http.MethodPost, "/client/v1/1000/products/9000/customerDetails",
		map[string]string{"Content-Type": "application/json"}, []byte(`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"19121212-1212\ud800"}]}`))
	if r.code != http.StatusBadRequest || !strings.Contains(r.body, "INVALID_VALUE") {
		t.Errorf("Connect look-up with a lone surrogate: %d %s; want 400 INVALID_VALUE", r.code, r.body)
	}
}
