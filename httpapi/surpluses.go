package httpapi

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/app"
)

// surplus finds a current (not depleted) surplus of a customer (not-found when there is none,
// surplus-depleted when it was used up: domain.CustomerState.CurrentSurplus).
func surplus(r *http.Request, st domain.CustomerState) (domain.SurplusState, error) {
	return st.CurrentSurplus(r.PathValue("surplusId"))
}

// loadSurplus reads the customer of the path and its surplus, and the customer.
func (s *Server) loadSurplus(r *http.Request, c *call) (no string, st domain.CustomerState, sp domain.SurplusState, err error) {
	if no, err = customerNo(r, c); err != nil {
		return "", st, sp, err
	}
	if st, err = s.load(r, c, no); err != nil {
		return "", st, sp, err
	}
	sp, err = surplus(r, st)
	return no, st, sp, err
}

func (s *Server) listSurpluses(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	p, ps := parsePage(c.query)
	if len(ps) > 0 {
		return invalid(ps...)
	}
	st, err := s.load(r, c, no)
	if err != nil {
		return err
	}
	current := st.CurrentSurpluses()
	from, to, nav := p.window(customerPath(c.ledgerNo, no)+"/surpluses", len(current))
	items := make([]surplusResource, 0, to-from)
	for _, sp := range current[from:to] {
		items = append(items, c.surplusResource(no, sp))
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, listResource{Items: items, Navigation: nav})
	return nil
}

func (s *Server) getSurplus(w http.ResponseWriter, r *http.Request, c *call) error {
	no, st, sp, err := s.loadSurplus(r, c)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, c.surplusResource(no, sp))
	return nil
}

func (s *Server) registerSurplus(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	cmd, err := parseBody(r, true, (*fields).surplusInput, func(in domain.SurplusInput) (domain.RegisterSurplus, error) {
		return domain.ParseRegisterSurplus(in, s.now())
	})
	if err != nil {
		return err
	}
	st, err := s.execute(r, c, no, nil, app.RegisterSurplus(cmd))
	if err != nil {
		return err
	}
	sp, err := surplusByID(st, cmd.SurplusID())
	if err != nil {
		return err
	}
	res := c.surplusResource(no, sp)
	w.Header().Set("Location", res.ID)
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusCreated, res)
	return nil
}

// surplusByID returns a surplus just written (500 if the read model lacks it: a bug, not input).
func surplusByID(st domain.CustomerState, id string) (domain.SurplusState, error) {
	sp, ok := st.Surplus(id)
	if !ok {
		return sp, errMissingAfterWrite
	}
	return sp, nil
}

func (s *Server) settleSurplus(w http.ResponseWriter, r *http.Request, c *call) error {
	no, _, sp, err := s.loadSurplus(r, c)
	if err != nil {
		return err
	}
	cmd, err := parseBody(r, false, (*fields).settleInput, domain.ParseSettleSurplus) // no body: the whole balance
	if err != nil {
		return err
	}
	st, err := s.execute(r, c, no, nil, app.SettleSurplus(sp.SurplusID, cmd))
	if err != nil {
		return err
	}
	if sp, err = surplusByID(st, sp.SurplusID); err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, c.surplusResource(no, sp))
	return nil
}

func (s *Server) confirmRegulation(w http.ResponseWriter, r *http.Request, c *call) error {
	no, _, sp, err := s.loadSurplus(r, c)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	st, err := s.execute(r, c, no, nil, app.ConfirmRegulation(sp.SurplusID))
	if err != nil {
		return err
	}
	if sp, err = surplusByID(st, sp.SurplusID); err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	if sp.Depleted() {
		w.WriteHeader(http.StatusNoContent) // used up: it leaves the API
		return nil
	}
	writeJSON(w, http.StatusOK, c.surplusResource(no, sp))
	return nil
}

// emptyBody accepts no body or an empty JSON object (as the document sends "{ }").
func emptyBody(r *http.Request) error {
	o, err := decodeObjectBody(r, false)
	if err != nil {
		return err
	}
	var f fields
	f.unknown(o, "of this request (send no body or {})")
	if len(f.problems) > 0 {
		return invalid(f.problems...)
	}
	return nil
}

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, c *call) error {
	no, st, sp, err := s.loadSurplus(r, c)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	items := make([]orderResource, 0, len(sp.ActiveDisbursementOrders))
	for _, o := range sp.ActiveDisbursementOrders {
		items = append(items, c.orderResource(no, sp.SurplusID, o, c.mayDisclose(st)))
	}
	writeJSON(w, http.StatusOK, listResource{Items: items,
		Navigation: navigation{ID: surplusPath(c.ledgerNo, no, sp.SurplusID) + "/active-disbursement-orders"}})
	return nil
}

// getOrder answers an active disbursement order: what an order's @id and its 201's Location name.
// orderIds are matched case-insensitively; a completed order is no longer active (not found).
func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, c *call) error {
	no, st, sp, err := s.loadSurplus(r, c)
	if err != nil {
		return err
	}
	for _, o := range sp.ActiveDisbursementOrders {
		if strings.EqualFold(o.OrderID, r.PathValue("orderId")) {
			w.Header().Set("ETag", etag(st.Version))
			writeJSON(w, http.StatusOK, c.orderResource(no, sp.SurplusID, o, c.mayDisclose(st)))
			return nil
		}
	}
	return &domain.Error{Code: domain.CodeNotFound, Message: "the surplus has no active disbursement order with this orderId"}
}

func (s *Server) orderDisbursement(w http.ResponseWriter, r *http.Request, c *call) error {
	no, _, sp, err := s.loadSurplus(r, c)
	if err != nil {
		return err
	}
	dest, err := parseBody(r, true, (*fields).disbursementInput, func(in domain.DisbursementOrderInput) (domain.Destination, error) {
		return domain.ParseDestination(in, s.now())
	})
	if err != nil {
		return err
	}
	orderID := uuid.Must(uuid.NewV7()).String()
	st, err := s.execute(r, c, no, nil, app.OrderDisbursement(sp.SurplusID, orderID, dest))
	if err != nil {
		return err
	}
	if sp, err = surplusByID(st, sp.SurplusID); err != nil {
		return err
	}
	for _, ord := range sp.ActiveDisbursementOrders {
		if ord.OrderID == orderID {
			res := c.orderResource(no, sp.SurplusID, ord, c.mayDisclose(st))
			w.Header().Set("Location", res.ID)
			w.Header().Set("ETag", etag(st.Version))
			writeJSON(w, http.StatusCreated, res)
			return nil
		}
	}
	return errMissingAfterWrite
}

func (s *Server) completeDisbursement(w http.ResponseWriter, r *http.Request, c *call) error {
	no, _, sp, err := s.loadSurplus(r, c)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	orderID := r.PathValue("orderId")
	st, err := s.execute(r, c, no, nil, app.CompleteDisbursement(sp.SurplusID, orderID))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	w.WriteHeader(http.StatusNoContent) // paid out: the surplus is depleted and leaves the API
	return nil
}
