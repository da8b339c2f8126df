package domain

import (
	"errors"
	"fmt"
	"time"
)

// CardVerificationSession is a provider's answer to starting a card verification: where to send
// the person, and the provider's own reference of the verification.
type CardVerificationSession struct {
	Provider    string // the provider's name, e.g. "sandbox" or "http"
	Reference   string // the provider's id of the verification ("" when it has none)
	RedirectURL string // an absolute http(s) URL (RedirectURLProblem)
}

// ErrNoActiveCardRegistration returns the error of a registration that is not the customer's
// active one (unknown, replaced by a newer one): a not-found problem.
func ErrNoActiveCardRegistration() *Error {
	return newError(CodeNotFound, "no recurring card registration with this id")
}

// errRegistrationActive is the conflict of a second registration while one is active.
func errRegistrationActive() *Error {
	return newError(CodeConflict, "a recurring card registration is already active: only one can be active at a time; wait until it ends (or expires)")
}

// CheckCardRegistrationStart reports whether a registration may be started at now (the customer
// exists and has no active registration), so a caller can refuse early, before asking a
// provider. StartCardRegistration decides again.
func (c *Customer) CheckCardRegistrationStart(now time.Time) error {
	if !c.exists {
		return errCustomerNotFound()
	}
	if r := c.state.CardRegistration; r != nil && r.Active(now) {
		return errRegistrationActive()
	}
	return nil
}

// StartCardRegistration decides starting a recurring-card registration with id registrationID
// (chosen by the caller: 16–64 characters of A–Z a–z 0–9 - _, unguessable, for it names the
// verification page) at a provider's session, expiring at expiresAt. Only one registration may
// be active at a time (a conflict otherwise); a registration left Initialized past its expiry is
// first recorded as aborted (reason expired).
func (c *Customer) StartCardRegistration(cmd StartCardRegistration, registrationID string, session CardVerificationSession, now, expiresAt time.Time) ([]Event, error) {
	if err := c.CheckCardRegistrationStart(now); err != nil {
		return nil, err
	}
	switch {
	case cmd.language == "" || cmd.completeURL == "" || cmd.cancelURL == "":
		return nil, errors.New("domain: StartCardRegistration was not parsed")
	case !validRegistrationID(registrationID):
		return nil, errors.New("domain: a registration id must be 16–64 characters of A–Z a–z 0–9 - _")
	case session.Provider == "" || RedirectURLProblem(session.RedirectURL) != "":
		return nil, errors.New("domain: the card-verification session has no provider or no valid redirect URL")
	case !expiresAt.After(now):
		return nil, errors.New("domain: a registration must expire after it starts")
	}
	var events []Event
	if r := c.state.CardRegistration; r != nil && r.Expired(now) {
		events = append(events, RecurringCardRegistrationAborted{RegistrationID: r.RegistrationID, Reason: AbortExpired})
	}
	return append(events, RecurringCardRegistrationStarted{
		RegistrationID: registrationID, Provider: session.Provider, ProviderReference: session.Reference,
		RedirectURL: session.RedirectURL, CompleteURL: cmd.completeURL, CancelURL: cmd.cancelURL,
		Language: cmd.language, ExpiresAt: expiresAt.UTC(),
	}), nil
}

// FinishCardRegistration decides the end of the registration registrationID with a provider's
// result at now: Completed (registering the card as the recurring-card consent), Aborted or
// Failed. A registration that is not the customer's latest is not found; one that has ended
// already is a conflict (a registration is completed once); one that expired is recorded as
// aborted (reason expired), whatever the result — read the state after to tell.
func (c *Customer) FinishCardRegistration(registrationID string, res CardVerificationResult, now time.Time) ([]Event, error) {
	r, err := c.cardRegistration(registrationID)
	if err != nil {
		return nil, err
	}
	if r.Status != CardRegistrationInitialized {
		return nil, newError(CodeConflict, fmt.Sprintf("the recurring card registration has ended already (%s)", r.Status))
	}
	if r.Expired(now) {
		return []Event{RecurringCardRegistrationAborted{RegistrationID: r.RegistrationID, Reason: AbortExpired}}, nil
	}
	switch res.Outcome {
	case OutcomeCompleted:
		if !isGUID(res.CardToken) || res.InstrumentDisplayName == "" || res.CardExpiryDate == "" || res.ConsentExpiryDate == "" {
			return nil, errors.New("domain: CardVerificationResult was not parsed")
		}
		if err := checkNotExpired(res, now); err != nil {
			return nil, err
		}
		return []Event{RecurringCardRegistrationCompleted{
			RegistrationID: r.RegistrationID, CardToken: res.CardToken, InstrumentDisplayName: res.InstrumentDisplayName,
			CardExpiryDate: res.CardExpiryDate, ConsentExpiryDate: res.ConsentExpiryDate,
		}}, nil
	case OutcomeAborted:
		reason := res.Reason
		if reason == "" {
			reason = AbortCancelled
		}
		return []Event{RecurringCardRegistrationAborted{RegistrationID: r.RegistrationID, Reason: reason}}, nil
	case OutcomeFailed:
		if res.Reason == "" {
			return nil, errors.New("domain: a failed card verification needs a reason")
		}
		return []Event{RecurringCardRegistrationFailed{RegistrationID: r.RegistrationID, Reason: res.Reason}}, nil
	}
	return nil, errors.New("domain: CardVerificationResult was not parsed")
}

