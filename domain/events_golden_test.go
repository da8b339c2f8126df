package domain_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenEvents holds a fully populated example of every event type. Stored event JSON is a
// public contract forever: a change to these files needs a new schema version and an upcaster.
var goldenEvents = []domain.Event{
	domain.CustomerCreated{
		CustomerNo:              "9999",
		NationalIdentifier:      &domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"},
		VATNo:                   "SE101010101001",
		LegalEntity:             "consumer",
		Name:                    "Britt-Marie Axelstopp",
		EmailAddress:            "britt@axelstopp.com",
		ProtectedIdentity:       true,
		PreferredLanguageCode:   "SV",
		LegalStatus:             "active",
		MSISDN:                  "+91485918841",
		DistributionType:        "postal",
		TaxIdentificationNumber: "123456789",
		EDIAddressInfo:          &domain.EDIAddressInfo{VAN: "ABCXYZ", InterChangeRecipient: "Recipient_ID1", BuyerID: "123456"},
		LegalAddress:            domain.Address{Addressee: "Britt-Marie Axelstopp", StreetAddress: "The street 18", CoAddress: "c/o Jansson", City: "STOCKHOLM", ZipCode: "15961", CountryCode: "SE"},
		Source:                  domain.SourceAPI,
	},
	domain.CustomerDetailsChanged{
		Set: domain.DetailChanges{
			EmailAddress:            ptr("kalle@axelstopp.com"),
			LegalStatus:             ptr("deceased"),
			PreferredLanguageCode:   ptr("EN"),
			ProtectedIdentity:       ptr(false),
			DistributionType:        ptr("noDistribution"),
			TaxIdentificationNumber: ptr("987654321"),
			EDIAddressInfo:          &domain.EDIAddressInfo{VAN: "ABCXYZ", InterChangeRecipient: "Recipient_ID2", BuyerID: "654321"},
		},
		Removed: []string{"msisdn"},
	},
	domain.LegalAddressReplaced{
		Address: domain.Address{Addressee: "Kalle Axelstopp", StreetAddress: "Axelgatan 18", CoAddress: "c/o Jansson", City: "STOCKHOLM", ZipCode: "16872", CountryCode: "SE"},
		Source:  domain.SourcePopulationRegister,
	},
	domain.BillingAddressAdded{
		Address: domain.Address{Addressee: "Kalle Axelstopp", StreetAddress: "Axelgatan 18", CoAddress: "c/o Jansson", City: "STOCKHOLM", ZipCode: "16872", CountryCode: "SE"},
	},
	domain.BillingAddressReplaced{
		Address: domain.Address{Addressee: "Britt-Marie Axelstopp", StreetAddress: "Axelgatan 19", CoAddress: "c/o Kalle", City: "UPPSALA", ZipCode: "75320", CountryCode: "SE"},
	},
	domain.BillingAddressRemoved{},
	domain.KycAnswersUpdated{Answers: []domain.KycAnswer{
		{QuestionCode: "taxable_outside_sweden", AnswerCode: "yes"},
		{QuestionCode: "foreign_tin", AnswerText: "AB12345"},
		{QuestionCode: "multiple_citizenship", AnswerCode: "yes"},
		{QuestionCode: "citizen_ship_country_codes", AnswerCode: "SWE"},
		{QuestionCode: "citizen_ship_country_codes", AnswerCode: "NOR"},
	}},
	domain.SurplusRegistered{
		SurplusID: "Surplus-123",
		Balance:   mustMoney("10.00", "SEK"),
		Date:      time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC),
		Invoice:   "/ledger/invoice/v1/1000/invoices/AAA",
	},
	domain.DisbursementOrdered{
		SurplusID: "Surplus-123",
		OrderID:   "0198c3a2-7b1e-7c3d-9f00-5a1b2c3d4e5f",
		Amount:    mustMoney("10.00", "SEK"),
		Destination: domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{
			ClearingNo: "3300", AccountNo: "1010101010", AccountType: domain.AccountTypeBank,
		}},
	},
	domain.DisbursementCompleted{
		SurplusID: "Surplus-123",
		OrderID:   "0198c3a2-7b1e-7c3d-9f00-5a1b2c3d4e5f",
		Amount:    mustMoney("10.00", "SEK"),
	},
	domain.SurplusSettled{SurplusID: "456", Amount: mustMoney("1.500", "KWD")},
	domain.SurplusRegulated{SurplusID: "456", Amount: mustMoney("1.500", "KWD"), Balance: mustMoney("0.25", "KWD")},
	domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE", Keys: []string{"fiscalNumber"},
		CustomerNo: "9999", Result: domain.LookupFound},
	domain.CustomerForgotten{LastActivity: time.Date(2019, 5, 1, 9, 30, 0, 0, time.UTC), RetentionPeriod: "P7Y", NationalIdentifierReleased: true},
	domain.RecurringCardRegistrationStarted{
		RegistrationID: "Qm9hcmQtcmVnaXN0cmF0aW9u", Provider: "http", ProviderReference: "abc123",
		RedirectURL: "https://ecom.externalintegration.payex.com/checkout/abc123",
		CompleteURL: "https://www.google.com/search?q=cancelurl", CancelURL: "https://www.google.com/search?q=completeurl",
		Language: "en-US", ExpiresAt: time.Date(2024, 5, 28, 12, 30, 0, 0, time.UTC),
	},
	domain.RecurringCardRegistrationCompleted{
		RegistrationID: "Qm9hcmQtcmVnaXN0cmF0aW9u", CardToken: "2eb28854-07ec-4e88-b672-7c61cc54b461",
		InstrumentDisplayName: "551000******1232", CardExpiryDate: "04/2035", ConsentExpiryDate: "04-2035",
	},
	domain.RecurringCardRegistrationAborted{RegistrationID: "Qm9hcmQtcmVnaXN0cmF0aW9u", Reason: domain.AbortCancelled},
	domain.RecurringCardRegistrationFailed{RegistrationID: "Qm9hcmQtcmVnaXN0cmF0aW9u", Reason: "declined"},
	domain.RecurringCardConsentRemoved{CardToken: "2eb28854-07ec-4e88-b672-7c61cc54b461"},
}

