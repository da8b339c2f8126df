package projections

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/internal/jsonw"
)

// marshalState returns the JSON of a customer's state that the customers bucket keeps: exactly
// json.Marshal(s), the stored layout. The fields every customer has are written without
// reflection, in about half json.Marshal's time (BenchmarkMarshalState; a rebuild encodes each
// customer once per transaction); the recurring card, card registrations and surpluses, which
// few customers have, still go through json.Marshal. The tests compare the two on states with
// every field set and unset.
func marshalState(s domain.CustomerState) ([]byte, error) {
	b := make([]byte, 0, 1024)
	b = append(b, `{"CustomerNo":`...)
	b = jsonw.AppendString(b, s.CustomerNo)
	b = append(b, `,"NationalIdentifier":`...)
	if ni := s.NationalIdentifier; ni == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"regNo":`...)
		b = jsonw.AppendString(b, ni.RegNo)
		b = append(b, `,"countryCode":`...)
		b = jsonw.AppendString(b, ni.CountryCode)
		b = append(b, '}')
	}
	b = append(b, `,"VATNo":`...)
	b = jsonw.AppendString(b, s.VATNo)
	b = append(b, `,"LegalEntity":`...)
	b = jsonw.AppendString(b, s.LegalEntity)
	b = append(b, `,"Name":`...)
	b = jsonw.AppendString(b, s.Name)
	b = append(b, `,"EmailAddress":`...)
	b = jsonw.AppendString(b, s.EmailAddress)
	b = append(b, `,"ProtectedIdentity":`...)
	b = strconv.AppendBool(b, s.ProtectedIdentity)
	b = append(b, `,"PreferredLanguageCode":`...)
	b = jsonw.AppendString(b, s.PreferredLanguageCode)
	b = append(b, `,"LegalStatus":`...)
	b = jsonw.AppendString(b, s.LegalStatus)
	b = append(b, `,"MSISDN":`...)
	b = jsonw.AppendString(b, s.MSISDN)
	b = append(b, `,"DistributionType":`...)
	b = jsonw.AppendString(b, s.DistributionType)
	b = append(b, `,"TaxIdentificationNumber":`...)
	b = jsonw.AppendString(b, s.TaxIdentificationNumber)
	b = append(b, `,"EDIAddressInfo":`...)
	if edi := s.EDIAddressInfo; edi == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		if edi.VAN != "" {
			b = append(b, `"van":`...)
			b = jsonw.AppendString(b, edi.VAN)
			b = append(b, ',')
		}
		if edi.InterChangeRecipient != "" {
			b = append(b, `"interChangeRecipient":`...)
			b = jsonw.AppendString(b, edi.InterChangeRecipient)
			b = append(b, ',')
		}
		b = append(b, `"buyerId":`...)
		b = jsonw.AppendString(b, edi.BuyerID)
		b = append(b, '}')
	}
	b = append(b, `,"LegalAddress":`...)
	b = appendAddress(b, s.LegalAddress)
	b = append(b, `,"BillingAddress":`...)
	b = appendAddress(b, s.BillingAddress)
	b = append(b, `,"ActiveConsents":`...)
	if s.ActiveConsents == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range s.ActiveConsents {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonw.AppendString(b, c)
		}
		b = append(b, ']')
	}
	// On any error json.Marshal(s) runs instead: it fails the way it always did.
	var err error
	if s.RecurringCard != nil {
		b = append(b, `,"RecurringCard":`...)
		if b, err = appendMarshal(b, s.RecurringCard); err != nil {
			return json.Marshal(s)
		}
	}
	if s.CardRegistration != nil {
		b = append(b, `,"CardRegistration":`...)
		if b, err = appendMarshal(b, s.CardRegistration); err != nil {
			return json.Marshal(s)
		}
	}
	b = append(b, `,"Surpluses":`...)
	if s.Surpluses == nil {
		b = append(b, "null"...)
	} else if b, err = appendMarshal(b, s.Surpluses); err != nil {
		return json.Marshal(s)
	}
	b = append(b, `,"KycAnsweredAt":`...)
	if b, err = appendTime(b, s.KycAnsweredAt); err != nil {
		return json.Marshal(s)
	}
	if s.Forgotten {
		b = append(b, `,"Forgotten":true`...)
	}
	b = append(b, `,"Version":`...)
	b = strconv.AppendUint(b, s.Version, 10)
	b = append(b, `,"CreatedAt":`...)
	if b, err = appendTime(b, s.CreatedAt); err != nil {
		return json.Marshal(s)
	}
	b = append(b, `,"UpdatedAt":`...)
	if b, err = appendTime(b, s.UpdatedAt); err != nil {
		return json.Marshal(s)
	}
	return append(b, '}'), nil
}

// appendAddress appends a as json.Marshal encodes it.
func appendAddress(b []byte, a *domain.Address) []byte {
	if a == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"addressee":`...)
	b = jsonw.AppendString(b, a.Addressee)
	if a.StreetAddress != "" {
		b = append(b, `,"streetAddress":`...)
		b = jsonw.AppendString(b, a.StreetAddress)
	}
	if a.CoAddress != "" {
		b = append(b, `,"coAddress":`...)
		b = jsonw.AppendString(b, a.CoAddress)
	}
	b = append(b, `,"city":`...)
	b = jsonw.AppendString(b, a.City)
	b = append(b, `,"zipCode":`...)
	b = jsonw.AppendString(b, a.ZipCode)
	b = append(b, `,"countryCode":`...)
	b = jsonw.AppendString(b, a.CountryCode)
	return append(b, '}')
}

// appendTime appends t as json.Marshal encodes it (time.Time's MarshalJSON).
func appendTime(b []byte, t time.Time) ([]byte, error) {
	j, err := t.MarshalJSON()
	return append(b, j...), err
}

// appendMarshal appends json.Marshal(v): what json.Marshal writes for v as a member.
func appendMarshal(b []byte, v any) ([]byte, error) {
	j, err := json.Marshal(v)
	return append(b, j...), err
}
