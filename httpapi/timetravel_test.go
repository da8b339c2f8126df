package httpapi_test

import (
	"net/http"
	"testing"
)

// TestAsOfTheZeroTime: asOf at 0001-01-01T00:00:00Z is an RFC 3339 time, before any customer:
// 404, as any time before the customer's creation — not 400 "must be an RFC 3339 time" (the
// zero time meant "not given" inside). An empty asOf is the 400.
func TestAsOfTheZeroTime(t *testing.T) {
	h := newRouteHarness(t)
	h.t = t
	const path = "/ledger/customer/v1/1000/customers/9999?asOf="
	for q, want := range map[string]int{"0001-01-01T00:00:00Z": http.StatusNotFound, "1999-01-01T00:00:00Z": http.StatusNotFound, "": http.StatusBadRequest} {
		r := h.raw(t, http.MethodGet, path+q, nil, nil)
		if r.code != want {
			t.Errorf("GET ?asOf=%s: %d %s; want %d", q, r.code, r.body, want)
		}
	}
}
