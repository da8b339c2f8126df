package domain

import "strings"

// Code classifies a domain error. The codes are the problem types of the API (SPEC §8).
type Code string

// Error codes.
const (
	CodeValidation             Code = "validation"
	CodeConflict               Code = "conflict"
	CodeNotFound               Code = "not-found"
	CodeCustomerNotFound       Code = "customer-not-found"
	CodeLegalAddressNotFound   Code = "legal-address-does-not-exists"
	CodeBillingAddressNotFound Code = "billing-address-does-not-exists"
	CodeKycNotConfigured       Code = "company-kyc-questions-not-configured"
	CodeKycConfiguration       Code = "kyc-configuration"

	// CodeSurplusNotFound is the code of an unknown surplus and of an unknown disbursement
	// order. It is the document's general "not-found" problem type (the document added it
	// together with the Surpluses resource), so it equals CodeNotFound and matches ErrNotFound.
	CodeSurplusNotFound = CodeNotFound
	// CodeSurplusDepleted is the code of a surplus that was used up: not shown any more (a 404,
	// as the document has it), but told apart from one that never existed, so that a client
	// sending a complete or confirm-regulation again after a lost answer knows it was done.
	CodeSurplusDepleted Code = "surplus-depleted"
)

// Problem is one failing input field.
type Problem struct {
	Name        string // the field's path in the request, e.g. "legalAddress.zipCode"
	Description string // an English sentence; never contains the submitted value
}

// Error is a domain error. Match codes with errors.Is against the Err* sentinels.
type Error struct {
	Code     Code
	Message  string
	Problems []Problem // for CodeValidation: every failing field
}

func (e *Error) Error() string {
	if len(e.Problems) == 0 {
		return string(e.Code) + ": " + e.Message
	}
	names := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		names[i] = p.Name
	}
	return string(e.Code) + ": " + e.Message + " (" + strings.Join(names, ", ") + ")"
}

// Is matches an *Error with the same code, so errors.Is(err, ErrConflict) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrValidation             = &Error{Code: CodeValidation}
	ErrConflict               = &Error{Code: CodeConflict}
	ErrNotFound               = &Error{Code: CodeNotFound}
	ErrCustomerNotFound       = &Error{Code: CodeCustomerNotFound}
	ErrLegalAddressNotFound   = &Error{Code: CodeLegalAddressNotFound}
	ErrBillingAddressNotFound = &Error{Code: CodeBillingAddressNotFound}
	ErrKycNotConfigured       = &Error{Code: CodeKycNotConfigured}
	ErrKycConfiguration       = &Error{Code: CodeKycConfiguration}
	ErrSurplusDepleted        = &Error{Code: CodeSurplusDepleted}
)

// newError returns an *Error with a code and message.
func newError(code Code, msg string) *Error { return &Error{Code: code, Message: msg} }

// problems collects validation problems.
type problems []Problem

func (p *problems) add(name, description string) { *p = append(*p, Problem{name, description}) }

// err returns a validation *Error when there are problems, else nil.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: CodeValidation, Message: "the request is not valid", Problems: p}
}

// ValidationError returns a validation *Error with the given problems.
func ValidationError(ps ...Problem) *Error {
	return &Error{Code: CodeValidation, Message: "the request is not valid", Problems: ps}
}
