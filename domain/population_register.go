package domain

import (
	"time"

	"github.com/nordledger/ledger/domain/nordic"
)

// RegisteredPerson is a person as a population register (folkbokföring, folkeregister, ...) holds
// them: the name and the address the register has on file, and whether the person's identity is
// protected (Swedish skyddad folkbokföring / sekretessmarkering).
type RegisteredPerson struct {
	NationalIdentifier NationalIdentifier
	Name               string
	Address            Address
	ProtectedIdentity  bool
}

// RegisteredPersonInput is a register's answer as it arrived (from a file or over HTTP).
type RegisteredPersonInput struct {
	NationalIdentifier NationalIdentifierInput
	Name               Field[string]
	Address            AddressInput
	ProtectedIdentity  bool
}

// ParseRegisteredPerson validates a register's answer with the rules the customer's own
// properties follow (name ≤ 72 characters, an address as a legal address), so nothing a register
// says can become a customer the API would refuse. Protected identity exists only in Sweden. The
// error is a validation *Error naming each failing property; for a register it means the
// register's data is broken, not the client's request.
func ParseRegisteredPerson(in RegisteredPersonInput, today time.Time) (RegisteredPerson, error) {
	var ps problems
	var p RegisteredPerson
	p.NationalIdentifier, _ = parseNationalIdentifier(&ps, in.NationalIdentifier, PropNationalIdentifier, today)
	p.Name = text(&ps, PropName, in.Name, textRequired, 72)
	p.Address = parseAddress(&ps, in.Address, "address")
	p.ProtectedIdentity = in.ProtectedIdentity
	if p.ProtectedIdentity && p.NationalIdentifier.CountryCode != "" && p.NationalIdentifier.CountryCode != "SE" {
		ps.add(PropProtectedIdentity, "protectedIdentity is only supported for Swedish persons")
	}
	if err := ps.err(); err != nil {
		return RegisteredPerson{}, err
	}
	return p, nil
}

// ErrNotInPopulationRegister returns the error of a national identifier the population register
// does not know (a "not-found" problem).
func ErrNotInPopulationRegister() *Error {
	return newError(CodeNotFound, "the population register has no person with this national identifier")
}

// PopulationRegisterKey returns the national identifier to look the customer up by in the
// population register; a customer without one is a conflict (nothing to look up).
func (s CustomerState) PopulationRegisterKey() (NationalIdentifier, error) {
	if s.NationalIdentifier == nil {
		return NationalIdentifier{}, newError(CodeConflict, "the customer has no national identifier to look up in the population register")
	}
	return *s.NationalIdentifier, nil
}

// UpdateFromPopulationRegister decides replacing the legal address with the register's
// (LegalAddressReplaced with source population-register). When the register marks the person's
// identity as protected and the customer is not yet, the customer becomes protected too
// (CustomerDetailsChanged): the register never lowers the flag — lifting a protection is a
// decision a client makes with PATCH. The same address and flag again change nothing.
func (c *Customer) UpdateFromPopulationRegister(p RegisteredPerson) ([]Event, error) {
	if !c.exists {
		return nil, errCustomerNotFound()
	}
	ni, err := c.state.PopulationRegisterKey()
	if err != nil {
		return nil, err
	}
	if ni != p.NationalIdentifier {
		return nil, newError(CodeConflict, "the population register answered for another national identifier")
	}
	var events []Event
	if c.state.LegalAddress == nil || *c.state.LegalAddress != p.Address {
		events = append(events, LegalAddressReplaced{Address: p.Address, Source: SourcePopulationRegister})
	}
	if p.ProtectedIdentity && !c.state.ProtectedIdentity && c.state.Swedish() {
		protected := true
		events = append(events, CustomerDetailsChanged{Set: DetailChanges{ProtectedIdentity: &protected}})
	}
	return events, nil
}

// GenerateCustomerInput is a generate-consumer-customer-by-reg-no request as sent.
type GenerateCustomerInput struct {
	CustomerNo         Field[string]
	NationalIdentifier Field[NationalIdentifierInput]
	EmailAddress       Field[string]
	MSISDN             Field[string]
}

// GenerateCustomer is a validated generate-consumer-customer-by-reg-no command: the register
// supplies the name, the legal address and the protected-identity flag (FromRegister).
type GenerateCustomer struct {
	customerNo string
	ni         NationalIdentifier
	email      string
	msisdn     string
}

// NationalIdentifier returns the national identifier to look up in the population register.
func (g GenerateCustomer) NationalIdentifier() NationalIdentifier { return g.ni }

// CustomerNo returns the customer number the request names ("" where the ledger generates them).
func (g GenerateCustomer) CustomerNo() string { return g.customerNo }

// ParseGenerateCustomer validates a generate request. customerNo follows the create rules: it is
// required unless the ledger generates customer numbers, and must then be absent;
// nationalIdentifier is always required and, the customer being a consumer, must be a person's.
func ParseGenerateCustomer(in GenerateCustomerInput, p LedgerPolicy, today time.Time) (GenerateCustomer, error) {
	var ps problems
	var g GenerateCustomer
	switch {
	case p.GenerateCustomerNumbers:
		if in.CustomerNo.HasValue() {
			ps.add(PropCustomerNo, "customerNo must not be sent: this ledger generates customer numbers")
		}
	case !in.CustomerNo.HasValue():
		ps.add(PropCustomerNo, "customerNo is required: this ledger does not generate customer numbers")
	default:
		if msg := p.customerNoProblem(in.CustomerNo.Value); msg != "" {
			ps.add(PropCustomerNo, msg)
		} else {
			g.customerNo = in.CustomerNo.Value
		}
	}
	if in.NationalIdentifier.HasValue() {
		var id nordic.NationalID
		g.ni, id = parseNationalIdentifier(&ps, in.NationalIdentifier.Value, PropNationalIdentifier, today)
		if g.ni.RegNo != "" && !id.Person && id.Kind != nordic.KindOther {
			ps.add(PropNationalIdentifier+".regNo", "a consumer's regNo must be a personal identity number, not an organisation number")
		}
	} else {
		ps.add(PropNationalIdentifier, "nationalIdentifier is required")
	}
	g.email = parseEmail(&ps, in.EmailAddress)
	g.msisdn = parseMSISDN(&ps, in.MSISDN)
	if err := ps.err(); err != nil {
		return GenerateCustomer{}, err
	}
	return g, nil
}

// FromRegister returns the create command of a consumer customer with the register's name,
// legal address and protected-identity flag, recorded with source population-register. The
// person must be the one the command names.
func (g GenerateCustomer) FromRegister(p RegisteredPerson) (CreateCustomer, error) {
	if p.NationalIdentifier != g.ni {
		return CreateCustomer{}, newError(CodeConflict, "the population register answered for another national identifier")
	}
	ni := g.ni
	return CreateCustomer{created: CustomerCreated{
		CustomerNo:         g.customerNo,
		NationalIdentifier: &ni,
		LegalEntity:        LegalEntityConsumer,
		Name:               p.Name,
		EmailAddress:       g.email,
		ProtectedIdentity:  p.ProtectedIdentity && ni.CountryCode == "SE",
		LegalStatus:        LegalStatusActive,
		MSISDN:             g.msisdn,
		LegalAddress:       p.Address,
		Source:             SourcePopulationRegister,
	}}, nil
}
