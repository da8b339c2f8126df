package domain_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// Destination inputs with real, valid numbers (nordic-validation.md §1.7–1.11).
func noAccount(no string) domain.DisbursementOrderInput {
	return domain.DisbursementOrderInput{NorwegianBankAccount: domain.Set(domain.NorwegianBankAccountInput{AccountNo: s(no)})}
}

func seAccount(in domain.SwedishBankAccountInput) domain.DisbursementOrderInput {
	return domain.DisbursementOrderInput{SwedishBankAccount: domain.Set(in)}
}

func seClearing(clearing, account string) domain.DisbursementOrderInput {
	return seAccount(domain.SwedishBankAccountInput{ClearingNo: s(clearing), AccountNo: s(account)})
}

func seTyped(account, typ string) domain.DisbursementOrderInput {
	return seAccount(domain.SwedishBankAccountInput{AccountNo: s(account), AccountType: s(typ)})
}

func international(iban, bic string) domain.DisbursementOrderInput {
	return domain.DisbursementOrderInput{International: domain.Set(domain.InternationalAccountInput{IBAN: s(iban), BIC: s(bic)})}
}

// susInput is the PayEx document's SUS example with YYYYMMDD-NNNN filled in.
func susInput(regNo string) domain.DisbursementOrderInput {
	return domain.DisbursementOrderInput{SwedishSus: domain.Set(domain.SwedishSusInput{
		NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: s(regNo), CountryCode: s("SE")}),
		Address: domain.Set(domain.AddressInput{
			Addressee:     s("Kalle Axelstopp"),
			StreetAddress: s("Axelgatan 18"),
			CoAddress:     domain.Null[string](),
			City:          s("STOCKHOLM"),
			ZipCode:       s("16872"),
			CountryCode:   s("se"),
		}),
	})}
}

func bank(clearing, account string) domain.Destination {
	return domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{ClearingNo: clearing, AccountNo: account, AccountType: "BKSE"}}
}

