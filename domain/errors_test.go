package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// TestErrorContract pins how domain errors match: by code, through wrapping, never across codes.
func TestErrorContract(t *testing.T) {
	sentinels := map[domain.Code]error{
		domain.CodeValidation:             domain.ErrValidation,
		domain.CodeConflict:               domain.ErrConflict,
		domain.CodeNotFound:               domain.ErrNotFound,
		domain.CodeCustomerNotFound:       domain.ErrCustomerNotFound,
		domain.CodeLegalAddressNotFound:   domain.ErrLegalAddressNotFound,
		domain.CodeBillingAddressNotFound: domain.ErrBillingAddressNotFound,
		domain.CodeKycNotConfigured:       domain.ErrKycNotConfigured,
		domain.CodeKycConfiguration:       domain.ErrKycConfiguration,
		domain.CodeCustomerForgotten:      domain.ErrCustomerForgotten,
		domain.CodeSurplusDepleted:        domain.ErrSurplusDepleted,
	}
	for code := range sentinels {
		err := fmt.Errorf("handler: %w", &domain.Error{Code: code, Message: "something"})
		for other, sentinel := range sentinels {
			if got, want := errors.Is(err, sentinel), other == code; got != want {
				t.Errorf("errors.Is(%s error, %s sentinel) = %v, want %v", code, other, got, want)
			}
		}
		if errors.Is(err, errors.New(string(code))) {
			t.Errorf("%s error matches a plain error", code)
		}
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		err  *domain.Error
		want string
	}{
		{&domain.Error{Code: domain.CodeConflict, Message: "it exists"}, "conflict: it exists"},
		{domain.ValidationError(domain.Problem{Name: "name", Description: "name is required"}, domain.Problem{Name: "legalAddress.city", Description: "x"}),
			"validation: the request is not valid (name, legalAddress.city)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(domain.ValidationError(), domain.ErrValidation) {
		t.Error("ValidationError does not match ErrValidation")
	}
}
