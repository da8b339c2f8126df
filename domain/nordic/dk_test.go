package nordic

import (
	"testing"
	"time"
)

func TestParseNationalIDDenmark(t *testing.T) {
	tests := []struct {
		in        string
		canonical string
		kind      IDKind
		person    bool
		birth     time.Time
		reason    Reason
	}{
		{"211062-5629", "211062-5629", KindCPR, true, date(1862, 10, 21), ""}, // 7th digit 5, YY > 57 → 1800s
		{"2110625629", "211062-5629", KindCPR, true, date(1862, 10, 21), ""},
		{"010107-4000", "010107-4000", KindCPR, true, date(2007, 1, 1), ""}, // no mod-11 check
		{"010158-5000", "010158-5000", KindCPR, true, date(1858, 1, 1), ""}, // 7th digit 5–8, YY > 57
		{"010137-9000", "010137-9000", KindCPR, true, date(1937, 1, 1), ""}, // 7th digit 9, YY > 36
		{"010162-1000", "010162-1000", KindCPR, true, date(1962, 1, 1), ""}, // 7th digit 0–3
		{"511062-5629", "", "", false, time.Time{}, ReasonDate},
		{"290201-1234", "", "", false, time.Time{}, ReasonDate},
		{"010136-4000", "", "", false, time.Time{}, ReasonFuture}, // 2036
		{"211062 5629", "", "", false, time.Time{}, ReasonFormat},
		{"21106256", "", "", false, time.Time{}, ReasonChecksum}, // 8 digits: a CVR
		{"13585628", "13585628", KindCVR, false, time.Time{}, ""},
		{"13585627", "", "", false, time.Time{}, ReasonChecksum},
		{"03585628", "", "", false, time.Time{}, ReasonFormat},
		{"211062562", "", "", false, time.Time{}, ReasonLength},
		{"", "", "", false, time.Time{}, ReasonEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseNationalID("DK", tt.in, today)
			checkErr(t, tt.in, err, tt.reason)
			if tt.reason != "" {
				return
			}
			want := NationalID{CountryCode: "DK", Canonical: tt.canonical, Kind: tt.kind, Person: tt.person, BirthDate: tt.birth}
			if got != want {
				t.Fatalf("got %+v, want %+v", got, want)
			}
		})
	}
}
