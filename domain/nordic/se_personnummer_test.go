package nordic

import (
	"testing"
	"time"
)

func TestParseNationalIDSweden(t *testing.T) {
	tests := []struct {
		in        string
		today     time.Time
		canonical string
		kind      IDKind
		person    bool
		birth     time.Time
		reason    Reason
	}{
		// One person, every accepted form.
		{"191212121212", today, "19121212-1212", KindPersonnummer, true, date(1912, 12, 12), ""},
		{"19121212-1212", today, "19121212-1212", KindPersonnummer, true, date(1912, 12, 12), ""},
		{"121212+1212", today, "19121212-1212", KindPersonnummer, true, date(1912, 12, 12), ""},
		// With "-" the 10-digit form means the latest year ending in YY that is not
		// after this year: in 2026 that is 2012, in 2011 it was 1912 (TestSwedishCenturyByYear).
		{"121212-1212", date(2011, 1, 1), "19121212-1212", KindPersonnummer, true, date(1912, 12, 12), ""},
		{"121212-1212", today, "20121212-1212", KindPersonnummer, true, date(2012, 12, 12), ""},
		{"1212121212", today, "20121212-1212", KindPersonnummer, true, date(2012, 12, 12), ""},
		{"811228-9874", today, "19811228-9874", KindPersonnummer, true, date(1981, 12, 28), ""},
		{"8112289874", today, "19811228-9874", KindPersonnummer, true, date(1981, 12, 28), ""},
		{"198112289874", today, "19811228-9874", KindPersonnummer, true, date(1981, 12, 28), ""},
		{"19811228-9874", today, "19811228-9874", KindPersonnummer, true, date(1981, 12, 28), ""},
		{"  811228-9874\t", today, "19811228-9874", KindPersonnummer, true, date(1981, 12, 28), ""},
		{"880320-0016", today, "19880320-0016", KindPersonnummer, true, date(1988, 3, 20), ""},
		{"670919-9530", today, "19670919-9530", KindPersonnummer, true, date(1967, 9, 19), ""},
		{"000229-1235", today, "20000229-1235", KindPersonnummer, true, date(2000, 2, 29), ""},
		{"20260615-1237", today, "20260615-1237", KindPersonnummer, true, date(2026, 6, 15), ""},
		{"260616+1236", today, "19260616-1236", KindPersonnummer, true, date(1926, 6, 16), ""},
		// Samordningsnummer: day + 60.
		{"701063-2391", today, "19701063-2391", KindSamordningsnummer, true, date(1970, 10, 3), ""},
		{"7010632391", today, "19701063-2391", KindSamordningsnummer, true, date(1970, 10, 3), ""},
		// Organisationsnummer.
		{"556036-0793", today, "556036-0793", KindOrganisationsnummer, false, time.Time{}, ""},
		{"5560360793", today, "556036-0793", KindOrganisationsnummer, false, time.Time{}, ""},
		{"165560360793", today, "556036-0793", KindOrganisationsnummer, false, time.Time{}, ""},
		{"16556036-0793", today, "556036-0793", KindOrganisationsnummer, false, time.Time{}, ""},
		{"212000-0142", today, "212000-0142", KindOrganisationsnummer, false, time.Time{}, ""},
		{"1234567897", today, "123456-7897", KindOrganisationsnummer, false, time.Time{}, ""},
		// 8899200425 is an invalid personnummer (month 99), but digits 3–4 ≥ 20
		// and the Luhn digit holds, so it is a valid organisationsnummer.
		{"8899200425", today, "889920-0425", KindOrganisationsnummer, false, time.Time{}, ""},
		// Invalid.
		{"1234567891", today, "", "", false, time.Time{}, ReasonChecksum},
		{"556036-0794", today, "", "", false, time.Time{}, ReasonChecksum},
		{"556036+0793", today, "", "", false, time.Time{}, ReasonFormat},
		{"811228-9875", today, "", "", false, time.Time{}, ReasonChecksum},
		{"880320-0018", today, "", "", false, time.Time{}, ReasonChecksum},
		{"19121212-1213", today, "", "", false, time.Time{}, ReasonChecksum},
		{"010229-1234", today, "", "", false, time.Time{}, ReasonDate}, // no Feb 29 in 2001
		{"20010229-1234", today, "", "", false, time.Time{}, ReasonDate},
		{"811200-9874", today, "", "", false, time.Time{}, ReasonDate},
		{"811260-9874", today, "", "", false, time.Time{}, ReasonDate},
		{"20260616-1236", today, "", "", false, time.Time{}, ReasonFuture},
		{"260616-1236", today, "", "", false, time.Time{}, ReasonFuture}, // "+" from 1 Jan 2026 for someone born 1926
		{"20991231-1231", today, "", "", false, time.Time{}, ReasonFuture},
		{"209912311231", today, "", "", false, time.Time{}, ReasonFuture},
		{"811228-0006", today, "", "", false, time.Time{}, ReasonFormat}, // serial 000
		{"811228-T123", today, "", "", false, time.Time{}, ReasonUnsupported},
		{"19811228-K123", today, "", "", false, time.Time{}, ReasonUnsupported},
		{"81-12-28-9874", today, "", "", false, time.Time{}, ReasonFormat},
		{"811228--9874", today, "", "", false, time.Time{}, ReasonFormat},
		{"811228 9874", today, "", "", false, time.Time{}, ReasonFormat},
		{"19811228+9874", today, "", "", false, time.Time{}, ReasonFormat},
		{"811228-987", today, "", "", false, time.Time{}, ReasonFormat},
		{"81122898", today, "", "", false, time.Time{}, ReasonLength},
		{"", today, "", "", false, time.Time{}, ReasonEmpty},
		{"   ", today, "", "", false, time.Time{}, ReasonEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNationalID("se", tt.in, tt.today)
			checkErr(t, tt.in, err, tt.reason)
			if tt.reason != "" {
				return
			}
			want := NationalID{CountryCode: "SE", Canonical: tt.canonical, Kind: tt.kind, Person: tt.person, BirthDate: tt.birth}
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestParseSwedishPersonnummer(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		{"811228-9874", "19811228-9874", ""},
		{"701063-2391", "19701063-2391", ""},
		{"8899200425", "", ReasonDate},
		{"556036-0793", "", ReasonDate},
		{"16556036-0793", "", ReasonDate},
		{"", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseSwedishPersonnummer(tt.in, today)
		checkErr(t, tt.in, err, tt.reason)
		if got.Canonical != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got.Canonical, tt.want)
		}
	}
}

func TestParseSwedishOrgNumber(t *testing.T) {
	tests := []struct {
		in, want string
		reason   Reason
	}{
		{"556036-0793", "556036-0793", ""},
		{"165560360793", "556036-0793", ""},
		{"811228-9874", "", ReasonFormat},
		{"191036-0793", "", ReasonFormat},
		{"1234567891", "", ReasonChecksum},
		{"", "", ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseSwedishOrgNumber(tt.in)
		checkErr(t, tt.in, err, tt.reason)
		if got.Canonical != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got.Canonical, tt.want)
		}
	}
}
