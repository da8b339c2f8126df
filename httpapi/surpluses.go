package httpapi

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
)

// surplus finds a current (not depleted) surplus of a customer, answering 404 when there is none.
func (s *Server) surplus(w http.ResponseWriter, r *http.Request, st domain.CustomerState) (domain.SurplusState, bool) {
	sp, ok := st.Surplus(r.PathValue("surplusId"))
	if !ok || sp.Depleted() {
		writeProblem(w, r, http.StatusNotFound, string(domain.CodeNotFound), "the customer has no such surplus", nil)
		return sp, false
	}
	return sp, true
}

// loadSurplus reads the customer of the path and its surplus.
func (s *Server) loadSurplus(w http.ResponseWriter, r *http.Request, c *call) (string, domain.SurplusState, bool) {
	no, ok := customerNo(w, r, c)
	if !ok {
		return "", domain.SurplusState{}, false
	}
	st, ok := s.load(w, r, c, no)
	if !ok {
		return "", domain.SurplusState{}, false
	}
	sp, ok := s.surplus(w, r, st)
	return no, sp, ok
}

func (s *Server) listSurpluses(w http.ResponseWriter, r *http.Request, c *call) {
	no, ok := customerNo(w, r, c)
	if !ok {
		return
	}
	p, ps := parsePage(c.query)
	if len(ps) > 0 {
		writeValidation(w, r, ps)
		return
	}
	st, ok := s.load(w, r, c, no)
	if !ok {
		return
	}
	current := st.CurrentSurpluses()
	from, to, nav := p.window(customerPath(c.ledgerNo, no)+"/surpluses", len(current))
	items := make([]surplusResource, 0, to-from)
	for _, sp := range current[from:to] {
		items = append(items, c.surplusResource(no, sp))
	}
	writeJSON(w, http.StatusOK, listResource{Items: items, Navigation: nav})
}

func (s *Server) getSurplus(w http.ResponseWriter, r *http.Request, c *call) {
	no, sp, ok := s.loadSurplus(w, r, c)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, c.surplusResource(no, sp))
}

func (s *Server) registerSurplus(w http.ResponseWriter, r *http.Request, c *call) {
	no, ok := customerNo(w, r, c)
	if !ok {
		return
	}
	cmd, ok := parseBody(s, w, r, true, (*fields).surplusInput, func(in domain.SurplusInput) (domain.RegisterSurplus, error) {
		return domain.ParseRegisterSurplus(in, s.now())
	})
	if !ok {
		return
	}
	st, ok := s.execute(w, r, c, no, nil, func(cu *domain.Customer) ([]domain.Event, error) { return cu.RegisterSurplus(cmd) })
	if !ok {
		return
	}
	sp, ok := s.surplusByID(w, r, st, cmd.SurplusID())
	if !ok {
		return
	}
	res := c.surplusResource(no, sp)
	w.Header().Set("Location", res.ID)
	writeJSON(w, http.StatusCreated, res)
}

// surplusByID returns a surplus just written (500 if the read model lacks it: a bug, not input).
func (s *Server) surplusByID(w http.ResponseWriter, r *http.Request, st domain.CustomerState, id string) (domain.SurplusState, bool) {
	sp, ok := st.Surplus(id)
	if !ok {
		s.writeError(w, r, errMissingAfterWrite)
		return sp, false
	}
	return sp, true
}

func (s *Server) settleSurplus(w http.ResponseWriter, r *http.Request, c *call) {
	no, sp, ok := s.loadSurplus(w, r, c)
	if !ok {
		return
	}
	cmd, ok := parseBody(s, w, r, false, (*fields).settleInput, domain.ParseSettleSurplus) // no body: the whole balance
	if !ok {
		return
	}
	st, ok := s.execute(w, r, c, no, nil, func(cu *domain.Customer) ([]domain.Event, error) { return cu.SettleSurplus(sp.SurplusID, cmd) })
	if !ok {
		return
	}
	if sp, ok = s.surplusByID(w, r, st, sp.SurplusID); ok {
		writeJSON(w, http.StatusOK, c.surplusResource(no, sp))
	}
}

func (s *Server) confirmRegulation(w http.ResponseWriter, r *http.Request, c *call) {
	no, sp, ok := s.loadSurplus(w, r, c)
	if !ok || !s.emptyBody(w, r) {
		return
	}
	st, ok := s.execute(w, r, c, no, nil, func(cu *domain.Customer) ([]domain.Event, error) { return cu.ConfirmRegulation(sp.SurplusID) })
	if !ok {
		return
	}
	if sp, ok = s.surplusByID(w, r, st, sp.SurplusID); !ok {
		return
	}
	if sp.Depleted() {
		w.WriteHeader(http.StatusNoContent) // used up: it leaves the API
		return
	}
	writeJSON(w, http.StatusOK, c.surplusResource(no, sp))
}

// emptyBody accepts no body or an empty JSON object (as the document sends "{ }").
func (s *Server) emptyBody(w http.ResponseWriter, r *http.Request) bool {
	o, ok := s.decodeObjectBody(w, r, false)
	if !ok {
		return false
	}
	var f fields
	f.unknown(o, "of this request (send no body or {})")
	if len(f.problems) > 0 {
		writeValidation(w, r, f.problems)
		return false
	}
	return true
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, c *call) {
	no, sp, ok := s.loadSurplus(w, r, c)
	if !ok {
		return
	}
	items := make([]orderResource, 0, len(sp.ActiveDisbursementOrders))
	for _, o := range sp.ActiveDisbursementOrders {
		items = append(items, c.orderResource(no, sp.SurplusID, o))
	}
	writeJSON(w, http.StatusOK, listResource{Items: items,
		Navigation: navigation{ID: surplusPath(c.ledgerNo, no, sp.SurplusID) + "/active-disbursement-orders"}})
}

func (s *Server) orderDisbursement(w http.ResponseWriter, r *http.Request, c *call) {
	no, sp, ok := s.loadSurplus(w, r, c)
	if !ok {
		return
	}
	dest, ok := parseBody(s, w, r, true, (*fields).disbursementInput, func(in domain.DisbursementOrderInput) (domain.Destination, error) {
		return domain.ParseDestination(in, s.now())
	})
	if !ok {
		return
	}
	orderID := uuid.Must(uuid.NewV7()).String()
	st, ok := s.execute(w, r, c, no, nil, func(cu *domain.Customer) ([]domain.Event, error) {
		return cu.OrderDisbursement(sp.SurplusID, orderID, dest)
	})
	if !ok {
		return
	}
	if sp, ok = s.surplusByID(w, r, st, sp.SurplusID); !ok {
		return
	}
	for _, ord := range sp.ActiveDisbursementOrders {
		if ord.OrderID == orderID {
			res := c.orderResource(no, sp.SurplusID, ord)
			w.Header().Set("Location", res.ID)
			writeJSON(w, http.StatusCreated, res)
			return
		}
	}
	s.writeError(w, r, errMissingAfterWrite)
}

func (s *Server) completeDisbursement(w http.ResponseWriter, r *http.Request, c *call) {
	no, sp, ok := s.loadSurplus(w, r, c)
	if !ok || !s.emptyBody(w, r) {
		return
	}
	orderID := r.PathValue("orderId")
	if _, ok := s.execute(w, r, c, no, nil, func(cu *domain.Customer) ([]domain.Event, error) {
		return cu.CompleteDisbursement(sp.SurplusID, orderID)
	}); ok {
		w.WriteHeader(http.StatusNoContent) // paid out: the surplus is depleted and leaves the API
	}
}
