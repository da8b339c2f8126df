package nordic

import (
	"testing"
	"time"
)

// TestSwedishCenturyByYear pins the century of the 10-digit forms. The separator becomes "+" in
// the year a person turns 100 (Folkbokföringslagen 1991:481 §18), whatever the day: a "+" number
// belongs to the latest year ending in YY that is not after this year − 100, a "-" number (or one
// without separator) to the latest that is not after this year. The birthday decides nothing but
// whether the date is in the future.
func TestSwedishCenturyByYear(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		today     time.Time
		canonical string
		kind      IDKind
		reason    Reason
	}{
		// Issue 21: the person turns 100 later this year.
		{"turns 100 later this year, +", "261227+3033", date(2026, 12, 6), "19261227-3033", KindPersonnummer, ""},
		{"turns 100 later this year, 12 digits", "19261227-3033", date(2026, 12, 6), "19261227-3033", KindPersonnummer, ""},
		{"turns 100 later this year, -", "261227-3033", date(2026, 12, 6), "", "", ReasonFuture},
		{"turns 100 later this year, no separator", "2612273033", date(2026, 12, 6), "", "", ReasonFuture},
		{"turns 100 earlier this year, +", "260616+1236", date(2026, 6, 17), "19260616-1236", KindPersonnummer, ""},
		{"turns 100 on today's date, +", "260616+1236", date(2026, 6, 16), "19260616-1236", KindPersonnummer, ""},
		{"turned 99 last year, -", "261227-3033", date(2025, 12, 31), "19261227-3033", KindPersonnummer, ""},
		{"+ a year too early is the century before", "261227+3033", date(2025, 12, 31), "18261227-3033", KindPersonnummer, ""},

		// 1 January and 31 December, both as today and as birthdays.
		{"1 Jan: turns 100 this year, +", "261227+3033", date(2026, 1, 1), "19261227-3033", KindPersonnummer, ""},
		{"1 Jan: born today, -", "270101-1237", date(2027, 1, 1), "20270101-1237", KindPersonnummer, ""},
		{"1 Jan: turns 100 today, +", "270101+1237", date(2027, 1, 1), "19270101-1237", KindPersonnummer, ""},
		{"31 Dec: turns 100 tomorrow's year, -", "270101-1237", date(2026, 12, 31), "19270101-1237", KindPersonnummer, ""},
		{"31 Dec: + of next year's centenarian", "270101+1237", date(2026, 12, 31), "18270101-1237", KindPersonnummer, ""},
		{"31 Dec: born today, -", "261231-1239", date(2026, 12, 31), "20261231-1239", KindPersonnummer, ""},
		{"31 Dec: turns 100 today, +", "261231+1239", date(2026, 12, 31), "19261231-1239", KindPersonnummer, ""},
		{"30 Dec: born tomorrow, -", "261231-1239", date(2026, 12, 30), "", "", ReasonFuture},
		{"30 Dec: turns 100 tomorrow, +", "261231+1239", date(2026, 12, 30), "19261231-1239", KindPersonnummer, ""},

		// Leap days.
		{"29 Feb 2000, -", "000229-1235", date(2026, 6, 15), "20000229-1235", KindPersonnummer, ""},
		{"29 Feb 1900 does not exist, +", "000229+1235", date(2026, 6, 15), "", "", ReasonDate},
		{"29 Feb 1924, +", "240229+1237", date(2026, 6, 15), "19240229-1237", KindPersonnummer, ""},
		{"born today on a leap day, -", "280229-1233", date(2028, 2, 29), "20280229-1233", KindPersonnummer, ""},
		{"leap day tomorrow, -", "280229-1233", date(2028, 2, 28), "", "", ReasonFuture},
		{"leap day tomorrow, turns 100, +", "280229+1233", date(2028, 2, 28), "19280229-1233", KindPersonnummer, ""},
		{"leap-day centenarian on 1 Jan, +", "280229+1233", date(2028, 1, 1), "19280229-1233", KindPersonnummer, ""},

		// Samordningsnummer (day + 60) follow the same rule.
		{"samordningsnummer, turns 100 later this year, +", "261287+1232", date(2026, 12, 6), "19261287-1232", KindSamordningsnummer, ""},
		{"samordningsnummer, turns 100 later this year, -", "261287-1232", date(2026, 12, 6), "", "", ReasonFuture},
		{"samordningsnummer, 31 Dec, -", "261287-1232", date(2026, 12, 31), "20261287-1232", KindSamordningsnummer, ""},
		{"samordningsnummer, a year before, -", "261287-1232", date(2025, 12, 6), "19261287-1232", KindSamordningsnummer, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSwedishPersonnummer(tt.in, tt.today)
			checkErr(t, tt.in, err, tt.reason)
			if tt.reason != "" {
				return
			}
			if got.Canonical != tt.canonical || got.Kind != tt.kind {
				t.Fatalf("got %s %s, want %s %s", got.Canonical, got.Kind, tt.canonical, tt.kind)
			}
			if got.BirthDate.After(tt.today) {
				t.Fatalf("birth date %v after today %v", got.BirthDate, tt.today)
			}
		})
	}
}
