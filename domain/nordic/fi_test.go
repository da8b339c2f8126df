package nordic

import (
	"testing"
	"time"
)

func TestParseNationalIDFinland(t *testing.T) {
	tests := []struct {
		in        string
		canonical string
		kind      IDKind
		person    bool
		birth     time.Time
		reason    Reason
	}{
		{"131052-308T", "131052-308T", KindHETU, true, date(1952, 10, 13), ""},
		{" 131052-308t ", "131052-308T", KindHETU, true, date(1952, 10, 13), ""},
		// DVV test persons (individual numbers 9xx are accepted).
		{"010594Y9032", "010594Y9032", KindHETU, true, date(1994, 5, 1), ""},
		{"010594Y9021", "010594Y9021", KindHETU, true, date(1994, 5, 1), ""},
		{"020594X903P", "020594X903P", KindHETU, true, date(1994, 5, 2), ""},
		{"010516B903X", "010516B903X", KindHETU, true, date(2016, 5, 1), ""},
		{"020504A902E", "020504A902E", KindHETU, true, date(2004, 5, 2), ""},
		// The century sign is part of the identity: two different people.
		{"010190-999W", "010190-999W", KindHETU, true, date(1990, 1, 1), ""},
		{"010190Y999W", "010190Y999W", KindHETU, true, date(1990, 1, 1), ""},
		{"150626A1236", "150626A1236", KindHETU, true, date(2026, 6, 15), ""},
		{"010100+123D", "010100+123D", KindHETU, true, date(1800, 1, 1), ""},
		{"131052-308U", "", "", false, time.Time{}, ReasonChecksum},
		{"310252-308Y", "", "", false, time.Time{}, ReasonDate},
		{"160626A123U", "", "", false, time.Time{}, ReasonFuture},
		{"131052G308T", "", "", false, time.Time{}, ReasonFormat},
		{"131052-001T", "", "", false, time.Time{}, ReasonFormat}, // individual 001 not issued
		{"131052-308", "", "", false, time.Time{}, ReasonLength},
		// Y-tunnus.
		{"2077474-0", "2077474-0", KindYTunnus, false, time.Time{}, ""},
		{"20774740", "2077474-0", KindYTunnus, false, time.Time{}, ""},
		{"2077474-1", "", "", false, time.Time{}, ReasonChecksum},
		// A number of only zeros passes every weighted checksum but is never issued.
		{"0000000-0", "", "", false, time.Time{}, ReasonFormat},
		{"00000000", "", "", false, time.Time{}, ReasonFormat},
		{"2077474/0", "", "", false, time.Time{}, ReasonFormat},
		{"", "", "", false, time.Time{}, ReasonEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNationalID("fi", tt.in, today)
			checkErr(t, tt.in, err, tt.reason)
			if tt.reason != "" {
				return
			}
			want := NationalID{CountryCode: "FI", Canonical: tt.canonical, Kind: tt.kind, Person: tt.person, BirthDate: tt.birth}
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}
