package httpapi

import (
	"bytes"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/jsonw"
)

// appendCustomerResource appends r as encodeJSON encodes it (without its newline), without
// reflection: encoding/json was a tenth of a GET's CPU (BENCHMARKS.md).
// TestAppendCustomerResourceIsEncoded holds the two byte for byte; a value this writer does not
// know (an address of another type) goes through encodeJSON.
func appendCustomerResource(b []byte, r *customerResource) ([]byte, error) {
	b = append(b, `{"@id":`...)
	b = appendString(b, r.ID)
	b = append(b, `,"customerNo":`...)
	b = appendString(b, r.CustomerNo)
	if ni := r.NationalIdentifier; ni != nil {
		b = append(b, `,"nationalIdentifier":{"regNo":`...)
		b = appendString(b, ni.RegNo)
		b = append(b, `,"countryCode":`...)
		b = appendString(b, ni.CountryCode)
		b = append(b, '}')
	}
	b = appendOptional(b, `,"vatNo":`, r.VATNo)
	b = appendOptional(b, `,"legalEntity":`, r.LegalEntity)
	b = append(b, `,"name":`...)
	b = appendString(b, r.Name)
	b = appendOptional(b, `,"emailAddress":`, r.EmailAddress)
	b = append(b, `,"protectedIdentity":`...)
	b = jsonw.AppendBool(b, r.ProtectedIdentity)
	b = appendOptional(b, `,"preferredLanguageCode":`, r.PreferredLanguageCode)
	b = append(b, `,"legalStatus":`...)
	b = appendString(b, r.LegalStatus)
	b = appendOptional(b, `,"msisdn":`, r.MSISDN)
	b = appendOptional(b, `,"distributionType":`, r.DistributionType)
	b = appendOptional(b, `,"taxIdentificationNumber":`, r.TaxIdentificationNumber)
	b = append(b, `,"activeConsents":`...)
	b = appendStrings(b, r.ActiveConsents)
	if e := r.EDIAddressInfo; e != nil {
		b = append(b, `,"eDIAddressInfo":{`...)
		sep := ""
		if e.VAN != "" {
			b = append(b, `"VAN":`...)
			b = appendString(b, e.VAN)
			sep = ","
		}
		if e.InterChangeRecipient != "" {
			b = append(b, sep+`"InterChangeRecipient":`...)
			b = appendString(b, e.InterChangeRecipient)
			sep = ","
		}
		b = append(b, sep+`"BuyerId":`...)
		b = appendString(b, e.BuyerID)
		b = append(b, '}')
	}
	var err error
	if b, err = appendAddressLink(b, `,"legalAddress":`, r.LegalAddress); err != nil {
		return nil, err
	}
	if b, err = appendAddressLink(b, `,"billingAddress":`, r.BillingAddress); err != nil {
		return nil, err
	}
	b = append(b, `,"surpluses":`...)
	b = appendString(b, r.Surpluses)
	b = append(b, `,"operations":`...)
	b = appendOperations(b, r.Operations)
	return append(b, '}'), nil
}

// appendString appends a string as encodeJSON writes it.
func appendString(b []byte, s string) []byte { return jsonw.AppendStringNoEscapeHTML(b, s) }

// appendStrings appends a []string as encodeJSON writes it: null when nil.
func appendStrings(b []byte, ss []string) []byte { return jsonw.AppendStringsNoEscapeHTML(b, ss) }

// appendOptional appends a member with omitempty: nothing when v is empty.
func appendOptional(b []byte, member, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, member...)
	return appendString(b, v)
}

// appendAddressLink appends legalAddress or billingAddress: a URI or an expanded address;
// omitted when nil (omitempty on an interface).
func appendAddressLink(b []byte, member string, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return b, nil
	case string:
		b = append(b, member...)
		return appendString(b, v), nil
	case addressResource:
		b = append(b, member...)
		return appendAddressResource(b, &v), nil
	default:
		var j bytes.Buffer
		if err := encodeJSON(&j, v); err != nil {
			return nil, err
		}
		b = append(b, member...)
		return append(b, bytes.TrimSuffix(j.Bytes(), []byte("\n"))...), nil
	}
}

// appendAddressResource appends an address with its operations as encodeJSON encodes it.
func appendAddressResource(b []byte, a *addressResource) []byte {
	b = appendAddress(b, &a.Address)
	b = append(b[:len(b)-1], `,"operations":`...) // reopen the address object
	b = appendOperations(b, a.Operations)
	return append(b, '}')
}

// appendAddress appends a as encodeJSON encodes a domain.Address.
func appendAddress(b []byte, a *domain.Address) []byte {
	b = append(b, `{"addressee":`...)
	b = appendString(b, a.Addressee)
	b = appendOptional(b, `,"streetAddress":`, a.StreetAddress)
	b = appendOptional(b, `,"coAddress":`, a.CoAddress)
	b = append(b, `,"city":`...)
	b = appendString(b, a.City)
	b = append(b, `,"zipCode":`...)
	b = appendString(b, a.ZipCode)
	b = append(b, `,"countryCode":`...)
	b = appendString(b, a.CountryCode)
	return append(b, '}')
}

// appendOperations appends operations as encodeJSON encodes them: null when nil.
func appendOperations(b []byte, ops []Operation) []byte {
	if ops == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, op := range ops {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"rel":`...)
		b = appendString(b, op.Rel)
		b = append(b, `,"method":`...)
		b = appendString(b, op.Method)
		b = append(b, `,"href":`...)
		b = appendString(b, op.Href)
		b = append(b, '}')
	}
	return append(b, ']')
}
