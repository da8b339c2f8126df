package domain

import "slices"

// PatchCustomer is a validated partial update. Each property is unchanged (absent), removed
// (null) or set.
type PatchCustomer struct {
	set     DetailChanges
	removed []string
}

// ParsePatchCustomer validates a PATCH request, reporting every failing property at once.
func ParsePatchCustomer(in PatchInput) (PatchCustomer, error) {
	var ps problems
	var cmd PatchCustomer
	str := func(name string, f Field[string], parse func(Field[string]) string) *string {
		switch {
		case !f.Present:
			return nil
		case f.Null:
			cmd.removed = append(cmd.removed, name)
			return nil
		}
		before := len(ps)
		v := parse(f)
		if len(ps) > before {
			return nil
		}
		return &v
	}
	cmd.set.EmailAddress = str(PropEmailAddress, in.EmailAddress, func(f Field[string]) string { return parseEmail(&ps, f) })
	cmd.set.LegalStatus = str(PropLegalStatus, in.LegalStatus, func(f Field[string]) string { return enum(&ps, PropLegalStatus, f, legalStatuses) })
	cmd.set.PreferredLanguageCode = str(PropPreferredLanguageCode, in.PreferredLanguageCode, func(f Field[string]) string {
		return enum(&ps, PropPreferredLanguageCode, f, languageCodes)
	})
	cmd.set.MSISDN = str(PropMSISDN, in.MSISDN, func(f Field[string]) string { return parseMSISDN(&ps, f) })
	cmd.set.DistributionType = str(PropDistributionType, in.DistributionType, func(f Field[string]) string {
		return enum(&ps, PropDistributionType, f, distributionTypes)
	})
	cmd.set.TaxIdentificationNumber = str(PropTaxIdentificationNumber, in.TaxIdentificationNumber, func(f Field[string]) string {
		return text(&ps, PropTaxIdentificationNumber, f, textOptional, 20)
	})
	switch {
	case in.ProtectedIdentity.HasValue():
		v := in.ProtectedIdentity.Value
		cmd.set.ProtectedIdentity = &v
	case in.ProtectedIdentity.Null:
		cmd.removed = append(cmd.removed, PropProtectedIdentity)
	}
	switch {
	case in.EDIAddressInfo.HasValue():
		cmd.set.EDIAddressInfo = parseEDI(&ps, in.EDIAddressInfo.Value)
	case in.EDIAddressInfo.Null:
		cmd.removed = append(cmd.removed, PropEDIAddressInfo)
	}
	if err := ps.err(); err != nil {
		return PatchCustomer{}, err
	}
	return cmd, nil
}

// LiftsProtection reports whether the patch lowers the protected identity of a customer in state
// s (sets protectedIdentity to false, or removes it, while it is true). Lifting the protection
// discloses the addresses it hides, so the API lets only callers that may see them do it.
func (cmd PatchCustomer) LiftsProtection(s CustomerState) bool {
	if !s.ProtectedIdentity {
		return false
	}
	if v := cmd.set.ProtectedIdentity; v != nil {
		return !*v
	}
	return slices.Contains(cmd.removed, PropProtectedIdentity)
}

// decide compares the patch with the state: only real changes become an event.
func (cmd PatchCustomer) decide(s *CustomerState) ([]Event, error) {
	var e CustomerDetailsChanged
	changedStr := func(v *string, current string) *string {
		if v == nil || *v == current {
			return nil
		}
		return v
	}
	e.Set.EmailAddress = changedStr(cmd.set.EmailAddress, s.EmailAddress)
	e.Set.LegalStatus = changedStr(cmd.set.LegalStatus, s.LegalStatus)
	e.Set.PreferredLanguageCode = changedStr(cmd.set.PreferredLanguageCode, s.PreferredLanguageCode)
	e.Set.MSISDN = changedStr(cmd.set.MSISDN, s.MSISDN)
	e.Set.DistributionType = changedStr(cmd.set.DistributionType, s.DistributionType)
	e.Set.TaxIdentificationNumber = changedStr(cmd.set.TaxIdentificationNumber, s.TaxIdentificationNumber)
	if v := cmd.set.ProtectedIdentity; v != nil && *v != s.ProtectedIdentity {
		if *v && !s.Swedish() {
			return nil, ValidationError(Problem{PropProtectedIdentity, "protectedIdentity is only supported for Swedish customers"})
		}
		e.Set.ProtectedIdentity = v
	}
	if v := cmd.set.EDIAddressInfo; v != nil && (s.EDIAddressInfo == nil || *v != *s.EDIAddressInfo) {
		e.Set.EDIAddressInfo = v
	}
	for _, name := range cmd.removed {
		if present(s, name) {
			e.Removed = append(e.Removed, name)
		}
	}
	if e.Set == (DetailChanges{}) && len(e.Removed) == 0 {
		return nil, nil
	}
	return []Event{e}, nil
}

// present reports whether a removable property has a non-default value.
func present(s *CustomerState, name string) bool {
	switch name {
	case PropEmailAddress:
		return s.EmailAddress != ""
	case PropLegalStatus:
		return s.LegalStatus != LegalStatusActive
	case PropPreferredLanguageCode:
		return s.PreferredLanguageCode != ""
	case PropProtectedIdentity:
		return s.ProtectedIdentity
	case PropMSISDN:
		return s.MSISDN != ""
	case PropDistributionType:
		return s.DistributionType != ""
	case PropTaxIdentificationNumber:
		return s.TaxIdentificationNumber != ""
	case PropEDIAddressInfo:
		return s.EDIAddressInfo != nil
	}
	return false
}
