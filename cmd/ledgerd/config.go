package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/nordledger/ledger/domain"
	"github.com/nordledger/ledger/domain/nordic"
	"github.com/nordledger/ledger/eventstore/wire"
)

// LedgerFile is the ledger configuration file (LEDGERD_CONFIG); see config/ledgers.example.json
// and docs/configuration.md.
type LedgerFile struct {
	Ledgers []LedgerConfig `json:"ledgers"`
	// Merchants are the Connect client API's merchants by merchant id (config_merchants.go).
	Merchants map[string]MerchantConfig `json:"merchants,omitempty"`
}

// LedgerConfig configures one ledger.
type LedgerConfig struct {
	LedgerNo                string `json:"ledgerNo"`
	CountryCode             string `json:"countryCode"`
	GenerateCustomerNumbers bool   `json:"generateCustomerNumbers"`
	CustomerNoMaxLength     int    `json:"customerNoMaxLength,omitempty"`
	CustomerNoLength        int    `json:"customerNoLength,omitempty"`
	// Kyc configures know-your-customer questions (docs/configuration.md); none when absent.
	Kyc *domain.KycConfig `json:"kyc,omitempty"`
	// RetentionPeriod is how long a customer's personal data is kept after its last activity
	// before it may be forgotten: an ISO 8601 period ("P7Y"); none when absent.
	RetentionPeriod string `json:"retentionPeriod,omitempty"`
}

// DefaultLedgers is the built-in configuration: the demo ledger 1000 in Sweden, and the Connect
// merchant 1000 reading it.
func DefaultLedgers() LedgerFile {
	return LedgerFile{Ledgers: []LedgerConfig{{LedgerNo: "1000", CountryCode: "SE", Kyc: demoKyc()}}, Merchants: demoMerchants()}
}

// LoadLedgerFile reads and validates a ledger configuration file. Unknown properties are errors,
// so a typo cannot silently change behaviour.
func LoadLedgerFile(path string) (LedgerFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return LedgerFile{}, fmt.Errorf("ledger configuration: %w", err)
	}
	var f LedgerFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return LedgerFile{}, fmt.Errorf("ledger configuration %s: %w", path, err)
	}
	if err := f.Validate(); err != nil {
		return LedgerFile{}, fmt.Errorf("ledger configuration %s: %w", path, err)
	}
	return f, nil
}

// Validate reports every problem at once, naming the ledger.
func (f LedgerFile) Validate() error {
	var errs []error
	if len(f.Ledgers) == 0 {
		errs = append(errs, errors.New("no ledgers configured"))
	}
	seen := map[string]bool{}
	for i, l := range f.Ledgers {
		name := fmt.Sprintf("ledgers[%d] (%s)", i, l.LedgerNo)
		// A subject token too (wire.InvalidToken): the relay publishes the ledger's events on
		// ledger.customer.v1.{ledgerNo}..., and stops for good at an event it cannot map.
		if l.LedgerNo == "" || strings.ContainsAny(l.LedgerNo, "/?#. \t") || len(l.LedgerNo) > 32 || wire.InvalidToken(l.LedgerNo) != "" {
			errs = append(errs, fmt.Errorf("%s: ledgerNo must be 1–32 characters of valid UTF-8 without / ? # . * > whitespace or control characters", name))
		}
		if seen[l.LedgerNo] {
			errs = append(errs, fmt.Errorf("%s: ledgerNo appears more than once", name))
		}
		seen[l.LedgerNo] = true
		if _, ok := nordic.CountryCode(l.CountryCode); !ok {
			errs = append(errs, fmt.Errorf("%s: countryCode must be an ISO 3166-1 alpha-2 code", name))
		}
		if l.CustomerNoMaxLength < 0 || l.CustomerNoMaxLength > 15 {
			errs = append(errs, fmt.Errorf("%s: customerNoMaxLength must be 1–15", name))
		}
		if l.CustomerNoLength < 0 || l.CustomerNoLength > 15 {
			errs = append(errs, fmt.Errorf("%s: customerNoLength must be 1–15", name))
		} else if l.CustomerNoMaxLength > 0 && l.CustomerNoLength > l.CustomerNoMaxLength {
			// No number would be both exactly that long and at most the longest accepted.
			errs = append(errs, fmt.Errorf("%s: customerNoLength %d is above customerNoMaxLength %d: no customer number would be accepted", name, l.CustomerNoLength, l.CustomerNoMaxLength))
		}
		if _, err := domain.ParseRetentionPeriod(l.RetentionPeriod); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
		if l.Kyc != nil {
			if _, err := domain.NewKyc(l.LedgerNo, *l.Kyc); err != nil {
				errs = append(errs, err) // each line names the ledger and question
			}
		}
	}
	errs = append(errs, f.validateMerchants()...)
	return errors.Join(errs...)
}

// ledgers implements httpapi.Ledgers.
type ledgers map[string]domain.LedgerPolicy

func (l ledgers) Ledger(no string) (domain.LedgerPolicy, bool) {
	p, ok := l[no]
	return p, ok
}

func (f LedgerFile) policies() ledgers {
	out := ledgers{}
	for _, l := range f.Ledgers {
		cc, _ := nordic.CountryCode(l.CountryCode)
		retention, _ := domain.ParseRetentionPeriod(l.RetentionPeriod) // valid: Validate checked it
		out[l.LedgerNo] = domain.LedgerPolicy{LedgerNo: l.LedgerNo, CountryCode: cc, GenerateCustomerNumbers: l.GenerateCustomerNumbers,
			CustomerNoMaxLength: l.CustomerNoMaxLength, CustomerNoLength: l.CustomerNoLength, Retention: retention}
		if l.Kyc != nil {
			p := out[l.LedgerNo]
			p.Kyc, _ = domain.NewKyc(l.LedgerNo, *l.Kyc) // valid: Validate checked it (the default: TestDefaultLedgersValid)
			out[l.LedgerNo] = p
		}
	}
	return out
}
