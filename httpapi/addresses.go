package httpapi

import (
	"net/http"

	"github.com/nordledger/ledger/domain"
)

// addressBody reads an address request body; it writes the problem and returns false when the
// body is not a valid address.
func (s *Server) addressBody(w http.ResponseWriter, r *http.Request) (domain.Address, bool) {
	return parseBody(s, w, r, true, (*fields).address, func(in domain.AddressInput) (domain.Address, error) {
		return domain.ParseAddress(in, "")
	})
}

func (s *Server) getLegalAddress(w http.ResponseWriter, r *http.Request, c *call) {
	s.getAddress(w, r, c, func(c *call, st domain.CustomerState) (any, bool) {
		if st.LegalAddress == nil {
			return nil, false
		}
		return c.legalAddressResource(st, false), true
	}, domain.CodeLegalAddressNotFound, "the customer has no legal address")
}

func (s *Server) getBillingAddress(w http.ResponseWriter, r *http.Request, c *call) {
	s.getAddress(w, r, c, func(c *call, st domain.CustomerState) (any, bool) {
		if st.BillingAddress == nil {
			return nil, false
		}
		return c.billingAddressResource(st), true
	}, domain.CodeBillingAddressNotFound, "the customer has no billing address")
}

// getAddress answers an address sub-resource (now, or as of a time or version), or the given
// not-found problem.
func (s *Server) getAddress(w http.ResponseWriter, r *http.Request, c *call, render func(*call, domain.CustomerState) (any, bool), missing domain.Code, detail string) {
	no, ok := customerNo(w, r, c)
	if !ok {
		return
	}
	st, view, ok := s.loadView(w, r, c, no)
	if !ok {
		return
	}
	if !c.mayDisclose(st) {
		writeProtected(w, r)
		return
	}
	res, ok := render(view, st)
	if !ok {
		writeProblem(w, r, http.StatusNotFound, string(missing), detail, nil)
		return
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) putLegalAddress(w http.ResponseWriter, r *http.Request, c *call) {
	s.changeAddress(w, r, c, http.StatusOK, func(cu *domain.Customer, a domain.Address) ([]domain.Event, error) {
		return cu.ReplaceLegalAddress(a, domain.SourceAPI)
	}, func(st domain.CustomerState) any { return c.legalAddressResource(st, false) })
}

func (s *Server) postBillingAddress(w http.ResponseWriter, r *http.Request, c *call) {
	s.changeAddress(w, r, c, http.StatusCreated, func(cu *domain.Customer, a domain.Address) ([]domain.Event, error) {
		return cu.AddBillingAddress(a)
	}, func(st domain.CustomerState) any { return c.billingAddressResource(st) })
}

func (s *Server) putBillingAddress(w http.ResponseWriter, r *http.Request, c *call) {
	s.changeAddress(w, r, c, http.StatusOK, func(cu *domain.Customer, a domain.Address) ([]domain.Event, error) {
		return cu.ReplaceBillingAddress(a)
	}, func(st domain.CustomerState) any { return c.billingAddressResource(st) })
}

// changeAddress runs an address command and answers with the address resource.
func (s *Server) changeAddress(w http.ResponseWriter, r *http.Request, c *call, status int,
	decide func(*domain.Customer, domain.Address) ([]domain.Event, error), render func(domain.CustomerState) any) {
	no, ok := customerNo(w, r, c)
	if !ok {
		return
	}
	match, ok := ifMatch(w, r)
	if !ok {
		return
	}
	a, ok := s.addressBody(w, r)
	if !ok {
		return
	}
	st, ok := s.execute(w, r, c, no, match, func(cu *domain.Customer) ([]domain.Event, error) { return decide(cu, a) })
	if !ok {
		return
	}
	w.Header().Set("ETag", etag(st.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", r.URL.Path)
	}
	if !c.mayDisclose(st) { // protected.go: changed, but not shown
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, status, render(st))
}

func (s *Server) deleteBillingAddress(w http.ResponseWriter, r *http.Request, c *call) {
	no, ok := customerNo(w, r, c)
	if !ok {
		return
	}
	match, ok := ifMatch(w, r)
	if !ok {
		return
	}
	o, ok := s.decodeObjectBody(w, r, false) // the document sends "{ }"; nothing else is meaningful
	if !ok {
		return
	}
	var f fields
	f.unknown(o, "of a delete request (send an empty body or {})")
	if len(f.problems) > 0 {
		writeValidation(w, r, f.problems)
		return
	}
	st, ok := s.execute(w, r, c, no, match, func(cu *domain.Customer) ([]domain.Event, error) { return cu.RemoveBillingAddress() })
	if !ok {
		return
	}
	w.Header().Set("ETag", etag(st.Version))
	w.WriteHeader(http.StatusNoContent)
}