// goldenVariants pins the JSON of the other shapes of an event type (every kind of
// disbursement destination, a surplus from an account): testdata/golden/variants/{name}.json.
var goldenVariants = []struct {
	name  string
	event domain.Event
}{
	{"CustomerDetailsChanged.msisdn", domain.CustomerDetailsChanged{Set: domain.DetailChanges{MSISDN: ptr("+4670123456")}}},
	{"SurplusRegistered.account", domain.SurplusRegistered{
		SurplusID: "456", Balance: mustMoney("1000", "JPY"), Date: time.Date(2023, 1, 2, 13, 14, 15, 0, time.UTC),
		Account: "/ledger/account/v1/1000/accounts/BBB",
	}},
	{"RecurringCardRegistrationAborted.expired", domain.RecurringCardRegistrationAborted{RegistrationID: "Qm9hcmQtcmVnaXN0cmF0aW9u", Reason: domain.AbortExpired}},
	{"RecurringCardRegistrationStarted.sandbox", domain.RecurringCardRegistrationStarted{
		RegistrationID: "c2FuZGJveC1yZWdpc3RyYXRpb24", Provider: "sandbox",
		RedirectURL: "http://127.0.0.1:8080/card-verification/sandbox/c2FuZGJveC1yZWdpc3RyYXRpb24",
		CompleteURL: "https://shop.example/complete", CancelURL: "https://shop.example/cancel",
		Language: "sv-SE", ExpiresAt: time.Date(2024, 5, 28, 12, 30, 0, 0, time.UTC),
	}},
	{"CustomerDetailsLookedUp.unmatched", domain.CustomerDetailsLookedUp{MerchantID: "1000", PaymentProductID: "9000", CountryCode: "SE",
		Keys: []string{"fiscalNumber"}, Result: domain.LookupNotFound}},
	{"SurplusRegistered.neither", domain.SurplusRegistered{SurplusID: "789", Balance: mustMoney("0.01", "EUR"), Date: time.Date(2023, 1, 3, 0, 0, 0, 0, time.UTC)}},
	{"DisbursementOrdered.norwegianBankAccount", domain.DisbursementOrdered{
		SurplusID: "1", OrderID: "o-1", Amount: mustMoney("10.00", "NOK"),
		Destination: domain.Destination{NorwegianBankAccount: &domain.NorwegianBankAccount{AccountNo: "86011117947"}},
	}},
	{"DisbursementOrdered.bankgiro", domain.DisbursementOrdered{
		SurplusID: "1", OrderID: "o-1", Amount: mustMoney("10.00", "SEK"),
		Destination: domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{AccountNo: "1609908", AccountType: domain.AccountTypeBankgiro}},
	}},
	{"DisbursementOrdered.plusgiro", domain.DisbursementOrdered{
		SurplusID: "1", OrderID: "o-1", Amount: mustMoney("10.00", "SEK"),
		Destination: domain.Destination{SwedishBankAccount: &domain.SwedishBankAccount{AccountNo: "480004", AccountType: domain.AccountTypePlusgiro}},
	}},
	{"DisbursementOrdered.international", domain.DisbursementOrdered{
		SurplusID: "1", OrderID: "o-1", Amount: mustMoney("10.00", "EUR"),
		Destination: domain.Destination{International: &domain.InternationalAccount{IBAN: "SE4550000000058398257466", BIC: "ESSESESS"}},
	}},
	{"DisbursementOrdered.swedishSus", domain.DisbursementOrdered{
		SurplusID: "1", OrderID: "o-1", Amount: mustMoney("10.00", "SEK"),
		Destination: domain.Destination{SwedishSus: &domain.SwedishSus{
			NationalIdentifier: domain.NationalIdentifier{RegNo: tolvan, CountryCode: "SE"},
			Address:            domain.Address{Addressee: "Kalle Axelstopp", StreetAddress: "Axelgatan 18", CoAddress: "c/o Jansson", City: "STOCKHOLM", ZipCode: "16872", CountryCode: "SE"},
		}},
	}},
}

