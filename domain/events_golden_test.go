package domain_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

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
}

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
		{"a type of SPEC §9 the domain does not decode yet", domain.TypeSurplusRegistered, 1, []byte(`{}`)},
		{"schema version newer than known", domain.TypeCustomerCreated, 2, golden},
		{"schema version 0", domain.TypeCustomerCreated, 0, golden},
		{"negative schema version", domain.TypeCustomerCreated, -1, golden},
		{"malformed JSON", domain.TypeCustomerCreated, 1, []byte(`{"customerNo":`)},
		{"wrong JSON type", domain.TypeCustomerCreated, 1, []byte(`{"customerNo":9999}`)},
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
