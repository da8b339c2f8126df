package httpapi

import (
	"errors"
	"net/http"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/httpapi/auth"
	"github.com/nordledger/ledger/internal/app"
)

// The consent routes (SPEC §3, §7; the document's "Consent" section). Reading needs
// customer:read; registering and removing a consent need consent:write (SPEC §2).
const (
	routeConsent          = routeCustomer + "/consent"
	routeRecurringCard    = routeConsent + "/recurring-card"
	routeCardRegistration = routeConsent + "/recurring-card-redirect-registration"
)

func (s *Server) consentRoutes(mux *http.ServeMux) {
	s.route(mux, routeConsent, map[string]endpoint{
		http.MethodGet: {auth.ScopeCustomerRead, s.getConsent},
	})
	s.route(mux, routeRecurringCard, map[string]endpoint{
		http.MethodGet:    {auth.ScopeCustomerRead, s.getRecurringCard},
		http.MethodDelete: {auth.ScopeConsentWrite, s.deleteRecurringCard},
	})
	s.route(mux, routeCardRegistration, map[string]endpoint{
		http.MethodGet:  {auth.ScopeCustomerRead, s.getCardRegistration},
		http.MethodPost: {auth.ScopeConsentWrite, s.startCardRegistration},
	})
	s.cardVerificationPages(mux) // card_verification.go
}

// consentResource links the consent resources (the document's shape).
type consentResource struct {
	RecurringCard                     string `json:"recurringCard"`
	RecurringCardRedirectRegistration string `json:"recurringCardRedirectRegistration"`
}

// recurringCardResource is the active recurring-card consent (the document's shape and order).
type recurringCardResource struct {
	CardToken             string `json:"cardToken"`
	ConsentExpiryDate     string `json:"consentExpiryDate"`
	InstrumentDisplayName string `json:"instrumentDisplayName"`
	CardExpiryDate        string `json:"cardExpiryDate"`
}

// cardRegistrationResource is a recurring-card redirect registration, with its @id in the start
// response and on GET alike (the document's GET example omits it; every other resource has one).
type cardRegistrationResource struct {
	RedirectURL string `json:"redirectUrl"`
	Status      string `json:"status"`
	ID          string `json:"@id,omitempty"`
}

func (s *Server) getConsent(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	st, _, err := s.loadView(r, c, no)
	if err != nil {
		return err
	}
	self := customerPath(c.ledgerNo, st.CustomerNo) + "/consent"
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, consentResource{RecurringCard: self + "/recurring-card", RecurringCardRedirectRegistration: self + "/recurring-card-redirect-registration"})
	return nil
}

func (s *Server) getRecurringCard(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	st, view, err := s.loadView(r, c, no)
	if err != nil {
		return err
	}
	consent, ok := st.RecurringCardAt(view.now)
	if !ok {
		return domain.ErrNoRecurringCardConsent()
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, recurringCardResource{CardToken: consent.CardToken, ConsentExpiryDate: consent.ConsentExpiryDate,
		InstrumentDisplayName: consent.InstrumentDisplayName, CardExpiryDate: consent.CardExpiryDate})
	return nil
}

// deleteRecurringCard withdraws the consent: 204, or 404 when there is none in force. The
// document sends "{ }"; nothing else is meaningful.
func (s *Server) deleteRecurringCard(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := emptyBody(r); err != nil {
		return err
	}
	st, err := s.execute(r, c, no, match, app.RemoveRecurringCardConsent(s.now()))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(st.Version))
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getCardRegistration(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	st, view, err := s.loadView(r, c, no)
	if err != nil {
		return err
	}
	reg := st.CardRegistration
	if reg == nil {
		return &domain.Error{Code: domain.CodeNotFound, Message: "the customer has no recurring card registration"}
	}
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, cardRegistrationResource{RedirectURL: reg.RedirectURL, Status: string(reg.StatusAt(view.now)),
		ID: customerPath(c.ledgerNo, st.CustomerNo) + "/consent/recurring-card-redirect-registration"})
	return nil
}

// startCardRegistrationInput reads a start-recurring-card-registration body.
func (f *fields) startCardRegistrationInput(o *object) domain.StartCardRegistrationInput {
	in := domain.StartCardRegistrationInput{
		CompleteURL: f.str(o, domain.PropCompleteURL),
		CancelURL:   f.str(o, domain.PropCancelURL),
		Language:    f.str(o, domain.PropLanguage),
	}
	f.unknown(o, "of a recurring card registration (completeUrl, cancelUrl, language)")
	return in
}

// startCardRegistration starts a registration: the request is validated, the customer must have
// no active registration (409), the provider is asked for a verification (503 when it cannot
// answer, or answers only after the registration's expiry time; nothing is recorded), and
// RecurringCardRegistrationStarted is recorded. 200 with the
// redirect URL, as the document shows.
func (s *Server) startCardRegistration(w http.ResponseWriter, r *http.Request, c *call) error {
	no, err := customerNo(r, c)
	if err != nil {
		return err
	}
	match, err := ifMatch(r)
	if err != nil {
		return err
	}
	cmd, err := parseBody(r, true, (*fields).startCardRegistrationInput, domain.ParseStartCardRegistration)
	if err != nil {
		return err
	}
	st, err := s.load(r, c, no)
	if err != nil {
		return err
	}
	// The preconditions first (RFC 9110 §13.2.2: before the method's own checks, as execute
	// does under the lock, which checks them again), then the state, both before asking the
	// provider for a verification nobody will use.
	if err := checkPreconditions(r, match, st.Version, "the registration is not started"); err != nil {
		return err
	}
	now := s.now().UTC()
	if err := domain.RestoreCustomer(st).CheckCardRegistrationStart(now); err != nil {
		return err
	}
	id, err := newRegistrationID()
	if err != nil {
		return err
	}
	ttl := s.cfg.CardRegistrationTTL
	if ttl <= 0 {
		ttl = DefaultCardRegistrationTTL
	}
	expiresAt := now.Add(ttl)
	session, err := s.startCardVerification(r.Context(), CardVerification{RegistrationID: id, Language: cmd.Language(),
		CompleteURL: cmd.CompleteURL(), CancelURL: cmd.CancelURL(), ExpiresAt: expiresAt})
	if err != nil {
		return err
	}
	// The provider may take its time (up to its timeout): the registration is decided at the
	// time it is recorded, and one the provider answered only after its expiry time is not
	// started — recorded, it would be answered Initialized while every read shows it expired.
	if now = s.now().UTC(); !expiresAt.After(now) {
		return &verifierError{errors.New("the provider answered after the registration's expiry time")}
	}
	st, err = s.execute(r, c, no, match, app.StartCardRegistration(cmd, id, session, now, expiresAt))
	if err != nil {
		return err
	}
	self := customerPath(c.ledgerNo, no) + "/consent/recurring-card-redirect-registration"
	w.Header().Set("ETag", etag(st.Version))
	writeJSON(w, http.StatusOK, cardRegistrationResource{RedirectURL: session.RedirectURL, Status: string(domain.CardRegistrationInitialized), ID: self})
	return nil
}
