package domain

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// Property names of the recurring-card registration and of a card verification's result.
const (
	PropCompleteURL           = "completeUrl"
	PropCancelURL             = "cancelUrl"
	PropLanguage              = "language"
	PropOutcome               = "outcome"
	PropCardToken             = "cardToken"
	PropInstrumentDisplayName = "instrumentDisplayName"
	PropCardExpiryDate        = "cardExpiryDate"
	PropConsentExpiryDate     = "consentExpiryDate"
	PropReason                = "reason"
)

// CardVerificationLanguages are the languages of the card-verification flow (the document's
// "xx-YY" pairs).
var CardVerificationLanguages = []string{"en-US", "sv-SE", "nb-NO", "da-DK", "fi-FI"}

// maxURLLength bounds completeUrl and cancelUrl (and a provider's redirectUrl).
const maxURLLength = 2048

// StartCardRegistrationInput is a start-recurring-card-registration request as sent.
type StartCardRegistrationInput struct {
	CompleteURL Field[string]
	CancelURL   Field[string]
	Language    Field[string]
}

// StartCardRegistration is a validated start-recurring-card-registration request.
type StartCardRegistration struct {
	completeURL, cancelURL, language string
}

// CompleteURL is where the person's browser is sent when the verification is over.
func (c StartCardRegistration) CompleteURL() string { return c.completeURL }

// CancelURL is where the person's browser is sent when they cancel.
func (c StartCardRegistration) CancelURL() string { return c.cancelURL }

// Language is the flow's language, one of CardVerificationLanguages.
func (c StartCardRegistration) Language() string { return c.language }

// ParseStartCardRegistration validates a start request: completeUrl and cancelUrl absolute http
// or https URLs, language one of CardVerificationLanguages (any case in, canonical out). Every
// problem is reported.
func ParseStartCardRegistration(in StartCardRegistrationInput) (StartCardRegistration, error) {
	var ps problems
	var c StartCardRegistration
	c.completeURL = parseRedirectURL(&ps, PropCompleteURL, in.CompleteURL)
	c.cancelURL = parseRedirectURL(&ps, PropCancelURL, in.CancelURL)
	if !in.Language.HasValue() {
		ps.add(PropLanguage, PropLanguage+" is required")
	} else {
		c.language = enum(&ps, PropLanguage, in.Language, CardVerificationLanguages)
	}
	if err := ps.err(); err != nil {
		return StartCardRegistration{}, err
	}
	return c, nil
}

// parseRedirectURL validates a required URL a browser is sent to.
func parseRedirectURL(ps *problems, name string, f Field[string]) string {
	if !f.HasValue() {
		ps.add(name, name+" is required")
		return ""
	}
	if msg := RedirectURLProblem(f.Value); msg != "" {
		ps.add(name, name+" "+msg)
		return ""
	}
	return f.Value
}

// RedirectURLProblem says why s cannot be a URL a browser is redirected to, or "" when it can:
// it must be an absolute http or https URL with a host, without user information, at most 2048
// characters without spaces or control characters. The problem never repeats the value.
func RedirectURLProblem(s string) string {
	const want = "must be an absolute http or https URL"
	if s == "" || len(s) > maxURLLength {
		return fmt.Sprintf("%s of at most %d characters", want, maxURLLength)
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return want + " without spaces or control characters"
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" {
		return want
	}
	if u.Hostname() == "" || strings.ContainsAny(u.Host, ",;'\"") {
		return want + " with a host"
	}
	if u.User != nil {
		return want + " without user information"
	}
	return ""
}

// CardVerificationOutcome is how a card verification ended.
type CardVerificationOutcome string

// The outcomes of a card verification.
const (
	OutcomeCompleted CardVerificationOutcome = "completed"
	OutcomeAborted   CardVerificationOutcome = "aborted"
	OutcomeFailed    CardVerificationOutcome = "failed"
)

var outcomes = []string{string(OutcomeCompleted), string(OutcomeAborted), string(OutcomeFailed)}

// CardVerificationResultInput is a provider's result as it arrived (from the sandbox page or a
// provider's callback).
type CardVerificationResultInput struct {
	Outcome               Field[string]
	CardToken             Field[string]
	InstrumentDisplayName Field[string]
	CardExpiryDate        Field[string]
	ConsentExpiryDate     Field[string]
	Reason                Field[string]
}

// CardVerificationResult is a validated result of a card verification.
type CardVerificationResult struct {
	Outcome CardVerificationOutcome
	// The verified card, for OutcomeCompleted.
	CardToken             string // a GUID
	InstrumentDisplayName string // the masked number: digits and '*', at most 10 digits
	CardExpiryDate        string // MM/yyyy
	ConsentExpiryDate     string // MM-yyyy
	// Reason, for OutcomeAborted ("cancelled" when absent) and OutcomeFailed: a lower-case word
	// or words joined by '-' (at most 64 characters).
	Reason string
}

