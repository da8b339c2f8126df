package popreg

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nordledger/ledger/domain"
)

// File is a population register held in memory, read from a JSON file of persons (see
// docs/configuration.md):
//
//	{"people": [{"nationalIdentifier": {"regNo": "19121212-1212", "countryCode": "SE"},
//	             "name": "Tolvan Tolvansson",
//	             "address": {"addressee": "Tolvan Tolvansson", "streetAddress": "Tolvansgatan 12",
//	                         "city": "STOCKHOLM", "zipCode": "11212", "countryCode": "SE"},
//	             "protectedIdentity": false}]}
//
// Every person is validated like a customer (identifier, name, address; protected identity only
// in Sweden) and identifiers are stored in canonical form, so any form the API accepts finds
// them. It is meant for development and tests; it never fails to answer.
type File struct {
	people map[domain.NationalIdentifier]domain.RegisteredPerson
}

//go:embed default.json
var defaultFile []byte

// Default returns the built-in register: the well-known Swedish test person 19121212-1212
// (Tolvan Tolvansson), a Swedish person with protected identity, and Norwegian, Danish and
// Finnish test persons (default.json).
func Default() *File {
	f, err := ParseFile(defaultFile, time.Now())
	if err != nil {
		panic("popreg: the built-in register is invalid: " + err.Error()) // TestDefault guards it
	}
	return f
}

// LoadFile reads a register file.
func LoadFile(path string, today time.Time) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("population register: %w", err)
	}
	f, err := ParseFile(data, today)
	if err != nil {
		return nil, fmt.Errorf("population register %s: %w", path, err)
	}
	return f, nil
}

// ParseFile parses a register file, reporting every invalid or repeated person at once (by
// index: the messages never hold personal data). Unknown properties are errors, and so is a
// property named twice in one object, in any casing (ambiguous).
func ParseFile(data []byte, today time.Time) (*File, error) {
	var doc struct {
		People []personJSON `json:"people"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not a register file: %w", err)
	}
	if err := repeatedName(data[:dec.InputOffset()]); err != nil { // ambiguous.go
		return nil, fmt.Errorf("not a register file: %w", err)
	}
	f := &File{people: make(map[domain.NationalIdentifier]domain.RegisteredPerson, len(doc.People))}
	var errs []error
	for i, pj := range doc.People {
		p, err := pj.parse(today)
		if err != nil {
			errs = append(errs, fmt.Errorf("people[%d]: %w", i, err))
			continue
		}
		if _, dup := f.people[p.NationalIdentifier]; dup {
			errs = append(errs, fmt.Errorf("people[%d]: the national identifier appears more than once", i))
			continue
		}
		f.people[p.NationalIdentifier] = p
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return f, nil
}

// Len returns the number of persons in the register.
func (f *File) Len() int { return len(f.people) }

// Person implements Register.
func (f *File) Person(ctx context.Context, ni domain.NationalIdentifier) (domain.RegisteredPerson, error) {
	if p, ok := f.people[ni]; ok {
		return p, nil
	}
	return domain.RegisteredPerson{}, domain.ErrNotInPopulationRegister()
}
