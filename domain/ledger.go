package domain

import "fmt"

// LedgerPolicy is what the domain needs to know of a ledger's configuration.
type LedgerPolicy struct {
	LedgerNo string
	// CountryCode is the ledger's country (ISO 3166-1 alpha-2).
	CountryCode string
	// GenerateCustomerNumbers: the service chooses customer numbers; clients must not send one and
	// must send a nationalIdentifier.
	GenerateCustomerNumbers bool
	// CustomerNoMaxLength is the longest customer number accepted (default 15).
	CustomerNoMaxLength int
	// CustomerNoLength, when not 0, is the exact length required (7 in Norway and Denmark).
	CustomerNoLength int
	// Kyc is the ledger's know-your-customer configuration (NewKyc); nil when it has none.
	Kyc *Kyc
	// Retention is how long a customer's personal data is kept after its last activity before
	// it may be forgotten (Customer.Forget); the zero value: no period.
	Retention RetentionPeriod
}

// maxCustomerNo returns the effective maximum length.
func (p LedgerPolicy) maxCustomerNo() int {
	if p.CustomerNoMaxLength <= 0 || p.CustomerNoMaxLength > 15 {
		return 15
	}
	return p.CustomerNoMaxLength
}

// ValidCustomerNo reports whether s is a customer number this ledger accepts: digits only, no
// leading zero, within the configured length.
func (p LedgerPolicy) ValidCustomerNo(s string) bool { return p.customerNoProblem(s) == "" }

func (p LedgerPolicy) customerNoProblem(s string) string {
	switch {
	case s == "":
		return "customerNo is required"
	case p.CustomerNoLength > 0 && len(s) != p.CustomerNoLength:
		return fmt.Sprintf("customerNo must be exactly %d digits in this ledger", p.CustomerNoLength)
	case len(s) > p.maxCustomerNo():
		return fmt.Sprintf("customerNo must be at most %d digits", p.maxCustomerNo())
	case s[0] == '0':
		return "customerNo must not start with 0"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "customerNo must contain digits only"
		}
	}
	return ""
}