func TestParseDestination(t *testing.T) {
	tests := []struct {
		name    string
		in      domain.DisbursementOrderInput
		want    domain.Destination
		display string // SwedishBankAccount.DisplayAccountNo
	}{
		{"Norwegian account", noAccount("86011117947"), domain.Destination{NorwegianBankAccount: &domain.NorwegianBankAccount{AccountNo: "86011117947"}}, ""},
		{"Norwegian account with dots", noAccount(" 8601.11.17947 "), domain.Destination{NorwegianBankAccount: &domain.NorwegianBankAccount{AccountNo: "86011117947"}}, ""},
		{"Norwegian account 12345678903", noAccount("1234 56 78903"), domain.Destination{NorwegianBankAccount: &domain.NorwegianBankAccount{AccountNo: "12345678903"}}, ""},
		{"Swedish type 1 (Forex) with clearingNo", seClearing("9420", "4172385"), bank("9420", "4172385"), "9420-4172385"},
		{"Swedish clearingNo with accountType BKSE", seAccount(domain.SwedishBankAccountInput{ClearingNo: s("9420"), AccountNo: s("417 23 85"), AccountType: s("bkse")}), bank("9420", "4172385"), "9420-4172385"},
		{"Nordea personkonto with clearingNo", seClearing("3300", "121212-1212"), bank("3300", "1212121212"), "3300-1212121212"},
		{"the document's BKSE example", seTyped("3300-1010101010", "BKSE"), bank("3300", "1010101010"), "3300-1010101010"},
		{"BKSE without separator", seTyped("94204172385", "BKSE"), bank("9420", "4172385"), "9420-4172385"},
		{"BKSE with spaces", seTyped("9420 417 23 85", "BKSE"), bank("9420", "4172385"), "9420-4172385"},
		{"BKSE with a clearingNo of null", seAccount(domain.SwedishBankAccountInput{ClearingNo: domain.Null[string](), AccountNo: s("9420-4172385"), AccountType: s("BKSE")}), bank("9420", "4172385"), "9420-4172385"},
		{"Swedbank 8xxx-x clearing number", seTyped("8327-9, 123 456 789-7", "BKSE"), bank("8327", "1234567897"), "8327-1234567897"},
		{"Swedbank 5-digit clearing without separators", seTyped("832791234567897", "BKSE"), bank("8327", "1234567897"), "8327-1234567897"},
		{"Swedbank 5-digit clearingNo", seClearing("8327-9", "123 456 789-7"), bank("8327", "1234567897"), "8327-1234567897"},
		{"bankgiro", seTyped("160-9908", "BGSE"), domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{AccountNo: "1609908", AccountType: "BGSE"}}, "160-9908"},
		{"bankgiro 8 digits, accountType in lower case", seTyped("5050-1055", "bgse"), domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{AccountNo: "50501055", AccountType: "BGSE"}}, "5050-1055"},
		{"bankgiro with clearingNo null", seAccount(domain.SwedishBankAccountInput{ClearingNo: domain.Null[string](), AccountNo: s("1609908"), AccountType: s("BgSe")}), domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{AccountNo: "1609908", AccountType: "BGSE"}}, "160-9908"},
		{"plusgiro", seTyped("4 80 00-4", "PGSE"), domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{AccountNo: "480004", AccountType: "PGSE"}}, "48000-4"},
		{"plusgiro in lower case type", seTyped("12 34 56-6", "pgse"), domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{AccountNo: "1234566", AccountType: "PGSE"}}, "123456-6"},
		{"SE IBAN", international("SE4550000000058398257466", "ESSESESS"), domain.Destination{International: &domain.InternationalAccount{IBAN: "SE4550000000058398257466", BIC: "ESSESESS"}}, ""},
		{"SE IBAN printed, lower-case BIC", international("SE45 5000 0000 0583 9825 7466", " swedsess "), domain.Destination{International: &domain.InternationalAccount{IBAN: "SE4550000000058398257466", BIC: "SWEDSESS"}}, ""},
		{"NO IBAN", international("NO9386011117947", "DNBANOKKXXX"), domain.Destination{International: &domain.InternationalAccount{IBAN: "NO9386011117947", BIC: "DNBANOKKXXX"}}, ""},
		{"NO IBAN lower case", international("no93 8601 1117 947", "dnbanokk"), domain.Destination{International: &domain.InternationalAccount{IBAN: "NO9386011117947", BIC: "DNBANOKK"}}, ""},
		{"SUS, the document's example", susInput(tolvan), domain.Destination{SwedishSus: &domain.SwedishSus{
			NationalIdentifier: domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"},
			Address:            payexKalle,
		}}, ""},
		{"SUS with a 10-digit personnummer of a centenarian", susInput("121212+1212"), domain.Destination{SwedishSus: &domain.SwedishSus{
			NationalIdentifier: domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"},
			Address:            payexKalle,
		}}, ""},
		{"SUS with a samordningsnummer", susInput("701063-2391"), domain.Destination{SwedishSus: &domain.SwedishSus{
			NationalIdentifier: domain.NationalIdentifier{RegNo: "19701063-2391", CountryCode: "SE"},
			Address:            payexKalle,
		}}, ""},
		{"other destinations null", domain.DisbursementOrderInput{
			NorwegianBankAccount: domain.Set(domain.NorwegianBankAccountInput{AccountNo: s("86011117947")}),
			SwedishBankAccount:   domain.Null[domain.SwedishBankAccountInput](),
			International:        domain.Null[domain.InternationalAccountInput](),
			SwedishSus:           domain.Null[domain.SwedishSusInput](),
		}, domain.Destination{NorwegianBankAccount: &domain.NorwegianBankAccount{AccountNo: "86011117947"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseDestination(tt.in, today)
			if err != nil {
				t.Fatalf("ParseDestination: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %s, want %s", jsonOf(t, got), jsonOf(t, tt.want))
			}
			if got.Kind() != tt.want.Kind() || got.Kind() == "" {
				t.Fatalf("Kind() = %q", got.Kind())
			}
			if a := got.SwedishBankAccount; a != nil && a.DisplayAccountNo() != tt.display {
				t.Fatalf("DisplayAccountNo() = %q, want %q", a.DisplayAccountNo(), tt.display)
			}
		})
	}
}

