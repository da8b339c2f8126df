package main

import (
	"fmt"
	"maps"
	"slices"

	"github.com/nordledger/ledger/domain/nordic"
	"github.com/nordledger/ledger/httpapi"
)

// MerchantConfig is a merchant of the Connect client API (the "merchants" section of the ledger
// file, keyed by merchant id): the ledger its customer-details look-ups read, and its payment
// products keyed by paymentProductId.
type MerchantConfig struct {
	LedgerNo string                   `json:"ledgerNo"`
	Products map[string]ProductConfig `json:"products"`
}

// ProductConfig is a payment product: the countries it serves, keyed by ISO 3166-1 alpha-2 code.
type ProductConfig struct {
	Countries map[string]ProductCountryConfig `json:"countries"`
}

// ProductCountryConfig is what a payment product needs in one country: the lookup keys a look-up
// must send (the fields Get Payment Product marks usedForLookup). Each is required; the service
// supports "fiscalNumber" (the national identity number of the country).
type ProductCountryConfig struct {
	LookupKeys []string `json:"lookupKeys"`
}

// demoMerchants is the built-in Connect configuration: merchant 1000 reads the demo ledger 1000
// and offers payment product 9000 in Sweden, looked up by fiscalNumber — the document's example.
func demoMerchants() map[string]MerchantConfig {
	return map[string]MerchantConfig{"1000": {LedgerNo: "1000", Products: map[string]ProductConfig{
		"9000": {Countries: map[string]ProductCountryConfig{"SE": {LookupKeys: []string{httpapi.LookupKeyFiscalNumber}}}},
	}}}
}

// validateMerchants reports every problem of the merchants section, naming the merchant, product
// and country.
func (f LedgerFile) validateMerchants() []error {
	var errs []error
	ledgers := map[string]bool{}
	for _, l := range f.Ledgers {
		ledgers[l.LedgerNo] = true
	}
	for _, id := range slices.Sorted(maps.Keys(f.Merchants)) {
		m := f.Merchants[id]
		name := fmt.Sprintf("merchants[%q]", id)
		if !validPathSegment(id) {
			errs = append(errs, fmt.Errorf("%s: the merchant id must be 1–64 letters, digits, '-' or '_'", name))
		}
		if !ledgers[m.LedgerNo] {
			errs = append(errs, fmt.Errorf("%s: ledgerNo %q is not a configured ledger", name, m.LedgerNo))
		}
		if len(m.Products) == 0 {
			errs = append(errs, fmt.Errorf("%s: products must list at least one payment product", name))
		}
		for _, pid := range slices.Sorted(maps.Keys(m.Products)) {
			pname := fmt.Sprintf("%s product %q", name, pid)
			if !validProductID(pid) {
				errs = append(errs, fmt.Errorf("%s: the payment product id must be a positive integer without leading zeros", pname))
			}
			countries := m.Products[pid].Countries
			if len(countries) == 0 {
				errs = append(errs, fmt.Errorf("%s: countries must list at least one country", pname))
			}
			for _, cc := range slices.Sorted(maps.Keys(countries)) {
				cname := fmt.Sprintf("%s country %q", pname, cc)
				if canon, ok := nordic.CountryCode(cc); !ok || canon != cc {
					errs = append(errs, fmt.Errorf("%s: the country must be an upper-case ISO 3166-1 alpha-2 code", cname))
				}
				keys := countries[cc].LookupKeys
				if len(keys) == 0 {
					errs = append(errs, fmt.Errorf("%s: lookupKeys must list at least one key", cname))
				}
				for i, k := range keys {
					switch {
					case k != httpapi.LookupKeyFiscalNumber:
						errs = append(errs, fmt.Errorf("%s: lookup key %q is not supported (supported: %s)", cname, k, httpapi.LookupKeyFiscalNumber))
					case slices.Contains(keys[:i], k):
						errs = append(errs, fmt.Errorf("%s: lookup key %q appears more than once", cname, k))
					}
				}
			}
		}
	}
	return errs
}

// validPathSegment reports whether s can be a merchant id in a URL path as is.
func validPathSegment(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validProductID reports whether s is a payment product id: a positive integer (Connect's
// paymentProductId), at most 9 digits.
func validProductID(s string) bool {
	if s == "" || len(s) > 9 || s[0] == '0' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// merchants converts the merchants section for httpapi.
func (f LedgerFile) merchants() map[string]httpapi.ConnectMerchant {
	out := make(map[string]httpapi.ConnectMerchant, len(f.Merchants))
	for id, m := range f.Merchants {
		cm := httpapi.ConnectMerchant{LedgerNo: m.LedgerNo, Products: map[string]httpapi.ConnectProduct{}}
		for pid, p := range m.Products {
			cp := httpapi.ConnectProduct{Countries: map[string][]string{}}
			for cc, c := range p.Countries {
				cp.Countries[cc] = slices.Clone(c.LookupKeys)
			}
			cm.Products[pid] = cp
		}
		out[id] = cm
	}
	return out
}
