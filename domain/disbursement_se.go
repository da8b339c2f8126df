package domain

import (
	"strings"

	"github.com/nordledger/ledger/domain/nordic"
)

// parseSwedishBankAccount validates a swedishBankAccount object (see ParseDestination).
func parseSwedishBankAccount(ps *problems, in SwedishBankAccountInput) *SwedishBankAccount {
	const p = PropSwedishBankAccount
	clearingName, accountName, typeName := p+".clearingNo", p+".accountNo", p+".accountType"
	before := len(*ps)
	typ := AccountTypeBank
	if in.AccountType.HasValue() {
		typ = enum(ps, typeName, in.AccountType, []string{AccountTypeBank, AccountTypeBankgiro, AccountTypePlusgiro})
	}
	hasClearing := in.ClearingNo.HasValue() && strings.TrimSpace(in.ClearingNo.Value) != ""
	switch {
	case typ == AccountTypeBank && !in.AccountType.HasValue() && !hasClearing:
		ps.add(clearingName, clearingName+" is required unless accountType is sent ("+accountTypesRendered+")")
	case (typ == AccountTypeBankgiro || typ == AccountTypePlusgiro) && hasClearing:
		ps.add(clearingName, clearingName+" must not be sent with accountType "+typ)
	}
	account, ok := required(ps, accountName, in.AccountNo)
	if !ok || len(*ps) > before {
		return nil
	}
	switch typ {
	case AccountTypeBankgiro:
		no, err := nordic.ParseBankgiro(account)
		if err != nil {
			ps.add(accountName, accountName+" is not a valid bankgiro number: "+describe(err))
			return nil
		}
		return &SwedishBankAccount{AccountNo: no, AccountType: AccountTypeBankgiro}
	case AccountTypePlusgiro:
		no, err := nordic.ParsePlusgiro(account)
		if err != nil {
			ps.add(accountName, accountName+" is not a valid plusgiro number: "+describe(err))
			return nil
		}
		return &SwedishBankAccount{AccountNo: no, AccountType: AccountTypePlusgiro}
	}
	clearing := strings.TrimSpace(in.ClearingNo.Value)
	if !hasClearing {
		var msg string
		if clearing, account, msg = splitClearing(account); msg != "" {
			ps.add(accountName, accountName+" "+msg)
			return nil
		}
		clearingName = accountName // both are in accountNo
	}
	acc, err := nordic.ParseSwedishAccount(clearing, account)
	if err != nil {
		name := accountName
		if nordic.ReasonOf(err) == nordic.ReasonUnknownBank || clearingProblem(clearing) {
			name = clearingName
		}
		ps.add(name, name+" is not a valid Swedish bank account: "+describe(err))
		return nil
	}
	return &SwedishBankAccount{ClearingNo: acc.ClearingNo, AccountNo: acc.AccountNo, AccountType: AccountTypeBank}
}

// splitClearing splits a BKSE accountNo that holds clearing and account number. With
// separators ("-" or ",") the clearing number is the first group ("3300-1010101010"), and a
// 4-digit 8xxx group followed by a one-digit group is a Swedbank clearing number with its check
// digit ("8327-9, 123 456 789-7"); digits only are 4 clearing digits and the account, or for 15
// digits starting with 8 a 5-digit Swedbank clearing number. Spaces and dots are ignored. It
// returns a problem ending for "accountNo …" when the value cannot be split.
func splitClearing(s string) (clearing, account, msg string) {
	const layout = "must hold the clearing number and the account number, e.g. 3300-1010101010"
	v := strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' {
			return -1
		}
		return r
	}, s)
	groups := strings.FieldsFunc(v, func(r rune) bool { return r == '-' || r == ',' })
	switch {
	case len(groups) == 0:
		return "", "", layout
	case len(groups) > 1:
		clearing, groups = groups[0], groups[1:]
		if len(clearing) == 4 && clearing[0] == '8' && len(groups) > 1 && len(groups[0]) == 1 {
			clearing, groups = clearing+groups[0], groups[1:]
		}
		return clearing, strings.Join(groups, ""), ""
	}
	if !allDigits(v) || len(v) < 6 {
		return "", "", layout
	}
	n := 4
	if len(v) == 15 && v[0] == '8' {
		n = 5
	}
	return v[:n], v[n:], ""
}

// clearingProblem reports whether a clearing number is itself malformed: not 4 digits, nor 5
// digits of a Swedbank 8xxx-x with a correct check digit (separators " -." ignored).
func clearingProblem(c string) bool {
	c = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' {
			return -1
		}
		return r
	}, c)
	switch {
	case !allDigits(c):
		return true
	case len(c) == 4:
		return false
	case len(c) == 5 && c[0] == '8':
		return !luhn(c)
	}
	return true
}

// luhn reports whether a digit string passes the Luhn check.
func luhn(s string) bool {
	sum := 0
	for i := 0; i < len(s); i++ {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
