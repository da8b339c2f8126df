package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseCreateCustomerEmailAddress(t *testing.T) {
	const bad = "\x00bad"
	local254 := strings.Repeat("a", 254-len("@axelstopp.com"))
	tests := []struct {
		name string
		in   domain.Field[string]
		want string
	}{
		{"payex example", s("britt@axelstopp.com"), "britt@axelstopp.com"},
		{"subdomain", s("britt@mail.axelstopp.se"), "britt@mail.axelstopp.se"},
		{"plus", s("britt+ledger@axelstopp.com"), "britt+ledger@axelstopp.com"},
		{"non-ASCII", s("brítt@axelstopp.se"), "brítt@axelstopp.se"},
		{"trimmed", s(" britt@axelstopp.com "), "britt@axelstopp.com"},
		{"254 characters", s(local254 + "@axelstopp.com"), local254 + "@axelstopp.com"},
		{"255 characters", s("a" + local254 + "@axelstopp.com"), bad},
		{"no @", s("britt.axelstopp.com"), bad},
		{"no dot after @", s("britt@axelstopp"), bad},
		{"nothing before @", s("@axelstopp.com"), bad},
		{"dot right after @", s("britt@.com"), bad},
		{"nothing after the dot", s("britt@axelstopp."), bad},
		{"inner space", s("britt axelstopp@axelstopp.com"), bad},
		{"control character", s("britt\n@axelstopp.com"), bad},
		{"empty", s(""), bad},
		{"absent", domain.Field[string]{}, ""},
		{"null", domain.Null[string](), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := createWith(t, func(in *domain.CustomerInput) { in.EmailAddress = tt.in })
			if tt.want == bad {
				if want := []string{domain.PropEmailAddress}; !slices.Equal(problems, want) {
					t.Fatalf("problems: got %v, want %v", problems, want)
				}
				return
			}
			if problems != nil {
				t.Fatalf("unexpected problems %v", problems)
			}
			if got.EmailAddress != tt.want {
				t.Fatalf("got %q, want %q", got.EmailAddress, tt.want)
			}
		})
	}
}
