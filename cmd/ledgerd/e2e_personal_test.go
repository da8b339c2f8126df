package main

// No personal data in logs: every end-to-end test that runs the service through startServer
// collects the personal values it sends (names, identity numbers, e-mail addresses, phone
// numbers, addresses, bank accounts) from its request bodies, and the test's cleanup searches
// every log line the service wrote — at debug level — for each of them (e2e_helpers_test.go).

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
)

// personalKeys are the JSON properties (lower case) whose values are personal data.
var personalKeys = map[string]bool{
	"name": true, "addressee": true, "streetaddress": true, "coaddress": true, "regno": true, "emailaddress": true,
	"msisdn": true, "vatno": true, "taxidentificationnumber": true, "value": true, "fiscalnumber": true, "firstname": true,
	"surname": true, "iban": true, "accountno": true, "phonenumber": true, "street": true,
	// KYC answers, card data and a registration's URLs and provider reference
	// (docs/data-protection.md, "What is personal"), e-invoice addresses, bank identifiers.
	"answercode": true, "answertext": true, "cardtoken": true, "instrumentdisplayname": true,
	"completeurl": true, "cancelurl": true, "redirecturl": true, "reference": true, "van": true,
	"interchangerecipient": true, "buyerid": true, "clearingno": true, "bic": true,
}

// personalSet is a set of personal values sent to the service.
type personalSet struct {
	mu     sync.Mutex
	values map[string]bool
}

// note records the personal values of a request body (JSON; anything else is ignored). Values
// shorter than 6 characters, and bare URL schemes, are left out: too short or too common to find
// without false alarms.
func (p *personalSet) note(body any) {
	var raw []byte
	switch b := body.(type) {
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		raw, _ = json.Marshal(b)
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.values == nil {
		p.values = map[string]bool{}
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(strings.ToLower(k), x)
			}
		case []any:
			for _, x := range v {
				walk(key, x)
			}
		case string:
			// A bare scheme ("https://", an invalid URL a test sends) names nobody.
			if personalKeys[key] && len(strings.TrimSpace(v)) >= 6 && !strings.HasSuffix(strings.TrimSpace(v), "://") {
				p.values[strings.TrimSpace(v)] = true
			}
		}
	}
	walk("", v)
}

// foundIn returns the values that occur in logs.
func (p *personalSet) foundIn(logs string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for v := range p.values {
		if strings.Contains(logs, v) {
			out = append(out, v)
		}
	}
	return out
}

// TestPersonalSet: the values of personal properties are found in a log, at any depth and in any
// casing of the property name; other values and short ones are not collected.
func TestPersonalSet(t *testing.T) {
	var p personalSet
	p.note(`{"NAME":"Britt-Marie Axelstopp","legalAddress":{"streetAddress":"Axelgatan 18","zipCode":"16872"},
		"nationalIdentifier":{"regNo":"19121212-1212","countryCode":"SE"},"legalEntity":"consumer","msisdn":"+46701234567"}`)
	p.note(map[string]any{"answers": []any{map[string]any{"value": "191212121212"}}})
	p.note("not json")
	p.note(`{"completeUrl":"https://shop.example/done?ref=K-4711","cancelUrl":"https://","answers":[{"questionCode":"tin","answerCode":"FTIN4711"}]}`)
	log := `level=INFO msg=x a="Britt-Marie Axelstopp" b=Axelgatan 18 c=19121212-1212 d=+46701234567 e=191212121212 f=consumer g=16872 h=https://shop.example/done?ref=K-4711 i=FTIN4711 j=https://x`
	got := p.foundIn(log)
	slices.Sort(got)
	want := []string{"+46701234567", "19121212-1212", "191212121212", "Axelgatan 18", "Britt-Marie Axelstopp", "FTIN4711", "https://shop.example/done?ref=K-4711"}
	if !slices.Equal(got, want) {
		t.Errorf("found %q, want %q", got, want)
	}
}
