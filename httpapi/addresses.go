package httpapi

import (
	"net/http"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/app"
)

// addressBody reads an address request body: a validation problem when it is not a valid address.
func addressBody(r *http.Request) (domain.Address, error) {
	return parseBody(r, true, (*fields).address, func(in domain.AddressInput) (domain.Address, error) {
		return domain.ParseAddress(in, "")
	})
}

func (s *Server) getLegalAddress(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.getAddress(w, r, c, func(c *call, st domain.CustomerState) (any, bool) {
		if st.LegalAddress == nil {
			return nil, false
		}
		return c.legalAddressResource(st, false), true
	}, domain.CodeLegalAddressNotFound, "the customer has no legal address")
}

func (s *Server) getBillingAddress(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.getAddress(w, r, c, func(c *call, st domain.CustomerState) (any, bool) {
		if st.BillingAddress == nil {
			return nil, false
		}
		return c.billingAddressResource(st), true
	}, domain.CodeBillingAddressNotFound, "the customer has no billing address")
}

// getAddress answers an address sub-resource (now, or as of a time or version), or the given
// not-found problem.
func (s *Server) getAddress(w http.ResponseWriter, r *http.Request, c *call, render func(*call, domain.CustomerState) (any, bool), missing domain.Code, detail string) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	st, view, err := s.loadView(r, c, no)
	if err != nil {
		return err
	}
	if !c.mayDisclose(st) {
		return errProtected
	}
	res, ok := render(view, st)
	if !ok {
		return &domain.Error{Code: missing, Message: detail}
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) putLegalAddress(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.changeAddress(w, r, c, http.StatusOK, func(a domain.Address) app.Decision { return app.ReplaceLegalAddress(a, domain.SourceAPI) },
		func(st domain.CustomerState) any { return c.legalAddressResource(st, false) })
}

func (s *Server) postBillingAddress(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.changeAddress(w, r, c, http.StatusCreated, app.AddBillingAddress, func(st domain.CustomerState) any { return c.billingAddressResource(st) })
}

func (s *Server) putBillingAddress(w http.ResponseWriter, r *http.Request, c *call) error {
	return s.changeAddress(w, r, c, http.StatusOK, app.ReplaceBillingAddress, func(st domain.CustomerState) any { return c.billingAddressResource(st) })
}

// changeAddress runs an address command and answers with the address resource.
func (s *Server) changeAddress(w http.ResponseWriter, r *http.Request, c *call, status int,
	useCase func(domain.Address) app.Decision, render func(domain.CustomerState) any) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	a, err := addressBody(r)
	if err != nil {
		return err
	}
	st, err := s.execute(r, c, no, match, useCase(a))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", r.URL.Path)
	}
	if !c.mayDisclose(st) { // protected.go: changed, but not shown
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	writeJSON(w, status, render(st))
	return nil
}

func (s *Server) deleteBillingAddress(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	o, err := decodeObjectBody(r, false) // the document sends "{ }"; nothing else is meaningful
	if err != nil {
		return err
	}
	var f fields
	f.unknown(o, "of a delete request (send an empty body or {})")
	if len(f.problems) > 0 {
		return invalid(f.problems...)
	}
	st, err := s.execute(r, c, no, match, app.RemoveBillingAddress())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	w.WriteHeader(http.StatusNoContent)
	return nil
}
