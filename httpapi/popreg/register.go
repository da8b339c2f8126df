// Package popreg holds the population register adapters (SPEC §7): the register that
// update-legal-address-from-population-register and generate-consumer-customer-by-reg-no read a
// person's name, address and protected-identity flag from.
//
// Two adapters implement [Register]: [File], a register held in memory from a JSON file (the
// default configuration ships one with a handful of test persons, [Default]), and [HTTP], a client
// of a register service speaking the JSON shape documented on [HTTP]. [Open] chooses one from a
// setting (LEDGERD_POPULATION_REGISTER).
package popreg

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/nordledger/ledger/domain"
)

// Register looks persons up by national identifier. Implementations are safe for concurrent use.
//
// Person returns the person the register holds under ni (a canonical identifier, as
// domain.ParseNationalIdentifier returns it). A person the register does not know is the error
// domain.ErrNotInPopulationRegister() (errors.Is(err, domain.ErrNotFound)); any other error means
// the register could not answer (down, slow, broken data) and wraps ErrUnavailable.
type Register interface {
	Person(ctx context.Context, ni domain.NationalIdentifier) (domain.RegisteredPerson, error)
}

// ErrUnavailable is wrapped by every error of a register that could not answer.
var ErrUnavailable = errors.New("popreg: the population register is unavailable")

// Open returns the register a setting names: "" is the built-in register ([Default]), an http://
// or https:// URL an [HTTP] register with the timeout (0: the default), anything else the path of
// a register file ([LoadFile]).
func Open(setting string, timeout time.Duration) (Register, error) {
	switch {
	case setting == "":
		return Default(), nil
	case strings.HasPrefix(setting, "http://") || strings.HasPrefix(setting, "https://"):
		return NewHTTP(HTTPConfig{URL: setting, Timeout: timeout})
	default:
		return LoadFile(setting, time.Now())
	}
}

// personJSON is a person in a register file and in a register service's answer.
type personJSON struct {
	NationalIdentifier struct {
		RegNo       *string `json:"regNo"`
		CountryCode *string `json:"countryCode"`
	} `json:"nationalIdentifier"`
	Name    *string `json:"name"`
	Address struct {
		Addressee     *string `json:"addressee"`
		StreetAddress *string `json:"streetAddress"`
		CoAddress     *string `json:"coAddress"`
		City          *string `json:"city"`
		ZipCode       *string `json:"zipCode"`
		CountryCode   *string `json:"countryCode"`
	} `json:"address"`
	ProtectedIdentity bool `json:"protectedIdentity"`
}

// parse validates a person with the customer's own rules (domain.ParseRegisteredPerson).
func (p personJSON) parse(today time.Time) (domain.RegisteredPerson, error) {
	f := func(s *string) domain.Field[string] {
		if s == nil {
			return domain.Field[string]{}
		}
		return domain.Set(*s)
	}
	a := p.Address
	return domain.ParseRegisteredPerson(domain.RegisteredPersonInput{
		NationalIdentifier: domain.NationalIdentifierInput{RegNo: f(p.NationalIdentifier.RegNo), CountryCode: f(p.NationalIdentifier.CountryCode)},
		Name:               f(p.Name),
		Address: domain.AddressInput{Addressee: f(a.Addressee), StreetAddress: f(a.StreetAddress), CoAddress: f(a.CoAddress),
			City: f(a.City), ZipCode: f(a.ZipCode), CountryCode: f(a.CountryCode)},
		ProtectedIdentity: p.ProtectedIdentity,
	}, today)
}
