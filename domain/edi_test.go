package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

func TestParseCreateCustomerEDIAddressInfo(t *testing.T) {
	r := strings.Repeat
	absent := domain.Field[string]{}
	tests := []struct {
		name string
		in   domain.EDIAddressInfoInput
		want []string
		got  domain.EDIAddressInfo
	}{
		{"payex example", domain.EDIAddressInfoInput{VAN: s("ABCXYZ"), InterChangeRecipient: s("Recipient_ID1"), BuyerID: s("123456")}, nil,
			domain.EDIAddressInfo{VAN: "ABCXYZ", InterChangeRecipient: "Recipient_ID1", BuyerID: "123456"}},
		{"only BuyerId", domain.EDIAddressInfoInput{BuyerID: s("123456")}, nil, domain.EDIAddressInfo{BuyerID: "123456"}},
		{"blank VAN and InterChangeRecipient count as not given", domain.EDIAddressInfoInput{VAN: s(""), InterChangeRecipient: s(" "), BuyerID: s("1")}, nil,
			domain.EDIAddressInfo{BuyerID: "1"}},
		{"VAN 255", domain.EDIAddressInfoInput{VAN: s(r("V", 255)), BuyerID: s("1")}, nil, domain.EDIAddressInfo{VAN: r("V", 255), BuyerID: "1"}},
		{"VAN 256", domain.EDIAddressInfoInput{VAN: s(r("V", 256)), BuyerID: s("1")}, sorted("eDIAddressInfo.VAN"), domain.EDIAddressInfo{}},
		{"InterChangeRecipient 13", domain.EDIAddressInfoInput{InterChangeRecipient: s(r("7", 13)), BuyerID: s("1")}, nil,
			domain.EDIAddressInfo{InterChangeRecipient: r("7", 13), BuyerID: "1"}},
		{"InterChangeRecipient 14", domain.EDIAddressInfoInput{InterChangeRecipient: s(r("7", 14)), BuyerID: s("1")}, sorted("eDIAddressInfo.InterChangeRecipient"), domain.EDIAddressInfo{}},
		{"BuyerId 13", domain.EDIAddressInfoInput{BuyerID: s(r("7", 13))}, nil, domain.EDIAddressInfo{BuyerID: r("7", 13)}},
		{"BuyerId 14", domain.EDIAddressInfoInput{BuyerID: s(r("7", 14))}, sorted("eDIAddressInfo.BuyerId"), domain.EDIAddressInfo{}},
		{"BuyerId absent", domain.EDIAddressInfoInput{VAN: s("ABCXYZ")}, sorted("eDIAddressInfo.BuyerId"), domain.EDIAddressInfo{}},
		{"BuyerId null", domain.EDIAddressInfoInput{BuyerID: domain.Null[string]()}, sorted("eDIAddressInfo.BuyerId"), domain.EDIAddressInfo{}},
		{"BuyerId empty", domain.EDIAddressInfoInput{BuyerID: s("")}, sorted("eDIAddressInfo.BuyerId"), domain.EDIAddressInfo{}},
		{"empty object", domain.EDIAddressInfoInput{VAN: absent}, sorted("eDIAddressInfo.BuyerId"), domain.EDIAddressInfo{}},
		{"all three wrong", domain.EDIAddressInfoInput{VAN: s(r("V", 256)), InterChangeRecipient: s(r("7", 14))},
			sorted("eDIAddressInfo.VAN", "eDIAddressInfo.InterChangeRecipient", "eDIAddressInfo.BuyerId"), domain.EDIAddressInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := createWith(t, func(in *domain.CustomerInput) { in.EDIAddressInfo = domain.Set(tt.in) })
			if !slices.Equal(problems, tt.want) {
				t.Fatalf("problems: got %v, want %v", problems, tt.want)
			}
			if problems != nil {
				return
			}
			if got.EDIAddressInfo == nil || *got.EDIAddressInfo != tt.got {
				t.Fatalf("got %+v, want %+v", got.EDIAddressInfo, tt.got)
			}
		})
	}
	for _, f := range []domain.Field[domain.EDIAddressInfoInput]{{}, domain.Null[domain.EDIAddressInfoInput]()} {
		got, problems := createWith(t, func(in *domain.CustomerInput) { in.EDIAddressInfo = f })
		if problems != nil || got.EDIAddressInfo != nil {
			t.Fatalf("absent/null eDIAddressInfo %+v: got %+v, problems %v", f, got.EDIAddressInfo, problems)
		}
	}
}
