package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseCreateCustomerCustomerNo(t *testing.T) {
	max10 := domain.LedgerPolicy{CustomerNoMaxLength: 10}
	max20 := domain.LedgerPolicy{CustomerNoMaxLength: 20} // above 15: 15 applies
	exact7 := domain.LedgerPolicy{CountryCode: "NO", CustomerNoLength: 7}
	tests := []struct {
		name   string
		policy domain.LedgerPolicy
		no     domain.Field[string]
		want   string // the stored customer number; "" = rejected with a customerNo problem
	}{
		{"payex example", sePolicy, s("9999"), "9999"},
		{"one digit", sePolicy, s("1"), "1"},
		{"15 digits", sePolicy, s(strings.Repeat("9", 15)), strings.Repeat("9", 15)},
		{"16 digits", sePolicy, s(strings.Repeat("9", 16)), ""},
		{"leading zero", sePolicy, s("0999"), ""},
		{"zero", sePolicy, s("0"), ""},
		{"letter", sePolicy, s("99a9"), ""},
		{"inner space", sePolicy, s("99 99"), ""},
		{"leading space (the document's typo)", sePolicy, s(" 9999"), ""},
		{"sign", sePolicy, s("+9999"), ""},
		{"minus", sePolicy, s("-9999"), ""},
		{"decimal point", sePolicy, s("99.99"), ""},
		{"non-ASCII digits", sePolicy, s("١٢٣"), ""},
		{"empty", sePolicy, s(""), ""},
		{"absent", sePolicy, domain.Field[string]{}, ""},
		{"null", sePolicy, domain.Null[string](), ""},
		{"configured max 10: 10 digits", max10, s("1234567890"), "1234567890"},
		{"configured max 10: 11 digits", max10, s("12345678901"), ""},
		{"configured max above 15: 15 digits", max20, s(strings.Repeat("1", 15)), strings.Repeat("1", 15)},
		{"configured max above 15: 16 digits", max20, s(strings.Repeat("1", 16)), ""},
		{"exactly 7: 7 digits", exact7, s("1234567"), "1234567"},
		{"exactly 7: 6 digits", exact7, s("123456"), ""},
		{"exactly 7: 8 digits", exact7, s("12345678"), ""},
		{"exactly 7: leading zero", exact7, s("0123456"), ""},
		{"exactly 7: letter", exact7, s("123456a"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := minimalInput()
			in.CustomerNo = tt.no
			got, problems := create(t, in, tt.policy)
			if tt.want == "" {
				if want := []string{domain.PropCustomerNo}; !slices.Equal(problems, want) {
					t.Fatalf("problems: got %v, want %v", problems, want)
				}
				return
			}
			if problems != nil {
				t.Fatalf("unexpected problems %v", problems)
			}
			if got.CustomerNo != tt.want {
				t.Fatalf("customerNo: got %q, want %q", got.CustomerNo, tt.want)
			}
			if !tt.policy.ValidCustomerNo(tt.want) {
				t.Fatalf("ValidCustomerNo(%q) = false, want true", tt.want)
			}
		})
	}
}

func TestParseCreateCustomerGeneratedCustomerNo(t *testing.T) {
	gen := domain.LedgerPolicy{LedgerNo: "2000", CountryCode: "SE", GenerateCustomerNumbers: true}
	ni := domain.Set(domain.NationalIdentifierInput{RegNo: s(tolvan), CountryCode: s("SE")})
	tests := []struct {
		name string
		no   domain.Field[string]
		ni   domain.Field[domain.NationalIdentifierInput]
		want []string
	}{
		{"no customerNo, nationalIdentifier", domain.Field[string]{}, ni, nil},
		{"null customerNo counts as absent", domain.Null[string](), ni, nil},
		{"customerNo sent", s("9999"), ni, sorted(domain.PropCustomerNo)},
		{"empty customerNo sent", s(""), ni, sorted(domain.PropCustomerNo)},
		{"no nationalIdentifier", domain.Field[string]{}, domain.Field[domain.NationalIdentifierInput]{}, sorted(domain.PropNationalIdentifier)},
		{"null nationalIdentifier", domain.Field[string]{}, domain.Null[domain.NationalIdentifierInput](), sorted(domain.PropNationalIdentifier)},
		{"both wrong at once", s("9999"), domain.Field[domain.NationalIdentifierInput]{}, sorted(domain.PropCustomerNo, domain.PropNationalIdentifier)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := minimalInput()
			in.CustomerNo, in.NationalIdentifier = tt.no, tt.ni
			cmd, err := domain.ParseCreateCustomer(in, gen, today)
			if got := problemNames(t, err); !slices.Equal(got, tt.want) {
				t.Fatalf("problems: got %v, want %v", got, tt.want)
			}
			if err != nil {
				return
			}
			if got := cmd.CustomerNo(); got != "" {
				t.Fatalf("CustomerNo before WithCustomerNo: got %q, want empty", got)
			}
			if got := cmd.NationalIdentifier(); got == nil || *got != (domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"}) {
				t.Fatalf("NationalIdentifier: got %+v", got)
			}
			// Deciding without a number is a programming error, not a client's problem.
			_, err = new(domain.Customer).Create(cmd)
			if err == nil || errors.As(err, new(*domain.Error)) {
				t.Fatalf("Create without customer number: got %v, want a plain (internal) error", err)
			}
			events, err := new(domain.Customer).Create(cmd.WithCustomerNo("1000001"))
			if err != nil {
				t.Fatal(err)
			}
			if got := events[0].(domain.CustomerCreated).CustomerNo; got != "1000001" {
				t.Fatalf("customerNo: got %q, want %q", got, "1000001")
			}
		})
	}
}

func TestStreamName(t *testing.T) {
	if got, want := domain.StreamName("1000", "9999"), "1000/customers/9999"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
