package httpapi

import (
	"cmp"
	"context"
	"errors"
	"net/http"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/app"
)

// The population register's routes (SPEC §3, §7), scope population-register. POST on
// routeLegalAddress itself does the same as routeLegalAddressFromRegister: the document shows
// both hrefs.
const (
	routeLegalAddressFromRegister = routeLegalAddress + "/update-legal-address-from-population-register"
	routeGenerateCustomer         = prefix + "/generate-consumer-customer-by-reg-no"
	relLegalAddressFromRegister   = "update-legal-address-from-population-register"
)

// PopulationRegister looks persons up in the population register (implemented by the adapters of
// httpapi/popreg). Person answers domain.ErrNotInPopulationRegister() for a person the register
// does not know; any other error means the register could not answer (503, nothing changed).
type PopulationRegister interface {
	Person(ctx context.Context, ni domain.NationalIdentifier) (domain.RegisteredPerson, error)
}

// registerError is a population register that could not answer.
type registerError struct{ err error }

func (e *registerError) Error() string { return "population register: " + e.err.Error() }
func (e *registerError) Unwrap() error { return e.err }

func (s *Server) populationRegisterRoutes(mux *http.ServeMux) {
	s.route(mux, routeLegalAddressFromRegister, map[string]endpoint{
		http.MethodPost: {auth.ScopePopulationRegister, s.updateLegalAddressFromRegister},
	})
	s.route(mux, routeGenerateCustomer, map[string]endpoint{
		http.MethodPost: {auth.ScopePopulationRegister, s.generateCustomer},
	})
}

// person asks the register. A person it does not know is the domain's not-found error; every
// other failure (also the register's own timeout) becomes a registerError, unless the caller
// went away.
func (s *Server) person(ctx context.Context, ni domain.NationalIdentifier) (_ domain.RegisteredPerson, err error) {
	if s.cfg.PopulationRegister == nil {
		return domain.RegisteredPerson{}, &registerError{errors.New("no population register is configured")}
	}
	cctx, span := startCall(ctx, SpanPopulationRegister) // trace.go
	defer func() { endCall(span, err) }()
	p, err := s.cfg.PopulationRegister.Person(cctx, ni)
	var de *domain.Error
	switch {
	case err == nil:
		return p, nil
	case errors.As(err, &de) && de.Code == domain.CodeNotFound:
		return p, err
	case ctx.Err() != nil:
		return p, ctx.Err()
	}
	return p, &registerError{err}
}

// updateLegalAddressFromRegister replaces the legal address with the register's. The register is
// asked before anything is written: when it cannot answer, nothing changes (503).
func (s *Server) updateLegalAddressFromRegister(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil { // surpluses.go
		return err
	}
	st, err := s.load(r, c, no)
	if err != nil {
		return err
	}
	// The preconditions first, and before the register is asked (execute checks them again,
	// under the lock): the identity number is not sent out for a change that cannot be made.
	if err := checkPreconditions(r, match, st.Version, "the register was not asked"); err != nil {
		return err
	}
	ni, err := st.PopulationRegisterKey()
	if err != nil {
		return err
	}
	p, err := s.person(r.Context(), ni) // not cancelled by a half-close (route); the register's timeout bounds it
	if err != nil {
		return err
	}
	st, err = s.execute(r, c, no, match, app.UpdateFromPopulationRegister(p))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, c.legalAddressResource(st, false))
	return nil
}

// generateInput reads a generate-consumer-customer-by-reg-no body.
func (f *fields) generateInput(o *object) domain.GenerateCustomerInput {
	in := domain.GenerateCustomerInput{
		CustomerNo:         f.str(o, domain.PropCustomerNo),
		NationalIdentifier: f.nationalIdentifier(o, domain.PropNationalIdentifier),
		EmailAddress:       f.str(o, domain.PropEmailAddress),
		MSISDN:             f.str(o, domain.PropMSISDN),
	}
	f.unknown(o, "of generate-consumer-customer-by-reg-no (customerNo, nationalIdentifier, emailAddress, msisdn)")
	return in
}

// generateTaken refuses, before the register is asked, a generate that create would refuse: its
// customer number or national identifier is taken in the ledger (409, as create answers). The
// identifier is then not sent to the register for nothing, and a register that cannot answer does
// not hide the refusal behind a 503. Create checks both again under its reservation.
func (s *Server) generateTaken(r *http.Request, c *call, g domain.GenerateCustomer) error {
	if err := s.caughtUp(r); err != nil {
		return err
	}
	if no := g.CustomerNo(); no != "" {
		if _, found, err := s.cfg.Customers.Customer(r.Context(), c.ledgerNo, no); err != nil || found {
			return cmp.Or(err, error(&domain.Error{Code: domain.CodeConflict, Message: "a customer with this customerNo already exists"}))
		}
	}
	if _, found, err := s.cfg.Customers.FindByNationalID(r.Context(), c.ledgerNo, g.NationalIdentifier()); err != nil || found {
		return cmp.Or(err, error(&domain.Error{Code: domain.CodeConflict, Message: "a customer with this nationalIdentifier already exists in this ledger"}))
	}
	return nil
}

// generateCustomer creates a consumer customer from the register's name and address, with the
// rules of create (customerNo, the national identifier reserved in the ledger).
func (s *Server) generateCustomer(w http.ResponseWriter, r *http.Request, c *call) error {
	g, err := parseBody(r, true, (*fields).generateInput, func(in domain.GenerateCustomerInput) (domain.GenerateCustomer, error) {
		return domain.ParseGenerateCustomer(in, c.ledger, s.now())
	})
	if err != nil {
		return err
	}
	if err := s.generateTaken(r, c, g); err != nil {
		return err
	}
	p, err := s.person(r.Context(), g.NationalIdentifier())
	if err != nil {
		return err
	}
	cmd, err := g.FromRegister(p)
	if err != nil {
		return err
	}
	return s.create(w, r, c, cmd)
}
