package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/nordledger/ledger/eventstore/personal/disclosure"
	"github.com/nordledger/ledger/httpapi/auth"
)

// Personal data for downstream consumers (docs/consumers.md, docs/data-protection.md): a consumer
// the operator granted the ledger's personal data to asks for the opened data of events by their
// log positions; every disclosure is recorded, and an auditor lists a customer's disclosures.
// Both are the writer's: a read replica refers them to it.
const (
	routePersonalData = routeEvents + "/personal-data"
	routeDisclosures  = routeCustomer + "/disclosures"
)

// PersonalData discloses the personal data of events to granted consumers and lists the
// disclosures of a customer (implemented by *disclosure.Service in cmd/ledgerd).
type PersonalData interface {
	Disclose(ctx context.Context, req disclosure.Request) (disclosure.Response, error)
	Disclosures(ledgerNo, customerNo string, after uint64, limit int) ([]disclosure.Record, uint64, error)
}

func (s *Server) personalDataRoutes(mux *http.ServeMux) {
	s.route(mux, routePersonalData, map[string]endpoint{http.MethodPost: {auth.ScopePersonalDataRead, s.disclosePersonalData}})
	s.route(mux, routeDisclosures, map[string]endpoint{http.MethodGet: {auth.ScopeAuditRead, s.listDisclosures}})
}

// personalDataServed is the answer to a request the server keeps no disclosures for: a read
// replica refers it to the writer (421), a server without them answers 404.
func (s *Server) personalDataServed() error {
	switch {
	case s.cfg.PersonalData != nil:
		return nil
	case s.cfg.ReadOnly:
		return s.misdirected("the grants and the record of disclosures are the writer's: a read replica discloses no personal data to consumers")
	default:
		return notFound("this server discloses no personal data to consumers")
	}
}

// readPositions reads the body {"positions": [n, ...]}: 1 to disclosure.MaxPositions log
// positions, each a whole number ≥ 1.
func readPositions(r *http.Request) ([]uint64, error) {
	o, err := decodeObjectBody(r, true)
	if err != nil {
		return nil, err
	}
	var f fields
	raw, present := o.raw("positions")
	var positions []uint64
	switch {
	case !present || isNull(raw):
		f.add("positions", "positions is required: the log positions (ce-ledgerposition) of the events")
	case json.Unmarshal(raw, &positions) != nil:
		f.add("positions", "positions must be an array of whole numbers ≥ 1")
	case len(positions) == 0 || len(positions) > disclosure.MaxPositions:
		f.add("positions", fmt.Sprintf("positions must hold 1 to %d positions", disclosure.MaxPositions))
	case slices.Contains(positions, 0):
		f.add("positions", "positions must be whole numbers ≥ 1")
	}
	f.unknown(o, "of this request (send {\"positions\": [...]})")
	if len(f.problems) > 0 {
		return nil, invalid(f.problems...)
	}
	return positions, nil
}

func (s *Server) disclosePersonalData(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := s.personalDataServed(); err != nil {
		return err
	}
	positions, err := readPositions(r)
	if err != nil {
		return err
	}
	req := disclosure.Request{LedgerNo: c.ledgerNo, Consumer: c.principal.Subject, Positions: positions}
	if !c.principal.HasScope(auth.ScopePopulationRegister) { // as the audit routes: protected identities stay hidden
		req.Withhold = s.protectedIdentity(c)
	}
	resp, err := s.cfg.PersonalData.Disclose(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // personal data: no shared cache keeps it
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// protectedIdentity reports whether a customer's identity is protected now, once the read models
// hold position upTo (the customer's newest event in the request may have made it so).
func (s *Server) protectedIdentity(c *call) func(ctx context.Context, no string, upTo uint64) (bool, error) {
	return func(ctx context.Context, no string, upTo uint64) (bool, error) {
		wctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
		defer cancel()
		if err := s.cfg.Waiter.WaitFor(wctx, upTo); err != nil {
			return false, err
		}
		cur, found, err := s.cfg.Customers.Customer(ctx, c.ledgerNo, no)
		return found && cur.ProtectedIdentity, err
	}
}

func (s *Server) listDisclosures(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	p := queryParams{q: c.query} // by the declared names (query.go), in whatever case they came
	after := p.uint("after", 0, 0, ^uint64(0))
	limit := p.uint("limit", defaultAuditLimit, 1, maxAuditLimit)
	if len(p.problems) > 0 {
		return invalid(p.problems...)
	}
	if err := s.personalDataServed(); err != nil {
		return err
	}
	// A customer the ledger never had is not found, as its audit trail answers; a forgotten one
	// is listed (its disclosures are kept so that their recipients can be told of the erasure).
	if _, err := s.load(r, c, no); err != nil && !errors.Is(err, errForgotten) {
		return err
	}
	recs, next, err := s.cfg.PersonalData.Disclosures(c.ledgerNo, no, after, int(limit))
	if err != nil {
		return err
	}
	base := customerPath(c.ledgerNo, no) + "/disclosures"
	link := func(after uint64) string {
		q := url.Values{}
		if after > 0 {
			q.Set("after", strconv.FormatUint(after, 10))
		}
		if limit != defaultAuditLimit {
			q.Set("limit", strconv.FormatUint(limit, 10))
		}
		if len(q) == 0 {
			return base
		}
		return base + "?" + q.Encode()
	}
	nav := navigation{ID: base, First: link(0)}
	if next > 0 {
		nav.Next = link(next)
	}
	if recs == nil {
		recs = []disclosure.Record{}
	}
	writeJSON(w, http.StatusOK, listResource{Items: recs, Navigation: nav})
	return nil
}
