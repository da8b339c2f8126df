package auth

import (
	"slices"
	"time"
)

// AllLedgers is the "ledgers" claim value that grants access to every ledger.
const AllLedgers = "*"

// Principal is the authenticated caller: what a verified token says about who
// is calling and what it may do. The zero value may do nothing.
type Principal struct {
	// Subject is the token's "sub" claim: the actor recorded on every event.
	Subject string
	// Issuer is the token's "iss" claim, empty when absent.
	Issuer string
	// ExpiresAt is the token's "exp" claim.
	ExpiresAt time.Time

	allLedgers bool
	ledgers    []string
	scopes     []string
}

// NewPrincipal returns a Principal for subject that may act on ledgers ("*"
// for all) with scopes. Verify builds Principals from tokens; NewPrincipal is
// for callers that authenticate otherwise, and for tests.
func NewPrincipal(subject string, ledgers, scopes []string) Principal {
	p := Principal{Subject: subject}
	for _, l := range ledgers {
		if l == AllLedgers {
			p.allLedgers = true
		} else if l != "" && !slices.Contains(p.ledgers, l) {
			p.ledgers = append(p.ledgers, l)
		}
	}
	for _, s := range scopes {
		if s != "" && !slices.Contains(p.scopes, s) {
			p.scopes = append(p.scopes, s)
		}
	}
	return p
}

// CanAccessLedger reports whether the principal may act on the ledger
// ledgerNo: the token's "ledgers" claim names it or is "*".
func (p Principal) CanAccessLedger(ledgerNo string) bool {
	if ledgerNo == "" {
		return false
	}
	return p.allLedgers || slices.Contains(p.ledgers, ledgerNo)
}

// HasScope reports whether the token's "scope" claim contains scope.
func (p Principal) HasScope(scope string) bool {
	return scope != "" && slices.Contains(p.scopes, scope)
}

// Scopes returns the principal's scopes in token order, without duplicates.
// The slice is a copy.
func (p Principal) Scopes() []string {
	return slices.Clone(p.scopes)
}

// Ledgers returns the ledgers the principal may act on, in token order: just
// "*" when it may act on all of them. The slice is a copy.
func (p Principal) Ledgers() []string {
	if p.allLedgers {
		return []string{AllLedgers}
	}
	return slices.Clone(p.ledgers)
}
