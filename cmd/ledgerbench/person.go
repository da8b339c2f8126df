package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nordledger/ledger/domain"
)

// person is one generated customer. genPerson(i) always gives the same person; different indexes
// give different national identifiers. Every field is valid by the API's rules (the tests parse
// thousands of them with the domain's own parser).
type person struct {
	Index      int
	CustomerNo string
	Country    string // of the national identifier: SE, NO, DK or FI
	RegNo      string
	Business   bool
	Name       string
	VATNo      string
	Email      string
	MSISDN     string
	Language   string
	Delivery   string // distributionType
	Legal      address
	Billing    *address
	EDI        *ediInfo
}

type address struct {
	Addressee     string `json:"addressee"`
	StreetAddress string `json:"streetAddress,omitempty"`
	CoAddress     string `json:"coAddress,omitempty"`
	City          string `json:"city"`
	ZipCode       string `json:"zipCode"`
	CountryCode   string `json:"countryCode"`
}

type ediInfo struct {
	VAN                  string `json:"VAN"`
	InterChangeRecipient string `json:"InterChangeRecipient"`
	BuyerID              string `json:"BuyerId"`
}

// countryMix is the country of each index modulo 10: 70% Swedish, 10% each Norwegian, Danish,
// Finnish customers in a Swedish ledger.
var countryMix = [10]string{"SE", "SE", "NO", "SE", "DK", "SE", "FI", "SE", "SE", "SE"}

// countryRank returns the country of index i and i's number among that country's indexes.
func countryRank(i int) (string, int) {
	slot := i % 10
	c := countryMix[slot]
	per, rank := 0, 0
	for s, sc := range countryMix {
		if sc == c {
			if s < slot {
				rank++
			}
			per++
		}
	}
	return c, (i/10)*per + rank
}

var (
	firstNames = map[string][]string{
		"SE": {"Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Britt-Marie", "Per", "Ingrid", "Mikael", "Sofia", "Nils", "Astrid", "Olof"},
		"NO": {"Ola", "Kari", "Ingrid", "Jon", "Sigrid", "Bjørn", "Hanne", "Knut", "Solveig", "Håkon", "Liv", "Arne"},
		"DK": {"Jens", "Mette", "Søren", "Anne", "Niels", "Kirsten", "Rasmus", "Lene", "Mads", "Birgitte", "Henrik", "Pia"},
		"FI": {"Matti", "Aino", "Juha", "Liisa", "Mikko", "Tuula", "Jari", "Päivi", "Timo", "Helmi", "Eero", "Satu"},
	}
	surnames = map[string][]string{
		"SE": {"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson", "Lindqvist", "Axelstopp", "Bergström", "Lindgren"},
		"NO": {"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Nordmann", "Haugen"},
		"DK": {"Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen", "Jørgensen", "Madsen", "Kristensen"},
		"FI": {"Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen", "Meikäläinen", "Lehtonen"},
	}
	streets = map[string][]string{
		"SE": {"Storgatan", "Drottninggatan", "Kungsgatan", "Vasagatan", "Sveavägen", "Götgatan", "Axelgatan", "Skolgatan", "Parkvägen", "Björkvägen"},
		"NO": {"Storgata", "Kirkegata", "Karl Johans gate", "Skolegata", "Parkveien", "Bjørkeveien", "Torggata", "Markveien"},
		"DK": {"Vestergade", "Østergade", "Nørregade", "Søndergade", "Strøget", "Skolevej", "Kirkevej", "Bøgevej"},
		"FI": {"Mannerheimintie", "Aleksanterinkatu", "Hämeenkatu", "Puistokatu", "Koulukatu", "Rantatie", "Kirkkokatu", "Koivutie"},
	}
	// cities pairs a city with the first digits of its postal codes.
	cities = map[string][]struct{ name, zip string }{
		"SE": {{"STOCKHOLM", "11"}, {"GÖTEBORG", "41"}, {"MALMÖ", "21"}, {"UPPSALA", "75"}, {"LINKÖPING", "58"}, {"ÖREBRO", "70"}, {"UMEÅ", "90"}},
		"NO": {{"Oslo", "0"}, {"Bergen", "5"}, {"Trondheim", "7"}, {"Stavanger", "4"}, {"Tromsø", "9"}},
		"DK": {{"København K", "1"}, {"Aarhus C", "8"}, {"Odense C", "5"}, {"Aalborg", "9"}},
		"FI": {{"Helsinki", "00"}, {"Tampere", "33"}, {"Turku", "20"}, {"Oulu", "90"}, {"Espoo", "02"}},
	}
	zipLength = map[string]int{"SE": 5, "NO": 4, "DK": 4, "FI": 5}
	languages = map[string]string{"SE": "SV", "NO": "NO", "DK": "DA", "FI": "FI"}
	// mobilePrefix and mobileDigits make an E.164 mobile number of each country.
	mobilePrefix = map[string]string{"SE": "+4670", "NO": "+479", "DK": "+452", "FI": "+35840"}
	mobileDigits = map[string]int{"SE": 7, "NO": 7, "DK": 7, "FI": 7}
	mailDomains  = []string{"example.se", "example.no", "example.dk", "example.fi", "example.com"}
)

