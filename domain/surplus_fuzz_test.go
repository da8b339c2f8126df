package domain_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nordledger/ledger/domain"
)

// FuzzParseDestination: any input gives a destination of exactly one kind or problems that do
// not repeat the values sent.
func FuzzParseDestination(f *testing.F) {
	f.Add("86011117947", "9420", "4172385", "\x00", "SE4550000000058398257466", "SWEDSESS", tolvan, "SE", "16872", uint8(1))
	f.Add("\x00", "\x01", "3300-1010101010", "bkse", "\x00", "\x00", "\x00", "\x00", "\x00", uint8(2))
	f.Add("\x00", "\x00", "160-9908", "BgSe", "no93 8601 1117 947", "dnbanokkxxx", "121212-1212", "se", "168 72", uint8(4))
	f.Add("1234", "8327-9", "123 456 789-7", "PGSE", "123456", "SWED...", "YYYYMMDD-NNNN", "NO", "", uint8(15))
	f.Add("\x00", "\x00", "\x00", "\x00", "\x00", "\x00", "261227+3033", "SE", "ABC", uint8(8))
	f.Fuzz(func(t *testing.T, no, clearing, account, typ, iban, bic, regNo, country, zip string, which uint8) {
		var in domain.DisbursementOrderInput
		if which&1 != 0 {
			in.NorwegianBankAccount = domain.Set(domain.NorwegianBankAccountInput{AccountNo: field(no)})
		}
		if which&2 != 0 {
			in.SwedishBankAccount = domain.Set(domain.SwedishBankAccountInput{ClearingNo: field(clearing), AccountNo: field(account), AccountType: field(typ)})
		}
		if which&4 != 0 {
			in.International = domain.Set(domain.InternationalAccountInput{IBAN: field(iban), BIC: field(bic)})
		}
		if which&8 != 0 {
			in.SwedishSus = domain.Set(domain.SwedishSusInput{
				NationalIdentifier: domain.Set(domain.NationalIdentifierInput{RegNo: field(regNo), CountryCode: field(country)}),
				Address:            domain.Set(domain.AddressInput{Addressee: s("Kalle"), City: s("STOCKHOLM"), ZipCode: field(zip), CountryCode: field(country)}),
			})
		}
		d, err := domain.ParseDestination(in, today)
		if err != nil {
			for _, p := range problemsOf(t, err) {
				for _, v := range []string{no, clearing, account, iban, bic, regNo, zip} {
					if len(v) >= 6 && strings.Contains(p.Description, v) {
						t.Fatalf("problem %s leaks a value: %q", p.Name, p.Description)
					}
				}
			}
			return
		}
		if d.Kind() == "" || !reflect.DeepEqual(d.Clone(), d) {
			t.Fatalf("destination %+v", d)
		}
		n := 0
		for _, set := range []bool{d.NorwegianBankAccount != nil, d.SwedishBankAccount != nil, d.International != nil, d.SwedishSus != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d destinations in %+v", n, d)
		}
		// The canonical form is accepted again and stays the same.
		var again domain.DisbursementOrderInput
		switch {
		case d.NorwegianBankAccount != nil:
			again = noAccount(d.NorwegianBankAccount.AccountNo)
		case d.SwedishBankAccount != nil:
			a := d.SwedishBankAccount
			again = seTyped(a.DisplayAccountNo(), a.AccountType)
		case d.International != nil:
			again = international(d.International.IBAN, d.International.BIC)
		default:
			return
		}
		d2, err := domain.ParseDestination(again, today)
		if err != nil || !reflect.DeepEqual(d2, d) {
			t.Fatalf("canonical form %+v parsed as %+v, %v", d, d2, err)
		}
	})
}

// FuzzParseRegisterSurplus: a parsed registration is decided and applied without error.
func FuzzParseRegisterSurplus(f *testing.F) {
	f.Add("123", "10.00", "SEK", "2023-01-01T00:00:00", "/ledger/invoice/v1/1000/invoices/AAA", "\x00")
	f.Add("a.b~c", "1000", "jpy", "2023-01-01T01:00:00+01:00", "\x01", "/ledger/account/v1/1000/accounts/B%20B")
	f.Add("..", "1e3", "XXX", "2023-02-29T00:00:00", "//x", "/a b")
	f.Fuzz(func(t *testing.T, id, balance, currency, date, invoice, account string) {
		in := domain.SurplusInput{SurplusID: field(id), Balance: field(balance), Currency: field(currency), Date: field(date), Invoice: field(invoice), Account: field(account)}
		cmd, err := domain.ParseRegisterSurplus(in, today)
		if err != nil {
			problemsOf(t, err)
			return
		}
		c := new(domain.Customer)
		apply(t, c, createdEvent(t))
		events, err := c.RegisterSurplus(cmd)
		if err != nil {
			t.Fatal(err)
		}
		apply(t, c, events...)
		sp, ok := c.State().Surplus(cmd.SurplusID())
		if !ok || sp.Status != domain.SurplusOpen || sp.Balance.MinorUnits() <= 0 || sp.Date.After(today.Add(5*time.Minute)) || (sp.Invoice != "" && sp.Account != "") {
			t.Fatalf("surplus %+v", sp)
		}
		typ, version, data, err := domain.EncodeEvent(events[0])
		if err != nil {
			t.Fatal(err)
		}
		back, err := domain.DecodeEvent(typ, version, data)
		if err != nil || !reflect.DeepEqual(back, events[0]) {
			t.Fatalf("%s does not round-trip: %v", data, err)
		}
	})
}
