package domain_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/nordledger/ledger/domain"
)

// FuzzParseStartCardRegistration: any input is either a valid command (absolute http(s) URLs
// with a host, a language of the document) or a validation error naming only the request's
// properties — never a panic, never another error.
func FuzzParseStartCardRegistration(f *testing.F) {
	f.Add("https://www.google.com/search?q=cancelurl", "https://www.google.com/search?q=completeurl", "en-US")
	f.Add("http://[::1]:80/x#y", "HTTP://SHOP.example", "SV-se")
	f.Add("javascript:alert(1)", "https://user@x/", "de")
	f.Add("\x00", "\x01", "\x00")
	f.Add("https://a.example/\r\n", "https://%zz", "fi-FI\x00")
	f.Fuzz(func(t *testing.T, complete, cancel, lang string) {
		in := domain.StartCardRegistrationInput{CompleteURL: field(complete), CancelURL: field(cancel), Language: field(lang)}
		cmd, err := domain.ParseStartCardRegistration(in)
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeValidation || len(de.Problems) == 0 {
				t.Fatalf("error %v is not a validation error with problems", err)
			}
			for _, p := range de.Problems {
				if !slices.Contains([]string{"completeUrl", "cancelUrl", "language"}, p.Name) {
					t.Fatalf("problem names %q", p.Name)
				}
			}
			return
		}
		for _, u := range []string{cmd.CompleteURL(), cmd.CancelURL()} {
			p, err := url.Parse(u)
			if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Hostname() == "" || p.User != nil || strings.ContainsAny(u, " \r\n\t") {
				t.Fatalf("accepted %q", u)
			}
		}
		if !slices.Contains(domain.CardVerificationLanguages, cmd.Language()) {
			t.Fatalf("accepted language %q", cmd.Language())
		}
	})
}

// FuzzParseCardVerificationResult: a provider's result is valid or a validation error; a valid
// completed result never carries more than 10 digits of the card number.
func FuzzParseCardVerificationResult(f *testing.F) {
	f.Add("completed", "2eb28854-07ec-4e88-b672-7c61cc54b461", "551000******1232", "04/2035", "04-2035", "\x00")
	f.Add("failed", "\x00", "\x00", "\x00", "\x00", "declined")
	f.Add("aborted", "x", "5510000000001232", "4/35", "13-2035", "Card declined")
	f.Fuzz(func(t *testing.T, outcome, token, masked, cardExpiry, consentExpiry, reason string) {
		res, err := domain.ParseCardVerificationResult(domain.CardVerificationResultInput{Outcome: field(outcome), CardToken: field(token),
			InstrumentDisplayName: field(masked), CardExpiryDate: field(cardExpiry), ConsentExpiryDate: field(consentExpiry), Reason: field(reason)})
		if err != nil {
			if !errors.Is(err, domain.ErrValidation) {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		if res.Outcome == domain.OutcomeCompleted {
			digits := strings.Count(res.InstrumentDisplayName, "") - 1 - strings.Count(res.InstrumentDisplayName, "*")
			if digits > 10 || res.CardToken == "" || len(res.CardExpiryDate) != 7 || len(res.ConsentExpiryDate) != 7 {
				t.Fatalf("accepted %+v", res)
			}
		}
	})
}