// ParseCardVerificationResult validates a provider's result. A completed verification needs the
// card token (a GUID), the masked number (12–19 digits and '*', at least one '*' and at most 10
// digits, so no whole card number can ever be recorded) and the card's expiry date MM/yyyy; the
// consent's expiry date MM-yyyy defaults to the card's. Every problem is reported.
func ParseCardVerificationResult(in CardVerificationResultInput) (CardVerificationResult, error) {
	var ps problems
	var r CardVerificationResult
	if !in.Outcome.HasValue() {
		ps.add(PropOutcome, PropOutcome+" is required")
	} else {
		r.Outcome = CardVerificationOutcome(enum(&ps, PropOutcome, in.Outcome, outcomes))
	}
	card := []struct {
		name string
		f    Field[string]
	}{{PropCardToken, in.CardToken}, {PropInstrumentDisplayName, in.InstrumentDisplayName},
		{PropCardExpiryDate, in.CardExpiryDate}, {PropConsentExpiryDate, in.ConsentExpiryDate}}
	switch r.Outcome {
	case OutcomeCompleted:
		r.CardToken = parseGUID(&ps, PropCardToken, in.CardToken)
		r.InstrumentDisplayName = parseMaskedNumber(&ps, in.InstrumentDisplayName)
		r.CardExpiryDate = parseExpiry(&ps, PropCardExpiryDate, in.CardExpiryDate, '/', true)
		r.ConsentExpiryDate = parseExpiry(&ps, PropConsentExpiryDate, in.ConsentExpiryDate, '-', false)
		if r.ConsentExpiryDate == "" && r.CardExpiryDate != "" && !in.ConsentExpiryDate.HasValue() {
			r.ConsentExpiryDate = r.CardExpiryDate[:2] + "-" + r.CardExpiryDate[3:]
		}
		if in.Reason.HasValue() {
			ps.add(PropReason, PropReason+" is only for an aborted or failed verification")
		}
	case OutcomeAborted, OutcomeFailed:
		for _, c := range card {
			if c.f.HasValue() {
				ps.add(c.name, c.name+" is only for a completed verification")
			}
		}
		r.Reason = parseReason(&ps, in.Reason, r.Outcome == OutcomeFailed)
		if r.Reason == "" && r.Outcome == OutcomeAborted {
			r.Reason = AbortCancelled
		}
	}
	if err := ps.err(); err != nil {
		return CardVerificationResult{}, err
	}
	return r, nil
}

// parseGUID validates a GUID (8-4-4-4-12 hexadecimal digits) and returns it in lower case.
func parseGUID(ps *problems, name string, f Field[string]) string {
	if !f.HasValue() {
		ps.add(name, name+" is required")
		return ""
	}
	if !isGUID(f.Value) {
		ps.add(name, name+" must be a GUID (8-4-4-4-12 hexadecimal digits)")
		return ""
	}
	return strings.ToLower(f.Value)
}

func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// parseMaskedNumber validates a masked card number such as 551000******1232.
func parseMaskedNumber(ps *problems, f Field[string]) string {
	name := PropInstrumentDisplayName
	if !f.HasValue() {
		ps.add(name, name+" is required")
		return ""
	}
	v, digits, stars := f.Value, 0, 0
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] >= '0' && v[i] <= '9':
			digits++
		case v[i] == '*':
			stars++
		default:
			ps.add(name, name+" must be a masked card number: digits and '*' only")
			return ""
		}
	}
	if len(v) < 12 || len(v) > 19 || stars == 0 || digits > 10 {
		ps.add(name, name+" must be a masked card number of 12 to 19 characters with at most 10 digits shown")
		return ""
	}
	return v
}

// parseExpiry validates an expiry date "MM{sep}yyyy".
func parseExpiry(ps *problems, name string, f Field[string], sep byte, required bool) string {
	if !f.HasValue() {
		if required {
			ps.add(name, name+" is required")
		}
		return ""
	}
	if _, _, ok := parseMonthYear(f.Value, sep); !ok {
		ps.add(name, fmt.Sprintf("%s must be a month as MM%cyyyy (month 01–12, year 2000–2099)", name, sep))
		return ""
	}
	return f.Value
}

// parseReason validates an aborted or failed verification's reason.
func parseReason(ps *problems, f Field[string], required bool) string {
	if !f.HasValue() {
		if required {
			ps.add(PropReason, PropReason+" is required for a failed verification")
		}
		return ""
	}
	v := f.Value
	ok := v != "" && len(v) <= 64 && v[0] != '-' && v[len(v)-1] != '-'
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		ps.add(PropReason, PropReason+" must be 1–64 lower-case letters, digits and '-' (e.g. declined)")
		return ""
	}
	return v
}
