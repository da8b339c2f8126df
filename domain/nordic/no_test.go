package nordic

import (
	"testing"
	"time"
)

func TestParseNationalIDNorway(t *testing.T) {
	tests := []struct {
		in        string
		canonical string
		kind      IDKind
		person    bool
		birth     time.Time
		reason    Reason
	}{
		{"15108695088", "15108695088", KindFodselsnummer, true, date(1986, 10, 15), ""},  // individual 950, YY 86 → 1900s
		{"151086 95088", "15108695088", KindFodselsnummer, true, date(1986, 10, 15), ""}, // single space after the date
		{"31129956715", "31129956715", KindFodselsnummer, true, date(1899, 12, 31), ""},  // individual 567, YY 99 → 1800s
		// Valid only under the 2032 rule (first weighted sum mod 11 = 2); the
		// individual number no longer gives the century, so the latest one
		// that is not in the future is used.
		{"31129956731", "31129956731", KindFodselsnummer, true, date(1999, 12, 31), ""},
		// D-number made by the rules: 01.01.85 + 40 on the day, individual 124,
		// K1 = 3, K2 = 0.
		{"41018512430", "41018512430", KindDNummer, true, date(1985, 1, 1), ""},
		// H-number (month + 40) and a synthetic Tenor person (month + 80).
		{"01458512309", "01458512309", KindHNummer, true, date(1985, 5, 1), ""},
		{"01818512321", "01818512321", KindFodselsnummer, true, date(1985, 1, 1), ""},
		// 29 Feb 2000 (individual 523 → 2000s) exists; 29 Feb 1900 (individual 123) does not.
		{"29020052331", "29020052331", KindFodselsnummer, true, date(2000, 2, 29), ""},
		{"29020012380", "", "", false, time.Time{}, ReasonDate},
		// Organisation number.
		{"995525828", "995525828", KindOrganisasjonsnummer, false, time.Time{}, ""},
		{"995 525 828", "995525828", KindOrganisasjonsnummer, false, time.Time{}, ""},
		{"995525829", "", "", false, time.Time{}, ReasonChecksum},
		// A number of only zeros passes every weighted checksum but is never issued.
		{"000000000", "", "", false, time.Time{}, ReasonFormat},
		{"000 000 000", "", "", false, time.Time{}, ReasonFormat},
		// Invalid.
		{"15108695077", "", "", false, time.Time{}, ReasonChecksum},
		{"15108695089", "", "", false, time.Time{}, ReasonChecksum},
		{"41018512431", "", "", false, time.Time{}, ReasonChecksum},
		{"81018512345", "", "", false, time.Time{}, ReasonUnsupported}, // FH-number
		{"151086-95088", "", "", false, time.Time{}, ReasonFormat},
		{"151086  95088", "", "", false, time.Time{}, ReasonFormat},
		{"1510869508", "", "", false, time.Time{}, ReasonLength},
		{"", "", "", false, time.Time{}, ReasonEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNationalID("NO", tt.in, today)
			checkErr(t, tt.in, err, tt.reason)
			if tt.reason != "" {
				return
			}
			want := NationalID{CountryCode: "NO", Canonical: tt.canonical, Kind: tt.kind, Person: tt.person, BirthDate: tt.birth}
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}
