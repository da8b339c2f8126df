package main

// Updating a legal address from the population register with a failing precondition (a stale
// If-Match, an If-None-Match naming the current ETag or *) is 412 before the register is asked:
// the person's identity number is not sent out for a change that cannot be made, and a register
// that is down does not turn the 412 into a 503.

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestE2EPopulationRegisterPreconditionBeforeAsking(t *testing.T) {
	var asked atomic.Int64
	register := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
	}))
	t.Cleanup(register.Close)
	s := startServer(t, withArgs("-population-register", register.URL+"/lookup", "-population-register-timeout", "2s"))
	no := "8301"
	c := newCustomer(no, "Tolvan Tolvansson")
	c["nationalIdentifier"] = map[string]any{"regNo": tolvan, "countryCode": "SE"}
	r := s.createCustomer(t, s.token, c)
	current := r.Header.Get("ETag")
	for _, target := range []string{customersPath(demoLedger, no, "legal-address", relFromRegister), customersPath(demoLedger, no, "legal-address")} {
		for _, h := range [][]string{{"If-Match", `"7"`}, {"If-None-Match", current}, {"If-None-Match", "*"}} {
			assertProblem(t, s.do(t, http.MethodPost, target, s.token, `{}`, h...), http.StatusPreconditionFailed, "precondition-failed")
		}
	}
	if n := asked.Load(); n != 0 {
		t.Errorf("the register was asked %d times for changes whose preconditions failed", n)
	}
	// Without them the register is asked (and is down: 503).
	if r := rawPost(t, s, customersPath(demoLedger, no, "legal-address", relFromRegister), `{}`); r.Status != http.StatusServiceUnavailable {
		t.Errorf("with the register down: %s, want 503", r)
	}
	if asked.Load() == 0 {
		t.Error("the register was not asked")
	}
}
