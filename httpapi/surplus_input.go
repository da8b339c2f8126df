package httpapi

import (
	"bytes"
	"encoding/json"

	"github.com/nordledger/ledger/domain"
)

// amount reads a money amount: a JSON number, kept as its exact text (never a float) for the
// domain to read as the exact decimal it denotes (domain.ParseAmount). SPEC §5
// makes it a number, so a string holding one ("10.00") is refused like any other type.
// (encoding/json would put a quoted number into a json.Number, hence the check of the first
// byte.)
func (f *fields) amount(o *object, name string) domain.Field[string] {
	v, ok := o.raw(name)
	switch {
	case !ok:
		return domain.Field[string]{}
	case isNull(v):
		return domain.Null[string]()
	}
	v = bytes.TrimSpace(v)
	var n json.Number
	if len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9') && json.Unmarshal(v, &n) == nil {
		return domain.Set(n.String())
	}
	f.add(o.path+name, o.path+name+" must be a JSON number such as 10.00, not a string or another type")
	return domain.Field[string]{}
}

func (f *fields) surplusInput(o *object) domain.SurplusInput {
	in := domain.SurplusInput{
		SurplusID: f.str(o, domain.PropSurplusID),
		Balance:   f.amount(o, domain.PropBalance),
		Currency:  f.str(o, domain.PropCurrency),
		Date:      f.str(o, domain.PropDate),
		Invoice:   f.str(o, domain.PropInvoice),
		Account:   f.str(o, domain.PropAccount),
	}
	f.unknown(o, "of a surplus (surplusId, balance, currency, date, invoice, account)")
	return in
}

func (f *fields) settleInput(o *object) domain.SettleInput {
	in := domain.SettleInput{Amount: f.amount(o, domain.PropAmount)}
	f.unknown(o, "of a settlement (amount)")
	return in
}

// disbursementInput reads a disbursement order: one of the four destination objects.
func (f *fields) disbursementInput(o *object) domain.DisbursementOrderInput {
	var in domain.DisbursementOrderInput
	if child, _, null := f.obj(o, domain.PropNorwegianBankAccount); child != nil {
		in.NorwegianBankAccount = domain.Set(domain.NorwegianBankAccountInput{AccountNo: f.str(child, "accountNo")})
		f.unknown(child, "of norwegianBankAccount (accountNo)")
	} else if null {
		in.NorwegianBankAccount = domain.Null[domain.NorwegianBankAccountInput]()
	}
	if child, _, null := f.obj(o, domain.PropSwedishBankAccount); child != nil {
		in.SwedishBankAccount = domain.Set(domain.SwedishBankAccountInput{
			ClearingNo: f.str(child, "clearingNo"), AccountNo: f.str(child, "accountNo"), AccountType: f.str(child, "accountType")})
		f.unknown(child, "of swedishBankAccount (clearingNo, accountNo, accountType)")
	} else if null {
		in.SwedishBankAccount = domain.Null[domain.SwedishBankAccountInput]()
	}
	if child, _, null := f.obj(o, domain.PropInternational); child != nil {
		in.International = domain.Set(domain.InternationalAccountInput{IBAN: f.str(child, "iban"), BIC: f.str(child, "bic")})
		f.unknown(child, "of international (iban, bic)")
	} else if null {
		in.International = domain.Null[domain.InternationalAccountInput]()
	}
	if child, _, null := f.obj(o, domain.PropSwedishSus); child != nil {
		in.SwedishSus = domain.Set(domain.SwedishSusInput{
			NationalIdentifier: f.nationalIdentifier(child, "nationalIdentifier"),
			Address:            f.addressField(child, "address"),
		})
		f.unknown(child, "of swedishSus (nationalIdentifier, address)")
	} else if null {
		in.SwedishSus = domain.Null[domain.SwedishSusInput]()
	}
	f.unknown(o, "of a disbursement order (norwegianBankAccount, swedishBankAccount, international, swedishSus)")
	return in
}
