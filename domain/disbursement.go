package domain

import (
	"strings"
	"time"

	"github.com/nordledger/ledger/domain/nordic"
)

// Property names of a disbursement order request.
const (
	PropNorwegianBankAccount = "norwegianBankAccount"
	PropSwedishBankAccount   = "swedishBankAccount"
	PropInternational        = "international"
	PropSwedishSus           = "swedishSus"
)

// PropBody names a problem with the request body as a whole (as the HTTP layer does).
const PropBody = "body"

// Swedish account types of a swedishBankAccount (accepted case-insensitively, stored upper-case).
const (
	AccountTypeBank      = "BKSE" // bank account: clearing number + account number
	AccountTypeBankgiro  = "BGSE"
	AccountTypePlusgiro  = "PGSE"
	accountTypesRendered = "BKSE, BGSE, PGSE"
)

// DisbursementOrderInput is an add-disbursement-order request as sent: exactly one of the four
// destinations must have a value (null counts as absent).
type DisbursementOrderInput struct {
	NorwegianBankAccount Field[NorwegianBankAccountInput]
	SwedishBankAccount   Field[SwedishBankAccountInput]
	International        Field[InternationalAccountInput]
	SwedishSus           Field[SwedishSusInput]
}

// NorwegianBankAccountInput is a norwegianBankAccount object as sent.
type NorwegianBankAccountInput struct {
	AccountNo Field[string]
}

// SwedishBankAccountInput is a swedishBankAccount object as sent: {clearingNo, accountNo} or
// {accountNo, accountType}.
type SwedishBankAccountInput struct {
	ClearingNo  Field[string]
	AccountNo   Field[string]
	AccountType Field[string]
}

// InternationalAccountInput is an international object as sent.
type InternationalAccountInput struct {
	IBAN Field[string]
	BIC  Field[string]
}

// SwedishSusInput is a swedishSus object as sent.
type SwedishSusInput struct {
	NationalIdentifier Field[NationalIdentifierInput]
	Address            Field[AddressInput]
}

// Destination is a validated disbursement destination: exactly one of its fields is set, in
// canonical form (digits only for account numbers, upper case for IBAN and BIC, the canonical
// personnummer). Its JSON is part of the DisbursementOrdered event.
type Destination struct {
	NorwegianBankAccount *NorwegianBankAccount `json:"norwegianBankAccount,omitempty"`
	SwedishBankAccount   *SwedishBankAccount   `json:"swedishBankAccount,omitempty"`
	International        *InternationalAccount `json:"international,omitempty"`
	SwedishSus           *SwedishSus           `json:"swedishSus,omitempty"`
}

// NorwegianBankAccount is a Norwegian account number (kontonummer): 11 digits, mod-11 checked.
type NorwegianBankAccount struct {
	AccountNo string `json:"accountNo"`
}

// SwedishBankAccount is a Swedish payout account. AccountType is always set:
//   - BKSE: a bank account; ClearingNo is the 4-digit clearing number (a Swedbank 5th check
//     digit dropped) and AccountNo the account number zero-padded to the bank's length, both
//     checked against Bankgirot's table — whichever shape it was sent in;
//   - BGSE: AccountNo is a bankgiro number (7–8 digits, Luhn), ClearingNo empty;
//   - PGSE: AccountNo is a plusgiro number (2–8 digits, Luhn), ClearingNo empty.
type SwedishBankAccount struct {
	ClearingNo  string `json:"clearingNo,omitempty"`
	AccountNo   string `json:"accountNo"`
	AccountType string `json:"accountType"`
}

// DisplayAccountNo renders the account number as the API shows it: BKSE "3300-1010101010"
// (clearing-account, as in the PayEx document), bankgiro "160-9908" / "5050-1055", plusgiro
// "1234567-8" (a dash before the check digit).
func (a SwedishBankAccount) DisplayAccountNo() string {
	switch a.AccountType {
	case AccountTypeBank:
		return a.ClearingNo + "-" + a.AccountNo
	case AccountTypeBankgiro:
		if len(a.AccountNo) > 4 {
			return a.AccountNo[:len(a.AccountNo)-4] + "-" + a.AccountNo[len(a.AccountNo)-4:]
		}
	case AccountTypePlusgiro:
		if len(a.AccountNo) > 1 {
			return a.AccountNo[:len(a.AccountNo)-1] + "-" + a.AccountNo[len(a.AccountNo)-1:]
		}
	}
	return a.AccountNo
}

// InternationalAccount is an IBAN (compact, upper case, mod-97 and country length checked) and a
// BIC (upper case, 8 or 11 characters).
type InternationalAccount struct {
	IBAN string `json:"iban"`
	BIC  string `json:"bic"`
}

// SwedishSus is a payout through Swedbank's SUS to a person identified by a Swedish personnummer
// or samordningsnummer (canonical YYYYMMDD-NNNC), with the address for a paper payment notice.
type SwedishSus struct {
	NationalIdentifier NationalIdentifier `json:"nationalIdentifier"`
	Address            Address            `json:"address"`
}

// Kind returns the property name of the destination that is set ("norwegianBankAccount",
// "swedishBankAccount", "international" or "swedishSus"; "" when none is).
func (d Destination) Kind() string {
	switch {
	case d.NorwegianBankAccount != nil:
		return PropNorwegianBankAccount
	case d.SwedishBankAccount != nil:
		return PropSwedishBankAccount
	case d.International != nil:
		return PropInternational
	case d.SwedishSus != nil:
		return PropSwedishSus
	}
	return ""
}

// count returns how many destinations are set.
func (d Destination) count() int {
	n := 0
	for _, set := range []bool{d.NorwegianBankAccount != nil, d.SwedishBankAccount != nil, d.International != nil, d.SwedishSus != nil} {
		if set {
			n++
		}
	}
	return n
}

