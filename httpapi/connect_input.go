package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nordledger/ledger/domain"
)

// Bounds of a customer-details request.
const (
	maxLookupValues    = 10 // items of values
	maxLookupValueSize = 64 // characters of one value
)

// customerDetailsRequest is a valid GetCustomerDetailsRequest.
type customerDetailsRequest struct {
	countryCode string            // upper case
	values      map[string]string // lookup key → value (trimmed)
	keys        []string          // the keys in the order sent
}

// parseCustomerDetailsRequest validates a GetCustomerDetailsRequest against a payment product,
// reporting every problem at once in Connect's terms: a missing value is
// PARAMETER_NOT_FOUND_IN_REQUEST, anything else wrong is INVALID_VALUE, each with its
// propertyName as a JSONata path. Array positions count from 1, as the source document describes
// them ("a[1] selects the first element"). Property names are matched case-insensitively, as
// everywhere in this service; key names are matched exactly.
func parseCustomerDetailsRequest(body []byte, product ConnectProduct) (customerDetailsRequest, []connectProblem) {
	var ps []connectProblem
	missing := func(prop, msg string) { ps = append(ps, connectProblem{connectMissing, prop, msg}) }
	invalid := func(prop, msg string) { ps = append(ps, connectProblem{connectInvalid, prop, msg}) }
	o, err := parseObject(body, "")
	if err != nil {
		var dup *duplicateError
		switch {
		case errors.As(err, &dup):
			invalid(dup.name, "The property appears more than once.")
		case err == errNotObject:
			invalid("", "The request body must be a JSON object.")
		default:
			invalid("", "The request body is not valid JSON.")
		}
		return customerDetailsRequest{}, ps
	}
	req := customerDetailsRequest{values: map[string]string{}}

	var keys []string // the keys the product needs in this country; nil when the country is not known
	var s string
	switch raw, ok := o.raw("countryCode"); {
	case !ok || isNull(raw) || json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) == "":
		missing("countryCode", "countryCode is required.")
	default:
		// Read as every route reads a country code (find-customer too): any case, surrounding
		// whitespace ignored.
		cc, valid := "", json.Unmarshal(raw, &s) == nil
		if valid {
			cc, valid = domain.CountryCodeInput(s)
		}
		var served bool
		keys, served = product.Countries[cc]
		switch {
		case !valid:
			invalid("countryCode", "countryCode must be an ISO 3166-1 alpha-2 country code.")
		case !served:
			invalid("countryCode", "The payment product does not look customers up in this country.")
		default:
			req.countryCode = cc
		}
	}

	var items []json.RawMessage
	switch raw, ok := o.raw("values"); {
	case !ok || isNull(raw):
		missing("values", "values is required: a list of at least one key and value.")
	case json.Unmarshal(raw, &items) != nil:
		invalid("values", "values must be a list of objects with key and value.")
	case len(items) == 0:
		missing("values", "values must hold at least one key and value.")
	case len(items) > maxLookupValues:
		invalid("values", fmt.Sprintf("values may hold at most %d items.", maxLookupValues))
		items = nil
	}
	unread := false // an item that could not be read: its key may be any
	for i, raw := range items {
		path := fmt.Sprintf("values[%d]", i+1)
		item, err := parseObject(raw, path+".")
		if err != nil {
			unread = true
			var dup *duplicateError
			if errors.As(err, &dup) {
				invalid(dup.name, "The property appears more than once.")
			} else {
				invalid(path, "Each item of values must be an object with key and value.")
			}
			continue
		}
		key, keyOK := itemString(item, "key", path, &ps)
		value, valueOK := itemString(item, "value", path, &ps)
		for _, name := range item.unused() {
			invalid(path+"."+name, "The property is not part of a key and value.")
		}
		if keyOK {
			switch {
			case keys != nil && !slices.Contains(keys, key):
				invalid(path+".key", "The key is not a lookup key of this payment product in this country; it takes "+strings.Join(keys, ", ")+".")
				keyOK = false
			case slices.Contains(req.keys, key):
				invalid(path+".key", "The key appears more than once.")
				keyOK = false
			}
		}
		if valueOK && len([]rune(value)) > maxLookupValueSize {
			invalid(path+".value", fmt.Sprintf("The value may be at most %d characters.", maxLookupValueSize))
			valueOK = false
		}
		if keyOK {
			req.keys = append(req.keys, key)
		}
		if keyOK && valueOK {
			req.values[key] = value
		}
	}
	if len(items) > 0 && !unread { // a key an unread item may hold is not said to be missing
		for _, k := range keys {
			if !slices.Contains(req.keys, k) {
				missing("values[key='"+k+"'].value", "The payment product needs the lookup key "+k+" in this country.")
			}
		}
	}
	for _, name := range o.unused() {
		invalid(name, "The property is not part of a GetCustomerDetailsRequest.")
	}
	return req, ps
}

// itemString reads a required, non-blank string property of a values item (trimmed).
func itemString(o *object, name, path string, ps *[]connectProblem) (string, bool) {
	prop := path + "." + name
	raw, ok := o.raw(name)
	if !ok || isNull(raw) {
		*ps = append(*ps, connectProblem{connectMissing, prop, prop + " is required."})
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		*ps = append(*ps, connectProblem{connectInvalid, prop, prop + " must be a string."})
		return "", false
	}
	if s = strings.TrimSpace(s); s == "" {
		*ps = append(*ps, connectProblem{connectMissing, prop, prop + " must not be empty."})
		return "", false
	}
	return s, true
}
