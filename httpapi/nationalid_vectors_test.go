package httpapi_test

// The test vectors of the Nordic identifier notes (shared/notes/nordic-validation.md §1.1–1.5),
// over real HTTP: every valid one creates a customer whose regNo is the canonical form, and
// find-customer finds it by each accepted spelling; every invalid one is a 400 validation
// problem naming nationalIdentifier.regNo, on create and on find-customer alike.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestNationalIdentifierVectorsOverHTTP(t *testing.T) {
	h := newHarness(t)
	base := "/ledger/customer/v1/1000"
	body := func(no, entity, cc, regNo string) string {
		return fmt.Sprintf(`{"customerNo":%q,"legalEntity":%q,"nationalIdentifier":{"regNo":%q,"countryCode":%q},
			"name":"Test Person","legalAddress":{"addressee":"Test Person","city":"STOCKHOLM","zipCode":"15961","countryCode":"SE"}}`, no, entity, regNo, cc)
	}
	find := func(cc, regNo string) (int, string) {
		return h.do(http.MethodPost, base+"/find-customer", "application/json",
			fmt.Sprintf(`{"nationalIdentifier":{"regNo":%q,"countryCode":%q}}`, regNo, cc))
	}
	valid := []struct {
		cc, entity, regNo, canonical string
		also                         []string // other spellings find-customer takes for the same person
	}{
		{"SE", "consumer", "811228-9874", "19811228-9874", []string{"8112289874", "198112289874", "19811228-9874", " 811228-9874 "}},
		{"SE", "consumer", "880320-0016", "19880320-0016", nil},
		{"SE", "consumer", "670919-9530", "19670919-9530", nil},
		{"SE", "consumer", "701063-2391", "19701063-2391", []string{"197010632391"}}, // samordningsnummer
		{"SE", "consumer", "19121212-1212", "19121212-1212", []string{"121212+1212", "191212121212", "121212-1212"}},
		{"SE", "business", "556036-0793", "556036-0793", []string{"5560360793", "165560360793"}},
		{"SE", "business", "212000-0142", "212000-0142", nil},
		{"se", "business", "1234567897", "123456-7897", nil},
		{"NO", "consumer", "15108695088", "15108695088", []string{"151086 95088", " 15108695088 "}},
		{"NO", "business", "995 525 828", "995525828", []string{"995525828"}}, // organisasjonsnummer
		{"DK", "business", "13585628", "13585628", nil},                       // CVR
		{"FI", "business", "2077474-0", "2077474-0", []string{"20774740"}},    // Y-tunnus
		{"NO", "consumer", "31129956715", "31129956715", nil},
		{"NO", "consumer", "31129956731", "31129956731", nil}, // valid only under the 2032 rule
		{"DK", "consumer", "211062-5629", "211062-5629", []string{"2110625629"}},
		{"FI", "consumer", "131052-308T", "131052-308T", []string{"131052-308t"}},
		{"FI", "consumer", "010594Y9032", "010594Y9032", nil},
		{"FI", "consumer", "010594Y9021", "010594Y9021", nil},
		{"FI", "consumer", "020594X903P", "020594X903P", nil},
		{"FI", "consumer", "010516B903X", "010516B903X", nil},
		{"FI", "consumer", "020504A902E", "020504A902E", nil},
	}
	for i, v := range valid {
		no := fmt.Sprint(7000 + i)
		if st, b := h.do(http.MethodPost, base+"/customers", "application/json", body(no, v.entity, v.cc, v.regNo)); st != http.StatusCreated {
			t.Errorf("create %s %s: %d %s", v.cc, v.regNo, st, b)
			continue
		}
		st, b := h.do(http.MethodGet, base+"/customers/"+no, "", "")
		var got struct {
			NationalIdentifier struct{ RegNo, CountryCode string }
		}
		if err := json.Unmarshal([]byte(b), &got); err != nil || st != http.StatusOK ||
			got.NationalIdentifier.RegNo != v.canonical || got.NationalIdentifier.CountryCode != strings.ToUpper(v.cc) {
			t.Errorf("GET %s (%s %s): %d %s, want regNo %s", no, v.cc, v.regNo, st, b, v.canonical)
		}
		for _, spelling := range append([]string{v.regNo, v.canonical}, v.also...) {
			if st, b := find(v.cc, spelling); st != http.StatusOK || !strings.Contains(b, `"customerNo":"`+no+`"`) {
				t.Errorf("find-customer %s %q: %d %s, want customer %s", v.cc, spelling, st, b, no)
			}
		}
		// The same person again, in another spelling: taken.
		if st, b := h.do(http.MethodPost, base+"/customers", "application/json", body(fmt.Sprint(7500+i), v.entity, v.cc, v.canonical)); st != http.StatusConflict {
			t.Errorf("create %s %s a second time: %d %s, want 409", v.cc, v.canonical, st, b)
		}
	}
	invalid := []struct{ cc, entity, regNo, why string }{
		{"SE", "consumer", "880320-0018", "checksum"},
		{"SE", "consumer", "010229-0005", "no 29 February in 2001"},
		{"SE", "consumer", "900100-1230", "day 00"},
		{"SE", "consumer", "81-12-28-9874", "separators"},
		{"SE", "consumer", "811228--9874", "two separators"},
		{"SE", "consumer", "209912311231", "born in the future"},
		{"SE", "consumer", "T11228-9874", "not a number"},
		{"SE", "consumer", "811228-T874", "interim number"},
		{"SE", "business", "1234567891", "organisationsnummer checksum"},
		{"SE", "consumer", "556036-0793", "a consumer with an organisationsnummer"},
		{"NO", "consumer", "15108695077", "control digits"},
		{"DK", "consumer", "511062-5629", "date"},
		{"FI", "consumer", "131052-308U", "check character"},
		{"FI", "consumer", "310252-308Y", "date"},
		{"NO", "business", "995525829", "organisasjonsnummer checksum"},
		{"NO", "business", "000000000", "organisasjonsnummer of only zeros"},
		{"DK", "business", "13585627", "CVR checksum"},
		{"FI", "business", "20774741", "Y-tunnus check digit"},
		{"FI", "business", "0000000-0", "Y-tunnus of only zeros"},
		{"XX", "consumer", "123", "no such country"},
		{"US", "consumer", "123456789012345678901", "21 characters"},
	}
	for i, v := range invalid {
		st, b := h.do(http.MethodPost, base+"/customers", "application/json", body(fmt.Sprint(8000+i), v.entity, v.cc, v.regNo))
		if st != http.StatusBadRequest || !strings.Contains(b, `"name":"nationalIdentifier.`) {
			t.Errorf("create %s %q (%s): %d %s, want 400 naming the national identifier", v.cc, v.regNo, v.why, st, b)
		}
		if v.entity == "consumer" && v.regNo != "556036-0793" {
			if st, b := find(v.cc, v.regNo); st != http.StatusBadRequest || !strings.Contains(b, `"name":"nationalIdentifier.`) {
				t.Errorf("find-customer %s %q (%s): %d %s, want 400", v.cc, v.regNo, v.why, st, b)
			}
		}
	}
}
