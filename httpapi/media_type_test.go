package httpapi_test

import (
	"fmt"
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
	for i, ct := range []string{"application/json; charset=utf-8", "application/json;charset=UTF-8", `application/json; charset="utf-8"`, "application/json; charset=utf8", "application/json; charset=US-ASCII"} {
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": ct}, []byte(`{"emailAddress":"utf8-`+string(rune('a'+i))+`@example.se"}`))
		if r.code != http.StatusOK {
			t.Errorf("PATCH with Content-Type %q: %d %s; want 200", ct, r.code, r.body)
		}
	}
	// Labelled US-ASCII but holding other bytes (a Latin-1 "å", or UTF-8's): not what the label
	// says, so not read as UTF-8 either — a 400 that changes nothing.
	for _, body := range []string{"{\"emailAddress\":\"\xe5@example.se\"}", "{\"emailAddress\":\"\xc3\xa5@example.se\"}"} {
		before := h.state(t)
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": "application/json; charset=us-ascii"}, []byte(body))
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, "us-ascii") {
			t.Errorf("PATCH labelled us-ascii with %q: %d %s; want 400 naming us-ascii", body, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Errorf("a refused us-ascii body changed the customer: %v → %v", before, after)
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

// TestAcceptWithoutJSONIsNotAcceptable: the ledger routes answer JSON only (problems as
// application/problem+json). A request whose Accept names no JSON type — application/xml,
// text/html, application/json;q=0 — is answered 406 not-acceptable (a problem, in JSON all the
// same) and changes nothing; before, it got JSON it said it could not take. Missing Accept, */*,
// application/*, application/json and what browsers and common clients send keep working (no
// example of the source documents sends Accept). Only the JSON API's ledger routes are held to
// it: the audit page (/ui/) serves HTML to browsers, and the Connect look-up keeps the error
// set of the API it reproduces.
func TestAcceptWithoutJSONIsNotAcceptable(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999"
	for _, accept := range []string{"application/xml", "text/html", "text/plain, text/xml", "application/json;q=0", "image/*"} {
		r := h.raw(t, http.MethodGet, path, map[string]string{"Accept": accept}, nil)
		if r.code != http.StatusNotAcceptable || !strings.HasPrefix(r.ct, "application/problem+json") || !strings.Contains(r.body, "problems/not-acceptable") {
			t.Errorf("GET with Accept %q: %d %s %s; want 406 not-acceptable", accept, r.code, r.ct, r.body)
		}
		before := h.state(t)
		r = h.raw(t, http.MethodPatch, path, map[string]string{"Accept": accept, "Content-Type": "application/json"}, []byte(`{"emailAddress":"xml@example.se"}`))
		if r.code != http.StatusNotAcceptable {
			t.Errorf("PATCH with Accept %q: %d %s; want 406", accept, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Errorf("PATCH with Accept %q changed the customer: %v → %v", accept, before, after)
		}
	}
	for _, accept := range []string{"\x00delete", "", "*/*", "application/*", "application/json", "application/json; charset=utf-8",
		"application/problem+json", "application/hal+json", "application/json, text/plain, */*", // axios
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", // a browser
		"text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2",            // Java's HttpURLConnection
		"application/xml, application/json;q=0.5", "garbage", "text/html;q=nonsense"} {
		if r := h.raw(t, http.MethodGet, path, map[string]string{"Accept": accept}, nil); r.code != http.StatusOK {
			t.Errorf("GET with Accept %q: %d %s; want 200", accept, r.code, r.body)
		}
	}
	// Not the ledger routes: the audit page's HTML and the Connect look-up.
	if r := h.raw(t, http.MethodGet, "/ui/", map[string]string{"Accept": "text/html"}, nil); r.code != http.StatusOK || !strings.HasPrefix(r.ct, "text/html") {
		t.Errorf("GET /ui/ with Accept text/html: %d %s", r.code, r.ct)
	}
	if r := h.raw(t, http.MethodPost, "/client/v1/1000/products/9000/customerDetails", map[string]string{"Accept": "application/xml", "Content-Type": "application/json"},
		[]byte(`{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"19121212-1212"}]}`)); r.code != http.StatusOK {
		t.Errorf("Connect look-up with Accept application/xml: %d %s; want 200 (unchanged)", r.code, r.body)
	}
}

// TestAcceptIgnoresWeightsThatAreNotDecimal: a weight is a decimal number from 0 to 1 (RFC 9110
// §12.4.2; ".2", as Java's HttpURLConnection writes it, is read too). A range whose weight is not
// one — NaN, Inf, a hex float, an exponent, a sign, all of which strconv.ParseFloat reads — is
// ignored like a range with the weight "nonsense", and an Accept made only of such ranges is
// taken as absent. Before, "NaN" was taken as a weight no range could beat: 406 for
// application/json;q=NaN and */*;q=NaN, while text/html;q=nonsense was 200.
func TestAcceptIgnoresWeightsThatAreNotDecimal(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999"
	for _, accept := range []string{"application/json;q=NaN", "*/*;q=NaN", "text/html;q=NaN", "application/json;q=nan",
		"text/html;q=Inf", "application/json;q=0x0p0", "text/html;q=1e-1", "text/html;q=+0.5", "application/json;q=-0"} {
		if r := h.raw(t, http.MethodGet, path, map[string]string{"Accept": accept}, nil); r.code != http.StatusOK {
			t.Errorf("GET with Accept %q: %d %s; want 200 (the weight is not a number: the range is ignored)", accept, r.code, r.body)
		}
	}
	for _, accept := range []string{"text/html;q=0.5", "application/json;q=0.000", "application/json;q=0, text/html;q=NaN"} {
		if r := h.raw(t, http.MethodGet, path, map[string]string{"Accept": accept}, nil); r.code != http.StatusNotAcceptable {
			t.Errorf("GET with Accept %q: %d %s; want 406", accept, r.code, r.body)
		}
	}
}

// TestJSONCharsetUSASCIINames: US-ASCII has many names in the IANA character-sets registry
// (ANSI_X3.4-1968 and its aliases iso-ir-6, ANSI_X3.4-1986, ISO_646.irv:1991, ISO646-US,
// US-ASCII, us, IBM367, cp367, csASCII) and clients also write "ascii": every one of them, in any
// case and quoted or not, is read as charset=us-ascii — an ASCII body is taken, one holding other
// bytes is 400 and changes nothing. Before, only "us-ascii" was: the other names got 415 though
// they name the same charset.
func TestJSONCharsetUSASCIINames(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999"
	names := []string{"ANSI_X3.4-1968", "iso-ir-6", "ANSI_X3.4-1986", "ISO_646.irv:1991", "ISO646-US", "US-ASCII", "us",
		"IBM367", "cp367", "csASCII", "ascii", "ASCII", "Us", "ibm367", "CSascii", "iso_646.IRV:1991"}
	for i, name := range names {
		for _, ct := range []string{"application/json; charset=" + name, `application/json;charset="` + name + `"`} {
			r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": ct}, []byte(fmt.Sprintf(`{"emailAddress":"ascii-%d@example.se"}`, i)))
			if r.code != http.StatusOK {
				t.Errorf("PATCH with Content-Type %q: %d %s; want 200 (a name of US-ASCII)", ct, r.code, r.body)
			}
		}
		before := h.state(t)
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": "application/json; charset=" + name}, []byte("{\"emailAddress\":\"\xc3\xa5@example.se\"}"))
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, "us-ascii") {
			t.Errorf("PATCH labelled charset=%s with a non-ASCII body: %d %s; want 400 naming us-ascii", name, r.code, r.body)
		}
		if after := h.state(t); after != before {
			t.Errorf("a refused charset=%s body changed the customer: %v → %v", name, before, after)
		}
	}
	// Not names of US-ASCII: still 415.
	for _, name := range []string{"us-ascii2", "usa", "iso-ir-100", "ISO646-SE", "cp1252", "ansi", "ascii7", "us-ascii, utf-8"} {
		r := h.raw(t, http.MethodPatch, path, map[string]string{"Content-Type": `application/json; charset="` + name + `"`}, []byte(`{"emailAddress":"other@example.se"}`))
		if r.code != http.StatusUnsupportedMediaType {
			t.Errorf("PATCH with charset %q: %d %s; want 415", name, r.code, r.body)
		}
	}
}
