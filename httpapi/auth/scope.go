package auth

// The scopes of SPEC §2. A token carries them in its space-separated "scope"
// claim; the HTTP layer checks them with [Principal.HasScope].
const (
	// ScopeCustomerRead allows reading customers and everything below them.
	ScopeCustomerRead = "customer:read"
	// ScopeCustomerWrite allows creating and changing customers and their addresses.
	ScopeCustomerWrite = "customer:write"
	// ScopeSurplusWrite allows registering and settling surpluses and completing disbursements.
	ScopeSurplusWrite = "surplus:write"
	// ScopeDisbursementWrite allows ordering disbursements of surpluses.
	ScopeDisbursementWrite = "disbursement:write"
	// ScopeKycWrite allows updating a customer's KYC answers.
	ScopeKycWrite = "kyc:write"
	// ScopeConsentWrite allows registering and removing consents.
	ScopeConsentWrite = "consent:write"
	// ScopePopulationRegister allows the two population-register operations
	// ("not normally granted").
	ScopePopulationRegister = "population-register"
	// ScopeAuditRead allows reading the audit trail (event queries).
	ScopeAuditRead = "audit:read"
	// ScopeCustomerErase allows erasing a customer's personal data.
	ScopeCustomerErase = "customer:erase"
	// ScopePersonalDataRead allows a downstream consumer to obtain the personal data of the
	// ledger's events (POST .../events/personal-data); the consumer also needs an operator's
	// grant (docs/consumers.md).
	ScopePersonalDataRead = "personal-data:read"
)

// AllScopes lists every scope the service knows, in the order above. It is
// what a development token minted with "all" scopes carries. Treat it as
// read-only.
var AllScopes = []string{
	ScopeCustomerRead,
	ScopeCustomerWrite,
	ScopeSurplusWrite,
	ScopeDisbursementWrite,
	ScopeKycWrite,
	ScopeConsentWrite,
	ScopePopulationRegister,
	ScopeAuditRead,
	ScopeCustomerErase,
	ScopePersonalDataRead,
}