// Clone returns a deep copy.
func (d Destination) Clone() Destination {
	return Destination{
		NorwegianBankAccount: clonePtr(d.NorwegianBankAccount),
		SwedishBankAccount:   clonePtr(d.SwedishBankAccount),
		International:        clonePtr(d.International),
		SwedishSus:           clonePtr(d.SwedishSus),
	}
}

// ParseDestination validates an add-disbursement-order request and returns its destination.
// Exactly one destination must be sent: none gives a problem named "body", two or more a problem
// on each of them (and each is validated as well, so all failures come at once). Problems are
// named by JSON path ("swedishBankAccount.accountNo", "swedishSus.address.city", …) and never
// contain the value. today is used to reject birth dates in the future in swedishSus.
//
// swedishBankAccount takes two shapes: {clearingNo, accountNo} (accountType absent, or BKSE),
// or {accountNo, accountType} where accountType (case-insensitive) is BKSE — accountNo then holds
// clearing and account number, "3300-1010101010" or "33001010101010" (a Swedbank 8xxx-x clearing
// number is recognised by its separators, "8327-9, 123 456 789-7", or by 15 digits) — BGSE
// (bankgiro) or PGSE (plusgiro), which take no clearingNo.
func ParseDestination(in DisbursementOrderInput, today time.Time) (Destination, error) {
	var ps problems
	var d Destination
	if in.NorwegianBankAccount.HasValue() {
		d.NorwegianBankAccount = parseNorwegianBankAccount(&ps, in.NorwegianBankAccount.Value)
	}
	if in.SwedishBankAccount.HasValue() {
		d.SwedishBankAccount = parseSwedishBankAccount(&ps, in.SwedishBankAccount.Value)
	}
	if in.International.HasValue() {
		d.International = parseInternational(&ps, in.International.Value)
	}
	if in.SwedishSus.HasValue() {
		d.SwedishSus = parseSwedishSus(&ps, in.SwedishSus.Value, today)
	}
	sent := []struct {
		name string
		set  bool
	}{
		{PropNorwegianBankAccount, in.NorwegianBankAccount.HasValue()},
		{PropSwedishBankAccount, in.SwedishBankAccount.HasValue()},
		{PropInternational, in.International.HasValue()},
		{PropSwedishSus, in.SwedishSus.HasValue()},
	}
	n := 0
	for _, s := range sent {
		if s.set {
			n++
		}
	}
	switch {
	case n == 0:
		ps.add(PropBody, "one of norwegianBankAccount, swedishBankAccount, international or swedishSus is required")
	case n > 1:
		for _, s := range sent {
			if s.set {
				ps.add(s.name, "only one of norwegianBankAccount, swedishBankAccount, international and swedishSus may be sent")
			}
		}
	}
	if err := ps.err(); err != nil {
		return Destination{}, err
	}
	return d, nil
}

// required reports a missing or blank string property; it returns the trimmed value.
func required(ps *problems, name string, f Field[string]) (string, bool) {
	if !f.HasValue() || strings.TrimSpace(f.Value) == "" {
		ps.add(name, name+" is required")
		return "", false
	}
	return strings.TrimSpace(f.Value), true
}

func parseNorwegianBankAccount(ps *problems, in NorwegianBankAccountInput) *NorwegianBankAccount {
	name := PropNorwegianBankAccount + ".accountNo"
	v, ok := required(ps, name, in.AccountNo)
	if !ok {
		return nil
	}
	no, err := nordic.ParseNorwegianAccount(v)
	if err != nil {
		ps.add(name, name+" is not a valid Norwegian account number: "+describe(err))
		return nil
	}
	return &NorwegianBankAccount{AccountNo: no}
}

func parseInternational(ps *problems, in InternationalAccountInput) *InternationalAccount {
	ibanName, bicName := PropInternational+".iban", PropInternational+".bic"
	var a InternationalAccount
	before := len(*ps)
	if v, ok := required(ps, ibanName, in.IBAN); ok {
		iban, err := nordic.ParseIBAN(v)
		if err != nil {
			ps.add(ibanName, ibanName+" is not a valid IBAN: "+describe(err))
		}
		a.IBAN = iban
	}
	if v, ok := required(ps, bicName, in.BIC); ok {
		bic, err := nordic.ParseBIC(v)
		if err != nil {
			ps.add(bicName, bicName+" is not a valid BIC: "+describe(err))
		}
		a.BIC = bic
	}
	if len(*ps) > before {
		return nil
	}
	return &a
}

func parseSwedishSus(ps *problems, in SwedishSusInput, today time.Time) *SwedishSus {
	niName, addrName := PropSwedishSus+".nationalIdentifier", PropSwedishSus+".address"
	var s SwedishSus
	before := len(*ps)
	if in.NationalIdentifier.HasValue() {
		ni, id := parseNationalIdentifier(ps, in.NationalIdentifier.Value, niName, today)
		switch {
		case ni.RegNo == "":
		case ni.CountryCode != "SE":
			ps.add(niName+".countryCode", niName+".countryCode must be SE: SUS pays out to Swedish personal identity numbers")
		case id.Kind != nordic.KindPersonnummer && id.Kind != nordic.KindSamordningsnummer:
			ps.add(niName+".regNo", niName+".regNo must be a Swedish personnummer or samordningsnummer, not an organisation number")
		default:
			s.NationalIdentifier = ni
		}
	} else {
		ps.add(niName, niName+" is required")
	}
	if in.Address.HasValue() {
		s.Address = parseAddress(ps, in.Address.Value, addrName)
	} else {
		ps.add(addrName, addrName+" is required")
	}
	if len(*ps) > before {
		return nil
	}
	return &s
}
