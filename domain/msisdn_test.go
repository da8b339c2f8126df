package domain_test

import (
	"slices"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseCreateCustomerMSISDN(t *testing.T) {
	const bad = "\x00bad"
	tests := []struct {
		name string
		in   domain.Field[string]
		want string
	}{
		{"payex example", s("+91485918841"), "+91485918841"},
		{"document's format example", s("+46720000000"), "+46720000000"},
		{"shortest: + and 4 digits", s("+4672"), "+4672"},
		{"longest: + and 14 digits", s("+46720000000000"), "+46720000000000"},
		{"trimmed", s(" +46720000000 "), "+46720000000"},
		{"no +", s("91485918841"), bad},
		{"00 instead of +", s("0046720000000"), bad},
		{"too short: + and 3 digits", s("+467"), bad},
		{"too long: + and 15 digits", s("+467200000000000"), bad},
		{"country code starting with 0", s("+0720000000"), bad},
		{"inner spaces", s("+46 72 000 00 00"), bad},
		{"hyphen", s("+46-720000000"), bad},
		{"letter", s("+4672000000a"), bad},
		{"only +", s("+"), bad},
		{"empty", s(""), bad},
		{"absent", domain.Field[string]{}, ""},
		{"null", domain.Null[string](), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := createWith(t, func(in *domain.CustomerInput) { in.MSISDN = tt.in })
			if tt.want == bad {
				if want := []string{domain.PropMSISDN}; !slices.Equal(problems, want) {
					t.Fatalf("problems: got %v, want %v", problems, want)
				}
				return
			}
			if problems != nil {
				t.Fatalf("unexpected problems %v", problems)
			}
			if got.MSISDN != tt.want {
				t.Fatalf("got %q, want %q", got.MSISDN, tt.want)
			}
		})
	}
}