// ExpireCardRegistration decides recording the expiry of registration registrationID: an
// Aborted event (reason expired) when it is still Initialized and expired at now; nothing when
// it is not (ended already, not yet expired, replaced).
func (c *Customer) ExpireCardRegistration(registrationID string, now time.Time) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	r := c.state.CardRegistration
	if r == nil || r.RegistrationID != registrationID || !r.Expired(now) {
		return nil, nil
	}
	return []Event{RecurringCardRegistrationAborted{RegistrationID: r.RegistrationID, Reason: AbortExpired}}, nil
}

// RemoveRecurringCardConsent decides withdrawing the recurring-card consent in force at now; a
// customer without one is not found.
func (c *Customer) RemoveRecurringCardConsent(now time.Time) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	consent, ok := c.state.RecurringCardAt(now)
	if !ok {
		return nil, ErrNoRecurringCardConsent()
	}
	return []Event{RecurringCardConsentRemoved{CardToken: consent.CardToken}}, nil
}

// ErrNoRecurringCardConsent returns the error of a customer without a recurring-card consent in
// force (a not-found problem).
func ErrNoRecurringCardConsent() *Error {
	return newError(CodeNotFound, "the customer has no active recurring card consent")
}

// cardRegistration returns the customer's latest registration when it is registrationID.
func (c *Customer) cardRegistration(registrationID string) (*CardRegistration, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	r := c.state.CardRegistration
	if r == nil || r.RegistrationID != registrationID {
		return nil, ErrNoActiveCardRegistration()
	}
	return r, nil
}

// validRegistrationID reports whether id can name a registration (and be a URL path segment).
func validRegistrationID(id string) bool {
	if len(id) < 16 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// ValidRegistrationID reports whether id has the shape of a registration id (16–64 characters of
// A–Z a–z 0–9 - _), so a caller can refuse other ids without looking them up.
func ValidRegistrationID(id string) bool { return validRegistrationID(id) }

// applyConsent applies a consent event. It checks the event against the state first and changes
// nothing when it does not fit (a stream the aggregate could not have written).
func applyConsent(s *CustomerState, r Recorded) error {
	reg := s.CardRegistration
	ending := func(id string) error {
		if reg == nil || reg.RegistrationID != id || reg.Status != CardRegistrationInitialized {
			return fmt.Errorf("domain: %s for a registration that is not the customer's initialized one", r.Event.EventType())
		}
		return nil
	}
	switch e := r.Event.(type) {
	case RecurringCardRegistrationStarted:
		if reg != nil && reg.Status == CardRegistrationInitialized {
			return fmt.Errorf("domain: RecurringCardRegistrationStarted while another registration is initialized")
		}
		if !validRegistrationID(e.RegistrationID) {
			return fmt.Errorf("domain: RecurringCardRegistrationStarted with an invalid registration id")
		}
		s.CardRegistration = &CardRegistration{
			RegistrationID: e.RegistrationID, Provider: e.Provider, ProviderReference: e.ProviderReference,
			RedirectURL: e.RedirectURL, CompleteURL: e.CompleteURL, CancelURL: e.CancelURL, Language: e.Language,
			Status: CardRegistrationInitialized, StartedAt: r.Time, ExpiresAt: e.ExpiresAt,
		}
	case RecurringCardRegistrationCompleted:
		if err := ending(e.RegistrationID); err != nil {
			return err
		}
		if _, _, ok := parseMonthYear(e.ConsentExpiryDate, '-'); !ok || e.CardToken == "" {
			return fmt.Errorf("domain: RecurringCardRegistrationCompleted is not valid")
		}
		reg.Status, reg.EndedAt, reg.CardToken = CardRegistrationCompleted, r.Time, e.CardToken
		s.RecurringCard = &RecurringCardConsent{
			CardToken: e.CardToken, InstrumentDisplayName: e.InstrumentDisplayName, CardExpiryDate: e.CardExpiryDate,
			ConsentExpiryDate: e.ConsentExpiryDate, RegistrationID: e.RegistrationID, RegisteredAt: r.Time,
		}
		s.ActiveConsents = addConsent(s.ActiveConsents, ConsentRecurringCard)
	case RecurringCardRegistrationAborted:
		if err := ending(e.RegistrationID); err != nil {
			return err
		}
		reg.Status, reg.Reason, reg.EndedAt = CardRegistrationAborted, e.Reason, r.Time
	case RecurringCardRegistrationFailed:
		if err := ending(e.RegistrationID); err != nil {
			return err
		}
		reg.Status, reg.Reason, reg.EndedAt = CardRegistrationFailed, e.Reason, r.Time
	case RecurringCardConsentRemoved:
		if s.RecurringCard == nil || s.RecurringCard.CardToken != e.CardToken {
			return fmt.Errorf("domain: RecurringCardConsentRemoved for a card that is not the customer's consent")
		}
		s.RecurringCard = nil
		s.ActiveConsents = removeConsent(s.ActiveConsents, ConsentRecurringCard)
	}
	return nil
}

// checkNotExpired refuses a completed verification whose card or consent expiry month is already
// over at now: it could never be in force, and recording it would end the registration as
// Completed and replace the customer's consent in force with it.
func checkNotExpired(res CardVerificationResult, now time.Time) error {
	var ps problems
	if end, ok := monthEnd(res.CardExpiryDate, '/'); !ok || !now.Before(end) {
		ps.add(PropCardExpiryDate, PropCardExpiryDate+" is over: the card has expired")
	}
	if end, ok := monthEnd(res.ConsentExpiryDate, '-'); !ok || !now.Before(end) {
		ps.add(PropConsentExpiryDate, PropConsentExpiryDate+" is over: the consent would never be in force")
	}
	return ps.err()
}