// mustMoney parses a valid amount for the package-level examples.
func mustMoney(raw, currency string) domain.Money {
	m, err := domain.ParseAmount(raw, currency)
	if err != nil {
		panic(err)
	}
	return m
}

func TestEventVariantsGolden(t *testing.T) {
	for _, v := range goldenVariants {
		typ, version, data, err := domain.EncodeEvent(v.event)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		path := filepath.Join("testdata", "golden", "variants", v.name+".json")
		data = append(data, '\n')
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./domain -run TestEventVariantsGolden -update to create it)", err)
		}
		if !bytes.Equal(data, golden) {
			t.Errorf("%s: EncodeEvent changed the stored JSON:\n got  %s want %s", v.name, data, golden)
		}
		decoded, err := domain.DecodeEvent(typ, version, golden)
		if err != nil {
			t.Fatalf("%s: DecodeEvent(golden): %v", v.name, err)
		}
		if !reflect.DeepEqual(decoded, v.event) {
			t.Errorf("%s: DecodeEvent(golden) = %#v, want %#v", v.name, decoded, v.event)
		}
	}
}

// zeroSEK is 0.00 SEK, the balance of a depleted surplus.
var zeroSEK, _ = domain.NewMoney(0, "SEK")

func goldenPath(typ string) string { return filepath.Join("testdata", "golden", typ+".json") }

func TestEventsGolden(t *testing.T) {
	var types []string
	for _, e := range goldenEvents {
		typ, version, data, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatalf("%s: %v", e.EventType(), err)
		}
		if typ != e.EventType() || version != 1 {
			t.Fatalf("%s: got type %q, schema version %d", e.EventType(), typ, version)
		}
		types = append(types, typ)
		path := goldenPath(typ)
		data = append(data, '\n')
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		golden, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./domain -run TestEventsGolden -update to create it)", err)
		}
		if !bytes.Equal(data, golden) {
			t.Errorf("%s: EncodeEvent changed the stored JSON:\n got  %s want %s", typ, data, golden)
		}
		decoded, err := domain.DecodeEvent(typ, version, golden)
		if err != nil {
			t.Fatalf("%s: DecodeEvent(golden): %v", typ, err)
		}
		if !reflect.DeepEqual(decoded, e) {
			t.Errorf("%s: DecodeEvent(golden) = %#v, want %#v", typ, decoded, e)
		}
	}
	// Every event type the domain knows has a golden file.
	slices.Sort(types)
	if got := domain.EventTypes(); !slices.Equal(got, types) {
		t.Fatalf("EventTypes() = %v, golden examples for %v", got, types)
	}
}

