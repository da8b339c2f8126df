package main

// RFC 9110 §13.2.2: a request's preconditions are evaluated before its method, so a stale
// If-Match (or an If-None-Match naming the current ETag) is 412 even where the request would
// otherwise conflict (409) — on starting a recurring-card registration as on every other write
// (docs/reliability.md).

import (
	"net/http"
	"testing"
)

func TestE2ECardRegistrationPreconditionBeforeConflict(t *testing.T) {
	s := startServer(t)
	no := "7750"
	s.createCustomer(t, s.token, newCustomer(no, "Precondition First"))
	body := map[string]any{"completeUrl": shopComplete, "cancelUrl": shopCancel, "language": "en-US"}
	r := s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token, body)
	expectStatus(t, r, http.StatusOK)
	current := r.Header.Get("ETag")
	// A registration is active now: without preconditions a second start is 409.
	assertProblem(t, s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token, body), http.StatusConflict, "conflict")
	for _, h := range [][]string{{"If-Match", `"1"`}, {"If-None-Match", current}, {"If-None-Match", "*"}} {
		r := s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token, body, h...)
		assertProblem(t, r, http.StatusPreconditionFailed, "precondition-failed")
	}
	// The current ETag in If-Match meets the precondition: the conflict remains.
	assertProblem(t, s.do(t, http.MethodPost, registrationPath(demoLedger, no), s.token, body, "If-Match", current), http.StatusConflict, "conflict")
}
