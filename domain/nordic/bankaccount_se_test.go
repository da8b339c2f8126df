package nordic

import "testing"

func TestParseSwedishAccount(t *testing.T) {
	tests := []struct {
		clearing, account string
		want              SwedishAccount
		reason            Reason
	}{
		// Type 1, comment 1 (last 3 clearing digits + account).
		{"9420", "4172385", SwedishAccount{"9420", "4172385", "Forex Bank", 1}, ""},
		{"9420", "417 23 85", SwedishAccount{"9420", "4172385", "Forex Bank", 1}, ""},
		{"9420", "4172386", SwedishAccount{}, ReasonChecksum},
		{"3000", "1234560", SwedishAccount{"3000", "1234560", "Nordea", 1}, ""},
		{"3000", "1234561", SwedishAccount{}, ReasonChecksum},
		// Type 1, comment 2 (all 4 clearing digits + account).
		{"4000", "1234567", SwedishAccount{"4000", "1234567", "Nordea", 1}, ""},
		{"4000", "1234568", SwedishAccount{}, ReasonChecksum},
		{"9550", "1234566", SwedishAccount{"9550", "1234566", "Avanza Bank", 1}, ""},
		{"9550", "1234560", SwedishAccount{}, ReasonChecksum},
		{"9420", "417238", SwedishAccount{}, ReasonLength},
		// Type 2, comment 1 (Luhn over 10 digits).
		{"9180", "1234567897", SwedishAccount{"9180", "1234567897", "Danske Bank", 2}, ""},
		{"9180", "1234567898", SwedishAccount{}, ReasonChecksum},
		{"3300", "811228-9874", SwedishAccount{"3300", "8112289874", "Nordea", 2}, ""}, // personkonto
		{"3300", "8112289875", SwedishAccount{}, ReasonChecksum},
		{"9180", "123456789", SwedishAccount{}, ReasonLength},
		// Type 2, comment 2 (Handelsbanken, mod 11 over 9 digits).
		{"6789", "123456789", SwedishAccount{"6789", "123456789", "Handelsbanken", 2}, ""},
		{"6789", "12345679", SwedishAccount{"6789", "012345679", "Handelsbanken", 2}, ""},
		{"6789", "123456788", SwedishAccount{}, ReasonChecksum},
		{"6789", "1234567", SwedishAccount{}, ReasonLength},
		// Type 2, comment 3 (Swedbank 8xxx and Plusgirot: Luhn, padded to 10).
		{"8327", "912 345 678-3", SwedishAccount{"8327", "9123456783", "Swedbank", 2}, ""},
		{"8327-9", "9123456783", SwedishAccount{"8327", "9123456783", "Swedbank", 2}, ""},
		{"83279", "9123456783", SwedishAccount{"8327", "9123456783", "Swedbank", 2}, ""},
		{"83278", "9123456783", SwedishAccount{}, ReasonChecksum},
		{"8327", "9123456784", SwedishAccount{}, ReasonChecksum},
		{"9960", "123456-6", SwedishAccount{"9960", "0001234566", "Nordea Plusgirot", 2}, ""},
		{"9960", "1234567", SwedishAccount{}, ReasonChecksum},
		// Nordea Plusgirot accounts have 2–8 digits (notes §1.8; kontonummer): a longer one
		// is refused even when its Luhn digit holds.
		{"9960", "12345674", SwedishAccount{"9960", "0012345674", "Nordea Plusgirot", 2}, ""},
		{"9500", "41", SwedishAccount{}, ReasonChecksum},
		{"9500", "42", SwedishAccount{"9500", "0000000042", "Nordea Plusgirot", 2}, ""},
		{"9960", "123456782", SwedishAccount{}, ReasonLength},
		{"9549", "1234567897", SwedishAccount{}, ReasonLength},
		{"9500", "1", SwedishAccount{}, ReasonLength},
		// A number of only zeros passes every weighted checksum but is never issued.
		{"6000", "000000000", SwedishAccount{}, ReasonFormat},
		{"9500", "00", SwedishAccount{}, ReasonFormat},
		{"8000", "0000000000", SwedishAccount{}, ReasonFormat},
		{"9180", "0000000000", SwedishAccount{}, ReasonFormat},
		// Clearing numbers.
		{"0100", "1234567", SwedishAccount{}, ReasonUnknownBank},
		{"9999", "1234567", SwedishAccount{}, ReasonUnknownBank},
		{"94201", "4172385", SwedishAccount{}, ReasonLength},
		{"942", "4172385", SwedishAccount{}, ReasonLength},
		{"94a0", "4172385", SwedishAccount{}, ReasonFormat},
		{"", "4172385", SwedishAccount{}, ReasonEmpty},
		{"9420", "", SwedishAccount{}, ReasonEmpty},
	}
	for _, tt := range tests {
		got, err := ParseSwedishAccount(tt.clearing, tt.account)
		checkErr(t, tt.account, err, tt.reason)
		if got != tt.want {
			t.Errorf("%q %q: got %+v, want %+v", tt.clearing, tt.account, got, tt.want)
		}
	}
}

func TestSwedishBankTableHasNoOverlaps(t *testing.T) {
	for i, a := range seBanks {
		if a.from > a.to || a.from < 1000 || a.to > 9999 {
			t.Errorf("bad range %+v", a)
		}
		if a.typ == 2 && (a.minAcc < 1 || a.maxAcc > 10 || a.minAcc > a.maxAcc) {
			t.Errorf("bad account lengths %+v", a)
		}
		for _, b := range seBanks[i+1:] {
			if a.from <= b.to && b.from <= a.to {
				t.Errorf("ranges overlap: %+v and %+v", a, b)
			}
		}
	}
}