func TestParseDestinationRejects(t *testing.T) {
	tests := []struct {
		name     string
		in       domain.DisbursementOrderInput
		problems []string
		values   []string // must not appear in the problems
	}{
		{"none", domain.DisbursementOrderInput{}, []string{"body"}, nil},
		{"all null", domain.DisbursementOrderInput{
			NorwegianBankAccount: domain.Null[domain.NorwegianBankAccountInput](),
			SwedishSus:           domain.Null[domain.SwedishSusInput](),
		}, []string{"body"}, nil},
		{"two", domain.DisbursementOrderInput{
			NorwegianBankAccount: noAccount("86011117947").NorwegianBankAccount,
			International:        international("NO9386011117947", "DNBANOKKXXX").International,
		}, []string{"international", "norwegianBankAccount"}, nil},
		{"all four, one of them wrong", domain.DisbursementOrderInput{
			NorwegianBankAccount: noAccount("86011117948").NorwegianBankAccount,
			SwedishBankAccount:   seClearing("9420", "4172385").SwedishBankAccount,
			International:        international("NO9386011117947", "DNBANOKKXXX").International,
			SwedishSus:           susInput(tolvan).SwedishSus,
		}, []string{"international", "norwegianBankAccount", "norwegianBankAccount.accountNo", "swedishBankAccount", "swedishSus"}, []string{"86011117948"}},

		{"Norwegian wrong check digit", noAccount("86011117948"), []string{"norwegianBankAccount.accountNo"}, []string{"86011117948"}},
		{"Norwegian 86011117949", noAccount("86011117949"), []string{"norwegianBankAccount.accountNo"}, []string{"86011117949"}},
		{"Norwegian the document's 1234", noAccount("1234"), []string{"norwegianBankAccount.accountNo"}, []string{"1234"}},
		{"Norwegian letters", noAccount("8601111794A"), []string{"norwegianBankAccount.accountNo"}, []string{"8601111794A"}},
		{"Norwegian missing", domain.DisbursementOrderInput{NorwegianBankAccount: domain.Set(domain.NorwegianBankAccountInput{})}, []string{"norwegianBankAccount.accountNo"}, nil},
		{"Norwegian blank", noAccount("  "), []string{"norwegianBankAccount.accountNo"}, nil},

		{"Swedish type 1 wrong check digit", seClearing("9420", "4172386"), []string{"swedishBankAccount.accountNo"}, []string{"4172386"}},
		{"Nordea personkonto wrong check digit", seClearing("3300", "1212121213"), []string{"swedishBankAccount.accountNo"}, []string{"1212121213"}},
		{"BKSE combined wrong check digit", seTyped("3300-1010101011", "BKSE"), []string{"swedishBankAccount.accountNo"}, []string{"1010101011"}},
		{"unknown clearing number", seClearing("0100", "1234567"), []string{"swedishBankAccount.clearingNo"}, []string{"1234567"}},
		{"clearing number of 3 digits", seClearing("942", "4172385"), []string{"swedishBankAccount.clearingNo"}, []string{"4172385"}},
		{"Swedbank clearing check digit wrong", seClearing("8327-8", "1234567897"), []string{"swedishBankAccount.clearingNo"}, []string{"1234567897"}},
		{"clearingNo missing without accountType", seAccount(domain.SwedishBankAccountInput{AccountNo: s("3300-1010101010")}), []string{"swedishBankAccount.clearingNo"}, nil},
		{"accountNo missing", seAccount(domain.SwedishBankAccountInput{ClearingNo: s("9420")}), []string{"swedishBankAccount.accountNo"}, nil},
		{"accountNo null with type", seAccount(domain.SwedishBankAccountInput{AccountNo: domain.Null[string](), AccountType: s("BGSE")}), []string{"swedishBankAccount.accountNo"}, nil},
		{"unknown accountType", seTyped("160-9908", "BG"), []string{"swedishBankAccount.accountType"}, nil},
		{"bankgiro wrong check digit", seTyped("160-9907", "BGSE"), []string{"swedishBankAccount.accountNo"}, []string{"1609907", "160-9907"}},
		{"the document's bankgiro 944-1049000", seTyped("944-1049000", "BGSE"), []string{"swedishBankAccount.accountNo"}, []string{"944-1049000"}},
		{"bankgiro with clearingNo", seAccount(domain.SwedishBankAccountInput{ClearingNo: s("9420"), AccountNo: s("160-9908"), AccountType: s("BGSE")}), []string{"swedishBankAccount.clearingNo"}, nil},
		{"plusgiro wrong check digit", seTyped("4 80 00-5", "PGSE"), []string{"swedishBankAccount.accountNo"}, []string{"480005"}},
		{"plusgiro too long", seTyped("123456789", "PGSE"), []string{"swedishBankAccount.accountNo"}, []string{"123456789"}},
		{"BKSE combined too short", seTyped("3300", "BKSE"), []string{"swedishBankAccount.accountNo"}, nil},
		{"BKSE combined with letters", seTyped("3300-ABCDEFGHIJ", "BKSE"), []string{"swedishBankAccount.accountNo"}, []string{"ABCDEFGHIJ"}},

		{"IBAN wrong check digits", international("SE4550000000058398257467", "SWEDSESS"), []string{"international.iban"}, []string{"SE4550000000058398257467"}},
		{"NO IBAN with a wrong national check digit", international("NO9386011117948", "DNBANOKKXXX"), []string{"international.iban"}, []string{"NO9386011117948"}},
		{"the document's IBAN and BIC", international("123456", "SWED..."), []string{"international.bic", "international.iban"}, []string{"123456", "SWED..."}},
		{"BIC of 9 characters", international("NO9386011117947", "DNBANOKKX"), []string{"international.bic"}, []string{"DNBANOKKX"}},
		{"BIC with an unknown country", international("NO9386011117947", "DNBAQQKK"), []string{"international.bic"}, []string{"DNBAQQKK"}},
		{"IBAN and BIC missing", domain.DisbursementOrderInput{International: domain.Set(domain.InternationalAccountInput{})}, []string{"international.bic", "international.iban"}, nil},

		{"SUS wrong check digit", susInput("19121212-1213"), []string{"swedishSus.nationalIdentifier.regNo"}, []string{"19121212-1213", "1912121213"}},
		{"SUS with the placeholder", susInput("YYYYMMDD-NNNN"), []string{"swedishSus.nationalIdentifier.regNo"}, []string{"YYYYMMDD-NNNN"}},
		{"SUS with an organisationsnummer", susInput("556036-0793"), []string{"swedishSus.nationalIdentifier.regNo"}, []string{"556036-0793", "5560360793"}},
		{"SUS with a Norwegian person", domain.DisbursementOrderInput{SwedishSus: domain.Set(domain.SwedishSusInput{
			NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: s("41018512430"), CountryCode: s("NO")}),
			Address:            domain.Set(payexBillingAddress()),
		})}, []string{"swedishSus.nationalIdentifier.countryCode"}, []string{"41018512430"}},
		{"SUS address with a 4-digit Swedish zip code", domain.DisbursementOrderInput{SwedishSus: domain.Set(domain.SwedishSusInput{
			NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: s(tolvan), CountryCode: s("SE")}),
			Address: domain.Set(domain.AddressInput{Addressee: s("Kalle Axelstopp"), City: s("STOCKHOLM"), ZipCode: s("1687"),
				CountryCode: s("SE")}),
		})}, []string{"swedishSus.address.zipCode"}, []string{"1687"}},
		{"SUS without anything", domain.DisbursementOrderInput{SwedishSus: domain.Set(domain.SwedishSusInput{})}, []string{"swedishSus.address", "swedishSus.nationalIdentifier"}, nil},
		{"SUS with a bad address", domain.DisbursementOrderInput{SwedishSus: domain.Set(domain.SwedishSusInput{
			NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: s(tolvan), CountryCode: s("SE")}),
			Address:            domain.Set(domain.AddressInput{Addressee: s("Kalle Axelstopp"), ZipCode: s("1234567890"), CountryCode: s("Sverige")}),
		})}, []string{"swedishSus.address.city", "swedishSus.address.countryCode", "swedishSus.address.zipCode"}, []string{"1234567890", "Sverige"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := domain.ParseDestination(tt.in, today)
			if err == nil {
				t.Fatalf("got %s, want problems %v", jsonOf(t, d), tt.problems)
			}
			if got, want := problemNames(t, err), sorted(tt.problems...); !slices.Equal(got, want) {
				t.Fatalf("problems %v, want %v (%v)", got, want, err)
			}
			noLeak(t, err, tt.values...)
		})
	}
}

func TestDestinationClone(t *testing.T) {
	d, err := domain.ParseDestination(susInput(tolvan), today)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Clone()
	c.SwedishSus.Address.City = "changed"
	if d.SwedishSus.Address.City != "STOCKHOLM" {
		t.Fatal("Clone shares the SUS destination")
	}
	if (domain.Destination{}).Kind() != "" {
		t.Fatal("empty destination has a kind")
	}
}

// jsonOf renders v as JSON for failure messages.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
