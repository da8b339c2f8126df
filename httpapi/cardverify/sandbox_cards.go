package cardverify

import (
	"strings"
	"time"
)

// TestCard is a card the sandbox knows. The sandbox verifies no other card: a real card number
// is refused before anything is done with it.
type TestCard struct {
	Number   string // the card number, digits only
	Brand    string
	Declined bool // verification fails (RecurringCardRegistrationFailed, reason "declined")
}

// TestCards are the sandbox's cards. The first's masked number is the document's example
// (551000******1232).
var TestCards = []TestCard{
	{Number: "5510000000001232", Brand: "Mastercard"},
	{Number: "4925000000000004", Brand: "Visa"},
	{Number: "4000000000000002", Brand: "Visa", Declined: true},
}

// cardForm is the sandbox form's card, as entered.
type cardForm struct {
	number string // digits only
	month  int
	year   int // four digits
}

// Problems of the sandbox form (keys of the page's texts).
const (
	errNumber      = "errNumber"   // not 13 to 19 digits
	errNotValid    = "errNotValid" // 13 to 19 digits, but the check digit is wrong: a typing error
	errNotTestCard = "errNotTestCard"
	errExpiry      = "errExpiry"
	errExpired     = "errExpired"
	errCVC         = "errCVC"
	// Problems of a result the ledger refused after the form was read (refusedResult).
	errConsentOver = "errConsentOver" // the consent's expiry month is over
	errRefused     = "errRefused"     // any other refusal: of the form as a whole
)

// parseCardForm validates the entered card at now: a 13–19 digit number passing the Luhn check
// that is one of TestCards (spaces and dashes ignored), an expiry MM/YY or MM/YYYY not before
// now's month, and a 3-digit CVC. It returns the problems by form field.
func parseCardForm(number, expiry, cvc string, now time.Time) (cardForm, TestCard, map[string]string) {
	problems := map[string]string{}
	var f cardForm
	var card TestCard
	f.number = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, number)
	switch {
	case len(f.number) < 13 || len(f.number) > 19 || !digits(f.number):
		problems["pan"] = errNumber
	case !luhn(f.number):
		problems["pan"] = errNotValid
	default:
		known := false
		for _, c := range TestCards {
			if c.Number == f.number {
				card, known = c, true
			}
		}
		if !known {
			problems["pan"] = errNotTestCard
		}
	}
	month, year, ok := parseExpiryInput(expiry)
	switch {
	case !ok:
		problems["expiry"] = errExpiry
	case year < now.Year() || year == now.Year() && month < int(now.Month()):
		problems["expiry"] = errExpired
	default:
		f.month, f.year = month, year
	}
	if c := strings.TrimSpace(cvc); len(c) != 3 || !digits(c) {
		problems["cvc"] = errCVC
	}
	return f, card, problems
}

// parseExpiryInput reads MM/YY or MM/YYYY (also with '-' and without the separator: MMYY).
func parseExpiryInput(s string) (month, year int, ok bool) {
	s = strings.TrimSpace(s)
	s = strings.NewReplacer("/", "", "-", "", " ", "").Replace(s)
	if !digits(s) || (len(s) != 4 && len(s) != 6) {
		return 0, 0, false
	}
	month = atoi(s[:2])
	year = atoi(s[2:])
	if len(s) == 4 {
		year += 2000
	}
	if month < 1 || month > 12 || year < 2000 || year > 2099 {
		return 0, 0, false
	}
	return month, year, true
}

// mask returns the number with all but its first six and last four digits masked, as the
// document's instrumentDisplayName shows it (551000******1232).
func mask(number string) string {
	return number[:6] + strings.Repeat("*", len(number)-10) + number[len(number)-4:]
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// luhn reports whether a digit string passes the Luhn check.
func luhn(number string) bool {
	sum := 0
	for i := 0; i < len(number); i++ {
		d := int(number[len(number)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
