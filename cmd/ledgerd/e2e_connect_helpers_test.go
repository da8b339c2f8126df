package main

// Helpers of the Connect look-up's end-to-end tests: its errors are Connect's ErrorResponse, not
// problem documents, so it has its own request helper and checks.

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// connectPath returns the customer-details route of a merchant and payment product.
func connectPath(merchantID, productID string) string {
	return "/client/v1/" + merchantID + "/products/" + productID + "/customerDetails"
}

// docCustomerDetailsRequest is the source document's request (its searchParameters), verbatim.
const docCustomerDetailsRequest = `{"countryCode":"SE","values":[{"key":"fiscalNumber","value":"012345678901"}]}`

// lookupBody returns a request for one fiscal number in a country.
func lookupBody(countryCode, fiscalNumber string) string {
	b, _ := json.Marshal(map[string]any{"countryCode": countryCode, "values": []any{map[string]any{"key": "fiscalNumber", "value": fiscalNumber}}})
	return string(b)
}

// connectErrorBody is Connect's ErrorResponse.
type connectErrorBody struct {
	ErrorID string          `json:"errorId"`
	Errors  []connectAPIErr `json:"errors"`
}

type connectAPIErr struct {
	Category       string `json:"category"`
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	ID             string `json:"id"`
	Message        string `json:"message"`
	PropertyName   string `json:"propertyName"`
	RequestID      string `json:"requestId"`
}

// properties returns the propertyNames of the errors, sorted.
func (b connectErrorBody) properties() []string {
	var out []string
	for _, e := range b.Errors {
		out = append(out, e.PropertyName)
	}
	slices.Sort(out)
	return out
}

// connectClient sends Connect requests and remembers every errorId, to check each is unique.
type connectClient struct {
	s        *testServer
	errorIDs map[string]string // errorId → the response that carried it
}

func newConnectClient(s *testServer) *connectClient {
	return &connectClient{s: s, errorIDs: map[string]string{}}
}

// do sends a body (a JSON string; "" sends none) with a token ("" sends none). headers are
// name/value pairs. Every response is checked: never 5xx, every 4xx is a well-formed Connect
// ErrorResponse with a fresh errorId.
func (c *connectClient) do(t testing.TB, method, path, token, body string, headers ...string) *response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &response{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: data}
	if r.Status >= 500 {
		t.Errorf("5xx: %s", r)
	}
	if r.Status >= 400 {
		b := checkConnectError(t, r)
		if prev, dup := c.errorIDs[b.ErrorID]; dup {
			t.Errorf("errorId %s of %s was already used by %s", b.ErrorID, r, prev)
		}
		c.errorIDs[b.ErrorID] = r.String()
	}
	return r
}

// post sends a POST.
func (c *connectClient) post(t testing.TB, path, token, body string) *response {
	t.Helper()
	return c.do(t, http.MethodPost, path, token, body)
}

// checkConnectError checks that r is Connect's ErrorResponse, with no property beyond the
// document's, and returns it.
func checkConnectError(t testing.TB, r *response) connectErrorBody {
	t.Helper()
	var b connectErrorBody
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", r, r.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Errorf("%s: not a Connect ErrorResponse: %v", r, err)
		return b
	}
	if b.ErrorID == "" || len(b.Errors) == 0 {
		t.Errorf("%s: errorId or errors missing", r)
	}
	for i, e := range b.Errors {
		if e.Category != "CONNECT_PLATFORM_ERROR" && e.Category != "IO_ERROR" {
			t.Errorf("%s: errors[%d].category %q", r, i, e.Category)
		}
		if e.Code == "" || e.ID == "" || e.Message == "" || e.RequestID == "" {
			t.Errorf("%s: errors[%d] lacks code, id, message or requestId", r, i)
		}
		if e.HTTPStatusCode != r.Status {
			t.Errorf("%s: errors[%d].httpStatusCode %d differs from the status", r, i, e.HTTPStatusCode)
		}
	}
	return b
}

// assertConnectError checks the status and that every error has the code and id, and that the
// errors name exactly the properties given ("" for an error without propertyName).
func assertConnectError(t testing.TB, r *response, status int, code, id string, properties ...string) connectErrorBody {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d", r, r.Status, status)
	}
	b := checkConnectError(t, r)
	for i, e := range b.Errors {
		if code != "" && (e.Code != code || e.ID != id) {
			t.Errorf("%s: errors[%d] is %s %s, want %s %s", r, i, e.Code, e.ID, code, id)
		}
	}
	if len(properties) == 0 {
		properties = []string{""}
	}
	slices.Sort(properties)
	if got := b.properties(); !slices.Equal(got, properties) {
		t.Errorf("%s: propertyNames %q, want %q", r, got, properties)
	}
	return b
}

// withoutIDs returns an error body as JSON with its errorId and requestIds blanked, to compare
// two answers for what they disclose.
func withoutIDs(t testing.TB, r *response) string {
	t.Helper()
	b := checkConnectError(t, r)
	b.ErrorID = ""
	for i := range b.Errors {
		b.Errors[i].RequestID = ""
	}
	out, _ := json.Marshal(b)
	return r.Header.Get("Content-Type") + " " + itoa(r.Status) + " " + string(out)
}

// lookupEvents returns the data of the look-up events of a stream ("{ledger}/lookups/{customerNo|unmatched}"),
// with the envelope's actor and causation id as "@actor" and "@causationId". The server must be stopped.
func lookupEvents(t testing.TB, dir, stream string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range readEvents(t, dir) {
		if e.Stream != stream {
			continue
		}
		if e.Type != "CustomerDetailsLookedUp" {
			t.Errorf("event %d of %s has type %s", e.Position, stream, e.Type)
		}
		var data map[string]any
		if err := json.Unmarshal(e.Data, &data); err != nil {
			t.Fatal(err)
		}
		data["@actor"], data["@causationId"] = e.Actor, e.CausationID
		out = append(out, data)
	}
	return out
}
