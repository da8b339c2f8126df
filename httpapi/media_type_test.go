package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestJSONCharset: JSON is UTF-8 (RFC 8259 §8.1), so a body labelled application/json with
// charset=utf-8 (in any case, quoted or not) is read as any JSON body; one labelled with another
// charset (latin1, ISO-8859-1, ...) is refused with 415 and changes nothing — before, the label
// was ignored and a Latin-1 body whose bytes happen to be valid UTF-8 ("Ã¥" for "å") was stored
// as something else than the client meant. The Connect look-up refuses it in its own format.
func TestJSONCharset(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999"
	for i, ct := range []string{"application/json; charset=utf-8", "application/json;charset=UTF-8", `application/json; charset="utf-8"`, "application/json; charset=utf8"} {
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": ct}, []byte(`{"emailAddress":"utf8-`+string(rune('a'+i))+`@example.se"}`))
		if r.code != http.StatusOK {
			t.Errorf("PATCH with Content-Type %q: %d %s; want 200", ct, r.code, r.body)
		}
	}
	for _, ct := range []string{"application/json; charset=latin1", "application/json; charset=ISO-8859-1", "application/json; charset=utf-16", "application/json; charset=windows-1252"} {
		before := h.state(t)
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": ct}, []byte(`{"emailAddress":"latin@example.se"}`))
		if r.code != http.StatusUnsupportedMediaType || !strings.Contains(r.body, "problems/unsupported-media-type") || !strings.Contains(r.body, "UTF-8") {
			t.Errorf("PATCH with Content-Type %q: %d %s; want 415 unsupported-media-type naming UTF-8", ct, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Errorf("PATCH with Content-Type %q changed the customer: %v → %v", ct, before, after)
		}
	}
	r := h.raw(t, http.MethodPost, "/client/v1/1000/products/9000/customerDetails", map[string]string{"Content-Type": "application/json; charset=iso-8859-1"},
		[]byte(`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"19121212-1212"}]}`))
	if r.code != http.StatusUnsupportedMediaType || !strings.Contains(r.body, "UNSUPPORTED_MEDIA_TYPE") {
		t.Errorf("Connect look-up with charset=iso-8859-1: %d %s; want 415 UNSUPPORTED_MEDIA_TYPE", r.code, r.body)
	}
}
