package nordic

import "errors"

// Reason is a machine-readable cause of a validation failure.
type Reason string

// Reasons returned in Error.Reason.
const (
	// ReasonEmpty means the value is empty (after trimming).
	ReasonEmpty Reason = "empty"
	// ReasonFormat means the value has characters or a layout the format does not allow.
	ReasonFormat Reason = "format"
	// ReasonLength means the value has the wrong number of characters or digits.
	ReasonLength Reason = "length"
	// ReasonChecksum means a check digit or check character does not match.
	ReasonChecksum Reason = "checksum"
	// ReasonDate means the embedded date is not a real calendar date.
	ReasonDate Reason = "date"
	// ReasonFuture means the embedded birth date lies after "today".
	ReasonFuture Reason = "future"
	// ReasonUnknownCountry means the country code is not an assigned ISO 3166-1 code
	// (or, for IBAN, a country without IBAN).
	ReasonUnknownCountry Reason = "unknown-country"
	// ReasonUnsupported means a well-formed number of a kind that is not accepted,
	// e.g. Swedish interim numbers or Norwegian FH-numbers.
	ReasonUnsupported Reason = "unsupported"
	// ReasonUnknownBank means a Swedish clearing number that is in no bank's range.
	ReasonUnknownBank Reason = "unknown-bank"
)

// Error is returned by every validator. Message is an English sentence for
// API clients that never contains the input value itself.
type Error struct {
	Reason  Reason
	Message string
}

// Error implements the error interface; it returns Message.
func (e *Error) Error() string { return e.Message }

// ReasonOf returns the Reason of err if err is (or wraps) an *Error, and ""
// otherwise.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func fail(r Reason, msg string) *Error { return &Error{Reason: r, Message: msg} }
