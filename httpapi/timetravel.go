package httpapi

import (
	"net/http"
	"strconv"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
)

// loadView reads the customer of a GET: its current state, or with ?asOf=<RFC 3339 time> or
// ?asOfVersion=<n> its state then, rebuilt from its stream in the audit index. A past state
// holds values since changed or removed, so it also needs audit:read. The returned call renders
// it on the clock of then, so that what a read judges on the clock (the renewal of KYC answers,
// a card registration's expiry, a consent's end) is judged as a read then judged it: the asOf
// time (now, when that is later), or for asOfVersion the time of that version's last event.
func (s *Server) loadView(r *http.Request, c *call, no string) (domain.CustomerState, *call, error) {
	p := queryParams{q: c.query}
	_, hasAt := p.q["asOf"]
	_, hasVersion := p.q["asOfVersion"]
	if !hasAt && !hasVersion {
		st, err := s.load(r, c, no)
		return st, c, err
	}
	// Each parameter is read once: a read reports its problems (empty, given twice, malformed).
	at := p.time("asOf")
	version := p.uint("asOfVersion", 0, 1, ^uint64(0))
	switch {
	case hasAt && hasVersion:
		p.problems = append(p.problems, domain.Problem{Name: "asOf", Description: "give asOf or asOfVersion, not both"})
	case hasVersion && version == 0 && len(p.problems) == 0:
		p.problems = append(p.problems, domain.Problem{Name: "asOfVersion", Description: "asOfVersion must be a whole number ≥ 1"})
	}
	if len(p.problems) > 0 {
		return domain.CustomerState{}, nil, invalid(p.problems...)
	}
	if !c.principal.HasScope(auth.ScopeAuditRead) {
		return domain.CustomerState{}, nil, lacksScope("the token lacks the scope "+auth.ScopeAuditRead+" (needed for asOf and asOfVersion)",
			auth.ScopeCustomerRead, auth.ScopeAuditRead)
	}
	if err := s.readHistory(r, c, no); err != nil {
		return domain.CustomerState{}, nil, err
	}
	if hasAt && at.IsZero() { // 0001-01-01T00:00:00Z: before any customer (and the "not given" of CustomerAt)
		return domain.CustomerState{}, nil, customerNotFound("the customer does not exist at that time or version")
	}
	st, found, err := s.cfg.Audit.CustomerAt(r.Context(), c.ledgerNo, no, version, at)
	switch {
	case err != nil:
		return st, nil, err
	case !found:
		return st, nil, customerNotFound("the customer does not exist at that time or version")
	case st.Forgotten: // forgotten now: its past states are erased too
		return st, nil, errForgotten
	case version > 0 && st.Version != version:
		return st, nil, notFound("the customer has no version " + strconv.FormatUint(version, 10) + " yet")
	}
	then := *c
	then.now = st.UpdatedAt
	if hasAt && at.Before(c.now) { // as the API answered at that time (no later than now)
		then.now = at
	}
	return st, &then, nil
}