// TestEventsRoundTrip: events with only the required properties survive encoding too.
func TestEventsRoundTrip(t *testing.T) {
	for _, e := range []domain.Event{
		domain.CustomerCreated{CustomerNo: "1", Name: "B", LegalStatus: "active", LegalAddress: domain.Address{Addressee: "B", City: "C", ZipCode: "1", CountryCode: "SE"}, Source: domain.SourceAPI},
		domain.CustomerDetailsChanged{},
		domain.CustomerDetailsChanged{Removed: []string{"emailAddress", "eDIAddressInfo"}},
		domain.CustomerDetailsChanged{Set: domain.DetailChanges{ProtectedIdentity: ptr(false)}},
		domain.KycAnswersUpdated{Answers: []domain.KycAnswer{{QuestionCode: "q", AnswerCode: "a"}}},
		domain.SurplusRegistered{SurplusID: "1", Balance: mustMoney("1", "ISK"), Date: time.Date(2023, 1, 1, 0, 0, 1, 0, time.UTC)},
		domain.SurplusRegulated{SurplusID: "1", Amount: mustMoney("1", "SEK"), Balance: zeroSEK},
		domain.DisbursementCompleted{SurplusID: "1", OrderID: "o", Amount: mustMoney("99999999999.9999", "CLF")},
	} {
		typ, version, data, err := domain.EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := domain.DecodeEvent(typ, version, data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%s: got %#v, want %#v", data, got, e)
		}
	}
}

func TestDecodeEventRejects(t *testing.T) {
	golden, err := os.ReadFile(goldenPath(domain.TypeCustomerCreated))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		typ     string
		version int
		data    []byte
	}{
		{"unknown type", "CustomerDeleted", 1, []byte(`{}`)},
		{"type in other case", "customercreated", 1, golden},
		{"empty type", "", 1, golden},
		{"card token not a string", domain.TypeRecurringCardConsentRemoved, 1, []byte(`{"cardToken":42}`)},
		{"expiry time not RFC 3339", domain.TypeRecurringCardRegistrationStarted, 1, []byte(`{"registrationId":"Qm9hcmQtcmVnaXN0cmF0aW9u","expiresAt":"2024-05-28 12:30"}`)},
		{"KYC answers not a list", domain.TypeKycAnswersUpdated, 1, []byte(`{"answers":{"questionCode":"x"}}`)},
		{"schema version newer than known", domain.TypeCustomerCreated, 2, golden},
		{"schema version 0", domain.TypeCustomerCreated, 0, golden},
		{"negative schema version", domain.TypeCustomerCreated, -1, golden},
		{"malformed JSON", domain.TypeCustomerCreated, 1, []byte(`{"customerNo":`)},
		{"wrong JSON type", domain.TypeCustomerCreated, 1, []byte(`{"customerNo":9999}`)},
		{"amount as a JSON number", domain.TypeSurplusSettled, 1, []byte(`{"surplusId":"1","amount":{"amount":10.00,"currency":"SEK"}}`)},
		{"amount with too many decimals", domain.TypeSurplusSettled, 1, []byte(`{"surplusId":"1","amount":{"amount":"10.001","currency":"SEK"}}`)},
		{"amount in an unknown currency", domain.TypeSurplusSettled, 1, []byte(`{"surplusId":"1","amount":{"amount":"10.00","currency":"XXX"}}`)},
		{"negative balance", domain.TypeSurplusRegistered, 1, []byte(`{"surplusId":"1","balance":{"amount":"-10.00","currency":"SEK"},"date":"2023-01-01T00:00:00Z"}`)},
		{"date not RFC 3339", domain.TypeSurplusRegistered, 1, []byte(`{"surplusId":"1","balance":{"amount":"10.00","currency":"SEK"},"date":"2023-01-01T00:00:00"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if e, err := domain.DecodeEvent(tt.typ, tt.version, tt.data); err == nil {
				t.Fatalf("got %#v, want an error", e)
			}
		})
	}
}

func TestEncodeEventRejects(t *testing.T) {
	for _, e := range []domain.Event{nil, unknownEvent{}} {
		if _, _, _, err := domain.EncodeEvent(e); err == nil {
			t.Errorf("EncodeEvent(%#v): want an error", e)
		}
	}
}
