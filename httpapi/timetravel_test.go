package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAsOfTheZeroTime: asOf at 0001-01-01T00:00:00Z is an RFC 3339 time, before any customer:
// 404, as any time before the customer's creation — not 400 "must be an RFC 3339 time" (the
// zero time meant "not given" inside). An empty asOf is the 400.
func TestAsOfTheZeroTime(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999?asOf="
	for q, want := range map[string]int{"0001-01-01T00:00:00Z": http.StatusNotFound, "1999-01-01T00:00:00Z": http.StatusNotFound, "": http.StatusBadRequest,
		"1999-01-01t00:00:00z":          http.StatusNotFound, // RFC 3339 §5.6: "T" and "Z" may be lower case
		"2999-01-01t00:00:00.5%2B01:00": http.StatusOK} {
		r := h.raw(t, http.MethodGet, path+q, nil, nil)
		if r.code != want {
			t.Errorf("GET ?asOf=%s: %d %s; want %d", q, r.code, r.body, want)
		}
	}
}

// TestUntilTheZeroTime: until=0001-01-01T00:00:00Z selects the events before year 1 — none —
// and is later than no since; the zero time meant "not given" inside, so it selected every
// event of the ledger.
func TestUntilTheZeroTime(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/events?"
	for q, want := range map[string]string{
		"until=0001-01-01T00:00:00Z":                            `"first":"/ledger/customer/v1/1000/events?until=0001-01-01T00%3A00%3A00Z"`,
		"until=0001-01-01T01:00:00%2B01:00":                     `"items":[]`, // the same instant
		"since=2026-01-01T00:00:00Z&until=0001-01-01T00:00:00Z": `"problems":[{"name":"until"`,
	} {
		r := h.raw(t, http.MethodGet, path+q, nil, nil)
		if !strings.Contains(r.body, want) || strings.Contains(r.body, `"next"`) || (r.code == http.StatusOK && !strings.Contains(r.body, `"items":[]`)) {
			t.Errorf("GET /events?%s: %d %.300s; want %s and no next", q, r.code, r.body, want)
		}
	}
}

// TestEmptyWindowAtYearOne: a window whose until is not later than its since is a 400 naming
// until at every instant — also when since is 0001-01-01T00:00:00Z (the zero time meant "not
// given" inside, so since=until=year one, or until in year 0, answered 200 with no events).
func TestEmptyWindowAtYearOne(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/events?"
	for _, q := range []string{
		"since=0001-01-01T00:00:00Z&until=0001-01-01T00:00:00Z",
		"since=0001-01-01T00:00:00Z&until=0000-12-31T00:00:00Z",
		"since=0001-01-01T01:00:00%2B01:00&until=0001-01-01T00:00:00Z",
		"since=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
	} {
		r := h.raw(t, http.MethodGet, path+q, nil, nil)
		if r.code != http.StatusBadRequest || !strings.Contains(r.body, `"problems":[{"name":"until"`) {
			t.Errorf("GET /events?%s: %d %.300s; want 400 naming until", q, r.code, r.body)
		}
	}
	// A window that is not empty stays served.
	for _, q := range []string{"since=0000-12-31T00:00:00Z&until=0001-01-01T00:00:00Z", "since=0001-01-01T00:00:00Z&until=0001-01-01T00:00:00.000000001Z"} {
		if r := h.raw(t, http.MethodGet, path+q, nil, nil); r.code != http.StatusOK || strings.Contains(r.body, `"next"`) {
			t.Errorf("GET /events?%s: %d %.300s; want 200 with no next", q, r.code, r.body)
		}
	}
}

// TestAsOfProblemsOnce: an asOf given empty or twice is one problem, as every query parameter's
// — the problems list has one entry per failure. Before, loadView read asOf a second time to
// check it, and the second read reported the same problem again.
func TestAsOfProblemsOnce(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	for _, q := range []string{"asOf=", "asOf=2020-01-01T00:00:00Z&asOf=2021-01-01T00:00:00Z", "asOfVersion=", "asOfVersion=1&asOfVersion=2"} {
		r := h.raw(t, http.MethodGet, "/ledger/customer/v1/1000/customers/9999?"+q, nil, nil)
		var p struct {
			Problems []struct{ Name, Description string }
		}
		if err := json.Unmarshal([]byte(r.body), &p); err != nil || r.code != http.StatusBadRequest || len(p.Problems) != 1 {
			t.Errorf("GET ?%s: %d %s; want 400 with one problem", q, r.code, r.body)
		}
	}
}