// mix is a small deterministic hash of an index, for choosing among lists.
func mix(i, salt int) int {
	x := uint64(i)*0x9E3779B97F4A7C15 + uint64(salt)*0xBF58476D1CE4E5B9
	x ^= x >> 31
	x *= 0x94D049BB133111EB
	x ^= x >> 29
	return int(x & 0x7fffffff)
}

func pick[T any](xs []T, i, salt int) T { return xs[mix(i, salt)%len(xs)] }

// digits returns n decimal digits drawn from i.
func digits(i, salt, n int) string {
	var b strings.Builder
	for k := 0; k < n; k++ {
		b.WriteByte(byte('0' + mix(i, salt+k)%10))
	}
	return b.String()
}

// asciiMail lower-cases a name part and replaces the Nordic letters for an e-mail address.
func asciiMail(s string) string {
	r := strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "ø", "o", "æ", "ae", "-", "", " ", "")
	return r.Replace(strings.ToLower(s))
}

func genAddress(country string, i, salt int, addressee string) address {
	city := pick(cities[country], i, salt)
	zip := city.zip + digits(i, salt+1, zipLength[country]-len(city.zip))
	a := address{Addressee: addressee, StreetAddress: fmt.Sprintf("%s %d", pick(streets[country], i, salt+2), 1+mix(i, salt+3)%120),
		City: city.name, ZipCode: zip, CountryCode: country}
	if mix(i, salt+4)%20 == 0 {
		a.CoAddress = "c/o " + pick(surnames[country], i, salt+5)
	}
	return a
}

// genPerson returns customer i of a run with customer number customerNo.
func genPerson(i int, customerNo string) person {
	if i < 0 || i >= maxIndex {
		panic(fmt.Sprintf("ledgerbench: customer index %d outside 0..%d", i, maxIndex-1))
	}
	country, j := countryRank(i)
	p := person{Index: i, CustomerNo: customerNo, Country: country, Language: languages[country], Delivery: "postal"}
	first, last := pick(firstNames[country], i, 1), pick(surnames[country], i, 2)
	switch country {
	case "SE":
		if j%20 == 19 { // one Swedish customer in 20 is a company
			p.Business = true
			p.RegNo = swedishOrgNumber(j / 20)
			p.VATNo = swedishVAT(p.RegNo)
		} else {
			p.RegNo = swedishPersonnummer(j - j/20)
		}
	case "NO":
		p.RegNo = norwegianFodselsnummer(j)
	case "DK":
		p.RegNo = danishCPR(j)
	case "FI":
		p.RegNo = finnishHETU(j)
	}
	if p.Business {
		p.Name = last + " " + pick([]string{"Bygg", "Konsult", "Handel", "Fastigheter", "Data"}, i, 3) + " AB"
		p.Email = "faktura@" + asciiMail(last) + fmt.Sprint(i) + ".se"
		p.EDI = &ediInfo{VAN: "PEPPOL", InterChangeRecipient: "SE" + p.RegNo[:6], BuyerID: fmt.Sprint(i)}
	} else {
		p.Name = first + " " + last
		p.Email = asciiMail(first) + "." + asciiMail(last) + fmt.Sprint(i) + "@" + pick(mailDomains, i, 4)
	}
	p.MSISDN = mobilePrefix[country] + digits(i, 10, mobileDigits[country])
	if mix(i, 5)%10 == 0 {
		p.Delivery = "noDistribution"
	}
	p.Legal = genAddress(country, i, 20, p.Name)
	if mix(i, 6)%10 < 3 { // three in ten have a separate billing address
		b := genAddress(country, i, 30, p.Name)
		if p.Business {
			b.Addressee = p.Name + " Ekonomi"
		}
		p.Billing = &b
	}
	return p
}

