package projections

import (
	"fmt"
	"strings"
)

// Set is the projections ledgerd runs. ledgerd builds it with NewSet, and so do ledgerctl's
// rebuild and verify, so that an offline rebuild makes exactly ledgerd's read models. A new
// projection is added here: a field, its construction in NewSet and its place in All.
type Set struct {
	Customers *Customers
	Audit     *Audit
}

// NewSet returns ledgerd's projections over db. natID keys national identifiers the way the
// command handler keys its reservations (app.NationalIDKey with the writer's key).
func NewSet(db *DB, natID NationalIDKeyFunc) *Set {
	return &Set{Customers: NewCustomers(db, natID), Audit: NewAudit(db)}
}

// All returns the set's projections, in a fixed order.
func (s *Set) All() []Projection { return []Projection{s.Customers, s.Audit} }

// Names returns the names of the set's projections, in the order of All.
func (s *Set) Names() []string {
	var names []string
	for _, p := range s.All() {
		names = append(names, p.Name())
	}
	return names
}

// Select returns the projection named name, or every projection for "all".
func (s *Set) Select(name string) ([]Projection, error) {
	if name == "all" {
		return s.All(), nil
	}
	for _, p := range s.All() {
		if p.Name() == name {
			return []Projection{p}, nil
		}
	}
	return nil, fmt.Errorf("no projection named %q (known: %s, or all)", name, strings.Join(s.Names(), ", "))
}
