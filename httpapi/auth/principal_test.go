package auth_test

import (
	"slices"
	"testing"

	"github.com/nordledger/ledger/httpapi/auth"
)

func TestPrincipalCanAccessLedger(t *testing.T) {
	tests := []struct {
		name    string
		ledgers []string
		ledger  string
		want    bool
	}{
		{"listed", []string{"1000", "2000"}, "2000", true},
		{"not listed", []string{"1000", "2000"}, "3000", false},
		{"prefix is not enough", []string{"1000"}, "100", false},
		{"star", []string{"*"}, "3000", true},
		{"star never grants the empty ledger", []string{"*"}, "", false},
		{"none", nil, "1000", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := auth.NewPrincipal("alice", tt.ledgers, nil)
			if got := p.CanAccessLedger(tt.ledger); got != tt.want {
				t.Errorf("CanAccessLedger(%q) = %v, want %v", tt.ledger, got, tt.want)
			}
		})
	}
}

func TestPrincipalScopes(t *testing.T) {
	p := auth.NewPrincipal("alice", nil, []string{auth.ScopeCustomerRead, auth.ScopeAuditRead, auth.ScopeCustomerRead})
	tests := []struct {
		scope string
		want  bool
	}{
		{auth.ScopeCustomerRead, true},
		{auth.ScopeAuditRead, true},
		{auth.ScopeCustomerWrite, false},
		{"customer", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := p.HasScope(tt.scope); got != tt.want {
			t.Errorf("HasScope(%q) = %v, want %v", tt.scope, got, tt.want)
		}
	}
	got := p.Scopes()
	if want := []string{auth.ScopeCustomerRead, auth.ScopeAuditRead}; !slices.Equal(got, want) {
		t.Errorf("Scopes() = %q, want %q", got, want)
	}
	got[0] = "mutated"
	if !p.HasScope(auth.ScopeCustomerRead) {
		t.Error("changing the slice Scopes returned changed the principal")
	}
}

func TestPrincipalZeroValue(t *testing.T) {
	var p auth.Principal
	if p.CanAccessLedger("1000") || p.HasScope(auth.ScopeCustomerRead) || len(p.Scopes()) != 0 || len(p.Ledgers()) != 0 {
		t.Errorf("zero Principal grants something: %+v", p)
	}
}

func TestAllScopes(t *testing.T) {
	want := []string{"customer:read", "customer:write", "surplus:write", "disbursement:write", "kyc:write",
		"consent:write", "population-register", "audit:read", "customer:erase", "personal-data:read"}
	if got := auth.AllScopes; !slices.Equal(got, want) {
		t.Errorf("AllScopes = %q, want %q", got, want)
	}
}