// createBody is the JSON body of the create-customer request.
func (p person) createBody() []byte {
	type ni struct {
		RegNo       string `json:"regNo"`
		CountryCode string `json:"countryCode"`
	}
	body := struct {
		CustomerNo            string   `json:"customerNo"`
		NationalIdentifier    ni       `json:"nationalIdentifier"`
		VATNo                 string   `json:"vatNo,omitempty"`
		LegalEntity           string   `json:"legalEntity"`
		Name                  string   `json:"name"`
		EmailAddress          string   `json:"emailAddress"`
		MSISDN                string   `json:"msisdn"`
		PreferredLanguageCode string   `json:"preferredLanguageCode"`
		DistributionType      string   `json:"distributionType"`
		EDIAddressInfo        *ediInfo `json:"eDIAddressInfo,omitempty"`
		LegalAddress          address  `json:"legalAddress"`
		BillingAddress        *address `json:"billingAddress,omitempty"`
	}{p.CustomerNo, ni{p.RegNo, p.Country}, p.VATNo, p.legalEntity(), p.Name, p.Email, p.MSISDN, p.Language,
		p.Delivery, p.EDI, p.Legal, p.Billing}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // plain strings only
	}
	return b
}

func (p person) legalEntity() string {
	if p.Business {
		return domain.LegalEntityBusiness
	}
	return domain.LegalEntityConsumer
}

// domainInput is the same request as createBody, as the domain's parser takes it (the offline
// seed creates customers through the command handler without HTTP).
func (p person) domainInput() domain.CustomerInput {
	addr := func(a address) domain.AddressInput {
		in := domain.AddressInput{Addressee: domain.Set(a.Addressee), StreetAddress: domain.Set(a.StreetAddress),
			City: domain.Set(a.City), ZipCode: domain.Set(a.ZipCode), CountryCode: domain.Set(a.CountryCode)}
		if a.CoAddress != "" {
			in.CoAddress = domain.Set(a.CoAddress)
		}
		return in
	}
	in := domain.CustomerInput{
		CustomerNo:            domain.Set(p.CustomerNo),
		NationalIdentifier:    domain.Set(domain.NationalIdentifierInput{RegNo: domain.Set(p.RegNo), CountryCode: domain.Set(p.Country)}),
		LegalEntity:           domain.Set(p.legalEntity()),
		Name:                  domain.Set(p.Name),
		EmailAddress:          domain.Set(p.Email),
		MSISDN:                domain.Set(p.MSISDN),
		PreferredLanguageCode: domain.Set(p.Language),
		DistributionType:      domain.Set(p.Delivery),
		LegalAddress:          domain.Set(addr(p.Legal)),
	}
	if p.VATNo != "" {
		in.VATNo = domain.Set(p.VATNo)
	}
	if p.EDI != nil {
		in.EDIAddressInfo = domain.Set(domain.EDIAddressInfoInput{VAN: domain.Set(p.EDI.VAN),
			InterChangeRecipient: domain.Set(p.EDI.InterChangeRecipient), BuyerID: domain.Set(p.EDI.BuyerID)})
	}
	if p.Billing != nil {
		in.BillingAddress = domain.Set(addr(*p.Billing))
	}
	return in
}
