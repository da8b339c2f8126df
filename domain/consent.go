package domain

import (
	"slices"
	"time"
)

// CardRegistrationStatus is the status of a recurring-card redirect registration, spelled as the
// document's resource shows it. Initialized is the only status that is not an end status.
type CardRegistrationStatus string

// The statuses of a recurring-card redirect registration.
const (
	CardRegistrationInitialized CardRegistrationStatus = "Initialized"
	CardRegistrationCompleted   CardRegistrationStatus = "Completed"
	CardRegistrationAborted     CardRegistrationStatus = "Aborted"
	CardRegistrationFailed      CardRegistrationStatus = "Failed"
)

// Reasons of RecurringCardRegistrationAborted.
const (
	// AbortCancelled: the person cancelled the verification.
	AbortCancelled = "cancelled"
	// AbortExpired: the registration was left Initialized past its expiry time.
	AbortExpired = "expired"
)

// CardRegistration is a customer's latest recurring-card redirect registration.
type CardRegistration struct {
	RegistrationID    string
	Provider          string
	ProviderReference string
	RedirectURL       string
	CompleteURL       string
	CancelURL         string
	Language          string
	// Status is the status recorded by events. An Initialized registration past ExpiresAt is
	// over although its RecurringCardRegistrationAborted (reason expired) may not be written
	// yet: read it with StatusAt.
	Status    CardRegistrationStatus
	Reason    string // of Aborted and Failed
	CardToken string // of Completed: the card it registered (a retried completion names it again)
	StartedAt time.Time
	ExpiresAt time.Time
	EndedAt   time.Time // time of the event that ended it (zero while Initialized)
}

// Expired reports whether the registration was left Initialized until its expiry time: at now
// it is over, whether or not its expiry has been recorded yet.
func (r CardRegistration) Expired(now time.Time) bool {
	return r.Status == CardRegistrationInitialized && !now.Before(r.ExpiresAt)
}

// Active reports whether the registration is Initialized and not expired at now: the customer's
// one active registration.
func (r CardRegistration) Active(now time.Time) bool {
	return r.Status == CardRegistrationInitialized && now.Before(r.ExpiresAt)
}

// StatusAt returns the registration's status at now: an expired registration is Aborted (as its
// expiry will record).
func (r CardRegistration) StatusAt(now time.Time) CardRegistrationStatus {
	if r.Expired(now) {
		return CardRegistrationAborted
	}
	return r.Status
}

// RecurringCardConsent is a customer's consent to be charged on a card (the document's
// recurring-card resource): the provider's token, the masked card number, and the expiry dates
// of the card (MM/yyyy) and of the consent (MM-yyyy).
type RecurringCardConsent struct {
	CardToken             string
	InstrumentDisplayName string
	CardExpiryDate        string
	ConsentExpiryDate     string
	RegistrationID        string    // the registration that registered it
	RegisteredAt          time.Time // time of the registration's completion
}

// ActiveAt reports whether the consent is in force at now: through the last day of its expiry
// month (UTC).
func (c RecurringCardConsent) ActiveAt(now time.Time) bool {
	end, ok := monthEnd(c.ConsentExpiryDate, '-')
	return ok && now.Before(end)
}

// RecurringCardAt returns the customer's recurring-card consent in force at now.
func (s CustomerState) RecurringCardAt(now time.Time) (RecurringCardConsent, bool) {
	if s.RecurringCard == nil || !s.RecurringCard.ActiveAt(now) {
		return RecurringCardConsent{}, false
	}
	return *s.RecurringCard, true
}

// ActiveConsentsAt returns the customer's active consents at now (the activeConsents property):
// ActiveConsents, without a recurring-card consent that has expired.
func (s CustomerState) ActiveConsentsAt(now time.Time) []string {
	out := make([]string, 0, len(s.ActiveConsents))
	for _, c := range s.ActiveConsents {
		if c == ConsentRecurringCard {
			if _, ok := s.RecurringCardAt(now); !ok {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// addConsent adds a consent name to the list once.
func addConsent(list []string, name string) []string {
	if slices.Contains(list, name) {
		return list
	}
	return append(list, name)
}

// removeConsent removes a consent name from the list.
func removeConsent(list []string, name string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(c string) bool { return c == name })
}

// monthEnd parses "MM{sep}yyyy" and returns the first instant after that month (UTC).
func monthEnd(s string, sep byte) (time.Time, bool) {
	month, year, ok := parseMonthYear(s, sep)
	if !ok {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC), true
}

// parseMonthYear parses "MM{sep}yyyy" (month 01–12, year 2000–2099).
func parseMonthYear(s string, sep byte) (month, year int, ok bool) {
	if len(s) != 7 || s[2] != sep {
		return 0, 0, false
	}
	for i, c := range []byte(s) {
		if i != 2 && (c < '0' || c > '9') {
			return 0, 0, false
		}
	}
	month = int(s[0]-'0')*10 + int(s[1]-'0')
	year = int(s[3]-'0')*1000 + int(s[4]-'0')*100 + int(s[5]-'0')*10 + int(s[6]-'0')
	if month < 1 || month > 12 || year < 2000 || year > 2099 {
		return 0, 0, false
	}
	return month, year, true
}
